"""Attributing results to leading cadres (党政同责, 一岗双责) and events to tenures (终身追责).

A county's result belongs to both its party secretary and its government head, each weighted by
the share of the year they held the post; a cadre who held two posts in the year has both. A
department head carries the indicators the department answers for, as a sub-score (the weighted
mean of their normalized scores over all counties, and the targets met). An event binds to
whoever held a leading post of the region on its date, whatever they hold now.
"""

from __future__ import annotations

import duckdb
import polars as pl

from transforms.config.framework import Framework
from transforms.config.posts import DEPARTMENT_HEAD
from transforms.runtime.warehouse import frame

DEPARTMENT_RESULT_SQL = """
INSERT INTO department_result BY NAME
SELECT $run_id AS run_id, s.year, i.department,
       sum(s.weight * s.normalized) / sum(s.weight) FILTER (s.normalized IS NOT NULL) AS score,
       count(*) FILTER (s.met) AS targets_met, count(*) FILTER (s.target_value IS NOT NULL) AS targets_total,
       count(DISTINCT s.indicator_code) AS indicators
FROM score s JOIN indicator i ON i.framework_id = $framework AND i.code = s.indicator_code
WHERE s.run_id = $run_id
GROUP BY s.year, i.department
"""

# Each tenure's share of each scored year; county posts take the county's result (党政同责),
# department heads their department's sub-score (一岗双责). Two posts in a year: two rows.
CADRE_RESULT_SQL = """
INSERT INTO cadre_result BY NAME
WITH spans AS (
    SELECT t.*, y.year, greatest(t.start_date, make_date(y.year, 1, 1)) AS s,
           least(coalesce(t.end_date, make_date(y.year, 12, 31)), make_date(y.year, 12, 31)) AS e,
           make_date(y.year, 12, 31) - make_date(y.year, 1, 1) + 1 AS days_in_year
    FROM current_tenure t CROSS JOIN (SELECT DISTINCT year FROM result WHERE run_id = $run_id) y
)
SELECT $run_id AS run_id, sp.year, sp.cadre_id, sp.name, sp.post, sp.region_code, sp.department,
       sp.start_date, sp.end_date, sp.acting, (sp.e - sp.s + 1) / sp.days_in_year AS share,
       r.gdi, r.rank, r.grade, r.vetoed,
       d.score AS department_score, d.targets_met, d.targets_total
FROM spans sp
LEFT JOIN result r ON r.run_id = $run_id AND r.year = sp.year AND r.region_code = sp.region_code
                  AND sp.post <> $department_head
LEFT JOIN department_result d ON d.run_id = $run_id AND d.year = sp.year AND d.department = sp.department
                             AND sp.post = $department_head
WHERE sp.e >= sp.s AND (r.region_code IS NOT NULL OR d.department IS NOT NULL)
"""

EVENTS_IN_TENURE_SQL = """
SELECT t.cadre_id, t.name, t.post, t.region_code, e.event_id, e.event_date, e.kind, e.description,
       year(e.event_date) AS year
FROM current_event e JOIN current_tenure t
  ON t.region_code = e.region_code AND e.event_date >= t.start_date
 AND e.event_date <= coalesce(t.end_date, DATE '9999-12-31')
ORDER BY e.event_date
"""


def attribute_results(con: duckdb.DuckDBPyConnection, fw: Framework, year: int, run_id: str) -> int:
    """Department sub-scores, then every cadre's share of every year scored in the run.

    Returns the number of cadre results for `year`."""
    con.execute("BEGIN")
    try:
        con.execute(DEPARTMENT_RESULT_SQL, {"run_id": run_id, "framework": fw.id})
        con.execute(CADRE_RESULT_SQL, {"run_id": run_id, "department_head": DEPARTMENT_HEAD})
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return con.sql("SELECT count(*) FROM cadre_result WHERE run_id = ? AND year = ?",
                   params=[run_id, year]).fetchall()[0][0]


def events_in_tenure(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every event of every year bound to the cadres in post on its date (lifetime accountability)."""
    return frame(con, EVENTS_IN_TENURE_SQL)
