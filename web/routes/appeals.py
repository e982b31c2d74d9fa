"""The appeal page and its actions (docs/web.md). Every action goes through StaffDesk, as the
staff chat's buttons do: the same role and lifecycle checks, the same audit, and the card in
the staff chat updated through the outbox. A refusal is told as the chat tells it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from app.outcomes import record_outcome
from app.services import Services
from domain.appeals import Appeal, RejectionGround
from domain.errors import AppealNotFound, DomainError, RoleRequired, TextRequired
from domain.readings import Reading
from domain.staff import StaffAction, StaffMember
from notifier.staff_render import identity_text
from web.appeal_page import IMAGE_TYPES, appeal_page, mime_of, stored_attachment
from web.deps import CurrentStaff, RequestServices, web_deps
from web.templating import refusal, render

router = APIRouter()

Text = Annotated[str, Form(max_length=20_000)]
# What an action did, shown once on the page it returns to (ids only: it is in the URL).
DONE = frozenset(
    {
        "take",
        "assign",
        "ask",
        "answer",
        "extend",
        "forward",
        "reject",
        "close",
        "task",
        "note",
        "measures",
    }
)


@router.get("/appeals", name="appeal_lookup")
async def appeal_lookup(request: Request, staff: CurrentStaff, id: str = "") -> Response:
    """The front page's «open by id» form."""
    if not id.strip().isdigit():
        return render(request, "bad_input.html", status_code=422)
    url = request.url_for("appeal", appeal_id=int(id.strip()))
    return RedirectResponse(url, status_code=303)


@router.get("/appeals/{appeal_id}", name="appeal")
async def appeal(
    request: Request,
    appeal_id: int,
    staff: CurrentStaff,
    services: RequestServices,
    done: str = "",
) -> Response:
    return await _page(request, services, staff, appeal_id, done=done)


async def _page(
    request: Request,
    services: Services,
    staff: StaffMember,
    appeal_id: int,
    *,
    done: str = "",
    contacts: bool = False,
    identity: str | None = None,
    others: list[Appeal] | None = None,
    readings: list[Reading] | None = None,
) -> Response:
    deps = web_deps(request)
    texts = deps.config.texts
    assert texts is not None
    try:
        page = await appeal_page(
            services, deps.config, texts, staff, appeal_id, now=deps.clock.now(), contacts=contacts
        )
    except AppealNotFound:
        return render(request, "not_found.html", {"status": 404}, status_code=404)
    return render(
        request,
        "appeal.html",
        {
            "page": page,
            "done": done if done in DONE else "",
            "identity": identity,
            "others": others,
            "readings": readings,
        },
    )


async def _act(
    request: Request,
    services: Services,
    appeal_id: int,
    action: str,
    run: Callable[[], Awaitable[Any]],
) -> Response:
    """Run one StaffDesk action; back to the page (303: a reload does not repeat it), or the
    refusal as the chat words it (403 for a role, 409 otherwise; the refusal is audited and
    committed with the request)."""
    try:
        await run()
    except AppealNotFound:
        return render(request, "not_found.html", {"status": 404}, status_code=404)
    except DomainError as error:
        status = 403 if isinstance(error, RoleRequired) else 409
        back = str(request.url_for("appeal", appeal_id=appeal_id))
        return refusal(request, error, status_code=status, back=back)
    url = request.url_for("appeal", appeal_id=appeal_id).include_query_params(done=action)
    return RedirectResponse(url, status_code=303)


@router.post("/appeals/{appeal_id}/take", name="take")
async def take(
    request: Request, appeal_id: int, staff: CurrentStaff, services: RequestServices
) -> Response:
    return await _act(
        request, services, appeal_id, "take", lambda: services.staff_desk.take(staff, appeal_id)
    )


@router.post("/appeals/{appeal_id}/assign", name="assign")
async def assign(
    request: Request,
    appeal_id: int,
    staff: CurrentStaff,
    services: RequestServices,
    assignee_id: Annotated[int, Form()],
) -> Response:
    return await _act(
        request,
        services,
        appeal_id,
        "assign",
        lambda: services.staff_desk.assign(staff, appeal_id, assignee_id),
    )


