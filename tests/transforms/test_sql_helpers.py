"""transforms.runtime.sql: a step lands whole or not at all, frames are visible only inside their block,
and the error a caller sees is the failing statement's, whichever way the two helpers are nested."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from transforms.runtime.sql import registered, statement, transaction


def _con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (a INTEGER PRIMARY KEY)")
    return con


def _views(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [v for (v,) in con.sql("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()]


def test_a_step_commits_whole_and_its_frames_are_gone_after() -> None:
    con = _con()
    with transaction(con), registered(con, f=pl.DataFrame({"a": [1, 2]}), unused=None):
        con.execute("INSERT INTO t SELECT * FROM f")
    assert con.sql("SELECT list(a ORDER BY a) FROM t").fetchall() == [([1, 2],)]
    assert _views(con) == []


@pytest.mark.parametrize("transaction_outside", [True, False])
def test_a_failing_statement_rolls_back_and_its_own_error_reaches_the_caller(transaction_outside: bool) -> None:
    con = _con()
    con.execute("INSERT INTO t VALUES (7)")
    frames = {"f": pl.DataFrame({"a": [1, 1]})}  # a duplicate key: the second row violates the primary key
    with pytest.raises(duckdb.ConstraintException, match="duplicate key"):
        if transaction_outside:
            with transaction(con), registered(con, **frames):
                con.execute("DELETE FROM t")
                con.execute("INSERT INTO t SELECT * FROM f")
        else:
            with registered(con, **frames), transaction(con):
                con.execute("DELETE FROM t")
                con.execute("INSERT INTO t SELECT * FROM f")
    assert con.sql("SELECT list(a) FROM t").fetchall() == [([7],)]  # the DELETE was rolled back too
    assert _views(con) == []
    with transaction(con):  # the connection is usable again
        con.execute("INSERT INTO t VALUES (8)")
    assert con.sql("SELECT count(*) FROM t").fetchall() == [(2,)]


def test_statement_reads_the_step_file_and_names_a_missing_one() -> None:
    assert "FROM targets" in statement("config/region_targets")
    with pytest.raises(FileNotFoundError, match="no SQL step 'config/nonexistent'"):
        statement("config/nonexistent")
