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
  attainment 100·min(x / target, 1) (negative: target / x) on the framework's scale: 60 + 40·… under the
             efficacy coefficient; for stock indicators (耕地保有量, outputs), whose size is not merit
Missing values: `reweight` (dropped from the weights), `minimum` (the method's lowest score) or
`last_year` (last year's accepted value); flagged per number either way. Not applicable (the framework's
`not_applicable` or 不涉及 in data/targets/) is not missing: left out, its weight kept in its category.
No data anywhere in a year: every county scores the method's lowest score and the weight is kept.
Assessment: target_points · Σ w·met / Σ w(with target) + index_points · (index − lo)/(hi − lo)
+ rank points (by rank on one indicator outside the index, e.g. 年度评价结果) + satisfaction_points · 满意度/100
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
from transforms.config.methods import missing_chain
from transforms.runtime.sql import registered, statement, transaction
from transforms.scoring.prepare import drop_prepared, prepare_observations

# The normalization step, read by the rank intervals (uncertainty.py) as well.
NORMALIZED_SQL = statement("scoring/normalize")

TEMP_TABLES = ("_score", "_node", "_path", "_cat", "_county", "_ind")


def grade_bands(fw: Framework) -> pl.DataFrame:
    """The framework's bands as a table, `lower` descending; `position` 0 = best grade."""
    return pl.DataFrame({"grade": [b.grade for b in fw.grade_bands], "lower": [b.min for b in fw.grade_bands],
                         "position": list(range(len(fw.grade_bands)))})


def counties_of(con: duckdb.DuckDBPyConnection, fw: Framework) -> list[str]:
    """The assessed regions' codes, sorted: position + 1 is their `ri`."""
    return [r[0] for r in con.sql("SELECT region_code FROM region WHERE parent_code = ? ORDER BY region_code",
                                  params=[fw.jurisdiction]).fetchall()]


def prepare_keys(con: duckdb.DuckDBPyConnection, fw: Framework, regions: list[str], last: int) -> dict:
    """The temporary tables NORMALIZED_SQL reads: keys (`_county`, `_ind`), macros, and the observations
    after the framework's denomination, imputation, coverage and treatment rules (`prepare.py`)."""
    con.execute(statement("scoring/county_keys"), {"regions": regions})
    con.execute(statement("scoring/indicator_keys"), {"framework": fw.id})
    con.execute(statement("scoring/macros"))
    return prepare_observations(con, fw, regions, last)


GEOMETRIC_ZEROS = {"indicators": "scoring/geometric_zeros_indicators", "categories": "scoring/geometric_zeros_categories"}
GEOMETRIC_FLOOR = {"indicators": "scoring/geometric_floor_indicators", "categories": "scoring/geometric_floor_categories"}


class GeometricZeroError(ValueError):
    """A score of 0 (or below) would enter a geometric mean and the framework says to refuse it."""


def _geometric_zero(con: duckdb.DuckDBPyConnection, fw: Framework, regions: list[str], step: str) -> None:
    """Scores ≤ 0 about to enter a logarithm (ln 0 = −∞ would make a geometric mean 0 silently): an
    indicator's score in a category that is a geometric mean of its indicators (`step` "indicators"),
    or a category's score under a geometric parent or index (`step` "categories", before each level
    combines them). Raised to the framework's floor and flagged, or, by default, the run stops naming
    them (framework rule `geometric_zero`)."""
    rule = fw.geometric_zero
    params = {"regions": regions} | ({"framework": fw.id} if step == "categories" else {})
    if rule.rule == "floor":
        con.execute(statement(GEOMETRIC_FLOOR[step]), {"floor": rule.floor})
        return
    zeros = con.execute(statement(GEOMETRIC_ZEROS[step]), params).fetchall()
    if zeros:
        listed = "；".join(f"{year}年 {name}（{region}）{part} 得分 {score:g}" for year, region, name, part, score
                          in zeros[:10])
        raise GeometricZeroError(
            f"几何平均中出现不大于 0 的得分，对数无意义：{listed}{' 等' if len(zeros) > 10 else ''}。请在指标体系中写明 "
            "geometric_zero: {rule: floor, floor: <正数>}（得分低于下限时按下限计并注明），或调整该指标的计分方法 / a score "
            "≤ 0 under a geometric mean")


def _final_rule(fw: Framework) -> str:
    """The framework's own final missing-value rule (indicators may override it: `_ind.missing_final`)."""
    return missing_chain(fw.missing_policy)[-1]


def normalized_params(fw: Framework, years: list[int], method: str | None = None) -> dict:
    """Parameters of NORMALIZED_SQL (years: the last one or the last two); `method` replaces the
    framework's default (rank uncertainty)."""
    if not set(years) <= {max(years), max(years) - 1}:
        raise ValueError(f"years must be one year or two consecutive ones: {years}")
    return {"framework": fw.id, "years": years, "last": max(years), "method": method or fw.normalization,
            "missing": _final_rule(fw), "cap": fw.target_cap,
            "lowest": attainment_floor(fw), "coverage_min": fw.coverage.indicator_min}


def attainment_floor(fw: Framework) -> float:
    """The lowest `attainment` score: 60 on a framework scored by the efficacy coefficient (its 60–100
    scale), else 0 (the other methods' 0–100)."""
    return 60.0 if fw.normalization == "efficacy" else 0.0


def assessment_params(fw: Framework) -> dict:
    """Parameters of the assessment step: points for targets and the index, and points of their own by
    rank (年度评价结果) and from public satisfaction (公众满意程度)."""
    a, rp, ps = fw.assessment, fw.assessment.rank_points, fw.public_satisfaction
    rank_ind = next((i for i in fw.indicators if rp and i.code == rp.indicator), None)
    return {"target_points": a.target_points, "index_points": a.index_points, "index_lo": a.index_range[0],
            "index_hi": a.index_range[1], "rank_indicator": rp.indicator if rp else None,
            "rank_points": rp.points if rp else 0.0, "rank_last_share": rp.last_share if rp else 1.0,
            "rank_direction": rank_ind.direction if rank_ind else 1,
            "satisfaction_indicator": ps.indicator if ps else None, "satisfaction_points": a.satisfaction_points}


def _deduction_indicators(fw: Framework, rule: Deduction) -> list[str]:
    if rule.indicators == "binding":
        return [i.code for i in fw.indicators if i.binding]
    return [i.code for i in fw.indicators] if rule.indicators == "all" else list(rule.indicators)


def _record_deductions(con: duckdb.DuckDBPyConnection, fw: Framework, run_id: str, regions: list[str]) -> None:
    """One statement per deduction rule: every event or missed target it counts, with its evidence."""
    for rule in fw.deductions:
        p = {"run_id": run_id, "id": rule.id, "name": rule.name, "points": rule.points}
        if rule.kind == "event":
            con.execute(statement("scoring/event_deductions"), p | {"kinds": rule.event_kinds})
        else:
            con.execute(statement("scoring/target_deductions"),
                        p | {"regions": regions, "indicators": _deduction_indicators(fw, rule),
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
    with registered(con, bands=grade_bands(fw), caps=caps), transaction(con):
        prepare_keys(con, fw, regions, year)
        con.execute(statement("scoring/category_keys"), {"framework": fw.id, "index_agg": fw.aggregation.index})
        con.execute(f"CREATE OR REPLACE TEMP TABLE _score AS {NORMALIZED_SQL}",
                    normalized_params(fw, [year - 1, year] if with_previous else [year]))
        _geometric_zero(con, fw, regions, "indicators")
        con.execute(statement("scoring/leaf"))
        for depth in range(max(fw.category_depths().values()) - 1, 0, -1):
            _geometric_zero(con, fw, regions, "categories")
            con.execute(statement("scoring/parent"), {"depth": depth})
        _geometric_zero(con, fw, regions, "categories")
        con.execute(statement("scoring/path"), {"index_agg": fw.aggregation.index})
        con.execute(statement("scoring/category_scores"), {"run_id": run_id, "regions": regions,
                                                           "categories": [c.code for c in fw.categories]})
        con.execute(statement("scoring/scores"), {"run_id": run_id})
        _record_deductions(con, fw, run_id, regions)
        con.execute(statement("scoring/result"), {"run_id": run_id, "regions": regions} | assessment_params(fw)
                    | {"unit_max_missing": fw.coverage.unit_max_missing})
        for table in TEMP_TABLES:
            con.execute(f"DROP TABLE {table}")
        drop_prepared(con)
    return con.sql("SELECT count(*) FROM result WHERE run_id = ? AND year = ?", params=[run_id, year]).fetchall()[0][0]
