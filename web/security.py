"""Headers every response carries, and an access log without personal data (docs/web.md)."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("web.access")

# No inline script or style anywhere: HTMX is a file of ours (web/static), its indicator
# style is off (base.html's htmx-config), and nothing is evaluated (allowEval: false).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
)


class SecurityHeaders:
    """A plain ASGI middleware (no BaseHTTPMiddleware: it would buffer file downloads): adds
    the headers to every response and logs the request by its route's template — ids only,
    never a query string nor a login token."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                names = {name.lower() for name, _ in message.get("headers", [])}
                headers = list(message.get("headers", []))
                headers.extend(h for h in HEADERS if h[0] not in names)
                renewed = scope.get("state", {}).get("renew_cookie")
                if renewed is not None and b"set-cookie" not in names:
                    headers.append((b"set-cookie", renewed))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self._app(scope, receive, send_with_headers)
        finally:
            access_log.info(
                "%s %s %d %.1f ms",
                scope["method"],
                logged_path(scope),
                status,
                (time.perf_counter() - started) * 1000,
            )


def logged_path(scope: Scope) -> str:
    """The route's template (/appeals/{appeal_id}, /login/{token}) when routing found one;
    else the path, cut at anything that is not an id."""
    route = scope.get("route")
    template = getattr(route, "path", None)
    if isinstance(template, str):
        return template
    parts = str(scope.get("path", "")).split("/")
    return "/".join(p if not p or p.isdigit() or p.isidentifier() else "…" for p in parts)[:120]
