-- The department's other uploads that have a file in the inbox (SQLite).
-- Parameters: year, department, the upload's own id (left out).
SELECT id, inbox_path FROM upload
WHERE year = ? AND department = ? AND id != ? AND inbox_path IS NOT NULL
