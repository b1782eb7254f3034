"""Scoring: normalization, weights, aggregation over the category tree, index, rank, targets,
deductions, grades and year-over-year changes.

All of it is set-based SQL in DuckDB over the current (accepted) observations: one statement per
step, and one per level of the category tree (never one per region or indicator). Intermediate
tables are temporary; every number a report shows is written per run (`score`, `category_score`,
`result`, `deduction_hit`), so each figure can be traced back to the value and the submission it
came from. The year before is scored in the same run with the same method, so changes from last
year compare like with like: its inputs and scores sit next to this year's in the same row (one
row per county and indicator until the rows are written), through the same formulas (SQL macros).

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
Inside a run, counties, indicators and categories are numbered (`ri`, `ki`, `ci`: 1-based
positions in the lists passed as parameters) so that the joins over hundreds of thousands of rows
compare integers, not codes; the codes are put back when the rows are written.
"""

from __future__ import annotations

import duckdb
import polars as pl

from transforms.config.framework import OP_SIGNS, Deduction, Framework

# Counties (`ri`: position in $regions, sorted codes) and indicators (`ki` = position + 1).
COUNTY_KEYS = """
CREATE OR REPLACE TEMP TABLE _county AS
SELECT g.ri, g.region_code, r.zone
FROM (SELECT unnest($regions) AS region_code, generate_subscripts($regions, 1) AS ri) g
JOIN region r USING (region_code)
"""
INDICATOR_KEYS = """
CREATE OR REPLACE TEMP TABLE _ind AS
SELECT i.*, i.position + 1 AS ki, c.position + 1 AS ci
FROM indicator i JOIN category c ON c.framework_id = i.framework_id AND c.code = i.category
WHERE i.framework_id = $framework
"""

# Categories (`ci` = position + 1) with their parent (`pci`), depth and methods.
CATEGORY_KEYS = """
CREATE OR REPLACE TEMP TABLE _cat AS
SELECT c.position + 1 AS ci, p.position + 1 AS pci, c.depth, c.aggregation, c.explicit_weight,
       coalesce(p.aggregation, $index_agg) AS parent_method
FROM category c LEFT JOIN category p ON p.framework_id = c.framework_id AND p.code = c.parent
WHERE c.framework_id = $framework
"""

# The per-year formulas, applied side by side to this year's inputs and the year before's (suffixes
# `_c`, `_p`): one row per county and indicator rather than one per year, so that half as many rows
# go through the normalization and last year's score is at hand for the change without a join.
MACROS = """
CREATE OR REPLACE TEMP MACRO _used_value(reported, previous, missing) AS
    CASE WHEN reported IS NULL AND missing = 'last_year' THEN previous ELSE reported END;
CREATE OR REPLACE TEMP MACRO _used_submission(reported, submission, previous, previous_submission, missing) AS
    CASE WHEN reported IS NULL AND missing = 'last_year' AND previous IS NOT NULL THEN previous_submission
         ELSE submission END;
CREATE OR REPLACE TEMP MACRO _missing_flag(reported, note, previous, missing) AS
    CASE WHEN reported IS NOT NULL THEN NULL
         ELSE '缺失' || coalesce('(报送说明: ' || note || ')', '') || ': ' ||
              CASE WHEN missing = 'last_year' AND previous IS NOT NULL THEN '沿用上年已审核数据'
                   WHEN missing = 'minimum' THEN '按该方法最低分计'
                   ELSE '按权重重新分配' END END;
CREATE OR REPLACE TEMP MACRO _transformed(value, log_transform) AS
    CASE WHEN NOT log_transform THEN value WHEN value > 0 THEN ln(value) END;
CREATE OR REPLACE TEMP MACRO _normalized(method, direction, x, value, lo, hi, mean, sd, gl, gh, target_value, cap, pr,
                                         missing) AS
    coalesce(
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
                      WHEN direction = 1 THEN 100 * least(value / target_value, cap)
                      WHEN value <= 0 THEN 100 * cap
                      ELSE 100 * least(target_value / value, cap) END
             WHEN method = 'zscore' THEN CASE WHEN sd = 0 THEN 0.0 ELSE direction * (x - mean) / sd END
             WHEN method = 'rank' THEN 100 * pr
        END,
        -- `minimum`: the method's lowest score (for z-scores the lowest present one)
        CASE WHEN value IS NULL AND missing = 'minimum' THEN
            CASE method WHEN 'efficacy' THEN 60.0
                        WHEN 'zscore' THEN CASE WHEN sd = 0 THEN 0.0 WHEN direction = 1 THEN (lo - mean) / sd
                                                ELSE (mean - hi) / sd END
                        ELSE 0.0 END END);
CREATE OR REPLACE TEMP MACRO _met(value, target_op, target_value) AS
    CASE WHEN value IS NULL OR target_value IS NULL THEN NULL
         WHEN target_op = '>=' THEN value >= target_value
         WHEN target_op = '<=' THEN value <= target_value
         ELSE abs(value - target_value) < 1e-9 END;
"""

