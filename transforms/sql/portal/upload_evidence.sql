-- The evidence files of one upload that were written in full (path set), oldest first (SQLite).
-- Parameters: upload id.
SELECT id, upload_id, file_name, sha256, size, note, uploaded_at, account, event_id, region_code, indicator_code
FROM evidence
WHERE upload_id = ? AND path != ''
ORDER BY id
