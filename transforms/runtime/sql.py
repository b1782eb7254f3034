"""SQL statements kept in `transforms/sql/<area>/<step>.sql`, and the one way to run a transaction.

A statement longer than a line lives in a file named after its step, so a reader finds the SQL of a
step by its name and an SQL-aware editor can check it. Frames reach SQL only through
`con.register` (see `registered`), never as a Python local that DuckDB finds by name.
"""

from __future__ import annotations

from contextlib import contextmanager, suppress
from functools import cache
from pathlib import Path
from typing import Iterator

import duckdb
import polars as pl

SQL_DIR = Path(__file__).resolve().parents[1] / "sql"


@cache
def statement(name: str) -> str:
    """The text of `transforms/sql/<name>.sql` (`name` like "scoring/normalize"). A step whose columns
    come from the framework (one per relation, say) is a template with `{named}` holes that its caller
    fills with `str.format`; its opening comment names them."""
    path = SQL_DIR / f"{name}.sql"
    if not path.is_file():
        raise FileNotFoundError(f"no SQL step {name!r} ({path})")
    return path.read_text("utf-8")


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN … COMMIT, or ROLLBACK and re-raise: a step either lands whole or leaves the warehouse as
    it was (a killed run restarts from the last committed step)."""
    con.execute("BEGIN")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, **frames: pl.DataFrame | None) -> Iterator[duckdb.DuckDBPyConnection]:
    """Make `frames` visible to SQL under their keyword names for the duration of the block, then
    unregister them (a later step cannot read a stale frame by accident). None values are skipped."""
    names = [name for name, frame in frames.items() if frame is not None]
    for name in names:
        con.register(name, frames[name])
    try:
        yield con
    except BaseException:
        # Inside `transaction` a failed statement aborts the transaction and DuckDB then refuses the
        # unregister too: the error that matters is the statement's, and ROLLBACK drops the frames
        # registered since BEGIN anyway.
        for name in names:
            with suppress(duckdb.Error):
                con.unregister(name)
        raise
    for name in names:
        con.unregister(name)
