"""The appeals registry over SQLAlchemy Core: appeals, their history and attachments."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, or_, select, update

from domain.appeals import (
    OPEN_STATUSES,
    Actor,
    ActorKind,
    AnswerChannel,
    Appeal,
    AppealAction,
    AppealEvent,
    AppealId,
    AppealKind,
    AppealStatus,
    QualityComplaintDetails,
    RejectionGround,
    ServiceForm,
    Subject,
    VulnerableGroup,
    parse_number,
)
from domain.ids import AccountNumber, UserId
from domain.pp55 import ApplicantType, Pp55Item
from domain.retention import DataCategory
from domain.screening import FlagKind, ScreeningFlag
from services.ports import Attachment, IdentityVault
from storage.appeal_numbers import next_sequence
from storage.files import link_statement
from storage.models import AppealAttachmentRow, AppealEventRow, AppealJournalKeyRow, AppealRow
from storage.uow import UnitOfWork

_APPEAL = AppealRow.__table__
_BY_ID = select(_APPEAL).where(_APPEAL.c.id == bindparam("appeal_id"))
_OF_USER = (
    select(_APPEAL)
    .where(_APPEAL.c.user_id == bindparam("user_id"))
    .order_by(_APPEAL.c.registered_at.desc(), _APPEAL.c.id.desc())
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
)
# A person's appeals: the same Telegram user or the same account, newest first.
_OF_PERSON = (
    select(_APPEAL)
    .where(
        or_(
            _APPEAL.c.user_id == bindparam("user_id"),
            _APPEAL.c.account_number == bindparam("account_number"),
        ),
        _APPEAL.c.id != bindparam("exclude"),
    )
    .order_by(_APPEAL.c.registered_at.desc(), _APPEAL.c.id.desc())
    .limit(bindparam("limit"))
)
_COUNT_OF_USER = select(func.count()).where(_APPEAL.c.user_id == bindparam("user_id"))
_HISTORY = (
    select(AppealEventRow.__table__)
    .where(AppealEventRow.appeal_id == bindparam("appeal_id"))
    .order_by(AppealEventRow.at, AppealEventRow.id)
)
_ATTACHMENTS = (
    select(AppealAttachmentRow.__table__)
    .where(AppealAttachmentRow.appeal_id == bindparam("appeal_id"))
    .order_by(AppealAttachmentRow.id)
)
_SCREENING = select(
    _APPEAL.c.id, _APPEAL.c.subject, _APPEAL.c.text, _APPEAL.c.first_answered_at
).where(_APPEAL.c.user_id == bindparam("user_id"))
_BY_NUMBER = select(_APPEAL).where(_APPEAL.c.number == bindparam("number"))
_OPEN = (
    select(_APPEAL)
    .where(_APPEAL.c.status.in_([status.value for status in OPEN_STATUSES]))
    .order_by(_APPEAL.c.due_at, _APPEAL.c.id)
)
_INSERT_APPEAL = insert(AppealRow).returning(AppealRow.id)
_INSERT_EVENT = insert(AppealEventRow).returning(AppealEventRow.id)
_INSERT_ATTACHMENT = insert(AppealAttachmentRow)


def _pp55_to_row(details: QualityComplaintDetails | None) -> dict[str, Any] | None:
    """The ПП 55 fields as the appeal's JSON; the identity data never (SqlIdentityVault),
    only which of its items are kept."""
    if details is None:
        return None
    sealed = details.identity.given() if details.identity is not None else details.identity_items
    return {
        "violation_time": details.violation_time.isoformat() if details.violation_time else "",
        "violation_end": details.violation_end.isoformat() if details.violation_end else "",
        "device_address": details.device_address,
        "contract_number": details.contract_number,
        "applicant": details.applicant.value if details.applicant else "",
        "residence": details.residence,
        "company": details.company,
        "phone": details.phone,
        "email": details.email,
        "demand": details.demand,
        "identity_items": sorted(item.value for item in sealed),
    }


def _pp55_from_row(value: dict[str, Any] | None) -> QualityComplaintDetails | None:
    if not value:
        return None
    moment = value.get("violation_time") or ""
    end = value.get("violation_end") or ""
    applicant = value.get("applicant") or ""
    return QualityComplaintDetails(
        violation_time=datetime.fromisoformat(moment) if moment else None,
        violation_end=datetime.fromisoformat(end) if end else None,
        device_address=str(value.get("device_address", "")),
        contract_number=str(value.get("contract_number", "")),
        applicant=ApplicantType(applicant) if applicant else None,
        residence=str(value.get("residence", "")),
        company=str(value.get("company", "")),
        phone=str(value.get("phone", "")),
        email=str(value.get("email", "")),
        demand=str(value.get("demand", "")),
        identity_items=frozenset(Pp55Item(item) for item in value.get("identity_items") or ()),
    )


def _values(appeal: Appeal) -> dict[str, Any]:
    return {
        "kind": appeal.kind.value,
        "subject": appeal.subject.value,
        "form": appeal.form.value,
        "status": appeal.status.value,
        "registered_at": appeal.registered_at,
        "received_at": appeal.received,
        "due_at": appeal.due_at,
        "extended": appeal.extended,
        "text": appeal.text,
        "full_name": appeal.full_name,
        "address": appeal.address,
        "account_number": appeal.account_number,
        "answer_channel": appeal.answer_channel.value,
        "contact": appeal.contact,
        "vulnerable": appeal.vulnerable.value if appeal.vulnerable else None,
        "pp55": _pp55_to_row(appeal.pp55),
        "flags": [{"kind": f.kind.value, "detail": f.detail} for f in appeal.flags],
        "answered_at": appeal.answered_at,
        "first_answered_at": appeal.first_answered_at,
        "answer_text": appeal.answer_text,
        "linked_appeal_id": appeal.linked_appeal_id,
        "reopen_count": appeal.reopen_count,
        "assignee_id": appeal.assignee_id,
        "rejection_ground": appeal.rejection_ground.value if appeal.rejection_ground else None,
        "rating": appeal.rating,
        "resolved": appeal.resolved,
        "survey_comment": appeal.survey_comment,
        "measures_taken": appeal.measures_taken,
        "measures_planned": appeal.measures_planned,
        "contract_concluded": appeal.contract_concluded,
    }


def _appeal(row: Any) -> Appeal:
    return Appeal(
        id=AppealId(row.id),
        number=row.number,
        user_id=UserId(row.user_id) if row.user_id is not None else None,
        kind=AppealKind(row.kind),
        subject=Subject(row.subject),
        form=ServiceForm(row.form),
        status=AppealStatus(row.status),
        registered_at=row.registered_at,
        due_at=row.due_at,
        text=row.text,
        full_name=row.full_name,
        address=row.address,
        answer_channel=AnswerChannel(row.answer_channel),
        contact=row.contact,
        account_number=AccountNumber(row.account_number) if row.account_number else None,
        extended=bool(row.extended),
        vulnerable=VulnerableGroup(row.vulnerable) if row.vulnerable else None,
        pp55=_pp55_from_row(row.pp55),
        flags=tuple(ScreeningFlag(FlagKind(f["kind"]), f["detail"]) for f in row.flags or []),
        assignee_id=row.assignee_id,
        answered_at=row.answered_at,
        answer_text=row.answer_text,
        rejection_ground=RejectionGround(row.rejection_ground) if row.rejection_ground else None,
        linked_appeal_id=AppealId(row.linked_appeal_id) if row.linked_appeal_id else None,
        reopen_count=row.reopen_count,
        rating=row.rating,
        resolved=row.resolved,
        survey_comment=row.survey_comment or "",
        received_at=row.received_at,
        first_answered_at=row.first_answered_at,
        measures_taken=row.measures_taken or "",
        measures_planned=row.measures_planned or "",
        contract_concluded=bool(row.contract_concluded),
    )


def _event(row: Any) -> AppealEvent:
    details = row.details or {}
    return AppealEvent(
        action=AppealAction(row.action),
        actor=Actor(ActorKind(row.actor_kind), row.actor_id, row.actor_name),
        at=row.at,
        reason=row.reason,
        from_status=AppealStatus(row.from_status) if row.from_status else None,
        to_status=AppealStatus(row.to_status),
        details=tuple((str(k), str(v)) for k, v in details.items()),
    )


_JOURNAL_NUMBERS = (
    select(AppealJournalKeyRow.key, AppealRow.number)
    .join(AppealRow, AppealRow.id == AppealJournalKeyRow.appeal_id)
    .where(AppealJournalKeyRow.key.in_(bindparam("keys", expanding=True)))
)
_INSERT_JOURNAL_KEY = insert(AppealJournalKeyRow)
_JOURNAL_PAGE = 500


class SqlJournalKeys:
    """Fingerprints of imported journal rows (domain/journal.py); the key is the primary key,
    so two imports of one journal racing each other cannot both register a row."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def numbers(self, keys: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for start in range(0, len(keys), _JOURNAL_PAGE):
            page = list(keys[start : start + _JOURNAL_PAGE])
            rows = await self._uow.session.execute(_JOURNAL_NUMBERS, {"keys": page})
            found.update({row.key: row.number for row in rows})
        return found

    async def remember(self, key: str, appeal_id: AppealId) -> None:
        await self._uow.session.execute(_INSERT_JOURNAL_KEY, {"key": key, "appeal_id": appeal_id})
        self._uow.mark_written()


