-- The parsed submissions not yet decided, of one department or (NULL) of all.
-- Parameters: department, department.
SELECT submission_id FROM submission WHERE status = 'received' AND kind IS NOT NULL
AND (? IS NULL OR department = ?) ORDER BY submission_id
