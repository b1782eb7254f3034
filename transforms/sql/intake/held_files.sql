-- Held submissions (a veto or binding indicator's implausible change) delivered from an inbox folder,
-- where the portal leaves a department's 强制上报 beside the file.
SELECT submission_id, source_path, sha256 FROM submission
WHERE status = 'held' AND coalesce(source_path, '') <> ''