class SqlNumberSequence:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def next(self, year: int) -> int:
        return await next_sequence(self._uow, year)


class SqlAppealRepository:
    """`identities` keeps a new appeal's identity data (ПП 55) sealed, never in `appeals`."""

    def __init__(self, uow: UnitOfWork, identities: IdentityVault | None = None) -> None:
        self._uow = uow
        self._identities = identities

    async def add(
        self, appeal: Appeal, event: AppealEvent, attachments: Sequence[Attachment]
    ) -> Appeal:
        year, sequence = _year_and_sequence(appeal.number)
        result = await self._uow.session.execute(
            _INSERT_APPEAL,
            {
                "number": appeal.number,
                "year": year,
                "sequence": sequence,
                "user_id": appeal.user_id,
                **_values(appeal),
            },
        )
        appeal_id = AppealId(int(result.scalar_one()))
        self._uow.mark_written()
        stored = _with_id(appeal, appeal_id)
        await self._record(appeal_id, event, attachments)
        identity = appeal.pp55.identity if appeal.pp55 is not None else None
        if identity is not None and not identity.is_empty:
            if self._identities is None:  # never stored in plain
                raise RuntimeError("an appeal with identity data needs an IdentityVault")
            await self._identities.keep(appeal_id, identity)
        return stored

    async def save(
        self, appeal: Appeal, event: AppealEvent, attachments: Sequence[Attachment] = ()
    ) -> None:
        assert appeal.id is not None
        await self._uow.session.execute(
            update(AppealRow).where(AppealRow.id == appeal.id).values(**_values(appeal))
        )
        self._uow.mark_written()
        await self._record(appeal.id, event, attachments)

    async def _record(
        self, appeal_id: AppealId, event: AppealEvent, attachments: Sequence[Attachment]
    ) -> None:
        result = await self._uow.session.execute(
            _INSERT_EVENT,
            {
                "appeal_id": appeal_id,
                "action": event.action.value,
                "actor_kind": event.actor.kind.value,
                "actor_id": event.actor.id,
                "actor_name": event.actor.name,
                "at": event.at,
                "reason": event.reason,
                "from_status": event.from_status.value if event.from_status else None,
                "to_status": event.to_status.value,
                "details": dict(event.details),
            },
        )
        event_id = int(result.scalar_one())
        for attachment in attachments:
            self._uow.defer(
                _INSERT_ATTACHMENT,
                {
                    "appeal_id": appeal_id,
                    "event_id": event_id,
                    "kind": attachment.kind,
                    "file_id": attachment.file_id,
                    "file_unique_id": attachment.file_unique_id,
                    "file_name": attachment.file_name,
                    "mime_type": attachment.mime_type,
                    "size": attachment.size,
                    "added_at": event.at,
                },
                effect=True,
            )
            # Its stored file goes with the appeal when retention anonymises it.
            self._uow.defer(
                link_statement(self._uow.session.bind.dialect.name),
                {
                    "ref": attachment.file_unique_id,
                    "owner": DataCategory.APPEALS.value,
                    "owner_id": appeal_id,
                },
                effect=True,
            )

    async def get(self, appeal_id: AppealId) -> Appeal | None:
        row = (await self._uow.session.execute(_BY_ID, {"appeal_id": appeal_id})).first()
        return _appeal(row) if row is not None else None

    async def of_user(
        self, user_id: UserId, *, offset: int, limit: int
    ) -> tuple[list[Appeal], int]:
        session = self._uow.session
        total = int(await session.scalar(_COUNT_OF_USER, {"user_id": user_id}) or 0)
        rows = (
            await session.execute(_OF_USER, {"user_id": user_id, "limit": limit, "offset": offset})
        ).all()
        return [_appeal(row) for row in rows], total

    async def of_person(
        self,
        user_id: UserId | None,
        account_number: AccountNumber | None,
        *,
        exclude: AppealId,
        limit: int,
    ) -> list[Appeal]:
        if user_id is None and account_number is None:
            return []
        params = {
            "user_id": user_id,
            "account_number": account_number,
            "exclude": exclude,
            "limit": limit,
        }
        rows = (await self._uow.session.execute(_OF_PERSON, params)).all()
        return [_appeal(row) for row in rows]

    async def history(self, appeal_id: AppealId) -> list[AppealEvent]:
        rows = (await self._uow.session.execute(_HISTORY, {"appeal_id": appeal_id})).all()
        return [_event(row) for row in rows]

    async def attachments(self, appeal_id: AppealId) -> list[Attachment]:
        rows = (await self._uow.session.execute(_ATTACHMENTS, {"appeal_id": appeal_id})).all()
        return [
            Attachment(
                kind=row.kind,
                file_id=row.file_id,
                file_unique_id=row.file_unique_id,
                file_name=row.file_name,
                mime_type=row.mime_type,
                size=row.size,
            )
            for row in rows
        ]

    async def screening_history(
        self, user_id: UserId
    ) -> list[tuple[AppealId, Subject, str, bool]]:
        rows = (await self._uow.session.execute(_SCREENING, {"user_id": user_id})).all()
        return [
            (AppealId(row.id), Subject(row.subject), row.text, row.first_answered_at is not None)
            for row in rows
        ]

    async def by_number(self, number: str) -> Appeal | None:
        row = (await self._uow.session.execute(_BY_NUMBER, {"number": number})).first()
        return _appeal(row) if row is not None else None

    async def save_survey(self, appeal: Appeal) -> None:
        assert appeal.id is not None
        await self._uow.session.execute(
            update(AppealRow)
            .where(AppealRow.id == appeal.id)
            .values(resolved=appeal.resolved, survey_comment=appeal.survey_comment)
        )
        self._uow.mark_written()

    async def open_appeals(self) -> list[Appeal]:
        rows = (await self._uow.session.execute(_OPEN)).all()
        return [_appeal(row) for row in rows]


def _year_and_sequence(number: str) -> tuple[int, int]:
    _prefix, year, sequence = parse_number(number)
    return year, sequence


def _with_id(appeal: Appeal, appeal_id: AppealId) -> Appeal:
    return replace(appeal, id=appeal_id)
