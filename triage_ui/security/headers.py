"""Security headers on every response, with a fresh CSP nonce per request.

Templates put ``request.state.csp_nonce`` on their one ``<script>`` tag; no inline
handlers or styles exist, so the policy needs no 'unsafe-inline'. HSTS outside --dev;
``X-Request-ID`` names the audit entries a response caused.
"""

from __future__ import annotations

import secrets
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic'; style-src 'self' 'nonce-{nonce}'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)

HSTS = b"max-age=31536000; includeSubDomains"


class SecurityHeadersMiddleware:
    """Pure ASGI middleware (cheaper than BaseHTTPMiddleware and streaming-safe)."""

    def __init__(self, app: ASGIApp, *, hsts: bool = True) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        nonce = secrets.token_urlsafe(16)
        state = scope.setdefault("state", {})
        state["csp_nonce"] = nonce
        state["request_id"] = secrets.token_hex(8)
        static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control" or static]
                # A route may set a stricter policy of its own (the sandboxed archived page): keep it.
                own = {k.lower() for k, _ in headers}
                headers += [
                    (name, value)
                    for name, value in (
                        (b"content-security-policy", CSP.format(nonce=nonce).encode()),
                        (b"x-frame-options", b"DENY"),
                    )
                    if name not in own
                ]
                headers += [
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"cross-origin-opener-policy", b"same-origin"),
                    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
                    (b"x-request-id", state["request_id"].encode()),
                ]
                if self.hsts:  # outside --dev the UI is only ever reached over TLS
                    headers.append((b"strict-transport-security", HSTS))
                # Server-Timing lets the benchmark (and browser dev tools) see server time alone.
                elapsed_ms = (time.perf_counter() - started) * 1000
                headers.append((b"server-timing", f"app;dur={elapsed_ms:.1f}".encode()))
                if not static:  # every page may show personal data: never cache it
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
