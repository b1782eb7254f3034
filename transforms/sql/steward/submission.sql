-- One submission's file, department and reading details for its steward report. Parameters: submission_id.
SELECT s.department, d.name, s.year, s.kind, s.file_name, s.version, s.sha256, s.encoding, s.status,
       s.received_at, s.sheet, s.header_row FROM submission s LEFT JOIN department d ON d.code = s.department
WHERE s.submission_id = ?
