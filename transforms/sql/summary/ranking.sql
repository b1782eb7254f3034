-- The run's ranking: rank, county, index, assessment score, grade, and its one-vote vetoes (rule names,
-- or — ). Parameters: run_id, year.
SELECT r.rank, g.name, round(r.gdi, 2), round(r.assessment_score, 2), r.grade,
       coalesce((SELECT string_agg(DISTINCT h.rule_name, '、' ORDER BY h.rule_name) FROM veto_hit h
                 WHERE h.run_id = r.run_id AND h.region_code = r.region_code), '—')
FROM result r JOIN region g USING (region_code) WHERE r.run_id = ?
AND r.year = ? ORDER BY r.rank
