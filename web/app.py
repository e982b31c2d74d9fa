"""The web desk's application (docs/web.md), built by the composition root from the bot's own
objects (`WebDeps`): the same database, Services and StaffDesk, so a rule is never written
twice and every action reaches the staff chat's card through the outbox."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from web.config import WebDeps
from web.deps import CsrfRefused, Forbidden, NotLoggedIn, check_csrf
from web.routes import ROUTERS
from web.security import SecurityHeaders
from web.session import SessionCookie
from web.templating import build_templates, render

logger = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"


def create_app(deps: WebDeps) -> FastAPI:
    app = FastAPI(
        title="reception web desk",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(check_csrf)],
    )
    app.state.deps = deps
    app.state.cookie = SessionCookie(deps.secret)
    app.state.templates = build_templates()
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in ROUTERS:
        app.include_router(router)
    _add_error_pages(app)
    app.add_middleware(SecurityHeaders)
    return app


def _add_error_pages(app: FastAPI) -> None:
    """Every refusal is a Russian page, never a traceback nor FastAPI's JSON."""

    async def not_logged_in(request: Request, error: Exception) -> Response:
        response = render(request, "login_needed.html", status_code=401)
        if request.headers.get("HX-Request"):
            # HTMX swaps nothing on a 401: send the whole page there instead.
            response.headers["HX-Redirect"] = str(request.url.path)
        return response

    async def forbidden(request: Request, error: Exception) -> Response:
        role = error.role.value if isinstance(error, Forbidden) else ""
        return render(request, "forbidden.html", {"role": role}, status_code=403)

    async def csrf_refused(request: Request, error: Exception) -> Response:
        return render(request, "csrf.html", status_code=403)

    async def http_error(request: Request, error: Exception) -> Response:
        status = error.status_code if isinstance(error, StarletteHTTPException) else 500
        return render(request, "not_found.html", {"status": status}, status_code=status)

    async def bad_input(request: Request, error: Exception) -> Response:
        return render(request, "bad_input.html", status_code=422)

    async def unexpected(request: Request, error: Exception) -> Response:
        # The type and the route only: a message may quote what a person typed.
        logger.error("web request %s failed with %s", request.method, type(error).__name__)
        return render(request, "apology.html", status_code=500)

    app.add_exception_handler(NotLoggedIn, not_logged_in)
    app.add_exception_handler(Forbidden, forbidden)
    app.add_exception_handler(CsrfRefused, csrf_refused)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, bad_input)
    app.add_exception_handler(Exception, unexpected)
