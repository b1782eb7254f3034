-- Where a submission's fields are, to name the cell of each failure. Parameters: submission_id.
SELECT key, header, letter FROM submission_column WHERE submission_id = ?
