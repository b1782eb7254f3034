-- Every county's result in every year up to $year, each year from its best run (CTE `best`:
-- reporting/best_runs). Parameters (named): $framework, $run_id, $year.
SELECT r.region_code, r.year, r.gdi, r.rank, r.n_regions, r.assessment_score, r.grade, r.vetoed, b.assessed
FROM result r JOIN best b USING (run_id, year) ORDER BY r.year
