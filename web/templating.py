"""Rendering the desk's pages: Jinja2 templates (web/templates) with autoescaping; what every
page needs (the person, the CSRF token, the time zone) is added here."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from starlette.responses import Response

from core.refusals import refusal_text
from domain.errors import DomainError
from web.config import WebDeps

TEMPLATES = Path(__file__).parent / "templates"


def build_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES))
    templates.env.filters["local"] = _local
    templates.env.filters["day"] = _day
    return templates


def _local(moment: datetime | None, zone: Any) -> str:
    return moment.astimezone(zone).strftime("%d.%m.%Y %H:%M") if moment else "—"


def _day(moment: datetime | None, zone: Any) -> str:
    return moment.astimezone(zone).strftime("%d.%m.%Y") if moment else "—"


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> Response:
    """A page (or, for an HTMX request, the fragment template the route names)."""
    deps: WebDeps = request.app.state.deps
    templates: Jinja2Templates = request.app.state.templates
    values = {
        "staff": getattr(request.state, "staff", None),
        "csrf": getattr(request.state, "csrf", ""),
        "zone": deps.config.zone,
        "now": deps.clock.now(),
        **(context or {}),
    }
    return templates.TemplateResponse(request, template, values, status_code=status_code)


def telegram_html(text: str) -> Markup:
    """A text made for Telegram's HTML parse mode (core/locales, notifier/staff_render.py):
    its few tags (<b>, <i>, <code>, <a>) are HTML as well, and its values are escaped by
    Texts.get. Line breaks become <br>."""
    return Markup(text.replace("\n", "<br>\n"))


def refusal(
    request: Request, error: DomainError, *, status_code: int = 409, back: str | None = None
) -> Response:
    """A refused action, told as in the staff chat (core/refusals.py); `back`: where to."""
    deps: WebDeps = request.app.state.deps
    texts = deps.config.texts
    message = telegram_html(refusal_text(texts, error)) if texts is not None else ""
    context = {"message": message, "back": back}
    return render(request, "error.html", context, status_code=status_code)
