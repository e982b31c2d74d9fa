"""The session cookie and the CSRF token (docs/web.md).

The cookie carries the session's random id, signed (itsdangerous) so that garbage is refused
before the database is asked; the session itself — who, since when, ended or not — lives in
the database (services/web_access.py), so a logout ends it on the server too. The CSRF token
is an HMAC of the session id: one per session, nothing stored, checked on every POST."""

from __future__ import annotations

import hashlib
import hmac

from itsdangerous import BadSignature, Signer

COOKIE = "desk_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
_SALT = "reception-web-session"


class SessionCookie:
    def __init__(self, secret: str) -> None:
        self._signer = Signer(secret, salt=_SALT)
        self._csrf_key = hashlib.sha256(f"csrf:{secret}".encode()).digest()

    def sign(self, session_id: str) -> str:
        return self._signer.sign(session_id).decode("ascii")

    def session_id(self, cookie: str | None) -> str | None:
        """The session id a cookie carries, None for a missing or forged one."""
        if not cookie or len(cookie) > 256:
            return None
        try:
            return self._signer.unsign(cookie).decode("ascii")
        except (BadSignature, UnicodeDecodeError):
            return None

    def csrf_token(self, session_id: str) -> str:
        return hmac.new(self._csrf_key, session_id.encode(), hashlib.sha256).hexdigest()

    def csrf_valid(self, session_id: str, token: str | None) -> bool:
        return token is not None and hmac.compare_digest(self.csrf_token(session_id), token)
