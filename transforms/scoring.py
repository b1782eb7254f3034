"""Scoring: normalization, weights, aggregation over the category tree, index, rank, targets,
deductions, grades and year-over-year changes.

All of it is set-based SQL in DuckDB over the current (accepted) observations: one statement per
step, and one per level of the category tree (never one per region or indicator). Intermediate
tables are temporary; every number a report shows is written per run (`score`, `category_score`,
`result`, `deduction_hit`), so each figure can be traced back to the value and the submission it
came from. The year before is scored in the same run with the same method, so changes from last
year compare like with like.

Methods (DESIGN.md §4), per framework, overridable per indicator (x after an optional ln):
  efficacy   60 + 40·(x − min)/(max − min), negative: 60 + 40·(max − x)/(max − min); all equal → 100
  minmax     100·(x − lo)/(hi − lo) on fixed goalposts, clipped to 0–100 (negative: from hi)
  target     100·min(x / target, cap), negative: 100·min(target / x, cap)
  zscore     direction·(x − mean)/sd
  rank       100·percent_rank in the good direction
Weights: explicit or ★◆○ = 3:2:1; per main functional zone where the framework says (0 = not
assessed there). Within a category, weights are re-normalized over the parts present; a category
weighs its explicit weight among its siblings, or the sum of its present indicators' weights.
Aggregation over the tree (indicator → … → category → index), bottom-up one level at a time, each
node with its own method: arithmetic Σ w·s or geometric exp(Σ w·ln s), w normalized over its parts.
Contribution of a node to the index: index · Π over its path of its share in its parent
(arithmetic w·s / Σ w·s, geometric w·ln s / Σ w·ln s), so the contributions of the parts of any
node add up to that node's contribution and those of all indicators to the index.
Missing values: `reweight` (dropped from the weights), `minimum` (the method's lowest score) or
`last_year` (last year's accepted value); flagged per number either way.
Assessment: target_points · Σ w·met / Σ w(with target) + index_points · (index − lo)/(hi − lo)
− deductions (each rule's points per event or missed target, at most its max_points), with
(lo, hi) = index_range, 60–100 by default (the efficacy scale), rounded to 2 decimals as published;
the grade is the first band (from the top) the rounded score reaches.
"""

from __future__ import annotations

import duckdb
import polars as pl

from transforms.config import Deduction, Framework

