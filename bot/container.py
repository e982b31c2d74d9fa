"""Per-update wiring of services over the update's unit of work; built lazily, so an update
that needs no service costs nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from zoneinfo import ZoneInfo

from aiogram.fsm.storage.base import BaseStorage

from bot.texts import Texts
from domain.clock import Clock
from domain.content import ContentLibrary
from domain.deadlines import WorkingCalendar
from domain.linking import AttemptPolicy
from domain.staff import DEFAULT_NOTICE_ROLE, StaffRole
from notifier.appeal_notices import OutboxAppealNotices
from notifier.booking_reminders import OutboxBookingReminders
from notifier.notices import UpdateNoticeQueue
from notifier.replies import OutboxReplies
from services.account_import import AccountImportService
from services.accounts import AccountService
from services.appeals import AppealPolicy, AppealService
from services.booking import BookingPolicy, BookingService
from services.notices import NoticePolicy, NoticeService
from services.onboarding import OnboardingService
from services.readings import ReadingPolicy, ReadingService
from services.staff_desk import StaffDesk
from services.subscriptions import SubscriptionService
from storage.appeals import SqlAppealRepository, SqlNumberSequence
from storage.booking import SqlBookingRepository
from storage.cache import PersonCache
from storage.drafts import SqlSubmittedDrafts
from storage.notice_drafts import SqlNoticeDrafts
from storage.notices import SqlNoticeStore
from storage.outbox import SqlOutbox
from storage.readings import SqlReadingRepository
from storage.repositories import (
    FsmDialogStates,
    SqlAccountLinks,
    SqlAccountRegistry,
    SqlConsents,
    SqlLinkFailures,
    SqlPeople,
)
from storage.staff import SqlAppealTasks, SqlAppealThreads, SqlStaffAudit, SqlStaffDirectory
from storage.subscriptions import SqlSubscriptionStore
from storage.uow import UnitOfWork


class OutboxWakeUp:
    """Wakes the outbox sender when a commit queued messages. Connected once the sender runs
    (bot/delivery.py); until then, and in tools that run no sender, a call does nothing."""

    def __init__(self) -> None:
        self._wake: Callable[[], None] | None = None

    def connect(self, wake: Callable[[], None]) -> None:
        self._wake = wake

    def __call__(self) -> None:
        if self._wake is not None:
            self._wake()


@dataclass(frozen=True, kw_only=True)
class AppConfig:
    """What the services need from the settings, resolved once at start."""

    company_name: str
    zone: ZoneInfo
    link_policy: AttemptPolicy
    max_linked_accounts: int
    appeal_policy: AppealPolicy
    calendar: WorkingCalendar
    texts: Texts | None = None
    staff_chat_id: int | None = None
    admin_ids: frozenset[int] = frozenset()
    email_enabled: bool = False
    readings_policy: ReadingPolicy | None = None
    booking_policy: BookingPolicy | None = None
    notice_role: StaffRole = DEFAULT_NOTICE_ROLE  # the least for mass notices (MASS_NOTICE_ROLE)
    # The one thing connected after start: the outbox sender's wake-up.
    wake_outbox: OutboxWakeUp = field(default_factory=OutboxWakeUp, compare=False)
    # Lead times and send hours of notices, and what queues the notices an update wrote once
    # it is committed (the notice desk's job): given at start (bot/factory.py).
    notice_policy: NoticePolicy | None = None
    queue_notices: Callable[[], None] | None = None


class Services:
    def __init__(
        self,
        uow: UnitOfWork,
        *,
        clock: Clock,
        config: AppConfig,
        content: ContentLibrary,
        fsm_storage: BaseStorage,
        bot_id: int,
        cache: PersonCache | None = None,
    ) -> None:
        self.uow = uow
        self._cache = cache
        self._clock = clock
        self.clock = clock
        self._config = config
        self._content = content
        self._fsm_storage = fsm_storage
        self._bot_id = bot_id

    @cached_property
    def _consents(self) -> SqlConsents:
        return SqlConsents(self.uow, self._cache)

    @cached_property
    def _links(self) -> SqlAccountLinks:
        return SqlAccountLinks(self.uow, self._cache)

    @cached_property
    def onboarding(self) -> OnboardingService:
        return OnboardingService(
            consents=self._consents,
            links=self._links,
            people=SqlPeople(self.uow, self._cache),
            dialogs=FsmDialogStates(self.uow, self._fsm_storage, bot_id=self._bot_id),
            clock=self._clock,
            consent_version=self._content.consent.version,
        )

    @cached_property
    def accounts(self) -> AccountService:
        return AccountService(
            registry=SqlAccountRegistry(self.uow, self._cache),
            links=self._links,
            failures=SqlLinkFailures(self.uow, self._cache),
            consents=self._consents,
            clock=self._clock,
            policy=self._config.link_policy,
            max_accounts=self._config.max_linked_accounts,
        )

    @cached_property
    def replies(self) -> OutboxReplies:
        """Replies that report something stored: queued with it (notifier/replies.py)."""
        return OutboxReplies(self.uow, clock=self._clock, wake=self._config.wake_outbox)

    @cached_property
    def outbox(self) -> SqlOutbox:
        """The `Outbox` port over the update's unit of work; the sender is woken after the
        commit."""
        return SqlOutbox(self.uow, clock=self._clock, wake=self._config.wake_outbox)

    @cached_property
    def notice_service(self) -> NoticeService:
        """Notices (services/notices.py) in the update's unit of work."""
        policy, queue = self._config.notice_policy, self._config.queue_notices
        assert policy is not None, "notices need notice_policy in AppConfig"
        assert queue is not None, "notices need the notice desk (queue_notices)"
        return NoticeService(
            store=SqlNoticeStore(self.uow),
            drafts=SqlNoticeDrafts(self.uow),
            queue=UpdateNoticeQueue(self.uow, queue),
            clock=self._clock,
            policy=policy,
        )

    @cached_property
    def _drafts(self) -> SqlSubmittedDrafts:
        return SqlSubmittedDrafts(self.uow)

    @cached_property
    def _appeal_repository(self) -> SqlAppealRepository:
        return SqlAppealRepository(self.uow)

    @cached_property
    def notices(self) -> OutboxAppealNotices | None:
        texts = self._config.texts
        if texts is None:
            return None
        return OutboxAppealNotices(
            self.uow,
            texts=texts,
            zone=self._config.zone,
            clock=self._clock,
            staff_chat_id=self._config.staff_chat_id,
            wake=self._config.wake_outbox,
            email=self._config.email_enabled,
        )

    @cached_property
    def appeals(self) -> AppealService:
        return AppealService(
            appeals=self._appeal_repository,
            numbers=SqlNumberSequence(self.uow),
            consents=self._consents,
            links=self._links,
            calendar=self._config.calendar,
            clock=self._clock,
            policy=self._config.appeal_policy,
            notices=self.notices,
            drafts=self._drafts,
        )

    @cached_property
    def staff_desk(self) -> StaffDesk:
        notices = self.notices
        assert notices is not None, "the staff desk needs the texts in AppConfig"
        return StaffDesk(
            appeals=self._appeal_repository,
            registry=self.appeals,
            staff=SqlStaffDirectory(self.uow),
            audit=SqlStaffAudit(self.uow),
            tasks=SqlAppealTasks(self.uow),
            notices=notices,
            calendar=self._config.calendar,
            clock=self._clock,
            policy=self._config.appeal_policy,
            admin_ids=self._config.admin_ids,
            notice_role=self._config.notice_role,
        )

    @cached_property
    def subscriptions(self) -> SubscriptionService:
        return SubscriptionService(
            store=SqlSubscriptionStore(self.uow), consents=self._consents, clock=self._clock
        )

    @cached_property
    def threads(self) -> SqlAppealThreads:
        return SqlAppealThreads(self.uow)

    @cached_property
    def account_import(self) -> AccountImportService:
        return AccountImportService(registry=SqlAccountRegistry(self.uow, self._cache))

    @cached_property
    def readings(self) -> ReadingService:
        policy = self._config.readings_policy
        assert policy is not None, "readings need readings_policy in AppConfig"
        return ReadingService(
            readings=SqlReadingRepository(self.uow),
            consents=self._consents,
            links=self._links,
            registry=SqlAccountRegistry(self.uow, self._cache),
            clock=self._clock,
            policy=policy,
            drafts=self._drafts,
        )

    @cached_property
    def booking(self) -> BookingService:
        policy = self._config.booking_policy
        assert policy is not None, "booking needs booking_policy in AppConfig"
        texts, zone = self._config.texts, self._config.zone
        reminders = (
            OutboxBookingReminders(self.uow, texts=texts, zone=zone, clock=self._clock)
            if texts is not None
            else None
        )
        return BookingService(
            bookings=SqlBookingRepository(self.uow),
            consents=self._consents,
            links=self._links,
            clock=self._clock,
            policy=policy,
            reminders=reminders,
            drafts=self._drafts,
        )
