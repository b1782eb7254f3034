-- The submissions a county's numbers came from (region_code NULL: used by every county: events,
-- tenures), with the count of warnings each raised. Parameters (named): $run_id, $year.
WITH used AS (
    SELECT DISTINCT region_code, submission_id FROM score
    WHERE run_id = $run_id AND year = $year AND submission_id IS NOT NULL
    UNION SELECT region_code, submission_id FROM veto_hit WHERE run_id = $run_id AND submission_id IS NOT NULL
    UNION SELECT NULL, submission_id FROM current_submission WHERE kind = 'events' AND year = $year
    UNION SELECT NULL, any_value(submission_id) FROM current_tenure
)
SELECT u.region_code, s.submission_id, d.name AS department_name, s.kind, s.file_name, s.version, s.sha256,
       s.status, s.received_at,
       (SELECT count(*) FROM validation_result v WHERE v.submission_id = s.submission_id
        AND NOT v.success AND v.severity = 'warning') AS warnings
FROM used u JOIN submission s USING (submission_id) LEFT JOIN department d ON d.code = s.department
ORDER BY s.department, s.kind, s.version
