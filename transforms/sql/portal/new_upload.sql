-- The row of an upload before anything else happens to it, state 'checking', sha256 not yet known
-- (SQLite); returns its id. Parameters: year, department, kind, file_name, size, uploaded_at,
-- account, address.
INSERT INTO upload (year, department, kind, file_name, sha256, size, uploaded_at, account, address, state)
VALUES (?, ?, ?, ?, '', ?, ?, ?, ?, 'checking')
RETURNING id
