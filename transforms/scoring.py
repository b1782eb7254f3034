"""Scoring: efficacy-coefficient normalization, weights, categories, index, rank, targets, grades.

All of it is set-based SQL in DuckDB over the current (accepted) observations, and every
intermediate number is written per run (`score`, `category_score`, `result`), so each figure in a
report can be traced back to the value and the submission it came from.

Method (DESIGN.md §4, the 绿色发展指数 method):
  efficacy score   s = 60 + 40·(x − min)/(max − min)   (positive)
                   s = 60 + 40·(max − x)/(max − min)   (negative); all equal → 100
  weights          w = class value (★◆○ = 3:2:1) / Σ over the framework
  index            GDI = Σ w·s / Σ w over the indicators present (missing → re-weighted, flagged)
  contribution     c = w·s / Σ w(present): contributions add up to the index
  category score   Σ w·s / Σ w over the category's present indicators
  assessment       target_points · Σ w·met / Σ w(with target) + index_points · (GDI − 60)/40
  grade            first band (from the top) whose lower bound the assessment score, rounded to
                   2 decimals as published, reaches
"""

from __future__ import annotations

import duckdb
import polars as pl

from transforms.config import Framework

SCORE_SQL = """
INSERT INTO score BY NAME
WITH counties AS (
    SELECT region_code FROM region WHERE parent_code = $jurisdiction
), ind AS (
    SELECT * FROM indicator WHERE framework_id = $framework
), obs AS (
    SELECT region_code, indicator_code, value, submission_id
    FROM current_observation WHERE year = $year
), grid AS (
    SELECT c.region_code, i.code AS indicator_code, i.direction, i.weight, i.binding,
           coalesce(rt.op, i.target_op) AS target_op, coalesce(rt.value, i.target_value) AS target_value,
           o.value, o.submission_id
    FROM counties c CROSS JOIN ind i
    LEFT JOIN obs o ON o.region_code = c.region_code AND o.indicator_code = i.code
    LEFT JOIN region_target rt ON rt.framework_id = $framework AND rt.indicator_code = i.code
                              AND rt.region_code = c.region_code AND rt.year = $year
), bounds AS (
    SELECT *, min(value) OVER w AS lo, max(value) OVER w AS hi
    FROM grid WINDOW w AS (PARTITION BY indicator_code)
), normalized AS (
    SELECT *,
        CASE WHEN value IS NULL THEN NULL
             WHEN hi = lo THEN 100.0
             WHEN direction = 1 THEN 60 + 40 * (value - lo) / (hi - lo)
             ELSE 60 + 40 * (hi - value) / (hi - lo) END AS normalized
    FROM bounds
)
SELECT $run_id AS run_id, region_code, indicator_code, value, normalized, weight,
       weight * normalized / sum(CASE WHEN value IS NOT NULL THEN weight END) OVER (PARTITION BY region_code)
           AS contribution,
       target_op, target_value,
       CASE WHEN value IS NULL OR target_value IS NULL THEN NULL
            WHEN target_op = '>=' THEN value >= target_value
            WHEN target_op = '<=' THEN value <= target_value
            ELSE abs(value - target_value) < 1e-9 END AS met,
       CASE WHEN value IS NULL THEN '缺失: 按权重重新分配' END AS flag,
       submission_id
FROM normalized
"""

CATEGORY_SQL = """
INSERT INTO category_score BY NAME
SELECT $run_id AS run_id, s.region_code, i.category,
       sum(s.weight * s.normalized) / sum(CASE WHEN s.value IS NOT NULL THEN s.weight END) AS score,
       any_value(c.weight) AS weight
FROM score s JOIN indicator i ON i.framework_id = $framework AND i.code = s.indicator_code
JOIN category c ON c.framework_id = $framework AND c.code = i.category
WHERE s.run_id = $run_id
GROUP BY s.region_code, i.category
"""

RESULT_SQL = """
INSERT INTO result BY NAME
WITH per_region AS (
    SELECT s.region_code,
        sum(s.contribution) AS gdi,
        count(*) FILTER (s.met) AS targets_met,
        count(*) FILTER (s.target_value IS NOT NULL) AS targets_total,
        count(*) FILTER (i.binding AND s.target_value IS NOT NULL AND coalesce(s.met, false) = false) AS binding_missed,
        count(*) FILTER (s.value IS NULL) AS missing_count,
        sum(s.weight * CASE WHEN s.met THEN 1 ELSE 0 END) FILTER (s.target_value IS NOT NULL)
            / sum(s.weight) FILTER (s.target_value IS NOT NULL) AS met_share
    FROM score s JOIN indicator i ON i.framework_id = $framework AND i.code = s.indicator_code
    WHERE s.run_id = $run_id
    GROUP BY s.region_code
), assessed AS (
    -- rounded to 2 decimals before banding: the grade must agree with the published score
    SELECT *, round($target_points * coalesce(met_share, 0) + $index_points * (gdi - 60) / 40, 2) AS assessment_score
    FROM per_region
)
SELECT $run_id AS run_id, a.region_code, a.gdi,
       CAST(rank() OVER (ORDER BY a.gdi DESC) AS INTEGER) AS rank,
       CAST(count(*) OVER () AS INTEGER) AS n_regions,
       a.targets_met, a.targets_total, a.binding_missed, a.missing_count, a.assessment_score,
       (SELECT b.grade FROM bands b WHERE a.assessment_score >= b.lower ORDER BY b.lower DESC LIMIT 1)
           AS grade_before_veto,
       (SELECT b.grade FROM bands b WHERE a.assessment_score >= b.lower ORDER BY b.lower DESC LIMIT 1) AS grade,
       false AS vetoed
FROM assessed a
"""


def grade_bands(fw: Framework) -> pl.DataFrame:
    """The framework's bands as a table, `lower` descending; `position` 0 = best grade."""
    return pl.DataFrame({"grade": [b.grade for b in fw.grade_bands], "lower": [b.min for b in fw.grade_bands],
                         "position": list(range(len(fw.grade_bands)))})


def score_year(con: duckdb.DuckDBPyConnection, fw: Framework, year: int, run_id: str) -> int:
    """Compute and store every number of the year's assessment for `run_id`; returns regions scored."""
    bands = grade_bands(fw)  # noqa: F841 (read by DuckDB's replacement scan in RESULT_SQL)
    params = {"run_id": run_id, "framework": fw.id, "year": year, "jurisdiction": fw.jurisdiction}
    con.execute("BEGIN")
    try:
        con.execute(SCORE_SQL, params)
        con.execute(CATEGORY_SQL, {"run_id": run_id, "framework": fw.id})
        con.execute(RESULT_SQL, {"run_id": run_id, "framework": fw.id,
                                 "target_points": fw.assessment.target_points,
                                 "index_points": fw.assessment.index_points})
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return con.sql("SELECT count(*) FROM result WHERE run_id = ?", params=[run_id]).fetchall()[0][0]
