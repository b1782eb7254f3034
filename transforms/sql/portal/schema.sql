-- The portal's own SQLite database (<home>/portal/portal.sqlite3), created on first use: accounts,
-- sessions, login failures, the audit log, uploads, their evidence, settings and the jobs it started.
-- A script of several statements (run with executescript); no parameters.
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
-- 佐证材料: evidence (PDF or image) attached to an upload, for what it proves: an event (event_id), a
-- county's value (region_code, indicator_code), or the whole file (all three empty)
CREATE TABLE IF NOT EXISTS evidence (
    id INTEGER PRIMARY KEY, upload_id INTEGER NOT NULL REFERENCES upload (id), file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL, size INTEGER NOT NULL, path TEXT NOT NULL, note TEXT, uploaded_at TEXT NOT NULL,
    account TEXT NOT NULL, address TEXT, event_id TEXT, region_code TEXT, indicator_code TEXT);
CREATE TABLE IF NOT EXISTS setting (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS job (
    id INTEGER PRIMARY KEY, year INTEGER, account TEXT, started_at TEXT, finished_at TEXT, pid INTEGER,
    log TEXT, status TEXT, returncode INTEGER, prefect_flow_run_id TEXT);