NORMALIZED_SQL = """
WITH obs AS (  -- one row per (county, indicator): the values of the last three years side by side
    SELECT c.ri, i.ki,
        arg_max(o.value, o.submission_id) FILTER (o.year = $last) AS v0,
        max(o.submission_id) FILTER (o.year = $last) AS s0,
        arg_max(o.value, o.submission_id) FILTER (o.year = $last - 1) AS v1,
        max(o.submission_id) FILTER (o.year = $last - 1) AS s1,
        arg_max(o.value, o.submission_id) FILTER (o.year = $last - 2) AS v2,
        max(o.submission_id) FILTER (o.year = $last - 2) AS s2
    FROM current_observation o JOIN _county c USING (region_code) JOIN _ind i ON i.code = o.indicator_code
    WHERE o.year BETWEEN $last - 2 AND $last
    GROUP BY c.ri, i.ki
), notes AS (  -- the reasons given for missing values, likewise (arg_max skips NULLs: only rows with a note count)
    SELECT c.ri, i.ki,
        arg_max(o.note, o.submission_id) FILTER (o.year = $last) AS n0,
        arg_max(o.note, o.submission_id) FILTER (o.year = $last - 1) AS n1
    FROM current_observation o JOIN _county c USING (region_code) JOIN _ind i ON i.code = o.indicator_code
    WHERE o.year BETWEEN $last - 1 AND $last AND o.note IS NOT NULL
    GROUP BY c.ri, i.ki
), targets AS (  -- decomposed per-region targets, likewise
    SELECT c.ri, i.ki,
        any_value(t.op) FILTER (t.year = $last) AS op0, any_value(t.value) FILTER (t.year = $last) AS t0,
        any_value(t.op) FILTER (t.year = $last - 1) AS op1, any_value(t.value) FILTER (t.year = $last - 1) AS t1
    FROM region_target t JOIN _county c USING (region_code) JOIN _ind i ON i.code = t.indicator_code
    WHERE t.framework_id = $framework AND t.year BETWEEN $last - 1 AND $last
    GROUP BY c.ri, i.ki
), pairs AS (  -- each county with each indicator its zone assesses: what differs per county
    -- (_c: $last, _p: the year before)
    SELECT c.ri, i.ki, coalesce(zw.weight, i.weight) AS weight, o.* EXCLUDE (ri, ki), n.* EXCLUDE (ri, ki),
           t.* EXCLUDE (ri, ki),
           _used_value(o.v0, o.v1, $missing) AS value_c, _used_value(o.v1, o.v2, $missing) AS value_p,
           _transformed(value_c, coalesce(i.log_transform, false)) AS x_c,
           _transformed(value_p, coalesce(i.log_transform, false)) AS x_p
    FROM _county c CROSS JOIN _ind i
    LEFT JOIN indicator_zone_weight zw ON zw.framework_id = $framework AND zw.indicator_code = i.code
                                      AND zw.zone = c.zone
    LEFT JOIN obs o ON o.ri = c.ri AND o.ki = i.ki
    LEFT JOIN notes n ON n.ri = c.ri AND n.ki = i.ki
    LEFT JOIN targets t ON t.ri = c.ri AND t.ki = i.ki
    WHERE coalesce(zw.weight, i.weight) > 0
), stats AS (  -- aggregates joined back: far cheaper than window functions over every row
    SELECT ki, min(x_c) AS lo_c, max(x_c) AS hi_c, avg(x_c) AS mean_c, stddev_pop(x_c) AS sd_c,
           min(x_p) AS lo_p, max(x_p) AS hi_p, avg(x_p) AS mean_p, stddev_pop(x_p) AS sd_p,
           -- a year with no accepted data at all (e.g. the first year in the warehouse) is not scored
           sum(count(value_c)) OVER () > 0 AS scored_c,
           sum(count(value_p)) OVER () > 0 AND list_contains($years, $last - 1) AS scored_p
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
        CASE WHEN i.log_transform THEN ln(i.goal_lo) ELSE i.goal_lo END AS gl,
        CASE WHEN i.log_transform THEN ln(i.goal_hi) ELSE i.goal_hi END AS gh,
        st.scored_c, st.scored_p,
        _normalized(method, i.direction, p.x_c, p.value_c, st.lo_c, st.hi_c, st.mean_c, st.sd_c, gl, gh, target_value_c,
                    $cap, r.pr_c, $missing) AS normalized_c,
        _normalized(method, i.direction, p.x_p, p.value_p, st.lo_p, st.hi_p, st.mean_p, st.sd_p, gl, gh, target_value_p,
                    $cap, r.pr_p, $missing) AS normalized_p
    FROM pairs p JOIN _ind i USING (ki) JOIN stats st USING (ki) LEFT JOIN percentiles r USING (ri, ki)
)
SELECT y.year, ri, ki, ci, method,
    CASE WHEN y.year = $last THEN value_c ELSE value_p END AS value,
    CASE WHEN y.year = $last THEN v1 ELSE v2 END AS previous_value,
    CASE WHEN y.year = $last THEN normalized_c ELSE normalized_p END AS normalized,
    weight,
    CASE WHEN y.year = $last THEN target_op_c ELSE target_op_p END AS target_op,
    CASE WHEN y.year = $last THEN target_value_c ELSE target_value_p END AS target_value,
    CASE WHEN y.year = $last THEN _met(value_c, target_op_c, target_value_c)
         ELSE _met(value_p, target_op_p, target_value_p) END AS met,
    CASE WHEN y.year = $last THEN _missing_flag(v0, n0, v1, $missing)
         ELSE _missing_flag(v1, n1, v2, $missing) END AS flag,
    CASE WHEN y.year = $last THEN _used_submission(v0, s0, v1, s1, $missing)
         ELSE _used_submission(v1, s1, v2, s2, $missing) END AS submission_id,
    CASE WHEN y.year = $last AND scored_p THEN normalized_p END AS previous_normalized
FROM scored CROSS JOIN (SELECT unnest($years) AS year) y
WHERE CASE WHEN y.year = $last THEN scored_c ELSE scored_p END
"""

