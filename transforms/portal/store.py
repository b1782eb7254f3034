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

SCHEMA = """
CREATE TABLE IF NOT EXISTS account (
    name TEXT PRIMARY KEY, role TEXT NOT NULL CHECK (role IN ('office', 'department', 'reviewer')),
    department TEXT, password_hash TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL, password_changed_at TEXT NOT NULL,
    CHECK ((role = 'department') = (department IS NOT NULL)));
CREATE TABLE IF NOT EXISTS session (
    token_hash TEXT PRIMARY KEY, account TEXT NOT NULL REFERENCES account (name), csrf TEXT NOT NULL,
    address TEXT, created_at REAL NOT NULL, expires_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS login_failure (account TEXT, address TEXT, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS login_failure_at ON login_failure (at);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, account TEXT, address TEXT, action TEXT NOT NULL, detail TEXT);
-- one row per upload: the file as received (archive), its check, and what became of it:
-- state passed | warning (held: errors none, warnings some) | rejected (errors) | forced (warnings,
-- sent with an explanation) | returned (by the office, with a reason)
CREATE TABLE IF NOT EXISTS upload (
    id INTEGER PRIMARY KEY, year INTEGER NOT NULL, department TEXT NOT NULL, kind TEXT NOT NULL,
    file_name TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL, uploaded_at TEXT NOT NULL,
    account TEXT NOT NULL, address TEXT, archive TEXT, state TEXT NOT NULL, errors INTEGER, warnings INTEGER,
    findings TEXT, report_dir TEXT, inbox_path TEXT, explanation TEXT, returned_reason TEXT,
    returned_by TEXT, returned_at TEXT);
CREATE INDEX IF NOT EXISTS upload_cell ON upload (year, department, kind);
-- 佐证材料: evidence (PDF or image) attached to an upload, e.g. for an event or a veto-relevant value
CREATE TABLE IF NOT EXISTS evidence (
    id INTEGER PRIMARY KEY, upload_id INTEGER NOT NULL REFERENCES upload (id), file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL, size INTEGER NOT NULL, path TEXT NOT NULL, note TEXT, uploaded_at TEXT NOT NULL,
    account TEXT NOT NULL, address TEXT);
CREATE TABLE IF NOT EXISTS setting (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS job (
    id INTEGER PRIMARY KEY, year INTEGER, account TEXT, started_at TEXT, finished_at TEXT, pid INTEGER,
    log TEXT, status TEXT, returncode INTEGER, prefect_flow_run_id TEXT);
"""


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
            con.executescript(SCHEMA)
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
            con.execute("BEGIN IMMEDIATE")
            yield con
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
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


def portal_dir(home: Home) -> Path:
    return home.root / "portal"
