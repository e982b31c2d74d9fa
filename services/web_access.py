"""Who is logged in to the web desk (docs/web.md): one-time login links and sessions.

A link is sent to a staff member's private chat by /web in the staff chat; it is good for
minutes and once. Opening it starts a session that lasts while the person is active (each
request renews it) and ends at logout. Only SHA-256 digests of the link tokens and session
ids are stored, so a copy of the database opens nobody's desk. Whether the person is still
staff, and with which role, is not kept here: it is checked on every request, as in the chat.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from domain.clock import Clock
from domain.errors import LoginLinkInvalid

# The issue's terms: a link is good for 10 minutes, a session for 8 hours of inactivity.
LINK_LIFETIME = timedelta(minutes=10)
SESSION_LIFETIME = timedelta(hours=8)
# A session's `seen_at` is written at most this often: a page of requests costs one write.
RENEW_EVERY = timedelta(minutes=1)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class WebSession:
    id_hash: str
    user_id: int
    created_at: datetime
    seen_at: datetime
    ended_at: datetime | None = None


class WebLogins(Protocol):
    """The stored login links and sessions (storage/web_access.py), in the current unit of
    work."""

    async def add_link(
        self, token_hash: str, *, user_id: int, at: datetime, expires_at: datetime
    ) -> None: ...

    async def use_link(self, token_hash: str, *, at: datetime) -> int | None:
        """Marks an unused, unexpired link used; its user id, or None (nothing changed)."""
        ...

    async def add_session(self, session: WebSession) -> None: ...

    async def session(self, id_hash: str) -> WebSession | None: ...

    async def touch(self, id_hash: str, *, at: datetime) -> None: ...

    async def end(self, id_hash: str, *, at: datetime) -> None: ...


class WebAccess:
    def __init__(
        self,
        *,
        logins: WebLogins,
        clock: Clock,
        link_lifetime: timedelta = LINK_LIFETIME,
        session_lifetime: timedelta = SESSION_LIFETIME,
    ) -> None:
        self._logins = logins
        self._clock = clock
        self._link_lifetime = link_lifetime
        self._session_lifetime = session_lifetime

    async def issue_link(self, user_id: int) -> str:
        """A new one-time token for `user_id` (the caller checked they are staff)."""
        token = secrets.token_urlsafe(32)
        now = self._clock.now()
        await self._logins.add_link(
            digest(token), user_id=user_id, at=now, expires_at=now + self._link_lifetime
        )
        return token

    async def redeem(self, token: str) -> tuple[int, str]:
        """The link's user id and a new session id; LoginLinkInvalid when the link is
        unknown, expired or used (one refusal for all three: nothing to learn by guessing)."""
        if not token or len(token) > 128:
            raise LoginLinkInvalid()
        now = self._clock.now()
        user_id = await self._logins.use_link(digest(token), at=now)
        if user_id is None:
            raise LoginLinkInvalid()
        session_id = secrets.token_urlsafe(32)
        await self._logins.add_session(
            WebSession(id_hash=digest(session_id), user_id=user_id, created_at=now, seen_at=now)
        )
        return user_id, session_id

    async def resume(self, session_id: str) -> int | None:
        """The user id of a live session (renewed by this request), None when it is unknown,
        ended or idle for longer than the session's lifetime."""
        id_hash = digest(session_id)
        found = await self._logins.session(id_hash)
        now = self._clock.now()
        if found is None or found.ended_at is not None:
            return None
        if now - found.seen_at > self._session_lifetime:
            return None
        if now - found.seen_at >= RENEW_EVERY:
            await self._logins.touch(id_hash, at=now)
        return found.user_id

    async def end(self, session_id: str) -> None:
        await self._logins.end(digest(session_id), at=self._clock.now())
