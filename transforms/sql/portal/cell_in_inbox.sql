-- The upload of one cell (department, year, kind) whose file is in the inbox, if any (SQLite).
-- Parameters: year, department, kind.
SELECT id FROM upload
WHERE year = ? AND department = ? AND kind = ? AND inbox_path IS NOT NULL