@router.post("/appeals/{appeal_id}/ask", name="ask")
async def ask(
    request: Request,
    appeal_id: int,
    staff: CurrentStaff,
    services: RequestServices,
    question: Text,
) -> Response:
    return await _act(
        request,
        services,
        appeal_id,
        "ask",
        lambda: services.staff_desk.ask(staff, appeal_id, question),
    )


@router.post("/appeals/{appeal_id}/answer", name="answer")
async def answer(
    request: Request,
    appeal_id: int,
    staff: CurrentStaff,
    services: RequestServices,
    text: Text,
) -> Response:
    async def run() -> None:
        if not text.strip():
            raise TextRequired("an answer is required")
        await services.staff_desk.answer(staff, appeal_id, text.strip())

    return await _act(request, services, appeal_id, "answer", run)


@router.post("/appeals/{appeal_id}/extend", name="extend")
async def extend(
    request: Request,
    appeal_id: int,
    staff: CurrentStaff,
    services: RequestServices,
    days: Annotated[int, Form(ge=1, le=365)],
    reason: Text,
) -> Response:
    return await _act(
        request,
        services,
        appeal_id,
        "extend",
        lambda: services.staff_desk.extend(staff, appeal_id, days, reason),
    )


@router.post("/appeals/{appeal_id}/forward", name="forward")
async def forward(
    request: Request,
    appeal_id: int,
    staff: CurrentStaff,
    services: RequestServices,
    where: Text,
) -> Response:
    return await _act(
        request,
        services,
        appeal_id,
        "forward",
        lambda: services.staff_desk.forward(staff, appeal_id, where),
    )


