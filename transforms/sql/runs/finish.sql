-- Close a run's history row. Parameters: status, stage_timings (JSON), stage_counts (JSON),
-- summary (JSON), error, run_id.
UPDATE run SET finished_at = now(), status = ?, stage_timings = ?, stage_counts = ?, summary = ?, error = ?
WHERE run_id = ?
