-- The errors and warnings already found while reading the file. Parameters: submission_id.
SELECT count(*) FILTER (severity = 'error'), count(*) FILTER (severity = 'warning')
FROM validation_result WHERE submission_id = ? AND expectation_type = 'parse'
