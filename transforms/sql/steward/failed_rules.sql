-- The rules a submission failed, errors before warnings. Parameters: submission_id.
SELECT rule_id, severity, column_name, message, expected, fix, failures, unexpected_count
FROM validation_result WHERE submission_id = ? AND NOT success
ORDER BY severity, rule_id, column_name
