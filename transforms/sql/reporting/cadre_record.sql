-- Every year's attributed cadre results up to $year, each year from its best run (CTE `best`:
-- reporting/best_runs). Parameters (named): $framework, $run_id, $year.
SELECT c.*, b.assessed FROM cadre_result c JOIN best b USING (run_id, year)
ORDER BY c.cadre_id, c.year, c.start_date