@router.post("/appeals/{appeal_id}/reject", name="reject")
async def reject(
    request: Request,
    appeal_id: int,
    staff: CurrentStaff,
    services: RequestServices,
    ground: Annotated[RejectionGround, Form()],
    earlier_number: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    return await _act(
        request,
        services,
        appeal_id,
        "reject",
        lambda: services.staff_desk.reject(
            staff, appeal_id, ground, earlier_number=earlier_number.strip() or None
        ),
    )


@router.post("/appeals/{appeal_id}/close", name="close")
async def close(
    request: Request, appeal_id: int, staff: CurrentStaff, services: RequestServices
) -> Response:
    return await _act(
        request, services, appeal_id, "close", lambda: services.staff_desk.close(staff, appeal_id)
    )


@router.post("/appeals/{appeal_id}/note", name="note")
async def note(
    request: Request,
    appeal_id: int,
    staff: CurrentStaff,
    services: RequestServices,
    text: Text,
) -> Response:
    async def run() -> None:
        if not text.strip():
            raise TextRequired("a note is required")
        await services.staff_desk.note(staff, appeal_id, text)

    return await _act(request, services, appeal_id, "note", run)


@router.post("/appeals/{appeal_id}/measures", name="measures")
async def measures(
    request: Request,
    appeal_id: int,
    staff: CurrentStaff,
    services: RequestServices,
    measures_taken: Annotated[str, Form(max_length=20_000)] = "",
    measures_planned: Annotated[str, Form(max_length=20_000)] = "",
    contract: Annotated[str, Form(max_length=10)] = "no",
) -> Response:
    """Register 4.9's fields, as the chat's /measures, /planned and /contract (any staff
    member; app/outcomes.py): the form holds all three, so an emptied text clears it."""

    async def run() -> None:
        await record_outcome(
            services,
            staff,
            appeal_id,
            measures_taken=measures_taken.strip(),
            measures_planned=measures_planned.strip(),
            contract_concluded=contract == "yes",
            detail="web",
        )

    return await _act(request, services, appeal_id, "measures", run)


@router.post("/appeals/{appeal_id}/tasks/{task_id}/done", name="task_done")
async def task_done(
    request: Request,
    appeal_id: int,
    task_id: int,
    staff: CurrentStaff,
    services: RequestServices,
) -> Response:
    async def run() -> None:
        await services.staff_desk.task_done(staff, task_id, appeal_id=appeal_id)

    return await _act(request, services, appeal_id, "task", run)


@router.post("/appeals/{appeal_id}/contacts", name="contacts")
async def contacts(
    request: Request, appeal_id: int, staff: CurrentStaff, services: RequestServices
) -> Response:
    """The appellant's name and contact, shown on request; the look is audited."""
    try:
        await services.staff_desk.contacts(staff, appeal_id)
    except AppealNotFound:
        return render(request, "not_found.html", {"status": 404}, status_code=404)
    return await _page(request, services, staff, appeal_id, contacts=True)


@router.post("/appeals/{appeal_id}/identity", name="identity")
async def identity(
    request: Request, appeal_id: int, staff: CurrentStaff, services: RequestServices
) -> Response:
    """A ПП 55 complainant's identity data, for a head, an admin or the assignee; audited."""
    deps = web_deps(request)
    texts = deps.config.texts
    assert texts is not None
    try:
        found = await services.staff_desk.identity(staff, appeal_id)
    except AppealNotFound:
        return render(request, "not_found.html", {"status": 404}, status_code=404)
    except DomainError as error:
        status = 403 if isinstance(error, RoleRequired) else 409
        back = str(request.url_for("appeal", appeal_id=appeal_id))
        return refusal(request, error, status_code=status, back=back)
    return await _page(request, services, staff, appeal_id, identity=identity_text(found, texts))


@router.post("/appeals/{appeal_id}/others", name="others")
async def others(
    request: Request, appeal_id: int, staff: CurrentStaff, services: RequestServices
) -> Response:
    """The card's «Другие обращения»: the appellant's other appeals (audited as in the chat);
    each is a link, and every staff member may open any appeal, as in the chat."""
    try:
        _, found = await services.staff_desk.other_appeals(staff, appeal_id)
    except AppealNotFound:
        return render(request, "not_found.html", {"status": 404}, status_code=404)
    return await _page(request, services, staff, appeal_id, others=found)


@router.post("/appeals/{appeal_id}/readings", name="readings_of_appeal")
async def readings_of_appeal(
    request: Request, appeal_id: int, staff: CurrentStaff, services: RequestServices
) -> Response:
    """The card's «Показания»: the latest readings of the appeal's account (audited)."""
    try:
        _, found = await services.staff_desk.account_readings(staff, appeal_id)
    except AppealNotFound:
        return render(request, "not_found.html", {"status": 404}, status_code=404)
    return await _page(request, services, staff, appeal_id, readings=found)


@router.get("/appeals/{appeal_id}/files/{index}", name="appeal_file")
async def appeal_file(
    request: Request,
    appeal_id: int,
    index: int,
    staff: CurrentStaff,
    services: RequestServices,
) -> Response:
    """A file the appellant sent, from the company's store (never from Telegram): images
    inline, anything else as a download; each fetch audited as a look at the appeal."""
    deps = web_deps(request)
    found = await stored_attachment(services, appeal_id, index)
    if found is None or deps.files is None:
        return render(request, "not_found.html", {"status": 404}, status_code=404)
    attachment, stored = found
    assert stored.storage_key is not None
    data = await deps.files.get(stored.storage_key)
    if data is None:
        return render(request, "not_found.html", {"status": 404}, status_code=404)
    await services.staff_desk.done(
        staff, StaffAction.VIEW, appeal_id=appeal_id, detail=f"file {index}"
    )
    mime = mime_of(attachment.kind, attachment.mime_type)
    name = attachment.file_name or f"{attachment.kind}-{index + 1}"
    disposition = "inline" if mime in IMAGE_TYPES else "attachment"
    headers = {
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(name)}",
        # A file someone sent is never run as a page of the desk.
        "Content-Security-Policy": "default-src 'none'; sandbox",
    }
    media_type = mime if mime in IMAGE_TYPES else "application/octet-stream"
    return Response(data, media_type=media_type, headers=headers)
