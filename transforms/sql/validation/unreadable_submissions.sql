-- The files that could not be read at all, of one department or (NULL) of all.
-- Parameters: department, department.
SELECT submission_id FROM submission WHERE kind = 'unreadable'
AND (? IS NULL OR department = ?) ORDER BY submission_id
