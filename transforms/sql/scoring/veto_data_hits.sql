-- A binding indicator with no accepted value. The evidence names the department's latest file of the
-- year when it was rejected (still rejected at the run, i.e. at the deadline), or says nothing arrived.
INSERT INTO veto_hit BY NAME
WITH latest AS (
    SELECT department, max(submission_id) AS submission_id FROM submission
    WHERE year = $year AND coalesce(kind, 'unreadable') IN ('indicators', 'unreadable') GROUP BY department
)
SELECT $run_id AS run_id, s.region_code, $rule_id AS rule_id, $rule_name AS rule_name, $effect AS effect,
       $cap_grade AS cap_grade, s.indicator_code, NULL AS value, s.target_value AS target,
       CASE WHEN f.status = 'rejected'
            THEN i.name || ': 报送文件未通过审核(' || coalesce(f.message, '退回') || '), 无已通过审核的数据'
            WHEN f.submission_id IS NULL THEN i.name || ': 责任部门未报送, 无已通过审核的数据'
            ELSE i.name || ': 无已通过审核的数据' END AS description,
       CASE WHEN f.status = 'rejected' THEN f.submission_id END AS submission_id
FROM score s JOIN indicator i ON i.framework_id = $framework AND i.code = s.indicator_code
LEFT JOIN latest l ON l.department = i.department
LEFT JOIN submission f ON f.submission_id = l.submission_id
WHERE s.run_id = $run_id AND s.year = $year AND s.value IS NULL AND coalesce(s.applicable, true)
  AND list_contains($indicators, s.indicator_code)
