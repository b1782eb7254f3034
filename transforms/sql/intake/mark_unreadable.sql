-- A file that could not be read as a table: rejected, counted as a version of kind 'unreadable'.
UPDATE submission SET status = 'rejected', kind = 'unreadable', message = $message, version = $version
WHERE submission_id = $sid
