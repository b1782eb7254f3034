-- A received file, archived: one submission row (kind and version are set once it is parsed).
INSERT INTO submission (submission_id, department, year, kind, file_name, source_path, sha256, size_bytes,
                        received_at, version, encoding, status, archive_path, message)
VALUES ($sid, $department, $year, NULL, $file_name, $source_path, $sha256, $size, $received_at, NULL, NULL,
        $status, $archive_path, $message)
