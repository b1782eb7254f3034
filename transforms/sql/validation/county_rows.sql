-- The file rows of a submission with their county code, for a failing rule about the county column.
-- Parameters: submission_id.
SELECT DISTINCT row_number, region_code, region_code AS value, NULL AS note
FROM observation WHERE submission_id = ?
