-- 离任审计 of department heads (《领导干部自然资源资产离任审计规定(试行)》第五条(二); departments with
-- audit_subject): per tenure and indicator of the department, the counties' values in the year before the
-- tenure began against its last year ($year if still in post: a 任中 audit), their means, how many counties
-- improved or worsened in the indicator's direction, and how many met their target at the end.
WITH t AS (
    SELECT *, year(start_date) - 1 AS year_before,
           least(year(coalesce(end_date, make_date($year, 12, 31))), $year) AS year_end,
           end_date IS NULL OR end_date > make_date($year, 12, 31) AS incumbent
    FROM current_tenure
    WHERE post = $head AND start_date <= make_date($year, 12, 31)
      AND department IN (SELECT code FROM department WHERE audit_subject)
), pairs AS (
    SELECT t.cadre_id, t.department, t.start_date, t.end_date, t.year_before, t.year_end, t.incumbent,
           i.code, i.name AS indicator_name, i.unit, i.direction, i.position, g.region_code,
           b.value AS value_before, e.value AS value_end,
           coalesce(rt.value, i.target_value) AS target, coalesce(rt.op, i.target_op) AS target_op
    FROM t JOIN indicator i ON i.framework_id = $framework AND i.department = t.department
    JOIN region g ON g.parent_code = $jurisdiction
    LEFT JOIN current_observation b ON b.region_code = g.region_code AND b.indicator_code = i.code
                                   AND b.year = t.year_before
    LEFT JOIN current_observation e ON e.region_code = g.region_code AND e.indicator_code = i.code
                                   AND e.year = t.year_end
    LEFT JOIN region_target rt ON rt.framework_id = i.framework_id AND rt.indicator_code = i.code
                              AND rt.region_code = g.region_code AND rt.year = t.year_end
    WHERE NOT EXISTS (SELECT 1 FROM indicator_not_applicable n
                      WHERE n.framework_id = $framework AND n.indicator_code = i.code
                        AND n.region_code = g.region_code AND (n.year IS NULL OR n.year = t.year_end))
)
SELECT cadre_id, department, start_date, end_date, year_before, year_end, incumbent, code, indicator_name, unit,
       direction, position, avg(value_before) AS mean_before, avg(value_end) AS mean_end,
       count(*) FILTER (direction * (value_end - value_before) > 0) AS improved,
       count(*) FILTER (direction * (value_end - value_before) < 0) AS worsened,
       count(*) FILTER (target IS NOT NULL AND value_end IS NOT NULL AND CASE target_op
           WHEN '>=' THEN value_end >= target WHEN '<=' THEN value_end <= target
           ELSE abs(value_end - target) < 1e-9 END) AS met,
       count(*) FILTER (target IS NOT NULL AND value_end IS NOT NULL) AS with_target,
       count(*) AS counties
FROM pairs
GROUP BY ALL
ORDER BY cadre_id, start_date, position
