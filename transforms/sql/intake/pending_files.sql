-- Received files not yet parsed, oldest first.
SELECT submission_id, file_name, archive_path, year, department FROM submission
WHERE status = 'received' AND kind IS NULL ORDER BY submission_id
