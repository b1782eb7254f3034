-- One indicator's cells of a submission as submitted, for the steward's failing rows.
-- Parameters: submission_id, indicator_code.
SELECT row_number, region_code, raw_text AS value, note FROM observation
WHERE submission_id = ? AND indicator_code = ?
