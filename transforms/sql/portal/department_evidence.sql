-- Every evidence file written in full for the uploads of one department and year, with the sha256 of
-- the upload it belongs to (how the run finds the submission it supports) (SQLite).
-- Parameters: year, department.
SELECT u.sha256 AS upload_sha256, e.id, e.file_name, e.sha256, e.size, e.note, e.uploaded_at, e.account,
       e.event_id, e.region_code, e.indicator_code
FROM evidence e JOIN upload u ON u.id = e.upload_id
WHERE u.year = ? AND u.department = ? AND e.path != ''
ORDER BY e.id
