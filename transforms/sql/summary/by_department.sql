-- The year's validation outcome per department: files, accepted, rejected, the versions in use and
-- their warnings, and a verdict ("the newest file was rejected, the accepted one stays in use").
-- Parameters: year, year.
WITH v AS (
    SELECT submission_id, count(*) FILTER (severity = 'warning' AND NOT success) AS warnings,
           count(*) FILTER (severity = 'error' AND NOT success) AS errors
    FROM validation_result GROUP BY submission_id),
s AS (
    SELECT s.*, coalesce(v.warnings, 0) AS warnings, coalesce(v.errors, 0) AS errors,
           s.submission_id IN (SELECT submission_id FROM current_submission WHERE year = ?) AS in_use
    FROM submission s LEFT JOIN v USING (submission_id) WHERE s.year = ?)
SELECT d.name AS "部门", count(s.submission_id) AS "收到文件", count(*) FILTER (s.status = 'accepted') AS "通过",
       count(*) FILTER (s.status = 'rejected') AS "退回",
       coalesce(string_agg(s.file_name || ' 第 ' || s.version || ' 版', '; ' ORDER BY s.kind) FILTER (s.in_use), '—')
           AS "采用版本",
       CAST(coalesce(sum(s.warnings) FILTER (s.in_use), 0) AS INTEGER) AS "采用版本警告",
       CAST(coalesce(sum(s.errors) FILTER (s.status = 'rejected'), 0) AS INTEGER) AS "退回文件错误",
       CASE WHEN count(s.submission_id) = 0 THEN '未报送'
            WHEN count(*) FILTER (s.in_use) = 0 THEN '全部退回, 无可用数据'
            WHEN max(s.submission_id) FILTER (s.status = 'rejected') > max(s.submission_id) FILTER (s.in_use)
                THEN '最新报送被退回, 沿用已通过版本'
            WHEN sum(s.warnings) FILTER (s.in_use) > 0 THEN '通过(有警告)'
            ELSE '通过' END AS "结论"
FROM department d LEFT JOIN s ON s.department = d.code
GROUP BY d.code, d.name ORDER BY d.code
