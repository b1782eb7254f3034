"""Scoring: normalization, weights, aggregation, index, rank, targets, grades, year-over-year.

All of it is set-based SQL in DuckDB over the current (accepted) observations, and every
intermediate number is written per run (`score`, `category_score`, `result`), so each figure in a
report can be traced back to the value and the submission it came from. The year before is scored
in the same run with the same method, so changes from last year compare like with like.

Methods (DESIGN.md §4), per framework, overridable per indicator (x after an optional ln):
  efficacy   60 + 40·(x − min)/(max − min), negative: 60 + 40·(max − x)/(max − min); all equal → 100
  minmax     100·(x − lo)/(hi − lo) on fixed goalposts, clipped to 0–100 (negative: from hi)
  target     100·min(x / target, cap), negative: 100·min(target / x, cap)
  zscore     direction·(x − mean)/sd
  rank       100·percent_rank in the good direction
Weights: explicit or ★◆○ = 3:2:1; per main functional zone where the framework says (0 = not
assessed there). Within a category, weights are re-normalized over the indicators present;
categories weigh their explicit weight or the sum of their present indicators' weights.
Aggregation per level, arithmetic Σ w·s or geometric exp(Σ w·ln s), with w normalized.
Contribution of an indicator: its part of its category's part of the index; they add up to the index.
Missing values: `reweight` (dropped from the weights), `minimum` (the method's lowest score) or
`last_year` (last year's accepted value); flagged per number either way.
Assessment: target_points · Σ w·met / Σ w(with target) + index_points · (index − lo)/(hi − lo) with
(lo, hi) = index_range, 60–100 by default (the efficacy scale), rounded to
2 decimals as published; the grade is the first band (from the top) the rounded score reaches.
"""

from __future__ import annotations

import duckdb
import polars as pl

from transforms.config import Framework

SCORE_SQL = """
INSERT INTO score BY NAME
WITH counties AS (
    SELECT region_code, zone FROM region WHERE parent_code = $jurisdiction
), ind AS (
    SELECT * FROM indicator WHERE framework_id = $framework
), obs AS (
    SELECT region_code, indicator_code, year, value, submission_id, note FROM current_observation
), grid AS (
    SELECT y.year, c.region_code, i.code AS indicator_code, i.direction, i.goal_lo, i.goal_hi,
           coalesce(i.log_transform, false) AS log_transform,
           coalesce(i.normalization, $method) AS method, coalesce(zw.weight, i.weight) AS weight,
           coalesce(rt.op, i.target_op) AS target_op, coalesce(rt.value, i.target_value) AS target_value,
           o.value AS reported, o.submission_id, o.note, p.value AS previous_value,
           p.submission_id AS previous_submission
    FROM (SELECT unnest($years) AS year) y CROSS JOIN counties c CROSS JOIN ind i
    LEFT JOIN indicator_zone_weight zw ON zw.framework_id = $framework AND zw.indicator_code = i.code
                                      AND zw.zone = c.zone
    LEFT JOIN obs o ON o.region_code = c.region_code AND o.indicator_code = i.code AND o.year = y.year
    LEFT JOIN obs p ON p.region_code = c.region_code AND p.indicator_code = i.code AND p.year = y.year - 1
    LEFT JOIN region_target rt ON rt.framework_id = $framework AND rt.indicator_code = i.code
                              AND rt.region_code = c.region_code AND rt.year = y.year
    WHERE coalesce(zw.weight, i.weight) > 0
), filled AS (
    SELECT *,
        CASE WHEN reported IS NULL AND $missing = 'last_year' THEN previous_value ELSE reported END AS value,
        CASE WHEN reported IS NULL AND $missing = 'last_year' AND previous_value IS NOT NULL
             THEN previous_submission ELSE submission_id END AS used_submission,
        CASE WHEN reported IS NOT NULL THEN NULL
             ELSE '缺失' || coalesce('(报送说明: ' || note || ')', '') || ': ' ||
                  CASE WHEN $missing = 'last_year' AND previous_value IS NOT NULL THEN '沿用上年已审核数据'
                       WHEN $missing = 'minimum' THEN '按该方法最低分计'
                       ELSE '按权重重新分配' END END AS flag
    FROM grid
), transformed AS (
    SELECT *,
        CASE WHEN NOT log_transform THEN value WHEN value > 0 THEN ln(value) END AS x,
        CASE WHEN log_transform THEN ln(goal_lo) ELSE goal_lo END AS gl,
        CASE WHEN log_transform THEN ln(goal_hi) ELSE goal_hi END AS gh
    FROM filled
), stats AS (
    SELECT *,
        min(x) OVER w AS lo, max(x) OVER w AS hi, avg(x) OVER w AS mean, stddev_pop(x) OVER w AS sd,
        CASE WHEN x IS NOT NULL THEN percent_rank() OVER (PARTITION BY year, indicator_code, x IS NULL
                                                          ORDER BY direction * x) END AS pr
    FROM transformed WINDOW w AS (PARTITION BY year, indicator_code)
), normalized AS (
    SELECT *,
        CASE WHEN x IS NULL THEN NULL
             WHEN method = 'efficacy' THEN
                 CASE WHEN hi = lo THEN 100.0
                      WHEN direction = 1 THEN 60 + 40 * (x - lo) / (hi - lo)
                      ELSE 60 + 40 * (hi - x) / (hi - lo) END
             WHEN method = 'minmax' THEN
                 greatest(0.0, least(100.0, 100 * CASE WHEN direction = 1 THEN (x - gl) / (gh - gl)
                                                       ELSE (gh - x) / (gh - gl) END))
             WHEN method = 'target' THEN
                 CASE WHEN target_value IS NULL OR target_value <= 0 THEN NULL
                      WHEN direction = 1 THEN 100 * least(value / target_value, $cap)
                      WHEN value <= 0 THEN 100 * $cap
                      ELSE 100 * least(target_value / value, $cap) END
             WHEN method = 'zscore' THEN CASE WHEN sd = 0 THEN 0.0 ELSE direction * (x - mean) / sd END
             WHEN method = 'rank' THEN 100 * coalesce(pr, 1.0)
        END AS raw_score
    FROM stats
), scored AS (
    SELECT *,
        coalesce(raw_score, CASE WHEN value IS NULL AND $missing = 'minimum' THEN
            CASE method WHEN 'efficacy' THEN 60.0 WHEN 'zscore' THEN min(raw_score) OVER w ELSE 0.0 END END)
            AS normalized
    FROM normalized WINDOW w AS (PARTITION BY year, indicator_code)
)
SELECT $run_id AS run_id, year, region_code, indicator_code, method, value, previous_value, normalized, weight,
       target_op, target_value,
       CASE WHEN value IS NULL OR target_value IS NULL THEN NULL
            WHEN target_op = '>=' THEN value >= target_value
            WHEN target_op = '<=' THEN value <= target_value
            ELSE abs(value - target_value) < 1e-9 END AS met,
       flag, used_submission AS submission_id
FROM scored
"""

