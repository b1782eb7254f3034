-- What validating a submission needs to know of it. Parameters: submission_id.
SELECT department, year, kind, file_name, version, archive_path FROM submission
WHERE submission_id = ?
