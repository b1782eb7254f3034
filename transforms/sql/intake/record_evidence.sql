-- 佐证材料 listed in the departments' `.evidence.json` (frame `evidence_listed`), recorded against the
-- submission holding the same bytes (department, year, sha256). An entry recorded before is skipped;
-- one for bytes no submission holds (a file the portal's check refused never reaches the inbox) is
-- left out. Returns the number of rows recorded.
INSERT INTO evidence
SELECT s.submission_id, l.evidence_no, l.file_name, l.sha256, l.size_bytes, l.note, l.event_id, l.region_code,
       l.indicator_code, l.attached_at, l.attached_by, now()
FROM evidence_listed l
JOIN submission s ON s.department = l.department AND s.year = l.year AND s.sha256 = l.file_sha256
WHERE NOT EXISTS (SELECT 1 FROM evidence e WHERE e.submission_id = s.submission_id AND e.evidence_no = l.evidence_no)