NORMALIZED_SQL = """
WITH counties AS (
    SELECT region_code, zone FROM region WHERE parent_code = $jurisdiction
), ind AS (
    SELECT * FROM indicator WHERE framework_id = $framework
), obs AS (  -- one row per (county, indicator): the values of the last three years side by side
    SELECT region_code, indicator_code,
        arg_max(value, submission_id) FILTER (year = $last) AS v0, max(submission_id) FILTER (year = $last) AS s0,
        arg_max(note, submission_id) FILTER (year = $last) AS n0, arg_max(note, submission_id) FILTER (year = $last - 1) AS n1,
        arg_max(value, submission_id) FILTER (year = $last - 1) AS v1,
        max(submission_id) FILTER (year = $last - 1) AS s1,
        arg_max(value, submission_id) FILTER (year = $last - 2) AS v2,
        max(submission_id) FILTER (year = $last - 2) AS s2
    FROM current_observation WHERE year BETWEEN $last - 2 AND $last
    GROUP BY region_code, indicator_code
), targets AS (  -- decomposed per-region targets, likewise
    SELECT region_code, indicator_code,
        any_value(op) FILTER (year = $last) AS op0, any_value(value) FILTER (year = $last) AS t0,
        any_value(op) FILTER (year = $last - 1) AS op1, any_value(value) FILTER (year = $last - 1) AS t1
    FROM region_target WHERE framework_id = $framework AND year BETWEEN $last - 1 AND $last
    GROUP BY region_code, indicator_code
), pairs AS (  -- each county with each indicator its zone assesses: one join per input, not per year
    SELECT c.region_code, i.code AS indicator_code, i.category, i.direction, i.goal_lo, i.goal_hi,
           coalesce(i.log_transform, false) AS log_transform,
           coalesce(i.normalization, $method) AS method, coalesce(zw.weight, i.weight) AS weight,
           i.target_op, i.target_value, o.* EXCLUDE (region_code, indicator_code),
           t.* EXCLUDE (region_code, indicator_code)
    FROM counties c CROSS JOIN ind i
    LEFT JOIN indicator_zone_weight zw ON zw.framework_id = $framework AND zw.indicator_code = i.code
                                      AND zw.zone = c.zone
    LEFT JOIN obs o ON o.region_code = c.region_code AND o.indicator_code = i.code
    LEFT JOIN targets t ON t.region_code = c.region_code AND t.indicator_code = i.code
    WHERE coalesce(zw.weight, i.weight) > 0
), grid AS (
    SELECT y.year, p.* EXCLUDE (target_op, target_value, v0, s0, n0, v1, s1, n1, v2, s2, op0, t0, op1, t1),
        CASE WHEN y.year = $last THEN coalesce(p.op0, p.target_op) ELSE coalesce(p.op1, p.target_op) END AS target_op,
        CASE WHEN y.year = $last THEN coalesce(p.t0, p.target_value) ELSE coalesce(p.t1, p.target_value) END
            AS target_value,
        CASE WHEN y.year = $last THEN p.v0 ELSE p.v1 END AS reported,
        CASE WHEN y.year = $last THEN p.s0 ELSE p.s1 END AS submission_id,
        CASE WHEN y.year = $last THEN p.n0 ELSE p.n1 END AS note,
        CASE WHEN y.year = $last THEN p.v1 ELSE p.v2 END AS previous_value,
        CASE WHEN y.year = $last THEN p.s1 ELSE p.s2 END AS previous_submission
    FROM pairs p CROSS JOIN (SELECT unnest($years) AS year) y
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
), stats AS (  -- aggregates joined back: far cheaper than window functions over every row
    SELECT year, indicator_code, min(x) AS lo, max(x) AS hi, avg(x) AS mean, stddev_pop(x) AS sd
    FROM transformed GROUP BY year, indicator_code
), ranked AS (  -- sorted only for the indicators that use it, and added to the others (no join)
    SELECT *, NULL::DOUBLE AS pr FROM transformed WHERE method <> 'rank' OR x IS NULL
    UNION ALL
    SELECT *, percent_rank() OVER (PARTITION BY year, indicator_code ORDER BY direction * x) AS pr
    FROM transformed WHERE method = 'rank' AND x IS NOT NULL
), normalized AS (
    SELECT t.*, st.lo, st.hi, st.mean, st.sd,
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
             WHEN method = 'rank' THEN 100 * pr
        END AS raw_score
    FROM ranked t JOIN stats st USING (year, indicator_code)
), scored AS (
    SELECT *,
        -- `minimum`: the method's lowest score (for z-scores the lowest present one)
        coalesce(raw_score, CASE WHEN value IS NULL AND $missing = 'minimum' THEN
            CASE method WHEN 'efficacy' THEN 60.0
                        WHEN 'zscore' THEN CASE WHEN sd = 0 THEN 0.0 WHEN direction = 1 THEN (lo - mean) / sd
                                                ELSE (mean - hi) / sd END
                        ELSE 0.0 END END) AS normalized
    FROM normalized
)
SELECT year, region_code, indicator_code, category, method, value, previous_value, normalized, weight,
       target_op, target_value,
       CASE WHEN value IS NULL OR target_value IS NULL THEN NULL
            WHEN target_op = '>=' THEN value >= target_value
            WHEN target_op = '<=' THEN value <= target_value
            ELSE abs(value - target_value) < 1e-9 END AS met,
       flag, used_submission AS submission_id
FROM scored
"""


# Leaf categories from their indicators (weights re-normalized over the indicators present).
LEAF_SQL = """
CREATE OR REPLACE TEMP TABLE _node AS
SELECT s.year, s.region_code, i.category AS node,
    CASE WHEN c.aggregation = 'geometric' THEN exp(sum(s.weight * ln(s.normalized)) / sum(s.weight))
         ELSE sum(s.weight * s.normalized) / sum(s.weight) END AS score,
    sum(s.weight) AS mass
FROM _score s JOIN indicator i ON i.framework_id = $framework AND i.code = s.indicator_code
JOIN category c ON c.framework_id = $framework AND c.code = i.category
WHERE s.normalized IS NOT NULL
GROUP BY s.year, s.region_code, i.category, c.aggregation
"""

