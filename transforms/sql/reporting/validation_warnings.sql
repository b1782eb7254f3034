-- The failed warning-level rules of the submissions the run scored and of the year's current ones.
-- Parameters: run_id, year, year.
SELECT v.submission_id, d.name AS department_name, s.file_name, s.version, v.rule_id, v.message,
       v.expected, v.fix, v.failures
FROM validation_result v JOIN submission s USING (submission_id) LEFT JOIN department d ON d.code = s.department
WHERE NOT v.success AND v.severity = 'warning' AND v.submission_id IN (SELECT submission_id FROM score
      WHERE run_id = ? AND year = ? UNION SELECT submission_id FROM current_submission WHERE year = ?)
ORDER BY d.name, v.rule_id
