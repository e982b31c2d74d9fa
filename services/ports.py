"""Ports the services need; storage/ implements them, tests fake them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from domain.accounts import Account
from domain.appeals import Appeal, AppealEvent, AppealId, Subject
from domain.booking import Booking, BookingId, BookingStatus, MoveOutcome
from domain.consent import ConsentRecord
from domain.delivery import ConsumerMessage, Undelivery
from domain.drafts import DraftKind, DraftToken
from domain.ids import AccountNumber, UserId
from domain.personal_data import PersonalRecords
from domain.pp55 import Identity
from domain.readings import Reading, ReadingId
from domain.retention import DataCategory
from domain.staff import Department, StaffMember
from domain.subscriptions import Preferences, Topic
from services.appeal_tasks import AppealTask as AppealTask
from services.appeal_tasks import AppealTasks as AppealTasks
from services.files_ports import FileRegistry as FileRegistry
from services.files_ports import FileSource as FileSource
from services.files_ports import FileStore as FileStore
from services.notice_ports import NoticeDrafts as NoticeDrafts
from services.notice_ports import NoticeQueue as NoticeQueue
from services.notice_ports import NoticeStore as NoticeStore
from services.notice_ports import Outbox as Outbox


@dataclass(frozen=True, slots=True)
class LinkedAccount:
    account: Account
    linked_at: datetime


@dataclass(frozen=True, slots=True)
class Contacts:
    full_name: str | None
    phone: str | None
    email: str | None


class AccountRegistry(Protocol):
    async def get(self, number: AccountNumber) -> Account | None: ...

    async def upsert(self, accounts: Sequence[Account], *, now: datetime) -> tuple[int, int]:
        """Insert new accounts, replace existing ones in place; returns (added, updated)."""
        ...

    async def existing(self, numbers: Sequence[AccountNumber]) -> set[AccountNumber]:
        """Which of these accounts are in the registry."""
        ...


@dataclass(frozen=True, slots=True)
class AppliedBatch:
    accounts: int
    added: int
    updated: int
    finished: bool  # nothing of the run was left to apply


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    accounts: int
    added: int
    updated: int


class RegistryImports(Protocol):
    """Registry imports staged in the database and applied in short steps. Every method is
    a transaction of its own, committed when it returns (storage/account_import.py)."""

    async def existing(self, numbers: Sequence[AccountNumber]) -> set[AccountNumber]: ...

    async def begin(self) -> int:
        """A new run, being staged: nothing of it is applied until it is sealed."""
        ...

    async def stage(self, run: int, accounts: Sequence[Account]) -> None: ...

    async def seal(self, run: int) -> None:
        """The run is staged whole: from now on it is applied, even after a crash."""
        ...

    async def sealed(self) -> list[int]:
        """Runs sealed and not yet applied, oldest first."""
        ...

    async def apply_next(self, run: int, *, limit: int, now: datetime) -> AppliedBatch:
        """Apply up to `limit` staged accounts of the run (each with its meters) and drop
        them from the stage; the run is marked applied when nothing is left."""
        ...

    async def outcome(self, run: int) -> ImportOutcome: ...

    async def discard_abandoned(self, *, idle: timedelta) -> int:
        """Drop runs left unsealed (their process died while staging) and idle that long;
        returns how many."""
        ...


class AccountLinks(Protocol):
    async def linked(self, user_id: UserId) -> list[LinkedAccount]: ...

    async def link(self, user_id: UserId, account: Account, *, at: datetime) -> None: ...

    async def unlink(self, user_id: UserId, number: AccountNumber) -> bool: ...

    async def unlink_all(self, user_id: UserId) -> int: ...


class LinkFailures(Protocol):
    async def since(self, user_id: UserId, since: datetime) -> list[datetime]: ...

    async def record(self, user_id: UserId, *, at: datetime) -> None: ...

    async def clear(self, user_id: UserId) -> None: ...


class Consents(Protocol):
    async def current(self, user_id: UserId) -> ConsentRecord | None: ...

    async def record(self, record: ConsentRecord) -> None: ...


class ConsentLog(Consents, Protocol):
    async def history(self, user_id: UserId) -> list[ConsentRecord]: ...  # oldest first


class ConsentArchive(Protocol):
    """Every consent version's text; `keep` stores one unless stored, returns its digest."""

    async def keep(self, *, version: str, body: str, digest: str, at: datetime) -> str: ...


class PersonalRecordsReader(Protocol):
    async def records(self, user_id: UserId) -> PersonalRecords: ...


class People(Protocol):
    async def contacts(self, user_id: UserId) -> Contacts | None: ...

    async def delete_contacts(self, user_id: UserId) -> bool: ...


class DialogStates(Protocol):
    async def erase(self, user_id: UserId) -> None:
        """Forget every dialog step and everything entered in unfinished dialogs."""
        ...

    async def has_any(self, user_id: UserId) -> bool: ...


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file a person sent with an appeal, kept as Telegram's file id (SPEC §2)."""

    kind: str  # photo | document | voice
    file_id: str
    file_unique_id: str
    file_name: str = ""
    mime_type: str = ""
    size: int | None = None


