-- Versions count per (department, year, kind): the 2nd indicator file of a year is version 2.
SELECT coalesce(max(o.version), 0) + 1
FROM submission o JOIN submission s ON o.department = s.department AND o.year = s.year
WHERE s.submission_id = $sid AND o.kind = $kind
