-- The account and CSRF token of a live session of an enabled account (SQLite).
-- Parameters: sha256 of the session token, the current time (epoch seconds).
SELECT a.name, a.role, a.department, s.csrf
FROM session s JOIN account a ON a.name = s.account
WHERE s.token_hash = ? AND s.expires_at > ? AND NOT a.disabled