# Leaf categories from their indicators (weights re-normalized over the indicators present).
LEAF_SQL = """
CREATE OR REPLACE TEMP TABLE _node AS
SELECT s.year, s.ri, s.ci,
    CASE WHEN c.aggregation = 'geometric' THEN exp(sum(s.weight * ln(s.normalized)) / sum(s.weight))
         ELSE sum(s.weight * s.normalized) / sum(s.weight) END AS score,
    sum(s.weight) AS mass
FROM _score s JOIN _cat c USING (ci)
WHERE s.normalized IS NOT NULL
GROUP BY s.year, s.ri, s.ci, c.aggregation
"""

# One level up: the categories at $depth from their parts (run from the deepest level upwards).
PARENT_SQL = """
INSERT INTO _node BY NAME
SELECT k.year, k.ri, p.ci,
    CASE WHEN p.aggregation = 'geometric' THEN exp(sum(k.raw * ln(k.score)) / sum(k.raw))
         ELSE sum(k.raw * k.score) / sum(k.raw) END AS score,
    sum(k.mass) AS mass
FROM (SELECT n.*, c.pci, coalesce(c.explicit_weight, n.mass) AS raw FROM _node n JOIN _cat c USING (ci)) k
JOIN _cat p ON p.ci = k.pci
WHERE p.depth = $depth
GROUP BY k.year, k.ri, p.ci, p.aggregation
"""

