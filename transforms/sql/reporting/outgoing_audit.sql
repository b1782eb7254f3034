-- 离任审计: each county tenure's change of the natural-resource indicators, from the year before it
-- began to its last year (or the assessed year if still in post), with the targets.
-- Parameters: year, year, the department head's post name (excluded), year, framework_id.
WITH t AS (
    SELECT *, year(start_date) - 1 AS year_before,
           least(year(coalesce(end_date, make_date(?, 12, 31))), ?) AS year_end
    FROM current_tenure WHERE post <> ? AND start_date <= make_date(?, 12, 31)
)
SELECT t.cadre_id, t.post, t.region_code, g.name AS region_name, t.start_date, t.end_date,
       t.year_before, t.year_end, i.code, i.name AS indicator_name, i.unit, i.direction,
       b.value AS value_before, e.value AS value_end, e.value - b.value AS change,
       coalesce(rt.value, i.target_value) AS target, coalesce(rt.op, i.target_op) AS target_op,
       CASE WHEN e.value IS NULL OR coalesce(rt.value, i.target_value) IS NULL THEN NULL
            WHEN coalesce(rt.op, i.target_op) = '>=' THEN e.value >= coalesce(rt.value, i.target_value)
            WHEN coalesce(rt.op, i.target_op) = '<=' THEN e.value <= coalesce(rt.value, i.target_value)
       END AS met
FROM t JOIN indicator i ON i.framework_id = ? AND i.audit
JOIN region g ON g.region_code = t.region_code
LEFT JOIN current_observation b ON b.region_code = t.region_code AND b.indicator_code = i.code
                               AND b.year = t.year_before
LEFT JOIN current_observation e ON e.region_code = t.region_code AND e.indicator_code = i.code
                               AND e.year = t.year_end
LEFT JOIN region_target rt ON rt.framework_id = i.framework_id AND rt.indicator_code = i.code
                          AND rt.region_code = t.region_code AND rt.year = t.year_end
ORDER BY t.cadre_id, t.start_date, i.position
