-- The scored run of the latest succeeded run with the same inputs fingerprint, whose results a new
-- run reuses. Parameters: fingerprint, year, framework_id.
SELECT scored_run_id FROM run WHERE fingerprint = ? AND year = ? AND framework_id = ?
                     AND status = 'succeeded' AND scored_run_id IS NOT NULL
ORDER BY finished_at DESC LIMIT 1
