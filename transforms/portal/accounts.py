"""Portal accounts: office (考核办), department (one department each), reviewer.

Passwords are hashed with Argon2id (argon2-cffi, its RFC 9106 default parameters: memory-hard), and
re-hashed on login when the parameters change. Wrong passwords are throttled per account and per
address, before the hash is even checked, so guessing costs the attacker time, not our CPU.
Sessions are random tokens; only their SHA-256 is stored, so a copy of the database opens none.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from transforms.portal.store import PortalDB, now

ROLES = {"office": "考核办", "department": "报送部门", "reviewer": "审阅人"}
MIN_PASSWORD = 10
FAILURE_WINDOW = 15 * 60  # seconds over which wrong passwords are counted
MAX_FAILURES_ACCOUNT = 5  # then the account's logins wait until the oldest failure leaves the window
MAX_FAILURES_ADDRESS = 20  # one address trying many accounts
SESSION_SECONDS = 8 * 3600

_hasher = PasswordHasher()
# verified when the account does not exist, so that an unknown name takes as long as a wrong password
_DUMMY = _hasher.hash(secrets.token_hex(16))


class AccountError(ValueError):
    """A refused account operation; the message is Chinese first."""


class Throttled(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"密码错误次数过多, 请 {retry_after} 秒后再试 / too many failed logins, retry in {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    department: str | None

    @property
    def role_name(self) -> str:
        return ROLES[self.role]


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"密码至少 {MIN_PASSWORD} 个字符 / the password needs at least {MIN_PASSWORD} characters")


def add_account(db: PortalDB, name: str, role: str, department: str | None, password: str,
                departments: set[str]) -> Account:
    """A new account. `departments`: the known department codes (a department account needs one)."""
    if role not in ROLES:
        raise AccountError(f"未知角色 {role!r}, 应为 office、department 或 reviewer / unknown role")
    if (role == "department") != (department is not None):
        raise AccountError("部门账号须且只有部门账号须指定 --department / --department is for department accounts only")
    if department is not None and department not in departments:
        raise AccountError(f"未知部门 {department!r} / unknown department")
    if not name or not name.isprintable() or len(name) > 64 or any(c.isspace() for c in name):
        raise AccountError("账号名须为 1–64 个可见字符, 不含空格 / the name must be 1–64 visible characters")
    _check_password(password)
    with db.connect() as con:
        if con.execute("SELECT 1 FROM account WHERE name = ?", (name,)).fetchone():
            raise AccountError(f"账号 {name} 已存在 / account exists")
        con.execute("INSERT INTO account (name, role, department, password_hash, created_at, password_changed_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)", (name, role, department, _hasher.hash(password), now(), now()))
    return Account(name, role, department)


def reset_password(db: PortalDB, name: str, password: str) -> None:
    """A new password; every session of the account ends, and the account is enabled again."""
    _check_password(password)
    with db.connect() as con:
        if not con.execute("UPDATE account SET password_hash = ?, password_changed_at = ?, disabled = 0 WHERE name = ?",
                           (_hasher.hash(password), now(), name)).rowcount:
            raise AccountError(f"没有账号 {name} / no such account")
        con.execute("DELETE FROM session WHERE account = ?", (name,))
        con.execute("DELETE FROM login_failure WHERE account = ?", (name,))


def disable_account(db: PortalDB, name: str) -> None:
    """The account can no longer log in; its sessions end at once."""
    with db.connect() as con:
        if not con.execute("UPDATE account SET disabled = 1 WHERE name = ?", (name,)).rowcount:
            raise AccountError(f"没有账号 {name} / no such account")
        con.execute("DELETE FROM session WHERE account = ?", (name,))


def list_accounts(db: PortalDB) -> list[dict]:
    return db.all("SELECT name, role, department, disabled, created_at, password_changed_at FROM account ORDER BY name")


def authenticate(db: PortalDB, name: str, password: str, address: str | None) -> Account | None:
    """The account if `password` is right and it is enabled; None otherwise. Raises `Throttled`
    while the account or the address has too many recent failures (checked before the hash)."""
    t = time.time()
    with db.connect() as con:
        con.execute("DELETE FROM login_failure WHERE at < ?", (t - FAILURE_WINDOW,))
        for column, limit, key in (("account", MAX_FAILURES_ACCOUNT, name), ("address", MAX_FAILURES_ADDRESS, address)):
            recent = con.execute(f"SELECT count(*), min(at) FROM login_failure WHERE {column} = ?", (key,)).fetchone()
            if recent[0] >= limit:
                raise Throttled(max(1, int(recent[1] + FAILURE_WINDOW - t) + 1))
        row = con.execute("SELECT * FROM account WHERE name = ?", (name,)).fetchone()
    stored = row["password_hash"] if row else _DUMMY
    try:
        ok = _hasher.verify(stored, password) and row is not None and not row["disabled"]
    except (VerificationError, InvalidHashError):
        ok = False
    with db.connect() as con:
        if not ok:
            con.execute("INSERT INTO login_failure VALUES (?, ?, ?)", (name, address, t))
            return None
        con.execute("DELETE FROM login_failure WHERE account = ?", (name,))
        if _hasher.check_needs_rehash(stored):
            con.execute("UPDATE account SET password_hash = ? WHERE name = ?", (_hasher.hash(password), name))
    return Account(row["name"], row["role"], row["department"])


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(db: PortalDB, account: Account, address: str | None) -> tuple[str, str]:
    """A new session: (cookie token, CSRF token). Only the token's hash is stored."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    t = time.time()
    with db.connect() as con:
        con.execute("DELETE FROM session WHERE expires_at < ?", (t,))
        con.execute("INSERT INTO session VALUES (?, ?, ?, ?, ?, ?)",
                    (_token_hash(token), account.name, csrf, address, t, t + SESSION_SECONDS))
    return token, csrf


def session_account(db: PortalDB, token: str | None) -> tuple[Account, str] | None:
    """(account, CSRF token) of a live session of an enabled account, else None."""
    if not token:
        return None
    row = db.one("""SELECT a.name, a.role, a.department, s.csrf FROM session s JOIN account a ON a.name = s.account
                    WHERE s.token_hash = ? AND s.expires_at > ? AND NOT a.disabled""", (_token_hash(token), time.time()))
    return (Account(row["name"], row["role"], row["department"]), row["csrf"]) if row else None


def close_session(db: PortalDB, token: str | None) -> None:
    if token:
        with db.connect() as con:
            con.execute("DELETE FROM session WHERE token_hash = ?", (_token_hash(token),))
