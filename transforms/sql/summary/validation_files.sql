-- Every file received for the year with its department, version and outcome. Parameters: year.
SELECT coalesce(d.name, s.department), s.kind, s.file_name, s.version, s.status,
       s.message FROM submission s LEFT JOIN department d ON d.code = s.department
WHERE s.year = ? ORDER BY s.department, s.kind, s.version
