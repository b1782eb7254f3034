"""Attributing results to leading cadres (党政同责) and events to tenures (终身追责).

A county's result belongs to both its party secretary and its government head, each weighted by
the share of the year they held the post; a cadre who held two posts in the year has both. An
event binds to whoever held a leading post of the region on its date, whatever they hold now.
"""

from __future__ import annotations

import duckdb
import polars as pl

from transforms.warehouse import frame

CADRE_RESULT_SQL = """
INSERT INTO cadre_result BY NAME
WITH yr AS (SELECT make_date($year, 1, 1) AS y0, make_date($year, 12, 31) AS y1),
spans AS (
    SELECT t.*, greatest(t.start_date, yr.y0) AS s, least(coalesce(t.end_date, yr.y1), yr.y1) AS e,
           (yr.y1 - yr.y0 + 1) AS days_in_year
    FROM current_tenure t, yr
)
SELECT $run_id AS run_id, sp.cadre_id, sp.name, sp.post, sp.region_code, sp.start_date, sp.end_date,
       (sp.e - sp.s + 1) / sp.days_in_year AS share, r.gdi, r.rank, r.grade, r.vetoed
FROM spans sp JOIN result r ON r.run_id = $run_id AND r.year = $year AND r.region_code = sp.region_code
WHERE sp.e >= sp.s
"""

EVENTS_IN_TENURE_SQL = """
SELECT t.cadre_id, t.name, t.post, t.region_code, e.event_id, e.event_date, e.kind, e.description,
       year(e.event_date) AS year
FROM current_event e JOIN current_tenure t
  ON t.region_code = e.region_code AND e.event_date >= t.start_date
 AND e.event_date <= coalesce(t.end_date, DATE '9999-12-31')
ORDER BY e.event_date
"""


def attribute_results(con: duckdb.DuckDBPyConnection, year: int, run_id: str) -> int:
    con.execute(CADRE_RESULT_SQL, {"run_id": run_id, "year": year})
    return con.sql("SELECT count(*) FROM cadre_result WHERE run_id = ?", params=[run_id]).fetchall()[0][0]


def events_in_tenure(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every event of every year bound to the cadres in post on its date (lifetime accountability)."""
    return frame(con, EVENTS_IN_TENURE_SQL)
