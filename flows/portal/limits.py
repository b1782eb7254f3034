"""ASGI middleware of the portal: a cap on request bodies, and the security headers of every answer.

The body cap is the guards' file limit plus room for the form around it: a larger body is refused
(413) before it is read (by Content-Length) or as soon as it passes the cap (chunked), so an
oversized upload never fills the disk or memory; the guards then refuse a file over their own limit
with their Chinese message.
"""

from __future__ import annotations

import json

from transforms.intake.guards import MAX_FILE_BYTES

MAX_BODY = MAX_FILE_BYTES + (1 << 20)
TOO_LARGE = json.dumps({"detail": f"上传内容超过 {MAX_BODY >> 20} MB 上限 / request body too large"},
                       ensure_ascii=False).encode()
HEADERS = [(b"content-security-policy", b"default-src 'self'; frame-ancestors 'none'; form-action 'self'; "
                                        b"base-uri 'none'; object-src 'none'"),
           (b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
           (b"referrer-policy", b"same-origin"), (b"cache-control", b"no-store")]


class _TooLarge(Exception):
    pass


class BodyLimit:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            return await _refuse(send)
        seen, started = 0, False

        async def limited():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > MAX_BODY:
                raise _TooLarge()
            return message

        async def tracking(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited, tracking)
        except _TooLarge:
            if not started:
                await _refuse(send)


async def _refuse(send) -> None:
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json; charset=utf-8"), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": TOO_LARGE})


class SecurityHeaders:
    """CSP without inline scripts (the pages have none), no framing, no sniffing, no caching of
    pages that show personal data. A route may set its own CSP (the steward report's inline style)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [h for h in HEADERS if h[0] not in present]
            await send(message)

        await self.app(scope, receive, with_headers)
