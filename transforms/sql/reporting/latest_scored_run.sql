-- The run whose numbers the latest succeeded run of $year used (of the latest year with one when $year
-- is NULL), of framework $framework when given: (scored run id, year, framework id).
SELECT scored_run_id, year, framework_id FROM run
WHERE status = 'succeeded' AND scored_run_id IS NOT NULL
  AND ($year IS NULL OR year = $year) AND ($framework IS NULL OR framework_id = $framework)
ORDER BY year DESC, finished_at DESC
LIMIT 1
