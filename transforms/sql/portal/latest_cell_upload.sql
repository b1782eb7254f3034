-- The newest upload of one cell (department, year, kind), whatever its state (SQLite).
-- Parameters: year, department, kind.
SELECT id, state, uploaded_at, returned_at FROM upload
WHERE year = ? AND department = ? AND kind = ?
ORDER BY id DESC
LIMIT 1
