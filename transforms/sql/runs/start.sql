-- Record a new run as `running`. Parameters: run_id, year, framework_id, parameters (JSON), Prefect flow run id.
INSERT INTO run (run_id, year, framework_id, parameters, started_at, status, prefect_flow_run_id)
VALUES (?, ?, ?, ?, now(), 'running', ?)
