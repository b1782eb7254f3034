-- Every received file, oldest first per (department, year, kind), with whether it is the current data.
SELECT s.department, coalesce(d.name, s.department) AS department_name, s.year, s.kind, s.version,
       s.file_name, s.sha256, s.size_bytes, s.received_at, s.status, s.encoding, s.sheet, s.header_row,
       s.archive_path, s.message, c.submission_id IS NOT NULL AS is_current, s.submission_id
FROM submission s LEFT JOIN department d ON d.code = s.department
LEFT JOIN current_submission c USING (submission_id)
WHERE ($year IS NULL OR s.year = $year) AND ($department IS NULL OR s.department = $department)
ORDER BY s.year, s.department, s.kind, s.version NULLS LAST, s.submission_id