# One level up: the categories at $depth from their parts (run from the deepest level upwards).
PARENT_SQL = """
INSERT INTO _node BY NAME
SELECT k.year, k.region_code, p.code AS node,
    CASE WHEN p.aggregation = 'geometric' THEN exp(sum(k.raw * ln(k.score)) / sum(k.raw))
         ELSE sum(k.raw * k.score) / sum(k.raw) END AS score,
    sum(k.mass) AS mass
FROM (SELECT n.*, c.parent, coalesce(c.explicit_weight, n.mass) AS raw
      FROM _node n JOIN category c ON c.framework_id = $framework AND c.code = n.node) k
JOIN category p ON p.framework_id = $framework AND p.code = k.parent
WHERE p.depth = $depth
GROUP BY k.year, k.region_code, p.code, p.aggregation
"""

# Each node's weight among its siblings and its share of its parent's score (for contributions).
NODE_SQL = """
CREATE OR REPLACE TEMP TABLE _node_w AS
WITH k AS (
    SELECT n.*, c.parent, c.depth, c.aggregation, coalesce(pc.aggregation, $index_agg) AS parent_method,
           coalesce(c.explicit_weight, n.mass) AS raw
    FROM _node n JOIN category c ON c.framework_id = $framework AND c.code = n.node
    LEFT JOIN category pc ON pc.framework_id = $framework AND pc.code = c.parent
), siblings AS (  -- sums per parent joined back (cheaper than windows over many small partitions)
    SELECT year, region_code, parent, sum(raw) AS raw_total, sum(raw * score) AS raw_s, sum(raw * ln(score)) AS raw_ln
    FROM k GROUP BY year, region_code, parent
), parted AS (
    SELECT k.* EXCLUDE (raw), k.raw / s.raw_total AS weight,
        CASE WHEN k.parent_method = 'geometric' THEN k.raw * ln(k.score) / nullif(s.raw_ln, 0)
             ELSE k.raw * k.score / nullif(s.raw_s, 0) END AS raw_part
    FROM k JOIN siblings s ON s.year = k.year AND s.region_code = k.region_code
                          AND s.parent IS NOT DISTINCT FROM k.parent
)
-- a degenerate parent (all parts 1 under a geometric mean, or a part 0) shares by weight
SELECT * EXCLUDE (raw_part), CASE WHEN raw_part IS NULL OR isnan(raw_part) THEN weight ELSE raw_part END AS part
FROM parted
"""

INDEX_SQL = """
CREATE OR REPLACE TEMP TABLE _index AS
SELECT year, region_code,
    CASE WHEN $index_agg = 'geometric' THEN exp(sum(weight * ln(score))) ELSE sum(weight * score) END AS gdi
FROM _node_w WHERE parent IS NULL GROUP BY year, region_code
"""

# Products along each node's path to the index: its share of the index's weight and of its value.
PATH_SQL = """
CREATE OR REPLACE TEMP TABLE _path AS
WITH RECURSIVE lineage(node, ancestor) AS (
    SELECT code, code FROM category WHERE framework_id = $framework
    UNION ALL
    SELECT l.node, c.parent FROM lineage l JOIN category c ON c.framework_id = $framework AND c.code = l.ancestor
    WHERE c.parent IS NOT NULL
), products AS (
    SELECT n.year, n.region_code, n.node, product(a.part) AS path_part, product(a.weight) AS weight_share
    FROM _node_w n JOIN lineage l ON l.node = n.node
    JOIN _node_w a ON a.year = n.year AND a.region_code = n.region_code AND a.node = l.ancestor
    GROUP BY n.year, n.region_code, n.node
)
SELECT n.*, p.weight_share, i.gdi * p.path_part AS contribution
FROM _node_w n JOIN products p USING (year, region_code, node) JOIN _index i USING (year, region_code)
"""

CATEGORY_SQL = """
INSERT INTO category_score BY NAME
SELECT $run_id AS run_id, n.year, n.region_code, n.node AS category, n.parent, n.depth, n.aggregation, n.score,
       n.weight, n.weight_share, n.contribution, prev.score AS previous_score
FROM _path n LEFT JOIN _path prev ON prev.year = n.year - 1 AND prev.region_code = n.region_code
                                 AND prev.node = n.node
"""

