-- The run history, newest first, for `ecoassess status`: every run, or (run id prefix given) the runs
-- whose id starts with it. Parameters: run id prefix or NULL, the same again, how many rows.
SELECT run_id, year, framework_id, status, started_at, finished_at, stage_timings, stage_counts,
       scored_run_id, prefect_flow_run_id, parameters, fingerprints, error, summary
FROM run WHERE ? IS NULL OR run_id LIKE ? || '%'
ORDER BY started_at DESC LIMIT ?
