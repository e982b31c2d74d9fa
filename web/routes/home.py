"""The desk's front page: the registry when it is there, else a page to open an appeal."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from web.deps import CurrentStaff
from web.templating import render

router = APIRouter()


@router.get("/", name="home")
async def home(request: Request, staff: CurrentStaff) -> Response:
    if any(getattr(route, "name", None) == "registry" for route in request.app.routes):
        return RedirectResponse(request.url_for("registry"), status_code=303)
    return render(request, "home.html")
