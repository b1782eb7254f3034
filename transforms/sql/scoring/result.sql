-- Per county and year: targets met, assessment score (targets, index, deductions), rank, grade, and the
-- absolute change: the indicators that improved or worsened since last year in their own direction
-- (`change_balance` = (Σ w improved − Σ w worsened) / Σ w compared), which unlike the index change does
-- not depend on where the other counties stand. Points of their own (each indicator counted once): by rank
-- on $rank_indicator (rank 1: $rank_points, the last: $rank_points · $rank_last_share, linear between)
-- and $satisfaction_points · value / 100 of the public-satisfaction indicator, whose value is kept as
-- `satisfaction` (evaluated beside the index).
INSERT INTO result BY NAME
WITH per_region AS (
    SELECT s.year, s.ri,
        count(*) FILTER (s.met) AS targets_met,
        count(*) FILTER (s.target_value IS NOT NULL) AS targets_total,
        count(*) FILTER (i.binding AND s.target_value IS NOT NULL AND coalesce(s.met, false) = false) AS binding_missed,
        count(*) FILTER (s.value IS NULL AND s.applicable) AS missing_count,
        count(*) FILTER (_moved(i.direction, s.value, s.previous_value) > 0) AS improved,
        count(*) FILTER (_moved(i.direction, s.value, s.previous_value) < 0) AS worsened,
        sum(s.weight * _moved(i.direction, s.value, s.previous_value))
            / sum(s.weight) FILTER (_moved(i.direction, s.value, s.previous_value) IS NOT NULL) AS change_balance,
        sum(s.weight * CASE WHEN s.met THEN 1 ELSE 0 END) FILTER (s.target_value IS NOT NULL)
            / sum(s.weight) FILTER (s.target_value IS NOT NULL) AS met_share
    FROM _score s JOIN _ind i USING (ki)
    GROUP BY s.year, s.ri
), own AS (  -- the indicators that give points of their own (outside the index: read from the observations)
    SELECT c.ri, o.year,
        arg_max(o.value, o.submission_id) FILTER (o.indicator_code = $rank_indicator) AS rank_value,
        arg_max(o.value, o.submission_id) FILTER (o.indicator_code = $satisfaction_indicator) AS satisfaction
    FROM current_observation o JOIN _county c USING (region_code)
    WHERE o.year IN (SELECT DISTINCT year FROM _score)
      AND o.indicator_code IN ($rank_indicator, $satisfaction_indicator) AND o.value IS NOT NULL
    GROUP BY c.ri, o.year
), own_ranked AS (
    SELECT *, rank() OVER (PARTITION BY year ORDER BY $rank_direction * rank_value DESC) AS own_rank,
           count(rank_value) OVER (PARTITION BY year) AS own_n
    FROM own
), deducted AS (
    SELECT year, ri, sum(points) AS points FROM (
        SELECT h.year, c.ri, least(sum(h.points), any_value(m.max_points)) AS points
        FROM deduction_hit h JOIN caps m USING (deduction_id) JOIN _county c USING (region_code)
        WHERE h.run_id = $run_id
        GROUP BY h.year, c.ri, h.deduction_id)
    GROUP BY year, ri
), assessed AS (
    -- a county missing more than the framework's share of its indicators gets no index (`_no_index`, see
    -- scoring/prepare.py): no index, rank, score or grade, and the reason
    SELECT p.*, CASE WHEN nx.region_code IS NULL THEN i.gdi END AS gdi,
           CASE WHEN nx.region_code IS NOT NULL THEN '缺失指标占' || round(100 * nx.missing_share, 1)
                || '%，超过规定的' || round(100 * $unit_max_missing, 1) || '%，不计算指数和排名' END AS no_index_reason, $target_points * coalesce(p.met_share, 0) AS points_targets,
           CASE WHEN nx.region_code IS NULL THEN $index_points * (i.gdi - $index_lo) / ($index_hi - $index_lo) END AS points_index,
           coalesce(d.points, 0) AS points_deducted, o.satisfaction,
           CASE WHEN $rank_points = 0 THEN 0.0 WHEN o.rank_value IS NULL THEN 0.0 WHEN o.own_n = 1 THEN $rank_points
                ELSE $rank_points * (1 - (1 - $rank_last_share) * (o.own_rank - 1) / (o.own_n - 1)) END AS points_rank,
           $satisfaction_points * coalesce(o.satisfaction, 0) / 100 AS points_satisfaction
    FROM per_region p JOIN (SELECT DISTINCT year, ri, gdi FROM _path) i USING (year, ri)
    LEFT JOIN deducted d USING (year, ri)
    LEFT JOIN own_ranked o ON o.ri = p.ri AND o.year = p.year
    LEFT JOIN _no_index nx ON nx.region_code = list_extract($regions, p.ri) AND nx.year = p.year
), ranked AS (
    -- rounded to 2 decimals before banding: the grade must agree with the published score; ranked on
    -- the index rounded to 1e-9: DuckDB's parallel sums differ in the last bits between runs, which
    -- otherwise breaks exact ties differently each time (and re-issues reports for nothing)
    SELECT a.*, round(a.points_targets + a.points_index + a.points_rank + a.points_satisfaction
                 - a.points_deducted, 2) AS assessment_score,
           CASE WHEN a.gdi IS NOT NULL THEN
               CAST(rank() OVER (PARTITION BY a.year, a.gdi IS NULL ORDER BY round(a.gdi, 9) DESC) AS INTEGER) END AS rank,
           CAST(count(a.gdi) OVER (PARTITION BY a.year) AS INTEGER) AS n_regions
    FROM assessed a
), graded AS (
    SELECT r.*, (SELECT b.grade FROM bands b WHERE r.assessment_score >= b.lower ORDER BY b.lower DESC LIMIT 1)
                AS grade
    FROM ranked r
)
SELECT $run_id AS run_id, r.year, list_extract($regions, r.ri) AS region_code, r.gdi, r.rank, r.n_regions,
       r.targets_met, r.targets_total, r.binding_missed, r.missing_count, r.points_targets, r.points_index,
       r.points_deducted, r.points_rank, r.points_satisfaction, r.satisfaction, r.assessment_score, r.improved,
       r.worsened, r.change_balance, r.grade AS grade_before_veto, r.grade, false AS vetoed, r.no_index_reason,
       p.gdi AS previous_gdi, p.rank AS previous_rank
FROM graded r LEFT JOIN graded p ON p.ri = r.ri AND p.year = r.year - 1