# Each node's weight among its siblings, its share of its parent's value, the index, and the products
# along each node's path to the index: its share of the index's weight and of its value.
PATH_SQL = """
CREATE OR REPLACE TEMP TABLE _path AS
WITH RECURSIVE k AS (
    SELECT n.*, c.pci, c.depth, c.aggregation, c.parent_method, coalesce(c.explicit_weight, n.mass) AS raw
    FROM _node n JOIN _cat c USING (ci)
), siblings AS (  -- sums per parent joined back (cheaper than windows over many small partitions)
    SELECT year, ri, coalesce(pci, 0) AS pci, sum(raw) AS raw_total, sum(raw * score) AS raw_s,
           sum(raw * ln(score)) AS raw_ln
    FROM k GROUP BY year, ri, coalesce(pci, 0)
), parted AS (
    SELECT k.* EXCLUDE (raw), k.raw / s.raw_total AS weight,
        CASE WHEN k.parent_method = 'geometric' THEN k.raw * ln(k.score) / nullif(s.raw_ln, 0)
             ELSE k.raw * k.score / nullif(s.raw_s, 0) END AS raw_part
    FROM k JOIN siblings s ON s.year = k.year AND s.ri = k.ri AND s.pci = coalesce(k.pci, 0)
), node_w AS (
    -- a degenerate parent (all parts 1 under a geometric mean, or a part 0) shares by weight
    SELECT * EXCLUDE (raw_part), CASE WHEN raw_part IS NULL OR isnan(raw_part) THEN weight ELSE raw_part END AS part
    FROM parted
), idx AS (
    SELECT year, ri,
        CASE WHEN $index_agg = 'geometric' THEN exp(sum(weight * ln(score))) ELSE sum(weight * score) END AS gdi
    FROM node_w WHERE pci IS NULL GROUP BY year, ri
), lineage(ci, ancestor) AS (
    SELECT ci, ci FROM _cat
    UNION ALL
    SELECT l.ci, c.pci FROM lineage l JOIN _cat c ON c.ci = l.ancestor WHERE c.pci IS NOT NULL
), products AS (
    SELECT n.year, n.ri, n.ci, product(a.part) AS path_part, product(a.weight) AS weight_share
    FROM node_w n JOIN lineage l USING (ci) JOIN node_w a ON a.year = n.year AND a.ri = n.ri AND a.ci = l.ancestor
    GROUP BY n.year, n.ri, n.ci
)
SELECT n.*, p.weight_share, i.gdi * p.path_part AS contribution, i.gdi
FROM node_w n JOIN products p USING (year, ri, ci) JOIN idx i USING (year, ri)
"""

CATEGORY_SQL = """
INSERT INTO category_score BY NAME
SELECT $run_id AS run_id, n.year, list_extract($regions, n.ri) AS region_code,
       list_extract($categories, n.ci) AS category, list_extract($categories, n.pci) AS parent, n.depth,
       n.aggregation, n.score, n.weight, n.weight_share, n.contribution, prev.score AS previous_score
FROM _path n LEFT JOIN _path prev ON prev.year = n.year - 1 AND prev.ri = n.ri AND prev.ci = n.ci
"""

# An indicator's share of its category's value, as a node's of its parent's (no window needed: the
# category row holds Σ w (mass) and its score, so Σ w·s = mass·score and Σ w·ln s = mass·ln score).
SCORE_SQL = """
INSERT INTO score BY NAME
WITH parted AS (
    SELECT s.*, CASE WHEN s.normalized IS NOT NULL THEN p.weight_share * s.weight / p.mass END AS weight_share,
           CASE WHEN s.normalized IS NOT NULL THEN p.contribution END AS cat_contribution,
           s.weight / p.mass AS w_in_cat,
           CASE WHEN p.aggregation = 'geometric' THEN s.weight * ln(s.normalized) / nullif(p.mass * ln(p.score), 0)
                ELSE s.weight * s.normalized / nullif(p.mass * p.score, 0) END AS raw_part
    FROM _score s LEFT JOIN _path p ON p.year = s.year AND p.ri = s.ri AND p.ci = s.ci
)
SELECT $run_id AS run_id, c.region_code, i.code AS indicator_code,
       s.* EXCLUDE (ri, ki, ci, cat_contribution, w_in_cat, raw_part),
       s.cat_contribution * CASE WHEN s.raw_part IS NULL OR isnan(s.raw_part) THEN s.w_in_cat
                                 ELSE s.raw_part END AS contribution
FROM parted s JOIN _county c ON c.ri = s.ri JOIN _ind i ON i.ki = s.ki
"""

EVENT_DEDUCTION_SQL = """
INSERT INTO deduction_hit BY NAME
SELECT $run_id AS run_id, year(e.event_date) AS year, e.region_code, $id AS deduction_id, $name AS name,
       $points AS points, e.event_id, e.kind AS event_kind, e.event_date, e.description, e.submission_id
FROM current_event e JOIN _county c USING (region_code)
WHERE year(e.event_date) IN (SELECT DISTINCT year FROM _score) AND list_contains($kinds, e.kind)
"""