class SecretBox(Protocol):
    """Seals a short text for storage and opens it again (storage/crypto.py): the identity
    data of a ПП 55 complaint, in the dialog's state and in the registry."""

    def seal(self, text: str) -> str: ...

    def open(self, token: str) -> str:
        """The text sealed; SealBroken when the token is not one of this key."""
        ...


class IdentityVault(Protocol):
    """The identity data of ПП 55 complaints, sealed at rest (152-ФЗ)."""

    async def keep(self, appeal_id: AppealId, identity: Identity) -> None: ...

    async def identity(self, appeal_id: AppealId) -> Identity | None:
        """The data opened, or None when the appeal has none."""
        ...


class AppealRepository(Protocol):
    async def add(
        self, appeal: Appeal, event: AppealEvent, attachments: Sequence[Attachment]
    ) -> Appeal:
        """Store a new appeal with its first event; returns it with its id."""
        ...

    async def get(self, appeal_id: AppealId) -> Appeal | None: ...

    async def save(
        self, appeal: Appeal, event: AppealEvent, attachments: Sequence[Attachment] = ()
    ) -> None: ...

    async def of_user(
        self, user_id: UserId, *, offset: int, limit: int
    ) -> tuple[list[Appeal], int]: ...

    async def of_person(
        self,
        user_id: UserId | None,
        account_number: AccountNumber | None,
        *,
        exclude: AppealId,
        limit: int,
    ) -> list[Appeal]:
        """A person's other appeals (the same Telegram user or account), newest first."""
        ...

    async def history(self, appeal_id: AppealId) -> list[AppealEvent]: ...

    async def attachments(self, appeal_id: AppealId) -> list[Attachment]: ...

    async def screening_history(
        self, user_id: UserId
    ) -> list[tuple[AppealId, Subject, str, bool]]: ...

    async def by_number(self, number: str) -> Appeal | None: ...

    async def save_survey(self, appeal: Appeal) -> None:
        """Store the survey's later answers (resolved, comment); no history event."""
        ...

    async def open_appeals(self) -> list[Appeal]:
        """Every appeal whose deadline still runs, oldest due first."""
        ...


class JournalKeys(Protocol):
    """Fingerprints of the journal rows imported as appeals (domain/journal.py)."""

    async def numbers(self, keys: Sequence[str]) -> dict[str, str]:
        """The number of the appeal each already imported key was registered as."""
        ...

    async def remember(self, key: str, appeal_id: AppealId) -> None:
        """Store the key with its appeal; a key stored twice is refused by the database."""
        ...


class NumberSequence(Protocol):
    async def next(self, year: int) -> int:
        """The next registration sequence number of the year, in the caller's transaction."""
        ...


class StaffDirectory(Protocol):
    """Staff profiles and departments (§15.3, §15.5), kept in the database, edited by admins."""

    async def member(self, user_id: int) -> StaffMember | None: ...

    async def save_member(self, member: StaffMember, *, at: datetime) -> None: ...

    async def members(self) -> list[StaffMember]: ...

    async def departments(self) -> list[Department]: ...

    async def add_department(self, name: str) -> Department: ...

    async def department(self, department_id: int) -> Department | None: ...

    async def set_department_head(self, department_id: int, user_id: int) -> Department:
        """§15.5: who signs the department's answers; DepartmentNotFound if there is none."""
        ...


