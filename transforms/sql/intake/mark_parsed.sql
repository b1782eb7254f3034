-- A parsed file: what it holds, how it was read, and its version among the department's files of that kind.
UPDATE submission SET kind = $kind, encoding = $encoding, sheet = $sheet, header_row = $header_row,
                      sheet_reason = $sheet_reason, version = $version, status = $status
WHERE submission_id = $sid
