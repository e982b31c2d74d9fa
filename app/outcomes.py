"""Register 4.9's outcome of an appeal — the measures taken and planned, and whether it led
to a connection or a transmission contract (Order 186; docs/reports.md) — recorded by staff:
the chat's /measures, /planned and /contract, and the web desk's form. One path for both:
the appeal must exist, the fields are stored, the action is audited, and the staff card is
edited (it shows them, and its reminder goes)."""

from __future__ import annotations

from app.services import Services
from domain.appeals import Appeal
from domain.errors import TextRequired
from domain.reports import MEASURES_MAX
from domain.staff import StaffAction, StaffMember
from storage.reports import SqlReports


async def record_outcome(
    services: Services,
    member: StaffMember,
    appeal_id: int,
    *,
    measures_taken: str | None = None,
    measures_planned: str | None = None,
    contract_concluded: bool | None = None,
    detail: str,
) -> Appeal:
    """None leaves a field as it is; an empty text clears it. A text over MEASURES_MAX
    characters is refused (TextRequired) and nothing is stored."""
    for value in (measures_taken, measures_planned):
        if value is not None and len(value) > MEASURES_MAX:
            raise TextRequired(f"at most {MEASURES_MAX} characters")
    appeal = await services.staff_desk.appeal(appeal_id)
    await SqlReports(services.uow).set_outcome(
        appeal_id,
        measures_taken=measures_taken,
        measures_planned=measures_planned,
        contract_concluded=contract_concluded,
    )
    await services.staff_desk.done(
        member, StaffAction.MEASURES, appeal_id=appeal_id, detail=detail
    )
    notices = services.notices
    if notices is not None:
        notices.staff(appeal_id, "edit", urgent=True)  # the card shows them, the reminder goes
    return appeal
