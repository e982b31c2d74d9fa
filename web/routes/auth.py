"""Login by a one-time link from the staff chat's /web, and logout (docs/web.md)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from domain.errors import LoginLinkInvalid
from domain.staff import StaffAction
from web.deps import CurrentStaff, RequestServices, session_header, web_deps
from web.session import COOKIE
from web.templating import render

router = APIRouter()


@router.get("/login/{token}", name="login")
async def login(request: Request, token: str, services: RequestServices) -> Response:
    """Opening the link: a session for its person if they are still staff."""
    deps = web_deps(request)
    try:
        user_id, session_id = await services.web_access.redeem(token)
    except LoginLinkInvalid:
        return render(request, "link_invalid.html", status_code=410)
    if user_id not in deps.config.admin_ids and not await deps.membership(user_id):
        await services.staff_desk.refuse_outsider(user_id, "web", None, "not a member")
        return render(request, "link_invalid.html", status_code=403)
    member = await services.staff_desk.member(user_id)
    await services.staff_desk.done(member, StaffAction.WEB_LOGIN)
    response = RedirectResponse(request.url_for("home"), status_code=303)
    set_session(request, response, session_id)
    return response


@router.post("/logout", name="logout")
async def logout(request: Request, staff: CurrentStaff, services: RequestServices) -> Response:
    await services.web_access.end(request.state.session_id)
    await services.staff_desk.done(staff, StaffAction.WEB_LOGOUT)
    request.state.staff = None
    request.state.csrf = ""
    response = render(request, "logged_out.html")
    response.delete_cookie(COOKIE, path="/")
    return response


def set_session(request: Request, response: Response, session_id: str) -> None:
    response.raw_headers.append((b"set-cookie", session_header(request, session_id)))
