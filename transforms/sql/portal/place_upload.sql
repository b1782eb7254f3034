-- The upload is the cell's file in the inbox: its path and state ('passed', or 'forced' with the
-- department's explanation; an absent explanation keeps the stored one) (SQLite).
-- Parameters: inbox path, state, explanation or NULL, upload id.
UPDATE upload SET inbox_path = ?, state = ?, explanation = coalesce(?, explanation)
WHERE id = ?
