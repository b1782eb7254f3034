"""The submission portal's own database: accounts, sessions, login failures, the audit log, uploads
and the jobs it started. SQLite under `<home>/portal/`, never the warehouse: the portal must not
write the warehouse, nor wait for a run that holds it (DuckDB lets one process open the file).

SQLite in WAL mode with a busy timeout: many short transactions from the portal's threads and the
`ecoassess user` command at once, readers never blocked by a writer.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Iterator

from transforms.runtime.home import FILE_MODE, Home, private_dir
from transforms.runtime.sql import statement, transaction


def now() -> str:
    return datetime.now().strftime("%Y-%m-%d %H:%M:%S")


class PortalDB:
    """`PortalDB(home)`: the database at `<home>/portal/portal.sqlite3`, created on first use."""

    def __init__(self, home: Home) -> None:
        self.root = private_dir(private_dir(home.root) / "portal")
        self.path = self.root / "portal.sqlite3"
        con = sqlite3.connect(self.path, timeout=30)
        try:
            con.execute("PRAGMA journal_mode = WAL")  # kept by the file: readers never wait for a writer
            con.executescript(statement("portal/schema"))
            _add_missing_columns(con)
        finally:
            con.close()
        for p in (self.path, self.path.with_name(self.path.name + "-wal"), self.path.with_name(self.path.name + "-shm")):
            if p.exists():
                p.chmod(FILE_MODE)  # accounts and the audit log: owner and group only, like the home

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """One transaction: committed on leaving, rolled back on an exception."""
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        con.row_factory = sqlite3.Row
        try:
            con.execute("PRAGMA foreign_keys = ON")
            with transaction(con, begin="BEGIN IMMEDIATE"):  # the write lock at once: no deadlock on upgrade
                yield con
        finally:
            con.close()

    def all(self, sql: str, params: tuple | list = ()) -> list[dict]:
        with self.connect() as con:
            return [dict(r) for r in con.execute(sql, params)]

    def one(self, sql: str, params: tuple | list = ()) -> dict | None:
        found = self.all(sql, params)
        return found[0] if found else None

    def audit(self, account: str | None, address: str | None, action: str, detail: str = "") -> None:
        """Who did what, when, from where: every action of the portal and of `ecoassess user`."""
        with self.connect() as con:
            con.execute("INSERT INTO audit (at, account, address, action, detail) VALUES (?, ?, ?, ?, ?)",
                        (now(), account, address, action, detail))

    def setting(self, key: str) -> str | None:
        row = self.one("SELECT value FROM setting WHERE key = ?", (key,))
        return row["value"] if row else None

    def set_setting(self, key: str, value: str) -> None:
        with self.connect() as con:
            con.execute("INSERT INTO setting VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                        (key, value))


# Columns added since a table was first created: a database made by an older portal gains them.
ADDED_COLUMNS = {"evidence": ("event_id TEXT", "region_code TEXT", "indicator_code TEXT")}


def _add_missing_columns(con: sqlite3.Connection) -> None:
    for table, columns in ADDED_COLUMNS.items():
        have = {row[1] for row in con.execute(f"PRAGMA table_info({table})")}
        for column in columns:
            if column.split()[0] not in have:
                con.execute(f"ALTER TABLE {table} ADD COLUMN {column}")


def portal_dir(home: Home) -> Path:
    return home.root / "portal"
