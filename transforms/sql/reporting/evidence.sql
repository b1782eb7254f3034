-- 佐证材料 attached to the submissions of the years up to $year, with the file they are attached to and
-- what they prove in words: an event, a county's value, a county, or the whole file. `scope_region`:
-- the county they concern (the event's county for an event; NULL for the whole file).
-- Parameters (named): $framework, $year.
SELECT e.submission_id, e.evidence_no, e.file_name, e.sha256, e.size_bytes, e.note, e.event_id, e.region_code,
       e.indicator_code, e.attached_at, e.attached_by, s.file_name AS submission_file, s.version,
       d.name AS department_name,
       coalesce(e.region_code, (SELECT any_value(ev.region_code) FROM event ev
                                WHERE ev.submission_id = e.submission_id AND ev.event_id = e.event_id)) AS scope_region,
       CASE WHEN e.event_id IS NOT NULL THEN '事件' || e.event_id
            WHEN e.region_code IS NOT NULL THEN coalesce(r.name, e.region_code) || coalesce(i.name, '全部数据')
            ELSE '整份文件' END AS proves
FROM evidence e JOIN submission s USING (submission_id)
LEFT JOIN department d ON d.code = s.department
LEFT JOIN region r ON r.region_code = e.region_code
LEFT JOIN indicator i ON i.framework_id = $framework AND i.code = e.indicator_code
WHERE s.year <= $year
ORDER BY s.department, s.submission_id, e.evidence_no
