"""Per-update wiring of the use cases over the update's unit of work: the storage and outbox
adapters behind each service's ports. Built lazily, so an update that needs no service costs
nothing. Handlers and dialogs get it as `services` (bot/middlewares.py)."""

from __future__ import annotations

from functools import cached_property

from aiogram.fsm.storage.base import BaseStorage

from core.config import AppConfig
from domain.clock import Clock
from domain.content import ContentLibrary
from notifier.appeal_notices import OutboxAppealNotices
from notifier.booking_reminders import OutboxBookingReminders
from notifier.notices import UpdateNoticeQueue
from notifier.replies import OutboxReplies
from services.account_import import AccountImportService
from services.accounts import AccountService
from services.appeals import AppealService
from services.booking import BookingService
from services.files import FileIntake
from services.notices import NoticeService
from services.onboarding import OnboardingService
from services.outages import KnownOutages
from services.questionnaires import QuestionnaireService
from services.readings import ReadingService
from services.staff_desk import StaffDesk
from services.subscriptions import SubscriptionService
from services.web_access import WebAccess
from storage.appeals import SqlAppealRepository, SqlNumberSequence
from storage.booking import SqlBookingRepository
from storage.cache import PersonCache
from storage.drafts import SqlSubmittedDrafts
from storage.files import SqlFileRegistry
from storage.identity import SqlIdentityVault
from storage.notice_drafts import SqlNoticeDrafts
from storage.notices import SqlNoticeStore
from storage.outbox import SqlOutbox
from storage.pdata import SqlConsentArchive, SqlPersonalRecords
from storage.questionnaires import SqlQuestionnaireStore
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
from storage.web_access import SqlWebLogins


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
            consent_text=self._content.consent.body,
            archive=SqlConsentArchive(self.uow),
            records=SqlPersonalRecords(self.uow),
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
    def files(self) -> FileIntake:
        """Files people send, recorded with their step and fetched after the commit."""
        registry = SqlFileRegistry(self.uow, wake=self._config.wake_files)
        return FileIntake(registry=registry, clock=self._clock)

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
    def questionnaires(self) -> QuestionnaireService:
        """Questionnaires (services/questionnaires.py), sent through the notices."""
        return QuestionnaireService(
            store=SqlQuestionnaireStore(self.uow), notices=self.notice_service, clock=self._clock
        )

    @cached_property
    def _drafts(self) -> SqlSubmittedDrafts:
        return SqlSubmittedDrafts(self.uow)

    @cached_property
    def _appeal_repository(self) -> SqlAppealRepository:
        return SqlAppealRepository(self.uow, self._identities)

    @cached_property
    def _identities(self) -> SqlIdentityVault:
        return SqlIdentityVault(self.uow, self._config.secret_box)

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
            identities=self._identities,
            readings=SqlReadingRepository(self.uow),
        )

    @cached_property
    def web_access(self) -> WebAccess:
        """The web desk's login links and sessions (docs/web.md)."""
        return WebAccess(logins=SqlWebLogins(self.uow), clock=self._clock)

    @cached_property
    def subscriptions(self) -> SubscriptionService:
        return SubscriptionService(
            store=SqlSubscriptionStore(self.uow), consents=self._consents, clock=self._clock
        )

    @cached_property
    def known_outages(self) -> KnownOutages:
        """An outage already known at a complaining person's address (services/outages.py)."""
        return KnownOutages(outages=SqlNoticeStore(self.uow), links=self._links, clock=self._clock)

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
