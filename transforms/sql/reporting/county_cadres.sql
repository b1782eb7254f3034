-- The run's attributed results of county cadres (department heads excluded: they have no county).
-- Parameters: run_id, year, the department head's post name.
SELECT * FROM cadre_result WHERE run_id = ? AND year = ? AND post <> ?
ORDER BY region_code, post, start_date
