-- Who released a held submission, and why (强制上报 or the office's acceptance). Parameters: submission_id.
SELECT role, person, reason, confirmed_at FROM confirmation WHERE submission_id = ? ORDER BY confirmed_at
