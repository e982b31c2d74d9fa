"""The role check of a page that is an action in the chat's terms (a report, an export):
StaffDesk checks and audits it as in the chat; a refusal becomes the 403 page, its audit
line kept."""

from __future__ import annotations

from app.services import Services
from domain.errors import RoleRequired
from domain.staff import StaffAction, StaffMember, StaffRole
from web.deps import Forbidden


async def permit(services: Services, staff: StaffMember, action: StaffAction, detail: str) -> None:
    """Checked, audited as done and committed: the audit stays even if the download breaks
    off, and the request's connection is free for a download's own unit of work (SQLite
    has one)."""
    try:
        await services.staff_desk.permit(staff, action, detail=detail)
    except RoleRequired as refused:
        await services.uow.commit()
        raise Forbidden(StaffRole(refused.role)) from refused
    await services.staff_desk.done(staff, action, detail=detail)
    await services.uow.commit()
