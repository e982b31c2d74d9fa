"""What the layers below the composition root need from the settings, resolved once at start
(bot/factory.py builds it): the company's zone and calendar, the policies of the use cases,
the staff chat, the texts, and the outbox sender's wake-up. Frozen: nothing changes it after
start; the one thing connected later is the wake-up, an object of its own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from core.texts import Texts
from domain.deadlines import WorkingCalendar
from domain.linking import AttemptPolicy
from domain.staff import DEFAULT_NOTICE_ROLE, StaffRole
from services.appeals import AppealPolicy
from services.booking import BookingPolicy
from services.notices import NoticePolicy
from services.ports import SecretBox
from services.readings import ReadingPolicy


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
    # The file fetcher's wake-up (notifier/file_fetch.py), the same kind of object.
    wake_files: OutboxWakeUp = field(default_factory=OutboxWakeUp, compare=False)
    # Lead times and send hours of notices, and what queues the notices an update wrote once
    # it is committed (the notice desk's job): given at start (bot/factory.py).
    notice_policy: NoticePolicy | None = None
    queue_notices: Callable[[], None] | None = None
    # Seals the identity data of ПП 55 complaints (PD_ENCRYPTION_KEY, storage/crypto.py).
    secret_box: SecretBox | None = field(default=None, compare=False, repr=False)
    # The web desk's address for /web login links (WEB_BASE_URL, docs/web.md).
    web_base_url: str = "http://127.0.0.1:8080"
