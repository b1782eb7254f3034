-- The failed warning-level rules of the submissions the run scored and of the year's current ones, each
-- with the confirmations that released its file if it was held (强制上报 or the office's acceptance:
-- role, person, reason, at). Parameters: run_id, year, year.
SELECT v.submission_id, d.name AS department_name, s.file_name, s.version, v.rule_id, v.message,
       v.expected, v.fix, v.failures,
       (SELECT list({'role': c.role, 'person': c.person, 'reason': c.reason,
                     'at': strftime(c.confirmed_at, '%Y-%m-%d %H:%M')} ORDER BY c.confirmed_at)
        FROM confirmation c WHERE c.submission_id = v.submission_id) AS confirmations
FROM validation_result v JOIN submission s USING (submission_id) LEFT JOIN department d ON d.code = s.department
WHERE NOT v.success AND v.severity = 'warning' AND v.submission_id IN (SELECT submission_id FROM score
      WHERE run_id = ? AND year = ? UNION SELECT submission_id FROM current_submission WHERE year = ?)
ORDER BY d.name, v.rule_id
