"""What the appeal page shows (web/templates/appeal.html), read in the request's unit of work:
the staff card (notifier/staff_channel.py `card_view`, the chat's own renderer), the history,
the thread, the attachments, the tasks, the audit, and the actions the lifecycle allows."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from markupsafe import Markup

from app.services import Services
from core.config import AppConfig
from core.texts import Texts
from domain.appeal_lifecycle import TRANSITIONS
from domain.appeals import Appeal, AppealAction, AppealId, RejectionGround
from domain.errors import DomainError
from domain.files import StoredFile
from domain.staff import StaffAction, StaffMember
from notifier.staff_channel import card_view
from notifier.staff_render import event_line, signature_text
from services.ports import AppealTask, Attachment
from storage.appeals import SqlAppealRepository
from storage.files import SqlFileRegistry
from storage.staff import AuditEntry, SqlAppealTasks, SqlStaffAudit
from web.templating import telegram_html

# The thread: what the consumer and staff said to each other (the rest is the history).
_SAID = {
    AppealAction.REQUEST_CLARIFICATION: "staff",
    AppealAction.RECEIVE_CLARIFICATION: "consumer",
    AppealAction.ADD_INFORMATION: "consumer",
    AppealAction.ANSWER: "staff",
}
# The page's action forms, each shown while the lifecycle allows it.
_ACTIONS = {
    "take": AppealAction.TAKE,
    "assign": AppealAction.ASSIGN,
    "ask": AppealAction.REQUEST_CLARIFICATION,
    "answer": AppealAction.ANSWER,
    "extend": AppealAction.EXTEND,
    "forward": AppealAction.FORWARD,
    "reject": AppealAction.REJECT,
    "close": AppealAction.CLOSE,
}
_ROLE_OF = {
    "take": StaffAction.TAKE,
    "assign": StaffAction.ASSIGN,
    "ask": StaffAction.ASK,
    "answer": StaffAction.ANSWER,
    "extend": StaffAction.EXTEND,
    "forward": StaffAction.FORWARD,
    "reject": StaffAction.REJECT,
    "close": StaffAction.CLOSE,
}
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})


@dataclass(frozen=True, slots=True)
class Said:
    at: datetime
    who: str
    side: str  # consumer | staff | note
    text: str


@dataclass(frozen=True, slots=True)
class FileEntry:
    index: int
    name: str
    kind: str
    mime_type: str
    size: int | None
    stored: bool

    @property
    def image(self) -> bool:
        return self.stored and mime_of(self.kind, self.mime_type) in IMAGE_TYPES


@dataclass(frozen=True, slots=True)
class AppealPage:
    appeal: Appeal
    card: Markup
    full_text: Markup | None
    history: list[tuple[datetime, Markup]]
    thread: list[Said]
    files: list[FileEntry]
    tasks: list[AppealTask]
    audit: list[tuple[AuditEntry, str]]
    actions: list[str]  # what the lifecycle allows now and the role permits
    refused_actions: list[str]  # allowed by the lifecycle, not by the role
    members: list[StaffMember]
    grounds: list[RejectionGround]
    signature: Markup | None
    signature_problem: Markup | None
    contacts: bool


def mime_of(kind: str, mime_type: str) -> str:
    """A photo comes from Telegram as JPEG without a MIME type."""
    return mime_type or ("image/jpeg" if kind == "photo" else "application/octet-stream")


def allowed_actions(appeal: Appeal) -> list[str]:
    return [
        name
        for name, action in _ACTIONS.items()
        if (appeal.status, action) in TRANSITIONS
        and not (action is AppealAction.EXTEND and appeal.extended)
    ]


async def appeal_page(
    services: Services,
    config: AppConfig,
    texts: Texts,
    member: StaffMember,
    appeal_id: int,
    *,
    now: datetime,
    contacts: bool = False,
) -> AppealPage:
    """The page of appeal `appeal_id` (AppealNotFound if there is none). `contacts`: the
    appellant's name and contact were asked for (and audited by the caller); otherwise the
    card shows neither."""
    desk = services.staff_desk
    appeal = await desk.appeal(appeal_id)
    shown = (
        appeal if contacts else replace(appeal, full_name=texts.plain("web-hidden"), contact="")
    )
    card = await card_view(services.uow, shown, texts, zone=config.zone, now=now)
    appeals = SqlAppealRepository(services.uow)
    events = await appeals.history(AppealId(appeal_id))
    history = []
    thread = []
    for event in events:
        line = event_line(appeal, event, texts, config.zone)
        if line is not None:
            history.append((event.at, telegram_html(line)))
        side = _SAID.get(event.action)
        if side is not None:
            text = event.detail("answer_text") if event.action is AppealAction.ANSWER else None
            who = event.actor.name if side == "staff" else texts.plain("web-consumer")
            thread.append(Said(event.at, who, side, text or event.reason))
    members = await desk.members()
    people = {m.user_id: m.display_name for m in members}
    audit = await SqlStaffAudit(services.uow).of_appeal(appeal_id)
    for entry in audit:
        if entry.action == StaffAction.NOTE.value and entry.outcome == "done":
            who = people.get(entry.user_id, str(entry.user_id))
            thread.append(Said(entry.at, who, "note", entry.detail))
    thread.sort(key=lambda said: said.at)
    files = await _files(services, await appeals.attachments(AppealId(appeal_id)))
    possible = allowed_actions(appeal)
    signature = problem = None
    if "answer" in possible:
        try:
            signature = telegram_html(signature_text(await desk.signature(member), texts))
        except DomainError as error:
            problem = telegram_html(texts.get(error.text_key, **error.text_args))
    return AppealPage(
        appeal=appeal,
        card=telegram_html(card.text),
        full_text=telegram_html(card.full_text) if card.full_text else None,
        history=history,
        thread=thread,
        files=files,
        tasks=list(await SqlAppealTasks(services.uow).of_appeal(AppealId(appeal_id))),
        audit=[(entry, people.get(entry.user_id, str(entry.user_id))) for entry in audit],
        actions=[a for a in possible if member.may(_ROLE_OF[a])],
        refused_actions=[a for a in possible if not member.may(_ROLE_OF[a])],
        members=members,
        grounds=list(RejectionGround),
        signature=signature,
        signature_problem=problem,
        contacts=contacts,
    )


async def _files(services: Services, attachments: list[Attachment]) -> list[FileEntry]:
    registry = SqlFileRegistry(services.uow)
    entries = []
    for index, attachment in enumerate(attachments):
        stored = await registry.by_telegram_id(attachment.file_id)
        entries.append(
            FileEntry(
                index=index,
                name=attachment.file_name or f"{attachment.kind}-{index + 1}",
                kind=attachment.kind,
                mime_type=mime_of(attachment.kind, attachment.mime_type),
                size=attachment.size,
                stored=stored is not None and stored.storage_key is not None,
            )
        )
    return entries


async def stored_attachment(
    services: Services, appeal_id: int, index: int
) -> tuple[Attachment, StoredFile] | None:
    """Attachment number `index` of the appeal and its record in the company's store, if it
    has been fetched there."""
    attachments = await SqlAppealRepository(services.uow).attachments(AppealId(appeal_id))
    if not 0 <= index < len(attachments):
        return None
    attachment = attachments[index]
    stored = await SqlFileRegistry(services.uow).by_telegram_id(attachment.file_id)
    if stored is None or stored.storage_key is None:
        return None
    return attachment, stored