TARGET_DEDUCTION_SQL = """
INSERT INTO deduction_hit BY NAME
SELECT $run_id AS run_id, s.year, list_extract($regions, s.ri) AS region_code, $id AS deduction_id, $name AS name,
       $points AS points, i.code AS indicator_code, s.value, s.target_value AS target, s.submission_id,
       i.name || CASE WHEN s.value IS NULL THEN ': 无已通过审核的数据'
                      ELSE ' ' || CAST(round(s.value, 4) AS VARCHAR) || i.unit END
              || ', 目标 ' || coalesce(map($ops, $signs)[s.target_op], s.target_op)
              || CAST(round(s.target_value, 4) AS VARCHAR) || i.unit AS description
FROM _score s JOIN _ind i USING (ki)
WHERE s.target_value IS NOT NULL AND coalesce(s.met, false) = false AND list_contains($indicators, i.code)
"""

RESULT_SQL = """
INSERT INTO result BY NAME
WITH per_region AS (
    SELECT s.year, s.ri,
        count(*) FILTER (s.met) AS targets_met,
        count(*) FILTER (s.target_value IS NOT NULL) AS targets_total,
        count(*) FILTER (i.binding AND s.target_value IS NOT NULL AND coalesce(s.met, false) = false) AS binding_missed,
        count(*) FILTER (s.value IS NULL) AS missing_count,
        sum(s.weight * CASE WHEN s.met THEN 1 ELSE 0 END) FILTER (s.target_value IS NOT NULL)
            / sum(s.weight) FILTER (s.target_value IS NOT NULL) AS met_share
    FROM _score s JOIN _ind i USING (ki)
    GROUP BY s.year, s.ri
), deducted AS (
    SELECT year, ri, sum(points) AS points FROM (
        SELECT h.year, c.ri, least(sum(h.points), any_value(m.max_points)) AS points
        FROM deduction_hit h JOIN caps m USING (deduction_id) JOIN _county c USING (region_code)
        WHERE h.run_id = $run_id
        GROUP BY h.year, c.ri, h.deduction_id)
    GROUP BY year, ri
), assessed AS (
    SELECT p.*, i.gdi, $target_points * coalesce(p.met_share, 0) AS points_targets,
           $index_points * (i.gdi - $index_lo) / ($index_hi - $index_lo) AS points_index,
           coalesce(d.points, 0) AS points_deducted
    FROM per_region p JOIN (SELECT DISTINCT year, ri, gdi FROM _path) i USING (year, ri)
    LEFT JOIN deducted d USING (year, ri)
), ranked AS (
    -- rounded to 2 decimals before banding: the grade must agree with the published score; ranked on
    -- the index rounded to 1e-9: DuckDB's parallel sums differ in the last bits between runs, which
    -- otherwise breaks exact ties differently each time (and re-issues reports for nothing)
    SELECT a.*, round(a.points_targets + a.points_index - a.points_deducted, 2) AS assessment_score,
           CAST(rank() OVER (PARTITION BY a.year ORDER BY round(a.gdi, 9) DESC) AS INTEGER) AS rank,
           CAST(count(*) OVER (PARTITION BY a.year) AS INTEGER) AS n_regions
    FROM assessed a
), graded AS (
    SELECT r.*, (SELECT b.grade FROM bands b WHERE r.assessment_score >= b.lower ORDER BY b.lower DESC LIMIT 1)
                AS grade
    FROM ranked r
)
SELECT $run_id AS run_id, r.year, list_extract($regions, r.ri) AS region_code, r.gdi, r.rank, r.n_regions,
       r.targets_met, r.targets_total, r.binding_missed, r.missing_count, r.points_targets, r.points_index,
       r.points_deducted, r.assessment_score, r.grade AS grade_before_veto, r.grade, false AS vetoed,
       p.gdi AS previous_gdi, p.rank AS previous_rank
FROM graded r LEFT JOIN graded p ON p.ri = r.ri AND p.year = r.year - 1
"""

TEMP_TABLES = ("_score", "_node", "_path", "_cat", "_county", "_ind")


