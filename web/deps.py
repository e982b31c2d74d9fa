"""What routes depend on (docs/web.md): the request's Services over its own unit of work, the
logged-in staff member (`current_staff`, `require_role`) and the CSRF check of every POST.

Every request is checked as an update in the staff chat is: the session must be live, the
person still a member of the staff chat (or a listed admin), and their role is read from the
staff directory anew, so a role taken away in the chat is taken away here at once."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from starlette.responses import Response

from app.services import Services
from domain.staff import StaffMember, StaffRole, role_at_least
from services.web_access import SESSION_LIFETIME
from storage.uow import UnitOfWork
from web.config import WebDeps
from web.session import COOKIE, CSRF_FIELD, CSRF_HEADER, SessionCookie

_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class NotLoggedIn(Exception):
    """No live session, or its person is no longer staff: the 401 page (web/app.py)."""


class Forbidden(Exception):
    """The role does not allow the page or the action: the 403 page (web/app.py)."""

    def __init__(self, role: StaffRole) -> None:
        super().__init__(role.value)
        self.role = role


class CsrfRefused(Exception):
    """A POST without the session's CSRF token: the 403 page (web/app.py)."""


def web_deps(request: Request) -> WebDeps:
    deps: WebDeps = request.app.state.deps
    return deps


def session_cookie(request: Request) -> SessionCookie:
    cookie: SessionCookie = request.app.state.cookie
    return cookie


async def request_services(request: Request) -> AsyncIterator[Services]:
    """One unit of work per request, committed when the route returns (before the response
    goes out: scope="function" below), rolled back when it raises."""
    deps = web_deps(request)
    uow = UnitOfWork(deps.sessionmaker, clock=deps.clock)
    services = deps.services(uow)
    try:
        yield services
        await uow.commit()
    except BaseException:
        await uow.rollback()
        raise


RequestServices = Annotated[Services, Depends(request_services, scope="function")]


async def current_staff(request: Request, services: RequestServices) -> StaffMember:
    """The logged-in staff member with their role as the staff directory has it now; raises
    NotLoggedIn (401) otherwise. Sets `request.state.staff` and `request.state.csrf` for the
    templates."""
    deps, cookie = web_deps(request), session_cookie(request)
    session_id = cookie.session_id(request.cookies.get(COOKIE))
    if session_id is None:
        raise NotLoggedIn()
    user_id = await services.web_access.resume(session_id)
    if user_id is None:
        raise NotLoggedIn()
    if user_id not in deps.config.admin_ids and not await deps.membership(user_id):
        # As the chat's gate does: nothing happens but the audit (kept despite the 401).
        await services.staff_desk.refuse_outsider(user_id, "web", None, "not a member")
        await services.uow.commit()
        raise NotLoggedIn()
    member = await services.staff_desk.member(user_id)
    request.state.staff = member
    request.state.session_id = session_id
    request.state.csrf = cookie.csrf_token(session_id)
    # Renewed while active: the cookie's 8 hours count again from this request (added to
    # the response by web/security.py).
    request.state.renew_cookie = session_header(request, session_id)
    return member


def session_header(request: Request, session_id: str) -> bytes:
    """The Set-Cookie value of the session: signed, HttpOnly, SameSite=Lax (a link opened
    from Telegram is a top-level navigation and must carry it), Secure behind HTTPS; kept as
    long as a session may idle, the server deciding the rest."""
    carrier = Response()
    carrier.set_cookie(
        COOKIE,
        session_cookie(request).sign(session_id),
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=web_deps(request).secure_cookie,
    )
    return carrier.raw_headers[-1][1]


CurrentStaff = Annotated[StaffMember, Depends(current_staff)]


def require_role(role: StaffRole) -> Callable[..., Awaitable[StaffMember]]:
    """A dependency: the logged-in member if their role is at least `role`, else 403. The
    action's own check in StaffDesk still applies (and audits); this one keeps a page away."""

    async def checked(member: CurrentStaff) -> StaffMember:
        if not role_at_least(member.role, role):
            raise Forbidden(role)
        return member

    return checked


async def check_csrf(request: Request) -> None:
    """On every unsafe request: the session's token in the form field `csrf_token` or, for
    HTMX requests, in the X-CSRF-Token header (set once on <body> with hx-headers)."""
    if request.method not in _UNSAFE:
        return
    cookie = session_cookie(request)
    session_id = cookie.session_id(request.cookies.get(COOKIE))
    token = request.headers.get(CSRF_HEADER)
    if token is None and session_id is not None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            value = (await request.form()).get(CSRF_FIELD)
            token = value if isinstance(value, str) else None
    if session_id is None or not cookie.csrf_valid(session_id, token):
        raise CsrfRefused()
