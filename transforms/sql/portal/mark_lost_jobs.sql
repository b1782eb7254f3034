-- Jobs a stopped portal left running or queued without a Prefect flow run to follow: status unknown
-- (SQLite). No parameters.
UPDATE job SET status = 'unknown'
WHERE status IN ('running', 'queued') AND prefect_flow_run_id IS NULL
