"""Thousands of hostile updates across every dialog state and the staff chat, in process.

    report = await run_hostile(settings, clock=clock, texts=texts, content=content,
                               updates=5000, seed=1)
    print(report.table())

The real dispatcher is driven with `Dispatcher.feed_update` (tests/harness.py) over a Bot API
that refuses like Telegram (session.py: `ChaosSession`, every call judged by the suite's one
checker, telegram_limits.py). A scenario (hostile_scenarios.py) takes a fresh person or
staff member into one state of one dialog with ordinary updates; then a burst of hostile
updates (hostile_inputs.py) is aimed at them there: long and strange texts, commands with odd
arguments, every media type and albums, crafted and foreign callback data, presses of the
buttons they really have (stale or not), the same update delivered twice, edits, a block.
After every update the outbox is delivered (`harness.deliver()`), so what the bot queued is
judged too.

What is checked, per update:
- **errors**: records logged at ERROR or above (the global error handler logs every
  exception a handler raised) — there must be none;
- **answered**: a callback query gets an `answerCallbackQuery`; a message gets a reply in its
  chat (a message, a file, a copy or an edited text) that Telegram accepted, during the
  update or from the outbox right after it. Updates that need no answer (documented
  exceptions, counted in the report by reason):
  `album-part` — a later part of an album (the album is answered once);
  `redelivered` — the same update delivered again (it was answered the first time);
  `not-a-message` — an edit of an earlier message, the person blocking the bot;
  `other-group` — a message (or a press) in a group that is not the staff chat;
  `staff-chatter` — in the staff chat, a member's text, file or other media that is neither
  in an appeal's thread (topic or reply) nor the answer to a prompt: staff talking;
  `staff-note` — a thread message or file caption starting with "!" (an internal note);
  `foreign-command` — a command addressed to another bot, or one this bot does not have
  (the staff chat is shared with people and other bots);
  `outsider-message` — a non-member's message that is not a command (refused silently;
  their commands and presses are answered);
- **limits**: no call the bot made broke a Telegram limit (each such call is refused by the
  fake, as Telegram would, and counted by rule).
The outbox's failed rows at the end are reported as well (hostile_report.py).

Kinds of hostile update: `text`, `command`, `media`, `album` (2–4 parts), `callback` (crafted
data), `mutated` (a real button's data with one value made wrong), `button` (a real button,
maybe stale), `redelivery`, `edit`, `block`; in the staff chat also `thread-text`,
`thread-command`, `thread-media` (in the appeal's topic or as a reply to its card), `note`.
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    Update,
    User,
)
from sqlalchemy import func, select

from bot.factory import build_app, build_bot
from bot.settings import Settings
from core.texts import Texts
from dialogs.registration.states import StaffRegister
from domain.clock import FixedClock
from domain.content import ContentLibrary
from handlers.staff.states import StaffInput
from services.account_import import AccountImportService
from storage.models import AppealRow, OutboxRow
from storage.repositories import SqlAccountRegistry
from storage.uow import UnitOfWork
from tests.chaos.hostile_drive import (
    PROFILE,
    STAFF_ADMIN_ID,
    STAFF_SPECIALIST_ID,
    Actor,
    DriverMiss,
    Scenario,
)
from tests.chaos.hostile_inputs import HostileInputs
from tests.chaos.hostile_report import HostileReport, Unanswered
from tests.chaos.hostile_scenarios import SCENARIOS
from tests.chaos.hostile_updates import (
    answered_by,
    blocked_update,
    chat_id_of,
    describe_update,
    edited_update,
    next_update_id,
    thread_fields,
)
from tests.chaos.hostile_values import PRIVATE_COMMANDS, STAFF_COMMANDS
from tests.chaos.registry import POOL_BASE, registry_csv
from tests.chaos.session import Attempt, ChaosSession, ErrorLog
from tests.handlers.signing import signing_department
from tests.harness import STAFF_CHAT_ID, TOKEN, BotHarness, Person, StaffPerson

ROOT = Path(__file__).resolve().parents[2]
FIRST_PERSON_ID = 7_100_000
# Kinds of hostile update, with their weights, for a person and for a staff member.
PRIVATE_KINDS = {
    "text": 30,
    "command": 12,
    "media": 16,
    "album": 3,
    "callback": 12,
    "mutated": 12,
    "button": 10,
    "redelivery": 3,
    "edit": 2,
    "block": 1,
}
STAFF_KINDS = {
    "thread-text": 18,
    "text": 8,
    "note": 4,
    "command": 14,
    "thread-command": 12,
    "media": 8,
    "thread-media": 6,
    "callback": 10,
    "mutated": 12,
    "button": 8,
    "redelivery": 2,
}
_TYPED_STAFF_STATES = frozenset(
    state.state
    for state in (
        StaffInput.question,
        StaffInput.answer,
        StaffInput.extend,
        StaffInput.forward,
        StaffInput.repeat_number,
        StaffRegister.full_name,
        StaffRegister.contact,
        StaffRegister.text,
    )
)


class HostileRun:
    def __init__(
        self,
        harness: BotHarness,
        session: ChaosSession,
        *,
        texts: Texts,
        clock: FixedClock,
        seed: int,
        errors: ErrorLog,
    ) -> None:
        self.harness = harness
        self.session = session
        self.texts = texts
        self.clock = clock
        self.rng = random.Random(seed)
        self.inputs = HostileInputs(self.rng)
        self.errors = errors
        self.report = HostileReport(seed=seed)
        self._people = itertools.count(FIRST_PERSON_ID)
        self._accounts: dict[str, Iterator[int]] = {}
        self._staff: dict[int, StaffPerson] = {}
        self._albums: dict[int, set[str]] = {}
        self._last_update: dict[int, Update] = {}
        self._current: Actor | None = None
        self._driving = True
        self._pools: dict[str, int] = {}

    # -- setting up ------------------------------------------------------------------------------
    async def setup(self, pools: dict[str, int]) -> None:
        self._pools = pools
        uow = UnitOfWork(self.harness.app.sessionmaker, clock=self.clock)
        raw = (ROOT / "examples" / "accounts.csv").read_bytes()
        service = AccountImportService(registry=SqlAccountRegistry(uow))
        await service.import_registry(raw, now=self.clock.now())
        await service.import_registry(registry_csv(pools), now=self.clock.now())
        await uow.commit()
        self._accounts = {
            pool: iter(range(POOL_BASE[pool], POOL_BASE[pool] + count))
            for pool, count in pools.items()
        }
        self.session.members[STAFF_ADMIN_ID] = "member"
        self.session.members[STAFF_SPECIALIST_ID] = "member"
        for staff_id in (STAFF_ADMIN_ID, STAFF_SPECIALIST_ID):
            await self.send(self.staff_person(staff_id), PROFILE)
            await signing_department(self.harness.app, staff_id)  # §15.5: a head signs

    # -- helpers for the drivers -----------------------------------------------------------------
    def new_person(self) -> Person:
        return self.harness.person(user_id=next(self._people), first_name="Анна")

    def staff_person(self, user_id: int) -> StaffPerson:
        member = self._staff.get(user_id)
        if member is None:
            member = StaffPerson(self.harness, user_id, "Сотрудник")
            self.harness.people.append(member)
            self._staff[user_id] = member
        return member

    def take_account(self, pool: str) -> str:
        try:
            return str(next(self._accounts[pool]))
        except StopIteration as error:
            raise DriverMiss(f"no fresh account left in pool {pool}") from error

    def next_values(self) -> tuple[str, str]:
        return str(self.rng.randint(1000, 90_000)), str(self.rng.randint(100, 9000))

    async def send(
        self,
        person: Person,
        text: str | None,
        *,
        thread: Message | None = None,
        **fields: Any,
    ) -> None:
        if thread is not None:
            fields.update(thread_fields(thread))
        await self.fire(person, person.message_update(text, **fields), "drive")

    async def press(self, person: Person, label: str) -> None:
        try:
            update = person.callback_update(label)
        except AssertionError as error:
            raise DriverMiss(f"no button {label!r}") from error
        await self.fire(person, update, "drive")

    async def press_first(self, person: Person) -> None:
        if not person.last_inline:
            raise DriverMiss("no buttons")
        label = person.last_inline[0][0]
        await self.press(person, label)

    async def latest_appeal_of(self, person: Person) -> int | None:
        async with self.harness.app.sessionmaker() as db:
            found = await db.scalar(
                select(func.max(AppealRow.id)).where(AppealRow.user_id == person.user.id)
            )
        if found is not None:
            self.inputs.known_ids.append(int(found))
        return None if found is None else int(found)

    async def appeal_number(self, appeal_id: int) -> str:
        async with self.harness.app.sessionmaker() as db:
            return str(await db.scalar(select(AppealRow.number).where(AppealRow.id == appeal_id)))

    def _staff_messages(self) -> list[Attempt]:
        return [
            a
            for a in self.session.attempts
            if a.ok and a.chat_id == STAFF_CHAT_ID and isinstance(a.result, Message)
        ]

    def card_of(self, appeal_id: int) -> Message | None:
        """The appeal's card: the last staff-chat message with its take button."""
        wanted = f"sa:take:{appeal_id}:"
        for attempt in reversed(self._staff_messages()):
            message = attempt.result
            if any(data.startswith(wanted) for _, data in self.buttons_of(message)):
                return message  # type: ignore[no-any-return]
        return None

    def current_card(self, card: Message) -> Message:
        """The card as it is now (after the edits that changed it)."""
        for attempt in reversed(self._staff_messages()):
            result = attempt.result
            if result.message_id == card.message_id and self.buttons_of(result):
                return result  # type: ignore[no-any-return]
        return card

    @staticmethod
    def buttons_of(message: Message) -> list[tuple[str, str]]:
        markup = message.reply_markup
        if not isinstance(markup, InlineKeyboardMarkup):
            return []
        return [
            (button.text, button.callback_data or "")
            for row in markup.inline_keyboard
            for button in row
        ]

    # -- one update ----------------------------------------------------------------------------
    async def state_of(self, person: Person) -> str | None:
        context = self.harness.app.dispatcher.fsm.get_context(
            self.harness.bot, chat_id=person.chat.id, user_id=person.user.id
        )
        return await context.get_state()

    async def fire(self, person: Person, update: Update, kind: str) -> None:
        """Feed one update, deliver the outbox, judge the outcome."""
        actor = self._current
        scenario = actor.scenario if actor is not None else "setup"
        state = await self.state_of(person)
        exempt = self._exemption(person, update, kind, state)
        calls_before = len(self.session.attempts)
        errors_before = len(self.errors.records)
        redelivered = kind == "redelivery"
        if not redelivered:
            self._last_update[person.user.id] = update
        await person.feed(update)
        await self.harness.deliver()
        made = self.session.attempts[calls_before:]
        report = self.report
        if kind == "drive":
            report.driving += 1
        else:
            report.hostile += 1
            report.by_kind[kind] += 1
            report.by_scenario[scenario] += 1
        report.states[state or "no state"] += 1
        report.calls += len(made)
        for attempt in made:
            for breach in attempt.breaches:
                report.breaches[breach.rule] += 1
                report.breach_examples.setdefault(breach.rule, str(breach)[:160])
        where = f"{scenario} / {kind}: {describe_update(update)}"
        for record in self.errors.records[errors_before:]:
            report.errors.append((where, record))
        if exempt is not None:
            report.exempt[exempt] += 1
            return
        if not answered_by(update, person, made):
            staff_chat = chat_id_of(update) == STAFF_CHAT_ID
            report.unanswered.append(
                Unanswered(scenario, kind, state, describe_update(update), staff_chat)
            )

    def _exemption(
        self, person: Person, update: Update, kind: str, state: str | None
    ) -> str | None:
        """Why this update needs no answer (see the module docstring), or None."""
        if kind == "redelivery":
            return "redelivered"
        message = update.message
        query = update.callback_query
        if query is not None:
            chat = query.message.chat if query.message is not None else None
            if chat is not None and chat.type != "private" and chat.id != STAFF_CHAT_ID:
                return "other-group"
            return None
        if message is None:
            return "not-a-message"
        chat = message.chat
        if message.media_group_id is not None:
            seen = self._albums.setdefault(chat.id, set())
            first = message.media_group_id not in seen
            seen.add(message.media_group_id)
            if not first:
                return "album-part"
        if chat.type == "private":
            return None
        if chat.id != STAFF_CHAT_ID:
            return "other-group"
        text = message.text or ""
        member = person.user.id in (STAFF_ADMIN_ID, STAFF_SPECIALIST_ID)
        if text.startswith("/"):
            name, _, _rest = text[1:].partition(" ")
            command, _, mention = name.partition("@")
            if mention or command not in STAFF_COMMANDS:
                return "foreign-command"
            return None
        if not member:
            return "outsider-message"
        in_thread = message.reply_to_message is not None or message.is_topic_message
        if state in _TYPED_STAFF_STATES and message.text:
            return None
        content = (message.text or message.caption or "").strip()
        if in_thread and content.startswith("!"):
            return "staff-note"
        if in_thread and (message.text or message.photo or message.document):
            return None
        return "staff-chatter"

    # -- hostile updates -----------------------------------------------------------------------
    def _kind(self, staff: bool) -> str:
        table = STAFF_KINDS if staff else PRIVATE_KINDS
        return self.rng.choices(list(table), weights=list(table.values()))[0]

    async def hostile(self, actor: Actor) -> None:
        """One hostile update (an album: its parts) aimed at the actor where they are."""
        rng = self.rng
        inputs = self.inputs
        person = actor.person
        kind = self._kind(actor.staff)
        thread = actor.card if kind.startswith("thread") else None
        if actor.staff and actor.card is not None and kind in {"text", "media", "command"}:
            # Some of the plain ones land in the thread too.
            thread = actor.card if rng.random() < 0.3 else None
        if kind in {"text", "thread-text"}:
            await self._message(actor, kind, inputs.text(), thread=thread)
        elif kind == "note":
            await self._message(actor, kind, "!" + inputs.text(), thread=actor.card)
        elif kind in {"command", "thread-command"}:
            names = STAFF_COMMANDS if actor.staff else PRIVATE_COMMANDS
            await self._message(actor, kind, inputs.command(names), thread=thread)
        elif kind in {"media", "thread-media"}:
            _media, fields = inputs.media()
            self._serve_file(fields)
            await self._message(actor, kind, None, thread=thread, **fields)
        elif kind == "album":
            group = f"album-{rng.getrandbits(40)}"
            for _ in range(rng.randint(2, 4)):
                _media, fields = inputs.media(rng.choice(["photo", "document", "video"]))
                await self._message(actor, kind, None, media_group_id=group, **fields)
        elif kind == "callback":
            await self._callback(actor, inputs.callback_data())
        elif kind == "mutated":
            buttons = self._buttons_of(actor)
            if buttons:
                _label, data, message = rng.choice(buttons)
                await self._callback(actor, inputs.mutate(data), kind=kind, message=message)
            else:
                await self._callback(actor, inputs.callback_data())
        elif kind == "button":
            if person.last_inline:
                _label, data, message = rng.choice(person.last_inline)
                await self._callback(actor, data, kind="button", message=message)
            else:
                await self._callback(actor, inputs.callback_data())
        elif kind == "redelivery":
            previous = self._last_update.get(person.user.id)
            if previous is None:
                await self._message(actor, "text", inputs.text())
            else:
                await self.fire(person, previous, kind)
        elif kind == "edit":
            await self.fire(person, edited_update(person, inputs.text()), kind)
        elif kind == "block":
            await self.fire(person, blocked_update(person), kind)

    async def _message(
        self,
        actor: Actor,
        kind: str,
        text: str | None,
        *,
        thread: Message | None = None,
        **fields: Any,
    ) -> None:
        if thread is not None:
            fields.update(thread_fields(thread))
        await self.fire(actor.person, actor.person.message_update(text, **fields), kind)

    async def _callback(
        self, actor: Actor, data: str, *, kind: str = "callback", message: Message | None = None
    ) -> None:
        person = actor.person
        if message is None:
            if actor.card is not None and self.rng.random() < 0.7:
                message = self.current_card(actor.card)
            elif person.last_inline:
                message = person.last_inline[-1][2]
            else:
                message = Message(
                    message_id=self.rng.randint(1, 10**6),
                    date=datetime.now(UTC),
                    chat=person.chat,
                    from_user=User(id=self.harness.bot.id, is_bot=True, first_name="Reception"),
                    text="…",
                )
        update = Update(
            update_id=next_update_id(),
            callback_query=CallbackQuery(
                id=f"chaos-{next_update_id()}",
                from_user=person.user,
                chat_instance="chaos",
                message=message,
                data=data,
            ),
        )
        await self.fire(person, update, kind)

    def _buttons_of(self, actor: Actor) -> list[tuple[str, str, Message]]:
        """The buttons the actor has: their chat's last keyboard, and the card's."""
        buttons = list(actor.person.last_inline)
        if actor.card is not None:
            card = self.current_card(actor.card)
            buttons += [(label, data, card) for label, data in self.buttons_of(card)]
        return buttons

    def _serve_file(self, fields: dict[str, Any]) -> None:
        """A document sent to the bot can be downloaded (getFile), as from Telegram: small
        garbage, or a CSV-like file for the staff imports."""
        document = fields.get("document")
        if document is None:
            return
        size = self.rng.choice([0, 10, 2000, 60_000])
        if self.rng.random() < 0.5:
            body = self.inputs.text(min(size, 5000) or 1).encode("utf-8")
            body = b"account,amount,as_of,due_date\n" + body
        else:
            body = self.rng.randbytes(size)
        self.session.files[document.file_id] = body

    # -- the run ---------------------------------------------------------------------------------
    async def run(self, hostile_updates: int, burst: tuple[int, int] = (8, 18)) -> HostileReport:
        began = time.monotonic()
        order: list[Scenario] = []
        while self.report.hostile < hostile_updates:
            if not order:
                order = list(SCENARIOS)
                self.rng.shuffle(order)
            scenario = order.pop()
            self._current = Actor(self.new_person(), scenario.name)
            try:
                actor = await scenario.drive(self)
            except DriverMiss as miss:
                self.report.driver_misses[scenario.name] += 1
                actor = self._current
                actor.missed = str(miss)
            actor.scenario = scenario.name
            self._current = actor
            for _ in range(self.rng.randint(*burst)):
                await self.hostile(actor)
                if self.report.hostile >= hostile_updates:
                    break
        await self._outbox_summary()
        self.report.seconds = time.monotonic() - began
        return self.report

    async def _outbox_summary(self) -> None:
        async with self.harness.app.sessionmaker() as db:
            rows = (await db.execute(select(OutboxRow.status, OutboxRow.last_error))).all()
        for status, error in rows:
            self.report.outbox[str(status)] += 1
            if status == "failed":
                self.report.outbox_failures[str(error)[:100]] += 1


