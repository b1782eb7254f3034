-- The row of a 佐证材料 (evidence) file attached to an upload, before the file is written: sha256 and
-- path empty until then (SQLite); returns its id. Parameters: upload id, file_name, size, note,
-- uploaded_at, account, address, event_id, region_code, indicator_code (the last three NULL when the
-- evidence is about the whole file).
INSERT INTO evidence (upload_id, file_name, sha256, size, path, note, uploaded_at, account, address, event_id,
                      region_code, indicator_code)
VALUES (?, ?, '', ?, '', ?, ?, ?, ?, ?, ?, ?)
RETURNING id