CATEGORY_SQL = """
INSERT INTO category_score BY NAME
WITH present AS (
    SELECT s.*, i.category, s.weight / sum(s.weight) OVER (PARTITION BY s.year, s.region_code, i.category)
               AS w_in_cat
    FROM score s JOIN indicator i ON i.framework_id = $framework AND i.code = s.indicator_code
    WHERE s.run_id = $run_id AND s.normalized IS NOT NULL
), cat AS (
    SELECT p.year, p.region_code, p.category,
        CASE WHEN $cat_agg = 'geometric' THEN exp(sum(p.w_in_cat * ln(p.normalized)))
             ELSE sum(p.w_in_cat * p.normalized) END AS score,
        coalesce(any_value(c.explicit_weight), sum(p.weight)) AS raw_weight
    FROM present p JOIN category c ON c.framework_id = $framework AND c.code = p.category
    GROUP BY p.year, p.region_code, p.category
)
SELECT $run_id AS run_id, year, region_code, category, score,
       raw_weight / sum(raw_weight) OVER (PARTITION BY year, region_code) AS weight
FROM cat
"""

INDEX_SQL = """
WITH idx AS (
    SELECT year, region_code,
        CASE WHEN $index_agg = 'geometric' THEN exp(sum(weight * ln(score))) ELSE sum(weight * score) END AS gdi
    FROM category_score WHERE run_id = $run_id GROUP BY year, region_code
), cat_part AS (
    SELECT c.year, c.region_code, c.category, i.gdi,
        CASE WHEN $index_agg = 'geometric'
             THEN i.gdi * c.weight * ln(c.score) / nullif(sum(c.weight * ln(c.score))
                  OVER (PARTITION BY c.year, c.region_code), 0)
             ELSE c.weight * c.score END AS contribution
    FROM category_score c JOIN idx i USING (year, region_code) WHERE c.run_id = $run_id
)
UPDATE category_score SET contribution = cat_part.contribution
FROM cat_part WHERE category_score.run_id = $run_id AND category_score.year = cat_part.year
  AND category_score.region_code = cat_part.region_code AND category_score.category = cat_part.category
"""

CONTRIBUTION_SQL = """
WITH present AS (
    SELECT s.year, s.region_code, s.indicator_code, i.category, s.normalized,
           s.weight / sum(s.weight) OVER (PARTITION BY s.year, s.region_code, i.category) AS w_in_cat
    FROM score s JOIN indicator i ON i.framework_id = $framework AND i.code = s.indicator_code
    WHERE s.run_id = $run_id AND s.normalized IS NOT NULL
), share AS (
    SELECT p.*, c.contribution AS cat_contribution, c.weight AS cat_weight,
        CASE WHEN $cat_agg = 'geometric'
             THEN p.w_in_cat * ln(p.normalized) / nullif(sum(p.w_in_cat * ln(p.normalized))
                  OVER (PARTITION BY p.year, p.region_code, p.category), 0)
             ELSE p.w_in_cat * p.normalized / nullif(sum(p.w_in_cat * p.normalized)
                  OVER (PARTITION BY p.year, p.region_code, p.category), 0) END AS part
    FROM present p JOIN category_score c ON c.run_id = $run_id AND c.year = p.year
     AND c.region_code = p.region_code AND c.category = p.category
)
UPDATE score SET contribution = share.cat_contribution * coalesce(share.part, 0),
                 weight_share = share.cat_weight * share.w_in_cat
FROM share WHERE score.run_id = $run_id AND score.year = share.year AND score.region_code = share.region_code
  AND score.indicator_code = share.indicator_code
"""