# An indicator's share of its category's value, as a node's of its parent's (no window needed: the
# category row holds Σ w (mass) and its score, so Σ w·s = mass·score and Σ w·ln s = mass·ln score).
SCORE_SQL = """
INSERT INTO score BY NAME
WITH parted AS (
    SELECT s.*, p.weight_share * s.weight / p.mass AS weight_share, p.contribution AS cat_contribution,
           s.weight / p.mass AS w_in_cat,
           CASE WHEN p.aggregation = 'geometric' THEN s.weight * ln(s.normalized) / nullif(p.mass * ln(p.score), 0)
                ELSE s.weight * s.normalized / nullif(p.mass * p.score, 0) END AS raw_part
    FROM _score s LEFT JOIN _path p ON s.normalized IS NOT NULL AND p.year = s.year
                                   AND p.region_code = s.region_code AND p.node = s.category
)
SELECT $run_id AS run_id, s.* EXCLUDE (category, cat_contribution, w_in_cat, raw_part),
       s.cat_contribution * CASE WHEN s.raw_part IS NULL OR isnan(s.raw_part) THEN s.w_in_cat
                                 ELSE s.raw_part END AS contribution,
       prev.normalized AS previous_normalized
FROM parted s LEFT JOIN _score prev ON prev.year = s.year - 1 AND prev.region_code = s.region_code
                                   AND prev.indicator_code = s.indicator_code
"""

EVENT_DEDUCTION_SQL = """
INSERT INTO deduction_hit BY NAME
SELECT $run_id AS run_id, year(e.event_date) AS year, e.region_code, $id AS deduction_id, $name AS name,
       $points AS points, e.event_id, e.kind AS event_kind, e.event_date, e.description, e.submission_id
FROM current_event e JOIN region g ON g.region_code = e.region_code AND g.parent_code = $jurisdiction
WHERE year(e.event_date) IN (SELECT DISTINCT year FROM _score) AND list_contains($kinds, e.kind)
"""

TARGET_DEDUCTION_SQL = """
INSERT INTO deduction_hit BY NAME
SELECT $run_id AS run_id, s.year, s.region_code, $id AS deduction_id, $name AS name, $points AS points,
       s.indicator_code, s.value, s.target_value AS target, s.submission_id,
       i.name || CASE WHEN s.value IS NULL THEN ': 无已通过审核的数据'
                      ELSE ' ' || CAST(round(s.value, 4) AS VARCHAR) || i.unit END
              || ', 目标 ' || s.target_op || ' ' || CAST(round(s.target_value, 4) AS VARCHAR) || i.unit AS description
FROM _score s JOIN indicator i ON i.framework_id = $framework AND i.code = s.indicator_code
WHERE s.target_value IS NOT NULL AND coalesce(s.met, false) = false AND list_contains($indicators, s.indicator_code)
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
    FROM _score s JOIN indicator i ON i.framework_id = $framework AND i.code = s.indicator_code
    GROUP BY s.year, s.region_code
), deducted AS (
    SELECT year, region_code, sum(points) AS points FROM (
        SELECT h.year, h.region_code, least(sum(h.points), any_value(c.max_points)) AS points
        FROM deduction_hit h JOIN caps c USING (deduction_id) WHERE h.run_id = $run_id
        GROUP BY h.year, h.region_code, h.deduction_id)
    GROUP BY year, region_code
), assessed AS (
    SELECT p.*, i.gdi, $target_points * coalesce(p.met_share, 0) AS points_targets,
           $index_points * (i.gdi - $index_lo) / ($index_hi - $index_lo) AS points_index,
           coalesce(d.points, 0) AS points_deducted
    FROM per_region p JOIN _index i USING (year, region_code) LEFT JOIN deducted d USING (year, region_code)
), ranked AS (
    -- rounded to 2 decimals before banding: the grade must agree with the published score
    SELECT a.*, round(a.points_targets + a.points_index - a.points_deducted, 2) AS assessment_score,
           CAST(rank() OVER (PARTITION BY a.year ORDER BY a.gdi DESC) AS INTEGER) AS rank,
           CAST(count(*) OVER (PARTITION BY a.year) AS INTEGER) AS n_regions
    FROM assessed a
), graded AS (
    SELECT r.*, (SELECT b.grade FROM bands b WHERE r.assessment_score >= b.lower ORDER BY b.lower DESC LIMIT 1)
                AS grade
    FROM ranked r
)
SELECT $run_id AS run_id, r.year, r.region_code, r.gdi, r.rank, r.n_regions, r.targets_met, r.targets_total,
       r.binding_missed, r.missing_count, r.points_targets, r.points_index, r.points_deducted, r.assessment_score,
       r.grade AS grade_before_veto, r.grade, false AS vetoed, p.gdi AS previous_gdi, p.rank AS previous_rank
FROM graded r LEFT JOIN graded p ON p.region_code = r.region_code AND p.year = r.year - 1
"""

