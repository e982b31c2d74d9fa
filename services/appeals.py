"""Appeals (обращения): registration with number and due date, the person's own list and
details, adding information, reopening (SPEC §2; regulation §15, §16, §17)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from domain.appeals import (
    SYSTEM,
    Actor,
    ActorKind,
    Appeal,
    AppealAction,
    AppealDraft,
    AppealEvent,
    AppealId,
    AppealKind,
    AppealStatus,
    RejectionGround,
    apply,
    check_attachment,
    check_submittable,
    format_number,
    lacks_contact_data,
    register,
    with_survey_answers,
)
from domain.clock import Clock
from domain.deadlines import ANSWER_DAYS, WorkingCalendar, due_date, local_date
from domain.drafts import DraftKind, DraftToken
from domain.errors import AppealNotFound, ConsentRequired
from domain.ids import UserId
from domain.limits import FILE_NAME_MAX, MIME_TYPE_MAX, clip, fit_file_name
from domain.screening import FlagKind, ScreeningFlag, screen
from services.ports import (
    AccountLinks,
    AppealNotices,
    AppealRepository,
    Attachment,
    Consents,
    MessageRef,
    NumberSequence,
    SubmittedDrafts,
)


def _fitted(attachments: Sequence[Attachment]) -> tuple[Attachment, ...]:
    """What Telegram says of a file, made to fit the registry: a long file name is shortened
    with its extension kept (it is not the person's fault), a MIME type is cut."""
    return tuple(
        replace(
            item,
            file_name=fit_file_name(item.file_name, FILE_NAME_MAX),
            mime_type=clip(item.mime_type, MIME_TYPE_MAX),
        )
        for item in attachments
    )


@dataclass(frozen=True, slots=True)
class Prefill:
    """What the dialog can offer instead of asking: from the first linked account."""

    full_name: str
    address: str
    account_number: str | None


@dataclass(frozen=True, slots=True)
class AppealPage:
    appeals: list[Appeal]
    total: int
    page: int
    pages: int


@dataclass(frozen=True, slots=True)
class AppealDetails:
    appeal: Appeal
    history: list[AppealEvent]
    attachments: list[Attachment]


@dataclass(frozen=True, slots=True)
class AppealPolicy:
    prefix: str
    zone: ZoneInfo
    answer_days: Mapping[AppealKind, int]
    reopen_window: timedelta

    def days_for(self, kind: AppealKind) -> int:
        return self.answer_days.get(kind, ANSWER_DAYS)


class AppealService:
    def __init__(
        self,
        *,
        appeals: AppealRepository,
        numbers: NumberSequence,
        consents: Consents,
        links: AccountLinks,
        calendar: WorkingCalendar,
        clock: Clock,
        policy: AppealPolicy,
        notices: AppealNotices | None = None,
        drafts: SubmittedDrafts | None = None,
    ) -> None:
        self._drafts = drafts
        self._notices = notices
        self._appeals = appeals
        self._numbers = numbers
        self._consents = consents
        self._links = links
        self._calendar = calendar
        self._clock = clock
        self._policy = policy

    async def prefill(self, user_id: UserId) -> Prefill | None:
        linked = await self._links.linked(user_id)
        if not linked:
            return None
        account = linked[0].account
        address = account.address
        parts = [address.settlement, address.street, address.house]
        if address.flat:
            parts.append(address.flat)
        return Prefill(
            full_name=account.full_name,
            address=", ".join(part for part in parts if part),
            account_number=account.number,
        )

    async def submit(
        self,
        draft: AppealDraft,
        attachments: Sequence[Attachment],
        *,
        token: DraftToken | None = None,
    ) -> Appeal:
        """Register an appeal from the bot, as `_register`. No consent to the bot's processing
        is asked: an appeal is processed under 59-ФЗ (152-ФЗ ст. 6 ч. 1 п. 2;
        docs/personal-data.md). `token` (the summary's, domain/drafts.py) is stored with it for
        `submitted`."""
        if draft.user_id is None:
            raise ConsentRequired()
        actor = Actor(ActorKind.CONSUMER, draft.user_id)
        appeal = await self._register(draft, attachments, actor=actor)
        if token is not None and self._drafts is not None and appeal.id is not None:
            await self._drafts.remember(
                DraftKind.APPEAL, token, appeal.id, at=appeal.registered_at
            )
        return appeal

    async def submitted(self, user_id: UserId, token: DraftToken) -> Appeal | None:
        """The person's appeal that the draft with this token became, if it was submitted."""
        if self._drafts is None:
            return None
        appeal_id = await self._drafts.record_of(DraftKind.APPEAL, token)
        if appeal_id is None:
            return None
        appeal = await self._appeals.get(AppealId(appeal_id))
        return appeal if appeal is not None and appeal.user_id == user_id else None

    async def register_offline(
        self,
        draft: AppealDraft,
        *,
        actor: Actor,
        attachments: Sequence[Attachment] = (),
        received_at: datetime | None = None,
    ) -> Appeal:
        """An appeal received by phone, post or in person, entered by staff (§15.2): one
        registry, one number sequence, the same due date rules. `received_at` is for a paper
        journal migrated later: registered as it was received, the due date counts from it
        (the draft's own `received_at` says when a letter registered now was received).

        A written appeal without a name or a contact is registered all the same, then closed
        on the ground of §15.10 (counted in the reports as such, not lost at the door)."""
        if received_at is not None:
            draft = replace(draft, received_at=received_at)
        appeal = await self._register(draft, attachments, actor=actor, at=received_at)
        if not lacks_contact_data(draft):
            return appeal
        closed, event = apply(
            appeal,
            AppealAction.REJECT,
            actor=SYSTEM,
            at=appeal.registered_at,
            ground=RejectionGround.NO_CONTACT_DATA,
        )
        await self._appeals.save(closed, event)
        await self._publish(closed, event)
        return closed

    async def record_answer(
        self, appeal: Appeal, *, actor: Actor, answer_text: str, at: datetime
    ) -> Appeal:
        """An answer given outside the bot (a migrated journal): recorded in the history."""
        updated, event = apply(
            appeal, AppealAction.ANSWER, actor=actor, at=at, answer_text=answer_text
        )
        await self._appeals.save(updated, event)
        return updated

    async def _register(
        self,
        draft: AppealDraft,
        attachments: Sequence[Attachment],
        *,
        actor: Actor,
        at: datetime | None = None,
    ) -> Appeal:
        # Refused before the number is taken: a refusal leaves no gap in the numbers.
        check_submittable(draft)
        attachments = _fitted(attachments)
        for index, attachment in enumerate(attachments):
            check_attachment(size=attachment.size, already_attached=index)
        now = at or self._clock.now()
        zone = self._policy.zone
        year = local_date(now, zone).year
        earlier = (
            await self._appeals.screening_history(draft.user_id)
            if draft.user_id is not None
            else []
        )
        flags = screen(draft.text, subject=draft.subject, earlier=earlier)
        if draft.outage_id is not None:
            flags = (*flags, ScreeningFlag(FlagKind.OUTAGE, str(draft.outage_id)))
        due = due_date(
            registered_at=now,
            days=self._policy.days_for(draft.kind),
            calendar=self._calendar,
            zone=zone,
        )
        # The number is taken last, just before the insert: the sequence row stays locked
        # for as short a time as possible.
        sequence = await self._numbers.next(year)
        number = format_number(self._policy.prefix, year, sequence)
        appeal, event = register(
            draft, number=number, actor=actor, at=now, due_at=due, flags=flags
        )
        stored = await self._appeals.add(appeal, event, attachments)
        await self._publish(stored, event, attachments=attachments)
        return stored

    async def _publish(
        self,
        appeal: Appeal,
        event: AppealEvent,
        *,
        attachments: Sequence[Attachment] = (),
        copies: Sequence[MessageRef] = (),
    ) -> None:
        if self._notices is not None:
            await self._notices.publish(appeal, event, attachments=attachments, copies=copies)

    async def mine(self, user_id: UserId, *, page: int = 1, page_size: int = 5) -> AppealPage:
        page = max(1, page)
        appeals, total = await self._appeals.of_user(
            user_id, offset=(page - 1) * page_size, limit=page_size
        )
        pages = max(1, -(-total // page_size))
        return AppealPage(appeals=appeals, total=total, page=min(page, pages), pages=pages)

    async def details(self, user_id: UserId, appeal_id: AppealId) -> AppealDetails:
        appeal = await self._own(user_id, appeal_id)
        assert appeal.id is not None
        return AppealDetails(
            appeal=appeal,
            history=await self._appeals.history(appeal.id),
            attachments=await self._appeals.attachments(appeal.id),
        )

    async def add_information(
        self,
        user_id: UserId,
        appeal_id: AppealId,
        *,
        text: str,
        attachments: Sequence[Attachment] = (),
        copies: Sequence[MessageRef] = (),
    ) -> Appeal:
        """More information from the consumer. While staff wait for a clarification, this is
        the clarification (the appeal goes back to work); otherwise an addition. Either way it
        lands in the appeal's thread in the staff chat (`copies`: the person's messages)."""
        appeal = await self._own(user_id, appeal_id)
        assert appeal.id is not None
        attachments = _fitted(attachments)
        already = len(await self._appeals.attachments(appeal.id))
        for index, attachment in enumerate(attachments):
            check_attachment(size=attachment.size, already_attached=already + index)
        action = (
            AppealAction.RECEIVE_CLARIFICATION
            if appeal.status is AppealStatus.CLARIFICATION_REQUESTED
            else AppealAction.ADD_INFORMATION
        )
        updated, event = apply(
            appeal,
            action,
            actor=Actor(ActorKind.CONSUMER, user_id),
            at=self._clock.now(),
            reason=text.strip(),
        )
        await self._appeals.save(updated, event, attachments)
        await self._publish(updated, event, copies=copies)
        return updated

    async def rate(self, user_id: UserId, appeal_id: AppealId, rating: int) -> Appeal:
        """The survey's first question (1–5): it closes an answered appeal (SPEC §9)."""
        appeal = await self._own(user_id, appeal_id)
        updated, event = apply(
            appeal,
            AppealAction.RATE,
            actor=Actor(ActorKind.CONSUMER, user_id),
            at=self._clock.now(),
            rating=rating,
        )
        await self._appeals.save(updated, event)
        await self._publish(updated, event)
        return updated

    async def survey(
        self,
        user_id: UserId,
        appeal_id: AppealId,
        *,
        resolved: bool | None = None,
        comment: str | None = None,
    ) -> Appeal:
        appeal = await self._own(user_id, appeal_id)
        updated = with_survey_answers(appeal, resolved=resolved, comment=comment)
        await self._appeals.save_survey(updated)
        if self._notices is not None:
            await self._notices.survey_updated(updated)
        return updated

    async def reopen(self, user_id: UserId, appeal_id: AppealId, *, reason: str = "") -> Appeal:
        appeal = await self._own(user_id, appeal_id)
        updated, event = apply(
            appeal,
            AppealAction.REOPEN,
            actor=Actor(ActorKind.CONSUMER, user_id),
            at=self._clock.now(),
            reason=reason,
            reopen_window=self._policy.reopen_window,
        )
        await self._appeals.save(updated, event)
        await self._publish(updated, event)
        return updated

    async def _own(self, user_id: UserId, appeal_id: AppealId) -> Appeal:
        """The person's own appeal, or AppealNotFound — also for someone else's, so that a
        hand-made callback cannot even tell that the appeal exists."""
        appeal = await self._appeals.get(appeal_id)
        if appeal is None or appeal.user_id != user_id:
            raise AppealNotFound(appeal_id)
        return appeal
