-- Step 1: every (county, indicator) assessed, with its value used, its normalized score and target,
-- for $last and (if in $years) the year before; the year before's score beside this year's.
-- Not applicable (na0/na1: the framework's `not_applicable` or 不涉及 in data/targets/) is not missing:
-- such a row has no value and no score, `applicable` false, and keeps out of every statistic.
-- An indicator without data anywhere in a year (`none_c`/`none_p`) scores the method's floor and keeps
-- its weight (2016 公报 附注: 暂无数据的指标权数不变、赋最低值).
-- `_observation` (scoring/prepare.py) is the accepted data after the framework's denomination, imputation and
-- outlier treatment: `treated` is the value to normalize where it differs, `how` says what was done. An
-- indicator too thinly reported in a year (`_low_coverage`) is left out like a not applicable one.
WITH obs AS (  -- one row per (county, indicator): the values of the last three years side by side
    SELECT c.ri, i.ki,
        arg_max(o.value, coalesce(o.submission_id, 0)) FILTER (o.year = $last) AS v0,
        max(o.submission_id) FILTER (o.year = $last) AS s0,
        arg_max(o.value, coalesce(o.submission_id, 0)) FILTER (o.year = $last - 1) AS v1,
        max(o.submission_id) FILTER (o.year = $last - 1) AS s1,
        arg_max(o.value, coalesce(o.submission_id, 0)) FILTER (o.year = $last - 2) AS v2,
        max(o.submission_id) FILTER (o.year = $last - 2) AS s2,
        arg_max(o.treated, coalesce(o.submission_id, 0)) FILTER (o.year = $last) AS tx0,
        arg_max(o.treated, coalesce(o.submission_id, 0)) FILTER (o.year = $last - 1) AS tx1,
        arg_max(o.how, coalesce(o.submission_id, 0)) FILTER (o.year = $last) AS h0,
        arg_max(o.how, coalesce(o.submission_id, 0)) FILTER (o.year = $last - 1) AS h1
    FROM _observation o JOIN _county c USING (region_code) JOIN _ind i ON i.code = o.indicator_code
    WHERE o.year BETWEEN $last - 2 AND $last
    GROUP BY c.ri, i.ki
), notes AS (  -- the reasons given for missing values, likewise (arg_max skips NULLs: only rows with a note count)
    SELECT c.ri, i.ki,
        arg_max(o.note, o.submission_id) FILTER (o.year = $last) AS n0,
        arg_max(o.note, o.submission_id) FILTER (o.year = $last - 1) AS n1
    FROM _observation o JOIN _county c USING (region_code) JOIN _ind i ON i.code = o.indicator_code
    WHERE o.year BETWEEN $last - 1 AND $last AND o.note IS NOT NULL
    GROUP BY c.ri, i.ki
), targets AS (  -- decomposed per-region targets, likewise
    SELECT c.ri, i.ki,
        any_value(t.op) FILTER (t.year = $last) AS op0, any_value(t.value) FILTER (t.year = $last) AS t0,
        any_value(t.op) FILTER (t.year = $last - 1) AS op1, any_value(t.value) FILTER (t.year = $last - 1) AS t1
    FROM region_target t JOIN _county c USING (region_code) JOIN _ind i ON i.code = t.indicator_code
    WHERE t.framework_id = $framework AND t.year BETWEEN $last - 1 AND $last
    GROUP BY c.ri, i.ki
), na AS (  -- declared not applicable, per year (year NULL: every year)
    SELECT c.ri, i.ki, bool_or(n.year IS NULL OR n.year = $last) AS na0,
           bool_or(n.year IS NULL OR n.year = $last - 1) AS na1
    FROM indicator_not_applicable n JOIN _county c USING (region_code) JOIN _ind i ON i.code = n.indicator_code
    WHERE n.framework_id = $framework AND (n.year IS NULL OR n.year BETWEEN $last - 1 AND $last)
    GROUP BY c.ri, i.ki
), lc AS (  -- left out for the year: reported by too few of the counties it applies to
    SELECT i.ki, bool_or(l.year = $last) AS lc0, bool_or(l.year = $last - 1) AS lc1,
           any_value(l.share) FILTER (l.year = $last) AS share0, any_value(l.share) FILTER (l.year = $last - 1) AS share1
    FROM _low_coverage l JOIN _ind i ON i.code = l.indicator_code GROUP BY i.ki
), pairs AS (  -- each county with each indicator its zone assesses: what differs per county
    -- (_c: $last, _p: the year before)
    SELECT c.ri, i.ki, coalesce(zw.weight, i.weight) AS weight, o.* EXCLUDE (ri, ki), n.* EXCLUDE (ri, ki),
           t.* EXCLUDE (ri, ki), coalesce(i.missing_final, $missing) AS missing, i.pct_lo IS NOT NULL AS by_pct,
           coalesce(lc.lc0, false) AS lc0, coalesce(lc.lc1, false) AS lc1, lc.share0, lc.share1,
           coalesce(na.na0, false) OR coalesce(lc.lc0, false) AS na0,
           coalesce(na.na1, false) OR coalesce(lc.lc1, false) AS na1,
           CASE WHEN NOT (coalesce(na.na0, false) OR coalesce(lc.lc0, false))
                THEN _used_value(o.v0, o.v1, coalesce(i.missing_final, $missing)) END AS value_c,
           CASE WHEN NOT (coalesce(na.na1, false) OR coalesce(lc.lc1, false))
                THEN _used_value(o.v1, o.v2, coalesce(i.missing_final, $missing)) END AS value_p,
           CASE WHEN o.tx0 IS NOT NULL AND value_c IS NOT DISTINCT FROM o.v0 THEN o.tx0
                ELSE _transformed(value_c, coalesce(i.log_transform, false)) END AS x_c,
           CASE WHEN o.tx1 IS NOT NULL AND value_p IS NOT DISTINCT FROM o.v1 THEN o.tx1
                ELSE _transformed(value_p, coalesce(i.log_transform, false)) END AS x_p
    FROM _county c CROSS JOIN _ind i
    LEFT JOIN indicator_zone_weight zw ON zw.framework_id = $framework AND zw.indicator_code = i.code
                                      AND zw.zone = c.zone
    LEFT JOIN obs o ON o.ri = c.ri AND o.ki = i.ki
    LEFT JOIN notes n ON n.ri = c.ri AND n.ki = i.ki
    LEFT JOIN targets t ON t.ri = c.ri AND t.ki = i.ki
    LEFT JOIN na ON na.ri = c.ri AND na.ki = i.ki
    LEFT JOIN lc ON lc.ki = i.ki
    WHERE coalesce(zw.weight, i.weight) > 0
), stats AS (  -- aggregates joined back: far cheaper than window functions over every row
    SELECT ki, min(x_c) AS lo_c, max(x_c) AS hi_c, avg(x_c) AS mean_c, stddev_pop(x_c) AS sd_c,
           min(x_p) AS lo_p, max(x_p) AS hi_p, avg(x_p) AS mean_p, stddev_pop(x_p) AS sd_p,
           -- a year with no accepted data at all (e.g. the first year in the warehouse) is not scored
           sum(count(value_c)) OVER () > 0 AS scored_c,
           sum(count(value_p)) OVER () > 0 AND list_contains($years, $last - 1) AS scored_p,
           count(value_c) = 0 AS none_c, count(value_p) = 0 AS none_p,
           -- sorted values only for the indicators whose goalposts are percentiles of the data
           list_sort(list(x_c) FILTER (x_c IS NOT NULL AND by_pct)) AS xs_c,
           list_sort(list(x_p) FILTER (x_p IS NOT NULL AND by_pct)) AS xs_p
    FROM pairs GROUP BY ki
), percentiles AS (  -- sorted only for the indicators that use it, on the columns the sort needs
    SELECT p.ri, p.ki,
        CASE WHEN p.x_c IS NOT NULL THEN
            percent_rank() OVER (PARTITION BY p.ki, p.x_c IS NULL ORDER BY i.direction * p.x_c) END AS pr_c,
        CASE WHEN p.x_p IS NOT NULL THEN
            percent_rank() OVER (PARTITION BY p.ki, p.x_p IS NULL ORDER BY i.direction * p.x_p) END AS pr_p
    FROM pairs p JOIN _ind i USING (ki) WHERE coalesce(i.normalization, $method) = 'rank'
), scored AS (  -- with what is the same for every county (the indicator's)
    SELECT p.*, i.ci, i.direction, coalesce(i.normalization, $method) AS method,
        coalesce(p.op0, i.target_op) AS target_op_c, coalesce(p.t0, i.target_value) AS target_value_c,
        coalesce(p.op1, i.target_op) AS target_op_p, coalesce(p.t1, i.target_value) AS target_value_p,
        -- goalposts: fixed (in the unit, logged with the values), or the year's percentiles of the values
        coalesce(_percentile(st.xs_c, i.pct_lo), CASE WHEN i.log_transform THEN ln(i.goal_lo) ELSE i.goal_lo END) AS gl,
        coalesce(_percentile(st.xs_c, i.pct_hi), CASE WHEN i.log_transform THEN ln(i.goal_hi) ELSE i.goal_hi END) AS gh,
        coalesce(_percentile(st.xs_p, i.pct_lo), CASE WHEN i.log_transform THEN ln(i.goal_lo) ELSE i.goal_lo END) AS gl_p,
        coalesce(_percentile(st.xs_p, i.pct_hi), CASE WHEN i.log_transform THEN ln(i.goal_hi) ELSE i.goal_hi END) AS gh_p,
        st.scored_c, st.scored_p, st.none_c, st.none_p,
        CASE WHEN p.na0 THEN NULL
             WHEN method = 'minmax_data' THEN
                 _minmax_data(i.direction, p.x_c, st.lo_c, st.hi_c, i.range_lo, i.range_hi, p.missing, st.none_c)
             ELSE _normalized(method, i.direction, p.x_c, p.value_c, st.lo_c, st.hi_c, st.mean_c, st.sd_c, gl, gh,
                              target_value_c, $cap, r.pr_c, p.missing, st.none_c, $lowest) END AS normalized_c,
        CASE WHEN p.na1 THEN NULL
             WHEN method = 'minmax_data' THEN
                 _minmax_data(i.direction, p.x_p, st.lo_p, st.hi_p, i.range_lo, i.range_hi, p.missing, st.none_p)
             ELSE _normalized(method, i.direction, p.x_p, p.value_p, st.lo_p, st.hi_p, st.mean_p, st.sd_p, gl_p, gh_p,
                              target_value_p, $cap, r.pr_p, p.missing, st.none_p, $lowest) END AS normalized_p
    FROM pairs p JOIN _ind i USING (ki) JOIN stats st USING (ki) LEFT JOIN percentiles r USING (ri, ki)
)
SELECT y.year, ri, ki, ci, method,
    NOT CASE WHEN y.year = $last THEN na0 ELSE na1 END AS applicable,
    CASE WHEN y.year = $last THEN value_c ELSE value_p END AS value,
    CASE WHEN y.year = $last THEN v1 ELSE v2 END AS previous_value,
    CASE WHEN y.year = $last THEN normalized_c ELSE normalized_p END AS normalized,
    weight,
    CASE WHEN y.year = $last THEN target_op_c ELSE target_op_p END AS target_op,
    CASE WHEN y.year = $last AND NOT na0 THEN target_value_c WHEN y.year <> $last AND NOT na1 THEN target_value_p
    END AS target_value,
    -- whose target applies: the county's own (data/targets/) or the framework's city-wide one
    CASE WHEN (y.year = $last AND na0) OR (y.year <> $last AND na1) THEN NULL
         WHEN (CASE WHEN y.year = $last THEN t0 ELSE t1 END) IS NOT NULL THEN '县级分解目标'
         WHEN (CASE WHEN y.year = $last THEN target_value_c ELSE target_value_p END) IS NOT NULL THEN '市级目标'
    END AS target_source,
    CASE WHEN y.year = $last THEN _met(value_c, target_op_c, target_value_c)
         ELSE _met(value_p, target_op_p, target_value_p) END AS met,
    CASE WHEN y.year = $last THEN coalesce(_coverage_flag(lc0, share0, $coverage_min),
                                           _missing_flag(v0, n0, v1, missing, na0, none_c), h0)
         ELSE coalesce(_coverage_flag(lc1, share1, $coverage_min), _missing_flag(v1, n1, v2, missing, na1, none_p), h1)
    END AS flag,
    CASE WHEN y.year = $last THEN _used_submission(v0, s0, v1, s1, missing)
         ELSE _used_submission(v1, s1, v2, s2, missing) END AS submission_id,
    CASE WHEN y.year = $last AND scored_p THEN normalized_p END AS previous_normalized
FROM scored CROSS JOIN (SELECT unnest($years) AS year) y
WHERE CASE WHEN y.year = $last THEN scored_c ELSE scored_p END
