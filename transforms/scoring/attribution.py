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
from transforms.runtime.sql import statement, transaction
from transforms.runtime.warehouse import frame


def attribute_results(con: duckdb.DuckDBPyConnection, fw: Framework, year: int, run_id: str) -> int:
    """Department sub-scores, then every cadre's share of every year scored in the run.

    Returns the number of cadre results for `year`."""
    with transaction(con):
        con.execute(statement("scoring/department_result"), {"run_id": run_id, "framework": fw.id})
        con.execute(statement("scoring/cadre_result"), {"run_id": run_id})
    return con.sql("SELECT count(*) FROM cadre_result WHERE run_id = ? AND year = ?",
                   params=[run_id, year]).fetchall()[0][0]


def events_in_tenure(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every event of every year bound to the cadres in post on its date (lifetime accountability)."""
    return frame(con, statement("scoring/events_in_tenure"))