TEMP_TABLES = ("_score", "_node", "_node_w", "_index", "_path")


def grade_bands(fw: Framework) -> pl.DataFrame:
    """The framework's bands as a table, `lower` descending; `position` 0 = best grade."""
    return pl.DataFrame({"grade": [b.grade for b in fw.grade_bands], "lower": [b.min for b in fw.grade_bands],
                         "position": list(range(len(fw.grade_bands)))})


def normalized_params(fw: Framework, years: list[int], method: str | None = None) -> dict:
    """Parameters of NORMALIZED_SQL (years: the last one or the last two); `method` replaces the
    framework's default (rank uncertainty)."""
    if not set(years) <= {max(years), max(years) - 1}:
        raise ValueError(f"years must be one year or two consecutive ones: {years}")
    return {"framework": fw.id, "years": years, "last": max(years), "jurisdiction": fw.jurisdiction,
            "method": method or fw.normalization, "missing": fw.missing_policy, "cap": fw.target_cap}


def _deduction_indicators(fw: Framework, rule: Deduction) -> list[str]:
    if rule.indicators == "binding":
        return [i.code for i in fw.indicators if i.binding]
    return [i.code for i in fw.indicators] if rule.indicators == "all" else list(rule.indicators)


def _record_deductions(con: duckdb.DuckDBPyConnection, fw: Framework, run_id: str) -> None:
    """One statement per deduction rule: every event or missed target it counts, with its evidence."""
    for rule in fw.deductions:
        p = {"run_id": run_id, "id": rule.id, "name": rule.name, "points": rule.points}
        if rule.kind == "event":
            con.execute(EVENT_DEDUCTION_SQL, p | {"jurisdiction": fw.jurisdiction, "kinds": rule.event_kinds})
        else:
            con.execute(TARGET_DEDUCTION_SQL, p | {"framework": fw.id,
                                                   "indicators": _deduction_indicators(fw, rule)})


def score_year(con: duckdb.DuckDBPyConnection, fw: Framework, year: int, run_id: str,
               with_previous: bool = True) -> int:
    """Compute and store every number of `year` (and, for comparison, the year before) for `run_id`.

    Returns the number of regions scored for `year`.
    """
    caps = pl.DataFrame({"deduction_id": [d.id for d in fw.deductions],
                         "max_points": [d.max_points or float("inf") for d in fw.deductions]},
                        schema={"deduction_id": pl.String, "max_points": pl.Float64})
    years = [year - 1, year] if with_previous else [year]
    base = {"run_id": run_id, "framework": fw.id}
    tree = {"framework": fw.id, "index_agg": fw.aggregation.index}
    con.register("bands", grade_bands(fw))
    con.register("caps", caps)
    con.execute("BEGIN")
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _score AS {NORMALIZED_SQL}", normalized_params(fw, years))
        # a year with no accepted data at all (e.g. the first year in the warehouse) is not scored
        con.execute("DELETE FROM _score WHERE year IN (SELECT year FROM _score GROUP BY year HAVING count(value) = 0)")
        con.execute(LEAF_SQL, {"framework": fw.id})
        for depth in range(max(fw.category_depths().values()) - 1, 0, -1):
            con.execute(PARENT_SQL, {"framework": fw.id, "depth": depth})
        con.execute(NODE_SQL, tree)
        con.execute(INDEX_SQL, {"index_agg": fw.aggregation.index})
        con.execute(PATH_SQL, {"framework": fw.id})
        con.execute(CATEGORY_SQL, {"run_id": run_id})
        con.execute(SCORE_SQL, {"run_id": run_id})
        _record_deductions(con, fw, run_id)
        con.execute(RESULT_SQL, base | {"target_points": fw.assessment.target_points,
                                        "index_points": fw.assessment.index_points,
                                        "index_lo": fw.assessment.index_range[0],
                                        "index_hi": fw.assessment.index_range[1]})
        for table in TEMP_TABLES:
            con.execute(f"DROP TABLE {table}")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("bands")
        con.unregister("caps")
    return con.sql("SELECT count(*) FROM result WHERE run_id = ? AND year = ?", params=[run_id, year]).fetchall()[0][0]