async def start_harness(
    settings: Settings, *, clock: FixedClock, texts: Texts, content: ContentLibrary
) -> tuple[BotHarness, ChaosSession]:
    """The handler tests' harness over a `ChaosSession`, with the staff chat configured
    (a forum: one topic per appeal) and the admin given."""
    staff_settings = settings.with_values(staff_chat_id=STAFF_CHAT_ID, admin_ids=(STAFF_ADMIN_ID,))
    app = await build_app(staff_settings, clock=clock, texts=texts, content=content, migrate=False)
    session = ChaosSession()
    session.forum = True
    bot = build_bot(staff_settings, session=session, token=TOKEN)
    return BotHarness(app, bot, session), session


async def run_hostile(
    settings: Settings,
    *,
    clock: FixedClock,
    texts: Texts,
    content: ContentLibrary,
    updates: int,
    seed: int,
    burst: tuple[int, int] = (8, 18),
) -> HostileReport:
    """Set up a harness on an empty, migrated database and run `updates` hostile updates,
    `burst` (fewest, most) of them in each state a scenario entered."""
    harness, session = await start_harness(settings, clock=clock, texts=texts, content=content)
    errors = ErrorLog()
    try:
        with errors.attached():
            run = HostileRun(harness, session, texts=texts, clock=clock, seed=seed, errors=errors)
            per_pool = updates // 8 + 40
            await run.setup({"std": per_pool, "multi": per_pool // 4, "small": per_pool // 3})
            return await run.run(updates, burst)
    finally:
        await harness.close()
