-- Counties per grade in the run. Parameters: run_id, year.
SELECT grade, count(*) FROM result WHERE run_id = ? AND year = ? GROUP BY grade
ORDER BY grade
