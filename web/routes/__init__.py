"""The desk's routers, included by web/app.py in this order. A feature adds its router here
(docs/web.md)."""

from __future__ import annotations

from fastapi import APIRouter

from web.routes import appeals, auth, desk, home, registry, reports

ROUTERS: list[APIRouter] = [
    auth.router,
    home.router,
    appeals.router,
    registry.router,
    reports.router,
    desk.router,
]