RESULT_SQL = """
INSERT INTO result BY NAME
WITH per_region AS (
    SELECT s.year, s.region_code,
        count(*) FILTER (s.met) AS targets_met,
        count(*) FILTER (s.target_value IS NOT NULL) AS targets_total,
        count(*) FILTER (i.binding AND s.target_value IS NOT NULL AND coalesce(s.met, false) = false) AS binding_missed,
        count(*) FILTER (s.value IS NULL) AS missing_count,
        sum(s.weight * CASE WHEN s.met THEN 1 ELSE 0 END) FILTER (s.target_value IS NOT NULL)
            / sum(s.weight) FILTER (s.target_value IS NOT NULL) AS met_share
    FROM score s JOIN indicator i ON i.framework_id = $framework AND i.code = s.indicator_code
    WHERE s.run_id = $run_id
    GROUP BY s.year, s.region_code
), idx AS (
    SELECT year, region_code, sum(contribution) AS gdi FROM category_score WHERE run_id = $run_id
    GROUP BY year, region_code
), assessed AS (
    -- rounded to 2 decimals before banding: the grade must agree with the published score
    SELECT p.*, i.gdi,
        round($target_points * coalesce(p.met_share, 0)
              + $index_points * (i.gdi - $index_lo) / ($index_hi - $index_lo), 2) AS assessment_score
    FROM per_region p JOIN idx i USING (year, region_code)
), ranked AS (
    SELECT a.*, CAST(rank() OVER (PARTITION BY a.year ORDER BY a.gdi DESC) AS INTEGER) AS rank,
           CAST(count(*) OVER (PARTITION BY a.year) AS INTEGER) AS n_regions,
           (SELECT b.grade FROM bands b WHERE a.assessment_score >= b.lower ORDER BY b.lower DESC LIMIT 1) AS grade
    FROM assessed a
)
SELECT $run_id AS run_id, r.year, r.region_code, r.gdi, r.rank, r.n_regions, r.targets_met, r.targets_total,
       r.binding_missed, r.missing_count, r.assessment_score, r.grade AS grade_before_veto, r.grade,
       false AS vetoed, p.gdi AS previous_gdi, p.rank AS previous_rank
FROM ranked r LEFT JOIN ranked p ON p.region_code = r.region_code AND p.year = r.year - 1
"""

PREVIOUS_CATEGORY_SQL = """
UPDATE category_score SET previous_score = p.score
FROM category_score p WHERE category_score.run_id = $run_id AND p.run_id = $run_id
  AND p.year = category_score.year - 1 AND p.region_code = category_score.region_code
  AND p.category = category_score.category
"""


def grade_bands(fw: Framework) -> pl.DataFrame:
    """The framework's bands as a table, `lower` descending; `position` 0 = best grade."""
    return pl.DataFrame({"grade": [b.grade for b in fw.grade_bands], "lower": [b.min for b in fw.grade_bands],
                         "position": list(range(len(fw.grade_bands)))})


def score_year(con: duckdb.DuckDBPyConnection, fw: Framework, year: int, run_id: str,
               with_previous: bool = True) -> int:
    """Compute and store every number of `year` (and, for comparison, the year before) for `run_id`.

    Returns the number of regions scored for `year`.
    """
    bands = grade_bands(fw)  # noqa: F841 (read by DuckDB's replacement scan in RESULT_SQL)
    years = [year - 1, year] if with_previous else [year]
    base = {"run_id": run_id, "framework": fw.id}
    con.execute("BEGIN")
    try:
        con.execute(SCORE_SQL, base | {"years": years, "jurisdiction": fw.jurisdiction, "method": fw.normalization,
                                       "missing": fw.missing_policy, "cap": fw.target_cap})
        # a year with no accepted data at all (e.g. the first year in the warehouse) is not scored
        con.execute("DELETE FROM score WHERE run_id = $run_id AND year IN (SELECT year FROM score "
                    "WHERE run_id = $run_id GROUP BY year HAVING count(value) = 0)", {"run_id": run_id})
        con.execute(CATEGORY_SQL, base | {"cat_agg": fw.aggregation.category})
        con.execute(INDEX_SQL, {"run_id": run_id, "index_agg": fw.aggregation.index})
        con.execute(CONTRIBUTION_SQL, base | {"cat_agg": fw.aggregation.category})
        con.execute(RESULT_SQL, base | {"target_points": fw.assessment.target_points,
                                        "index_points": fw.assessment.index_points,
                                        "index_lo": fw.assessment.index_range[0],
                                        "index_hi": fw.assessment.index_range[1]})
        con.execute(PREVIOUS_CATEGORY_SQL, {"run_id": run_id})
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return con.sql("SELECT count(*) FROM result WHERE run_id = ? AND year = ?", params=[run_id, year]).fetchall()[0][0]
