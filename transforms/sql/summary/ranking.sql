-- The run's ranking: rank, county, index, assessment score, grade. Parameters: run_id, year.
SELECT r.rank, g.name, round(r.gdi, 2), round(r.assessment_score, 2), r.grade
FROM result r JOIN region g USING (region_code) WHERE r.run_id = ?
AND r.year = ? ORDER BY r.rank