class StaffAudit(Protocol):
    async def record(
        self,
        *,
        at: datetime,
        user_id: int,
        action: str,
        appeal_id: int | None,
        outcome: str,
        detail: str = "",
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class MessageRef:
    """A message a person sent to the bot, to be copied into the staff chat."""

    chat_id: int
    message_id: int


class AppealNotices(Protocol):
    """What the people concerned are told about an appeal: the staff chat (card, thread) and
    the consumer. Queued in the caller's transaction, so a message exists exactly when the
    change it reports was stored."""

    async def publish(
        self,
        appeal: Appeal,
        event: AppealEvent,
        *,
        attachments: Sequence[Attachment] = (),
        copies: Sequence[MessageRef] = (),
    ) -> None: ...

    async def survey_updated(self, appeal: Appeal) -> None: ...

    async def relay_to_consumer(self, appeal: Appeal, ref: MessageRef) -> None:
        """A file staff posted in the thread, copied to the consumer's chat."""
        ...

    async def to_appellant(
        self,
        appeal: Appeal,
        kind: str,
        text: str,
        markup: Any = None,
        *,
        letter: str | None = None,
    ) -> AppealTask | None:
        """The one way a notice reaches the appellant: `kind` names it (a ConsumerMessage
        value or a later kind), `text` is the chat's words. In the chat for someone who
        writes to the bot; otherwise a task in the thread (letter, call, e-mail) with the
        full text (`letter`, by default `text` made plain) and the contact."""
        ...

    async def task_done(self, appeal: Appeal, task: AppealTask, by: StaffMember) -> None: ...

    async def undelivered(
        self, appeal: Appeal, task: AppealTask, *, message: ConsumerMessage, why: Undelivery
    ) -> None:
        """A message to the consumer did not arrive: the thread says so, with the task to
        reach them another way, and the card shows it until the task is done."""
        ...


class ReadingRepository(Protocol):
    """Meter readings (SPEC §5): one submission with a value per tariff zone."""

    async def add(self, reading: Reading) -> ReadingId: ...

    async def set_reference(self, reading_id: ReadingId, reference: str) -> None: ...

    async def recent(
        self, account_number: AccountNumber, serial: str, *, limit: int
    ) -> list[Reading]:
        """The meter's latest submissions, newest first."""
        ...

    async def of_account(self, account_number: AccountNumber, *, limit: int) -> list[Reading]:
        """The account's latest submissions, every meter, newest first."""
        ...

    async def for_period(self, period: str) -> list[Reading]:
        """Every submission counted for a billing month, by account, meter and time."""
        ...

    async def get(self, reading_id: ReadingId) -> Reading | None: ...


class SubmittedDrafts(Protocol):
    """Which record a dialog's draft became, by the token of its final button
    (domain/drafts.py). Written in the transaction that stores the record."""

    async def record_of(self, kind: DraftKind, token: DraftToken) -> int | None: ...

    async def remember(
        self, kind: DraftKind, token: DraftToken, record_id: int, *, at: datetime
    ) -> None: ...


# Appointment booking (SPEC §6).


@dataclass(frozen=True, slots=True)
class SlotPlaces:
    """A slot's row in the database: places in all, places taken."""

    capacity: int
    taken: int


class BookingRepository(Protocol):
    """Bookings and the places of the office's slots. A place is taken or given back only
    together with the booking's change, in the caller's transaction, and the database refuses
    a place that is gone (a conditional UPDATE and a CHECK), whatever the callers do."""

    async def places(self, start: datetime, end: datetime) -> dict[datetime, SlotPlaces]:
        """The slots in [start, end) that have a row; a slot without one is untouched."""
        ...

    async def take_place(self, starts_at: datetime, *, capacity: int) -> bool:
        """One place of the slot (its row made with `capacity` places if missing); False when
        none is left."""
        ...

    async def add(self, booking: Booking) -> BookingId: ...

    async def set_number(self, booking_id: BookingId, number: str) -> None: ...

    async def get(self, booking_id: BookingId) -> Booking | None: ...

    async def upcoming(
        self, *, after: datetime, user_id: UserId | None = None, phone: str | None = None
    ) -> list[Booking]:
        """Active bookings starting after `after` of a person (or of a caller's phone)."""
        ...

    async def between(self, start: datetime, end: datetime) -> list[Booking]:
        """Active bookings starting in [start, end), by time."""
        ...

    async def close(
        self, booking_id: BookingId, *, starts_at: datetime, status: BookingStatus, at: datetime
    ) -> bool:
        """Active → `status` (cancelled), giving the place back; False if it was not active."""
        ...

    async def move(
        self,
        booking_id: BookingId,
        *,
        from_slot: datetime,
        to_slot: datetime,
        capacity: int,
        at: datetime,
    ) -> MoveOutcome:
        """Take a place at `to_slot`, mark the booking moved and give its place back, all or
        nothing."""
        ...

    async def erase_contacts(self, user_id: UserId) -> int:
        """Blank the name and phone on every booking of the person; returns how many."""
        ...


class BookingReminders(Protocol):
    """The reminders before a visit, queued when it is booked, dropped when it is not on."""

    async def schedule(self, booking: Booking) -> None: ...

    async def drop(self, booking: Booking) -> None: ...

    async def cancelled_by_staff(self, booking: Booking) -> None:
        """Tell the person that staff cancelled their visit."""
        ...


class SubscriptionStore(Protocol):
    async def get(self, user_id: UserId) -> Preferences: ...

    async def set_topic(
        self, user_id: UserId, topic: Topic, enabled: bool, *, at: datetime
    ) -> None: ...

    async def set_stopped(self, user_id: UserId, stopped: bool, *, at: datetime) -> None: ...

    async def mark_blocked(self, user_id: UserId, *, at: datetime) -> None:
        """The person blocked the bot (403): nothing more is sent until they write again."""
        ...

    async def clear_blocked(self, user_id: UserId, *, at: datetime) -> None: ...

    async def forget(self, user_id: UserId) -> None: ...


class RetentionStore(Protocol):  # rows past their period (domain/retention.py)
    async def count(self, category: DataCategory, *, cutoff: datetime) -> int: ...

    async def erase_batch(
        self, category: DataCategory, *, cutoff: datetime, now: datetime, limit: int
    ) -> tuple[int, list[int]]: ...