def grade_bands(fw: Framework) -> pl.DataFrame:
    """The framework's bands as a table, `lower` descending; `position` 0 = best grade."""
    return pl.DataFrame({"grade": [b.grade for b in fw.grade_bands], "lower": [b.min for b in fw.grade_bands],
                         "position": list(range(len(fw.grade_bands)))})


def counties_of(con: duckdb.DuckDBPyConnection, fw: Framework) -> list[str]:
    """The assessed regions' codes, sorted: position + 1 is their `ri`."""
    return [r[0] for r in con.sql("SELECT region_code FROM region WHERE parent_code = ? ORDER BY region_code",
                                  params=[fw.jurisdiction]).fetchall()]


def prepare_keys(con: duckdb.DuckDBPyConnection, fw: Framework, regions: list[str]) -> None:
    """The temporary key tables NORMALIZED_SQL reads (`_county`, `_ind`)."""
    con.execute(COUNTY_KEYS, {"regions": regions})
    con.execute(INDICATOR_KEYS, {"framework": fw.id})
    con.execute(MACROS)


def normalized_params(fw: Framework, years: list[int], method: str | None = None) -> dict:
    """Parameters of NORMALIZED_SQL (years: the last one or the last two); `method` replaces the
    framework's default (rank uncertainty)."""
    if not set(years) <= {max(years), max(years) - 1}:
        raise ValueError(f"years must be one year or two consecutive ones: {years}")
    return {"framework": fw.id, "years": years, "last": max(years), "method": method or fw.normalization,
            "missing": fw.missing_policy, "cap": fw.target_cap}


def _deduction_indicators(fw: Framework, rule: Deduction) -> list[str]:
    if rule.indicators == "binding":
        return [i.code for i in fw.indicators if i.binding]
    return [i.code for i in fw.indicators] if rule.indicators == "all" else list(rule.indicators)


def _record_deductions(con: duckdb.DuckDBPyConnection, fw: Framework, run_id: str, regions: list[str]) -> None:
    """One statement per deduction rule: every event or missed target it counts, with its evidence."""
    for rule in fw.deductions:
        p = {"run_id": run_id, "id": rule.id, "name": rule.name, "points": rule.points}
        if rule.kind == "event":
            con.execute(EVENT_DEDUCTION_SQL, p | {"kinds": rule.event_kinds})
        else:
            con.execute(TARGET_DEDUCTION_SQL, p | {"regions": regions, "indicators": _deduction_indicators(fw, rule),
                                                   "ops": list(OP_SIGNS), "signs": list(OP_SIGNS.values())})


def score_year(con: duckdb.DuckDBPyConnection, fw: Framework, year: int, run_id: str,
               with_previous: bool = True) -> int:
    """Compute and store every number of `year` (and, for comparison, the year before) for `run_id`.

    Returns the number of regions scored for `year`.
    """
    caps = pl.DataFrame({"deduction_id": [d.id for d in fw.deductions],
                         "max_points": [d.max_points or float("inf") for d in fw.deductions]},
                        schema={"deduction_id": pl.String, "max_points": pl.Float64})
    regions = counties_of(con, fw)
    con.register("bands", grade_bands(fw))
    con.register("caps", caps)
    con.execute("BEGIN")
    try:
        prepare_keys(con, fw, regions)
        con.execute(CATEGORY_KEYS, {"framework": fw.id, "index_agg": fw.aggregation.index})
        con.execute(f"CREATE OR REPLACE TEMP TABLE _score AS {NORMALIZED_SQL}",
                    normalized_params(fw, [year - 1, year] if with_previous else [year]))
        con.execute(LEAF_SQL)
        for depth in range(max(fw.category_depths().values()) - 1, 0, -1):
            con.execute(PARENT_SQL, {"depth": depth})
        con.execute(PATH_SQL, {"index_agg": fw.aggregation.index})
        con.execute(CATEGORY_SQL, {"run_id": run_id, "regions": regions,
                                   "categories": [c.code for c in fw.categories]})
        con.execute(SCORE_SQL, {"run_id": run_id})
        _record_deductions(con, fw, run_id, regions)
        con.execute(RESULT_SQL, {"run_id": run_id, "regions": regions,
                                 "target_points": fw.assessment.target_points,
                                 "index_points": fw.assessment.index_points,
                                 "index_lo": fw.assessment.index_range[0], "index_hi": fw.assessment.index_range[1]})
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
