"""The staff side of an appeal (SPEC §3; regulation §6.4, §15.3, §15.5, §17.6): take, assign,
ask, answer, extend, forward, reject, close, notes, answer tasks, settings.

Every action is checked twice — the role (domain.staff) and the lifecycle (domain.appeals) —
then stored with its history event, written to the audit log, and announced through
`AppealNotices` in the same transaction. A refused action is audited too. Actions done
elsewhere (notices from the staff chat) use the same check and the same log: `permit`
first, then `done` or `refused` with the reason.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from typing import Any, TypeVar

from domain.appeal_lifecycle import GROUNDS_FOR_HEAD
from domain.appeals import (
    Actor,
    ActorKind,
    Appeal,
    AppealAction,
    AppealDraft,
    AppealEvent,
    AppealId,
    RejectionGround,
    apply,
    flagged_repeat_of,
    with_survey_answers,
)
from domain.clock import Clock
from domain.deadlines import WorkingCalendar, early_warning_due, extend_due, forward_deadline
from domain.delivery import UNDELIVERED_TASK, ConsumerMessage, Undelivery
from domain.errors import (
    AppealNotFound,
    DomainError,
    ForwardingTooLate,
    IdentityNotKept,
    NoTelegramChat,
    RoleRequired,
    StaffNotFound,
    StaffRatingChannelRequired,
    TextRequired,
)
from domain.pp55 import Identity
from domain.readings import Reading
from domain.signature import Signature, check_signer, sign
from domain.staff import (
    DEFAULT_NOTICE_ROLE,
    Department,
    StaffAction,
    StaffMember,
    StaffRole,
    check_allowed,
    check_draft_decision,
    check_identity_access,
    check_profile,
    department_name,
    role_at_least,
)
from domain.surveys import STAFF_RATING_CHANNELS, StaffRating
from services.appeals import AppealPolicy, AppealService
from services.ports import (
    AppealNotices,
    AppealRepository,
    AppealTask,
    AppealTasks,
    Attachment,
    IdentityVault,
    MessageRef,
    ReadingRepository,
    StaffAudit,
    StaffDirectory,
)

DONE = "done"
_MARK = AppealAction.MARK_ILLEGIBLE
REFUSED = "refused"
_DETAIL_MAX = 500

T = TypeVar("T")


def staff_actor(member: StaffMember) -> Actor:
    return Actor(ActorKind.STAFF, member.user_id, member.full_name)


class StaffDesk:
    def __init__(
        self,
        *,
        appeals: AppealRepository,
        registry: AppealService,
        staff: StaffDirectory,
        audit: StaffAudit,
        tasks: AppealTasks,
        notices: AppealNotices,
        calendar: WorkingCalendar,
        clock: Clock,
        policy: AppealPolicy,
        admin_ids: frozenset[int] = frozenset(),
        notice_role: StaffRole = DEFAULT_NOTICE_ROLE,
        identities: IdentityVault | None = None,
        readings: ReadingRepository | None = None,
    ) -> None:
        self._identities = identities
        self._readings = readings
        self._appeals = appeals
        self._registry = registry
        self._staff = staff
        self._audit = audit
        self._tasks = tasks
        self._notices = notices
        self._calendar = calendar
        self._clock = clock
        self._policy = policy
        self._admin_ids = admin_ids
        self._notice_role = notice_role

    # Who is acting ----------------------------------------------------------------------

    async def member(self, user_id: int) -> StaffMember:
        """The profile of a staff-chat member (the caller checked membership); a listed admin
        is always an admin. Someone without a profile yet acts as a specialist."""
        found = await self._staff.member(user_id)
        member = found or StaffMember(user_id=user_id)
        if user_id in self._admin_ids and member.role is not StaffRole.ADMIN:
            member = replace(member, role=StaffRole.ADMIN)
        return member

    async def refuse_outsider(
        self, user_id: int, action: str, appeal_id: int | None, reason: str
    ) -> None:
        """Someone outside the staff tried a staff action: nothing happens but the audit."""
        await self._audit.record(
            at=self._clock.now(),
            user_id=user_id,
            action=action,
            appeal_id=appeal_id,
            outcome=REFUSED,
            detail=reason,
        )

    # The audit log: every action, done or refused with the reason ---------------------

    def _check(self, member: StaffMember, action: StaffAction, author: int | None) -> None:
        check_allowed(member.role, action, notice_role=self._notice_role)
        if author is not None:
            check_draft_decision(member, author)

    async def permit(
        self,
        member: StaffMember,
        action: StaffAction,
        *,
        detail: str = "",
        author: int | None = None,
    ) -> None:
        """The role check of an action done outside this desk (notices: notifier/notices.py
        does them in units of work of its own); `author`: the draft's, for a decision on
        it. A refusal is audited and raised (RoleRequired); the caller audits the outcome
        with `done` or `refused`."""
        try:
            self._check(member, action, author)
        except DomainError as error:
            await self.refused(member, action, _reason(error), detail=detail)
            raise

    async def done(
        self,
        member: StaffMember,
        action: StaffAction,
        *,
        appeal_id: int | None = None,
        detail: str = "",
    ) -> None:
        await self._audit.record(
            at=self._clock.now(),
            user_id=member.user_id,
            action=action.value,
            appeal_id=appeal_id,
            outcome=DONE,
            detail=detail[:_DETAIL_MAX],
        )

    async def refused(
        self,
        member: StaffMember,
        action: StaffAction,
        reason: str,
        *,
        appeal_id: int | None = None,
        detail: str = "",
    ) -> None:
        """An action that changed nothing, and why (a role, a draft already decided...)."""
        await self._audit.record(
            at=self._clock.now(),
            user_id=member.user_id,
            action=action.value,
            appeal_id=appeal_id,
            outcome=REFUSED,
            detail=f"{reason}: {detail}"[:_DETAIL_MAX] if detail else reason,
        )

    async def _audited(
        self,
        member: StaffMember,
        action: StaffAction,
        appeal_id: int | None,
        run: Callable[[], Awaitable[T]],
        detail: str = "",
    ) -> T:
        try:
            self._check(member, action, None)
            result = await run()
        except DomainError as error:
            await self.refused(member, action, _reason(error), appeal_id=appeal_id)
            raise
        await self.done(member, action, appeal_id=appeal_id, detail=detail)
        return result

    async def appeal(self, appeal_id: int) -> Appeal:
        found = await self._appeals.get(AppealId(appeal_id))
        if found is None:
            raise AppealNotFound(appeal_id)
        return found

    async def _transition(
        self, member: StaffMember, appeal: Appeal, action: AppealAction, **arguments: Any
    ) -> Appeal:
        """The lifecycle step by this staff member, stored and announced."""
        updated, event = apply(
            appeal, action, actor=staff_actor(member), at=self._clock.now(), **arguments
        )
        await self._store(updated, event)
        return updated

    async def _change(
        self,
        member: StaffMember,
        staff_action: StaffAction,
        appeal_id: int,
        action: AppealAction,
        *,
        detail: str = "",
        **arguments: Any,
    ) -> Appeal:
        async def run() -> Appeal:
            return await self._transition(
                member, await self.appeal(appeal_id), action, **arguments
            )

        return await self._audited(member, staff_action, appeal_id, run, detail)

    async def _store(self, appeal: Appeal, event: AppealEvent) -> None:
        await self._appeals.save(appeal, event)
        await self._notices.publish(appeal, event)

    # Actions ----------------------------------------------------------------------------

    async def take(self, member: StaffMember, appeal_id: int) -> Appeal:
        return await self._change(member, StaffAction.TAKE, appeal_id, AppealAction.TAKE)

    async def assign(self, member: StaffMember, appeal_id: int, assignee_id: int) -> Appeal:
        async def run() -> Appeal:
            assignee = await self._staff.member(assignee_id)
            if assignee is None:
                raise StaffNotFound(str(assignee_id))
            return await self._transition(
                member,
                await self.appeal(appeal_id),
                AppealAction.ASSIGN,
                assignee_id=assignee_id,
                assignee_name=assignee.full_name,
            )

        return await self._audited(member, StaffAction.ASSIGN, appeal_id, run, str(assignee_id))

    async def ask(self, member: StaffMember, appeal_id: int, question: str) -> Appeal:
        return await self._change(
            member,
            StaffAction.ASK,
            appeal_id,
            AppealAction.REQUEST_CLARIFICATION,
            reason=_required(question),
        )

    async def answer(self, member: StaffMember, appeal_id: int, text: str) -> Appeal:
        """The final answer (§15.5 signature from the profile). An answer by post, e-mail or
        phone becomes a task in the thread that staff mark done (§17.6), made where every
        notice to the appellant goes (AppealNotices.publish)."""

        async def run() -> Appeal:
            signed = await self.signature(member)
            updated = await self._transition(
                member,
                await self.appeal(appeal_id),
                AppealAction.ANSWER,
                answer_text=text,
                **signed.details(),
            )
            return updated

        return await self._audited(member, StaffAction.ANSWER, appeal_id, run)

    async def extend(self, member: StaffMember, appeal_id: int, days: int, reason: str) -> Appeal:
        """59-ФЗ ст. 12 ч. 2: by a head, once, before the due date; the new due date counts
        from the original one, not from today."""

        async def run() -> Appeal:
            appeal = await self.appeal(appeal_id)
            new_due = extend_due(
                due_at=appeal.due_at,
                days=days,
                calendar=self._calendar,
                zone=self._policy.zone,
            )
            return await self._transition(
                member,
                appeal,
                AppealAction.EXTEND,
                reason=_required(reason),
                days=days,
                new_due_at=new_due,
            )

        return await self._audited(member, StaffAction.EXTEND, appeal_id, run, str(days))

    def forward_by(self, appeal: Appeal) -> datetime:
        """59-ФЗ ст. 8 ч. 3: the last moment the appeal may be forwarded."""
        return forward_deadline(
            registered_at=appeal.registered_at, calendar=self._calendar, zone=self._policy.zone
        )

    def forwarding_check(self, member: StaffMember, appeal: Appeal) -> datetime | None:
        """Before "where to" is asked: a specialist or a late forwarding is refused at once
        (RoleRequired, ForwardingTooLate); from the 5th day the term's end is returned for a
        warning, else None."""
        check_allowed(member.role, StaffAction.FORWARD, notice_role=self._notice_role)
        now = self._clock.now()
        forward_by = self.forward_by(appeal)
        if now > forward_by:
            raise ForwardingTooLate(forward_by)
        warn = early_warning_due(
            registered_at=appeal.registered_at,
            now=now,
            calendar=self._calendar,
            zone=self._policy.zone,
        )
        return forward_by if warn else None

    async def forward(self, member: StaffMember, appeal_id: int, where: str) -> Appeal:
        """59-ФЗ ст. 8 ч. 3: outside the company's competence, within 7 days of registration;
        by a head (§5.2: documents leave the company only with the management's consent).
        `where` is told the appellant (AppealNotices.publish)."""

        async def run() -> Appeal:
            appeal = await self.appeal(appeal_id)
            return await self._transition(
                member,
                appeal,
                AppealAction.FORWARD,
                reason=_required(where),
                forward_by=self.forward_by(appeal),
            )

        return await self._audited(member, StaffAction.FORWARD, appeal_id, run)

    async def reject(
        self,
        member: StaffMember,
        appeal_id: int,
        ground: RejectionGround,
        *,
        earlier_number: str | None = None,
    ) -> Appeal:
        """§15.6–15.10. A repeat is the head's decision (59-ФЗ ст. 11 ч. 5) and points to
        the earlier appeal: the one given by number, else the one screening flagged; its
        number goes into the history and the appellant's notice (§15.8)."""

        async def run() -> Appeal:
            check_ground(member, ground)
            appeal = await self.appeal(appeal_id)
            linked: AppealId | None = None
            details: dict[str, str] = {}
            if ground is RejectionGround.REPEAT_WITHOUT_NEW_ARGUMENTS:
                linked = None if earlier_number else flagged_repeat_of(appeal)
                earlier = (
                    await self._appeals.by_number(earlier_number.strip().upper())
                    if earlier_number
                    else await self._appeals.get(linked)
                    if linked is not None
                    else None
                )
                if earlier_number and (earlier is None or earlier.id is None):
                    raise AppealNotFound(earlier_number)
                if earlier is not None and earlier.id is not None:
                    linked = earlier.id
                    details["linked_number"] = earlier.number
            return await self._transition(
                member,
                appeal,
                AppealAction.REJECT,
                ground=ground,
                linked_appeal_id=linked,
                **details,
            )

        return await self._audited(member, StaffAction.REJECT, appeal_id, run, ground.value)

    async def close(self, member: StaffMember, appeal_id: int) -> Appeal:
        return await self._change(member, StaffAction.CLOSE, appeal_id, AppealAction.CLOSE)

    async def mark_illegible(self, member: StaffMember, appeal_id: int) -> Appeal:
        """59-ФЗ ст. 11 ч. 4: the appellant is told within 7 days of registration."""

        async def run() -> Appeal:
            appeal = await self.appeal(appeal_id)
            by = self.forward_by(appeal)
            return await self._transition(member, appeal, _MARK, forward_by=by)

        return await self._audited(member, StaffAction.MARK_ILLEGIBLE, appeal_id, run)

    async def rate(self, member: StaffMember, appeal_id: int, entry: StaffRating) -> Appeal:
        """A rating the appellant gave by phone, letter or e-mail (SPEC §9), entered with the
        channel it came by (the answer's unless said)."""

        async def run() -> Appeal:
            appeal = await self.appeal(appeal_id)
            via = entry.via or appeal.answer_channel
            if via not in STAFF_RATING_CHANNELS:
                raise StaffRatingChannelRequired()
            rated = await self._transition(
                member, appeal, AppealAction.RATE, rating=entry.rating, via=via.value
            )
            if entry.resolved is not None:
                rated = with_survey_answers(rated, resolved=entry.resolved)
                await self._appeals.save_survey(rated)
            return rated

        return await self._audited(member, StaffAction.RATE, appeal_id, run, str(entry.rating))

    async def note(self, member: StaffMember, appeal_id: int, text: str) -> None:
        """An internal note: kept in the audit log, never relayed to the consumer."""

        async def run() -> None:
            await self.appeal(appeal_id)

        await self._audited(member, StaffAction.NOTE, appeal_id, run, text.strip())

    async def relay_file(self, member: StaffMember, appeal_id: int, ref: MessageRef) -> Appeal:
        """A file from the thread (a scanned letter, a photo of the work done) to the
        consumer's chat. Only to a consumer who writes to the bot: others get it by post."""

        async def run() -> Appeal:
            appeal = await self.appeal(appeal_id)
            if appeal.user_id is None:
                raise NoTelegramChat(appeal.number)
            await self._notices.relay_to_consumer(appeal, ref)
            return appeal

        return await self._audited(member, StaffAction.RELAY, appeal_id, run, str(ref.message_id))

    async def task_done(
        self, member: StaffMember, task_id: int, *, appeal_id: int | None = None
    ) -> tuple[Appeal, AppealTask]:
        """A task marked done; `appeal_id`: the appeal the task must belong to (the web
        desk's URL names both)."""
        task = await self._tasks.get(task_id)
        if task is None or (appeal_id is not None and task.appeal_id != appeal_id):
            raise AppealNotFound(task_id)

        async def run() -> tuple[Appeal, AppealTask]:
            appeal = await self.appeal(task.appeal_id)
            if task.done_at is not None:
                return appeal, task
            done = await self._tasks.mark_done(task_id, by=member.user_id, at=self._clock.now())
            await self._notices.task_done(appeal, done, member)
            return appeal, done

        return await self._audited(
            member, StaffAction.TASK_DONE, task.appeal_id, run, str(task_id)
        )

    async def report_undelivered(
        self, appeal_id: int, *, message: ConsumerMessage, why: Undelivery, origin: str
    ) -> AppealTask | None:
        """A message to the consumer that could not be delivered (reported by the outbox):
        the appeal gets a task to reach them another way, told in the thread and marked on
        the card until done. Once per `origin` (the message; every part of a long one and a
        repeat after a crash name the same): None when it was reported before."""
        appeal = await self._appeals.get(AppealId(appeal_id))
        if appeal is None:
            return None
        task = await self._tasks.add_once(
            AppealId(appeal_id), UNDELIVERED_TASK, origin=origin, at=self._clock.now()
        )
        if task is not None:
            await self._notices.undelivered(appeal, task, message=message, why=why)
        return task

    async def register(
        self, member: StaffMember, draft: AppealDraft, attachments: tuple[Attachment, ...] = ()
    ) -> Appeal:
        """An appeal received by phone, post or in person (§15.2): same registry, same
        numbers, same due date rules."""

        async def run() -> Appeal:
            return await self._registry.register_offline(
                draft, actor=staff_actor(member), attachments=attachments
            )

        return await self._audited(member, StaffAction.REGISTER, None, run, draft.form.value)

    async def identity(self, member: StaffMember, appeal_id: int) -> Identity:
        """The sealed identity data of a ПП 55 complaint, opened for a head, an admin or the
        appeal's assignee (domain/staff.py `may_see_identity`); every look is audited, a
        refused one too. The data itself is never in the audit line."""

        async def run() -> Identity:
            appeal = await self.appeal(appeal_id)
            check_identity_access(member, appeal.assignee_id)
            vault = self._identities
            found = await vault.identity(AppealId(appeal_id)) if vault is not None else None
            if found is None:
                raise IdentityNotKept()
            return found

        return await self._audited(member, StaffAction.IDENTITY, appeal_id, run)

    async def contacts(self, member: StaffMember, appeal_id: int) -> Appeal:
        """The appellant's name and contact, opened on the web desk on request (the page
        shows them only then: personal data only where the task needs it); every look is
        audited, the data itself never in the audit line."""

        async def run() -> Appeal:
            return await self.appeal(appeal_id)

        return await self._audited(member, StaffAction.CONTACTS, appeal_id, run)

    # Settings ---------------------------------------------------------------------------

    async def other_appeals(
        self, member: StaffMember, appeal_id: int, *, limit: int = 10
    ) -> tuple[Appeal, list[Appeal]]:
        """The card's «Другие обращения»: the appellant's other appeals (the same Telegram
        user or account), newest first; the look is audited as a view of the card."""

        async def run() -> tuple[Appeal, list[Appeal]]:
            appeal = await self.appeal(appeal_id)
            assert appeal.id is not None
            others = await self._appeals.of_person(
                appeal.user_id, appeal.account_number, exclude=appeal.id, limit=limit
            )
            return appeal, others

        return await self._audited(member, StaffAction.VIEW, appeal_id, run, "other appeals")

    async def account_readings(
        self, member: StaffMember, appeal_id: int, *, limit: int = 6
    ) -> tuple[Appeal, list[Reading]]:
        """The card's «Показания»: the latest readings of the appeal's account (none without
        an account), newest first; audited as a view of the card."""

        async def run() -> tuple[Appeal, list[Reading]]:
            appeal = await self.appeal(appeal_id)
            if appeal.account_number is None or self._readings is None:
                return appeal, []
            return appeal, await self._readings.of_account(appeal.account_number, limit=limit)

        return await self._audited(member, StaffAction.VIEW, appeal_id, run, "readings")

    async def save_profile(self, member: StaffMember, profile: StaffMember) -> StaffMember:
        """One's own profile (any role) or someone else's (admin); only an admin changes
        roles."""
        own = profile.user_id == member.user_id
        action = StaffAction.PROFILE if own else StaffAction.SETTINGS

        async def run() -> StaffMember:
            check_profile(profile)
            stored = profile
            if own and not member.may(StaffAction.SETTINGS):
                stored = replace(profile, role=member.role)
            await self._staff.save_member(stored, at=self._clock.now())
            return stored

        return await self._audited(member, action, None, run, str(profile.user_id))

    async def add_department(self, member: StaffMember, name: str) -> Department:
        async def run() -> Department:
            return await self._staff.add_department(department_name(_required(name)))

        return await self._audited(member, StaffAction.SETTINGS, None, run, name)

    async def departments(self) -> list[Department]:
        return await self._staff.departments()

    async def signature(self, member: StaffMember) -> Signature:
        """§15.5: the executor's details and the head of their department who signs;
        SignatureIncomplete or SignerMissing says what is missing."""
        department = (
            await self._staff.department(member.department_id)
            if member.department_id is not None
            else None
        )
        head_id = department.head_user_id if department is not None else None
        # A listed admin signs as an admin whatever the stored role (`member`).
        head = await self.member(head_id) if head_id is not None else None
        return sign(member, department=department, head=head)

    async def set_department_head(
        self, member: StaffMember, department_id: int, head_user_id: int
    ) -> Department:
        """§15.5: the official who signs a department's answers (admin); a head by role."""

        async def run() -> Department:
            if await self._staff.member(head_user_id) is None:
                raise StaffNotFound(str(head_user_id))  # no profile to sign with yet
            check_signer(await self.member(head_user_id))
            return await self._staff.set_department_head(department_id, head_user_id)

        return await self._audited(
            member, StaffAction.SETTINGS, None, run, f"head {department_id}={head_user_id}"
        )

    async def members(self, department_id: int | None = None) -> list[StaffMember]:
        everyone = await self._staff.members()
        if department_id is None:
            return everyone
        return [m for m in everyone if m.department_id == department_id]


def check_ground(member: StaffMember, ground: RejectionGround) -> None:
    """59-ФЗ ст. 11 ч. 5: refusing a repeat and stopping the correspondence is a head's
    decision; the other grounds any staff member states."""
    if ground in GROUNDS_FOR_HEAD and not role_at_least(member.role, StaffRole.HEAD):
        raise RoleRequired(StaffRole.HEAD.value)


def _reason(error: DomainError) -> str:
    """Why an action was refused, for the audit log: the error, and the role it needed."""
    role = getattr(error, "role", None)
    return f"{type(error).__name__}({role})" if role else type(error).__name__


def _required(text: str) -> str:
    clean = text.strip()
    if not clean:
        raise TextRequired("a text is required")
    return clean
