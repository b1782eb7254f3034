-- 退回: the office sent the upload back; it is out of the inbox (SQLite).
-- Parameters: reason, office account, returned_at, upload id.
UPDATE upload SET state = 'returned', inbox_path = NULL, returned_reason = ?, returned_by = ?, returned_at = ?
WHERE id = ?
