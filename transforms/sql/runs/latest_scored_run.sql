-- The scored run of the year's latest succeeded run. Parameters: year, framework_id.
SELECT scored_run_id FROM run WHERE year = ? AND framework_id = ? AND status = 'succeeded'
ORDER BY finished_at DESC LIMIT 1
