-- For each year up to $year, the run whose results a report shows: this run for the assessed year;
-- otherwise the latest succeeded run that assessed that year (its grades carry that year's vetoes);
-- otherwise the latest run that scored the year alongside the next one (`assessed` false: no vetoes).
-- Parameters (named): $framework, $run_id, $year. Also the CTE `best` of the reporting steps that
-- read other years (`with_best_runs` in transforms/reporting/context.py puts it in front of them).
WITH owners AS (
    SELECT scored_run_id AS run_id, year, max(finished_at) AS finished FROM run
    WHERE status = 'succeeded' AND framework_id = $framework AND scored_run_id IS NOT NULL GROUP BY ALL
), cand AS (
    SELECT DISTINCT run_id, year FROM result
    WHERE year <= $year AND (run_id = $run_id OR run_id IN (SELECT run_id FROM owners))
)
SELECT c.year, c.run_id, (c.run_id = $run_id AND c.year = $year) OR o.run_id IS NOT NULL AS assessed
FROM cand c
LEFT JOIN owners o ON o.run_id = c.run_id AND o.year = c.year
LEFT JOIN (SELECT run_id, max(finished) AS finished FROM owners GROUP BY run_id) a ON a.run_id = c.run_id
QUALIFY row_number() OVER (PARTITION BY c.year ORDER BY (c.run_id = $run_id AND c.year = $year) DESC,
                           o.run_id IS NOT NULL DESC, c.run_id = $run_id DESC, coalesce(o.finished, a.finished)
                           DESC NULLS LAST) = 1
