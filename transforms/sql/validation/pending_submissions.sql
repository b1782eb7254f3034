-- The parsed submissions not yet decided, of one department or (NULL) of all, with the department's
-- name and the file's (for progress: file i of n, with the department).
-- Parameters: department, department.
SELECT s.submission_id, coalesce(d.name, s.department), s.file_name
FROM submission s LEFT JOIN department d ON d.code = s.department
WHERE s.status = 'received' AND s.kind IS NOT NULL AND (? IS NULL OR s.department = ?)
ORDER BY s.submission_id
