"""Who is asking, and may they: sessions from the cookie, roles, CSRF tokens.

The session cookie is Secure, HttpOnly and SameSite=Strict and holds a random token (its hash is
in the portal database, so logging out or disabling an account ends it at once). Every state-
changing request carries the session's CSRF token: forms in a hidden `csrf` field, scripts in the
`X-CSRF-Token` header (the token `POST /api/login` returns). The login form, before any session,
uses a double-submit token (a cookie and the same value in the form).
"""

from __future__ import annotations

import secrets

from fastapi import HTTPException, Request

from transforms.portal.accounts import Account, session_account

SESSION_COOKIE = "ecoassess_session"
LOGIN_COOKIE = "ecoassess_login"


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def current(request: Request) -> tuple[Account, str] | None:
    """(account, CSRF token) of the request's session, or None; cached on the request."""
    if not hasattr(request.state, "session"):
        request.state.session = session_account(request.app.state.portal.db, request.cookies.get(SESSION_COOKIE))
    return request.state.session


class LoginRequired(Exception):
    """Raised for an anonymous request: pages redirect to the login page, the API answers 401."""


def require(request: Request, *roles: str) -> Account:
    """The logged-in account if its role is one of `roles` (any role if none given), else 401/403."""
    found = current(request)
    if found is None:
        raise LoginRequired()
    account = found[0]
    if roles and account.role not in roles:
        raise HTTPException(403, "无权访问此页面 / forbidden for your role")
    return account


async def check_csrf(request: Request, form: dict | None = None) -> None:
    """Refuse (403) a state-changing request without the session's CSRF token."""
    found = current(request)
    if found is None:
        raise LoginRequired()
    sent = request.headers.get("x-csrf-token") or (form or {}).get("csrf") or ""
    if not secrets.compare_digest(str(sent), found[1]):
        raise HTTPException(403, "请求缺少有效的安全令牌(CSRF), 请刷新页面后重试 / missing or wrong CSRF token")


def login_token(request: Request) -> str:
    """The double-submit token of the login form: the cookie's value, or a new one."""
    return request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(32)


def cookie_args() -> dict:
    return {"secure": True, "httponly": True, "samesite": "strict", "path": "/"}
