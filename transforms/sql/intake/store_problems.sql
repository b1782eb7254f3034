-- Findings of parsing (frame `problems`), stored like failed expectations so stewards see one list.
INSERT INTO validation_result (submission_id, rule_id, expectation_type, column_name, severity, success,
                               unexpected_count, message, expected, fix, failures)
SELECT submission_id, rule_id, 'parse', column_name, severity, false, 1, message, expected, fix, failures
FROM problems
