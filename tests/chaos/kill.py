"""Kill -9 of the real bot process at random moments, against the Bot API emulator.

    setup = KillSetup(emulator, database_url, workdir)
    report = await run_kill_trials(setup, trials=50, seed=1)
    print(report.table())

The bot is `reception run` (started from a fork server, forkserver.py, so a restart takes
about half a second; `KillSetup(exec_bot=True)` starts the `reception` script instead)
polling the emulator of tests/e2e on 127.0.0.1, with a staff supergroup that has forum
topics. A trial is one person (a new Telegram user, consented,
with the account 1000000001 linked) going through one flow like a person does — filing an
appeal (submit), sending a meter reading (confirm), booking a visit (confirm) — and a
SIGKILL at a random moment:
- `final`: 0–100 ms after the final press;
- `late`: 0.1–3 s after the final press (the staff card and its topic are being posted:
  the staff group takes a message every 3 s);
- `mid`: 0–100 ms after an answer in the middle of the dialog.
Then the bot is started again and the trial waits for quiet (the bot polled, nothing due in
the outbox for the person, nothing new in their chat for a while) and checks, from the
database and the emulator:
- every record the person has (appeal / reading / booking) was confirmed to them exactly
  once: the number (ВЭ-…, П-…, З-…) appears in exactly one of the bot's messages in their
  chat — 0 is a lost confirmation, 2 or more a duplicate; a number shown for no record is a
  phantom;
- after a final or late kill with nothing stored, the person still has the summary and
  pressing the final button again registers it (then exactly one confirmation);
- after a mid-dialog kill, the person's last message from the bot is the question of the
  step the database has them at — or the «Продолжить» offer queued at the restart, which
  asks that question again when pressed — and they can go on from it to the end;
- pressing the final button again once the record exists is answered (a toast or a
  message) and creates no second record.
After all trials (and the outbox drained), the staff chat must have exactly one forum topic
per appeal: topics whose name has no appeal, or more than one for an appeal, are extra;
an appeal without one is missing. Cards posted more than once are reported too.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import create_engine
from storage.models import (
    AppealRow,
    BookingRow,
    DialogStateRow,
    OutboxRow,
    ReadingSubmissionRow,
)
from tests.chaos.forkserver import ROOT, ForkedBot, ForkServer
from tests.chaos.kill_flows import (
    Flow,
    appeal_flow,
    booking_flow,
    numbers_shown,
    readings_flow,
    step_at,
)
from tests.chaos.kill_report import MODES, FlowFigures, KillReport
from tests.e2e.client import (
    BotProcess,
    Emulator,
    EmulatorError,
    EmulatorUser,
    GroupChat,
)
from tests.safety import TEST_PD_KEY

STAFF_CHAT = -1_001_234_567_890
STAFF_MEMBER = 8_100_001
RECEPTION = str(Path(sys.executable).parent / "reception")
FIRST_PERSON = 7_500_000
ACCOUNT = "1000000001"
SURNAME = "Иванова"
QUIET = 1.0  # s without a new message that make "the bot is done" believable
SETTLE_TIMEOUT = 30.0
MODE_WEIGHTS = (60, 15, 25)


# The offer the bot queues after a restart for a person whose last step it may not have
# answered (core/locales/ru/start.ftl resume-offer, resume-button).
RESUME_OFFER = "Бот ненадолго перезапускался"
RESUME_BUTTON = "Продолжить"


@dataclass
class KillSetup:
    """`exec_bot`: start `reception run` as a plain subprocess each time (the e2e launcher,
    about 5 s a start) instead of from the fork server — to check that both find the same."""

    emulator: Emulator
    database_url: str
    workdir: Path
    token: str = ""
    log_level: str = "INFO"
    exec_bot: bool = False


class Restartable(Protocol):
    """What the trials need of the bot process: ForkedBot, or the e2e BotProcess."""

    @property
    def is_running(self) -> bool: ...
    @property
    def log_text(self) -> str: ...
    def start(self) -> None: ...
    def kill(self) -> None: ...
    def stop(self, timeout: float = 10.0) -> Any: ...


class KillTrials:
    def __init__(self, setup: KillSetup, *, seed: int, server: ForkServer) -> None:
        self.setup = setup
        self.rng = random.Random(seed)
        self.server = server
        self.token = setup.token or f"{7_900_000_000 + seed % 1_000_000}:CHAOS-{seed}"
        self.report = KillReport(seed=seed, database=_kind(setup.database_url))
        self.engine: AsyncEngine = create_engine(setup.database_url)
        self._people = iter(range(FIRST_PERSON + seed % 1000 * 1000, 10**10))
        self._reading = 100_000
        self.flows = [appeal_flow(), readings_flow(self._next_reading), booking_flow()]
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "BOT_TOKEN"}}
        env.update(
            {
                "BOT_TOKEN": self.token,
                "TELEGRAM_API_URL": setup.emulator.base_url,
                "DATABASE_URL": setup.database_url,
                "CONTENT_DIR": str(ROOT / "content"),
                "LOG_LEVEL": setup.log_level,
                "REDIS_URL": "",
                "STAFF_CHAT_ID": str(STAFF_CHAT),
                "PYTHONUNBUFFERED": "1",
                # PostgreSQL needs a key for the ПП 55 identity data (storage/crypto.py).
                "PD_ENCRYPTION_KEY": env.get("PD_ENCRYPTION_KEY") or TEST_PD_KEY,
            }
        )
        self.env = env
        # The work directory, not the repository, is the bot's: a developer's .env there is
        # never read (pydantic-settings looks for it in the working directory).
        self.bot: Restartable
        if setup.exec_bot:
            self.bot = BotProcess(
                [RECEPTION, "run"], env, log_dir=setup.workdir, name="bot", cwd=setup.workdir
            )
        else:
            self.bot = ForkedBot(
                server, ["run"], env, log_dir=setup.workdir, name="bot", cwd=setup.workdir
            )
        self.staff = EmulatorUser(
            setup.emulator.base_url,
            self.token,
            STAFF_MEMBER,
            "Анна",
            chat=GroupChat(id=STAFF_CHAT, title="Сотрудники"),
        )

    def _next_reading(self) -> tuple[str, str]:
        self._reading += 1000
        return str(self._reading), str(self._reading // 2)

    # -- the bot ---------------------------------------------------------------------------------
    async def prepare(self) -> None:
        importer = ForkedBot(
            self.server,
            ["import", "accounts", str(ROOT / "examples" / "accounts.csv")],
            self.env,
            log_dir=self.setup.workdir,
            name="import",
            cwd=self.setup.workdir,
        )
        importer.start()
        await importer.wait_until_exited()
        await self.staff.set_chat(is_forum=True)
        await self.start_bot()

    async def start_bot(self) -> None:
        began = time.monotonic()
        before = await self.setup.emulator.get_updates_calls(self.token)
        self.bot.start()
        deadline = began + 60
        while await self.setup.emulator.get_updates_calls(self.token) <= before:
            if not self.bot.is_running:
                raise AssertionError(f"the bot exited at start:\n{self.bot.log_text[-3000:]}")
            if time.monotonic() > deadline:
                raise AssertionError(f"the bot did not poll:\n{self.bot.log_text[-3000:]}")
            await asyncio.sleep(0.01)
        self.report.restarts.append(time.monotonic() - began)

    async def restart(self) -> None:
        self.bot.kill()
        await self.start_bot()

    async def close(self) -> None:
        self.bot.stop()
        await self.staff.close()
        await self.engine.dispose()

    # -- the database ----------------------------------------------------------------------------
    async def records(self, flow: Flow, user_id: int) -> list[str]:
        number, owner = {
            "appeal": (AppealRow.number, AppealRow.user_id),
            "reading": (ReadingSubmissionRow.reference, ReadingSubmissionRow.user_id),
            "booking": (BookingRow.number, BookingRow.user_id),
        }[flow.name]
        async with self.engine.connect() as db:
            values = (await db.execute(select(number).where(owner == user_id))).scalars()
            return [str(value) for value in values if value is not None]

    async def dialog(self, user_id: int) -> tuple[str | None, dict[str, Any]]:
        async with self.engine.connect() as db:
            row = (
                await db.execute(
                    select(DialogStateRow.state, DialogStateRow.data).where(
                        DialogStateRow.user_id == user_id, DialogStateRow.chat_id == user_id
                    )
                )
            ).first()
        if row is None:
            return None, {}
        return row[0], dict(row[1] or {})

    async def pending(self, chat_id: int | None = None) -> int:
        query = select(func.count()).where(
            OutboxRow.status == "pending", OutboxRow.not_before <= datetime.now(UTC)
        )
        if chat_id is not None:
            query = query.where(OutboxRow.chat_id == chat_id)
        async with self.engine.connect() as db:
            return int((await db.execute(query)).scalar() or 0)

    # -- waiting ---------------------------------------------------------------------------------
    async def settle(self, user: EmulatorUser) -> None:
        """Until the bot is done with the person (it has polled since its start, so an
        update left unconfirmed by the kill is redelivered): nothing of theirs due in the
        outbox and no new message for QUIET seconds."""
        deadline = time.monotonic() + SETTLE_TIMEOUT
        quiet_since = time.monotonic()
        while time.monotonic() < deadline:
            if await user.fetch(wait=0.2):
                quiet_since = time.monotonic()
                continue
            if await self.pending(user.chat_id):
                quiet_since = time.monotonic()
                await asyncio.sleep(0.1)
                continue
            if time.monotonic() - quiet_since >= QUIET:
                return

    # -- one trial -------------------------------------------------------------------------------
    async def person(self, flow: Flow, user: EmulatorUser) -> None:
        """Consent, and the account linked when the flow needs it."""
        await user.send_command("/start")
        await user.wait_for_text("152-ФЗ", timeout=20)
        await user.press("Согласен")
        await user.wait_for_text("согласие сохранено", timeout=20)
        if flow.needs_link:
            await user.send_command("/accounts")
            await user.wait_for_text("нет привязанных лицевых счетов", timeout=20)
            await user.press("Привязать лицевой счёт")
            await user.wait_for_text("номер лицевого счёта", timeout=20)
            await user.send_text(ACCOUNT)
            await user.wait_for_text("фамилию владельца", timeout=20)
            await user.send_text(SURNAME)
            await user.wait_for_text("привязан", timeout=20)

    async def trial(self, index: int, mode: str | None = None) -> None:
        flow = self.flows[index % len(self.flows)]
        figures = self.report.flows.setdefault(flow.name, FlowFigures())
        mode = mode or self.rng.choices(MODES, weights=MODE_WEIGHTS)[0]
        figures.trials += 1
        figures.kills[mode] += 1
        user = EmulatorUser(self.setup.emulator.base_url, self.token, next(self._people), "Мария")
        try:
            await self.person(flow, user)
            await self._trial(flow, figures, mode, user)
        except (AssertionError, EmulatorError, TimeoutError) as error:
            figures.errors.append(f"trial {index} ({mode}): {str(error).splitlines()[0][:200]}")
            if not self.bot.is_running:
                await self.start_bot()
        finally:
            await user.close()

    async def _trial(
        self, flow: Flow, figures: FlowFigures, mode: str, user: EmulatorUser
    ) -> None:
        steps = flow.steps
        kill_at = len(steps) - 1 if mode != "mid" else self.rng.randrange(0, len(steps) - 1)
        await flow.entry(user)
        for step in steps[: kill_at + 1]:
            await user.wait_for_text(step.question, timeout=20)
            await step.answer(user)
        pause = self.rng.uniform(0.1, 3.0) if mode == "late" else self.rng.uniform(0, 0.1)
        await asyncio.sleep(pause)
        await self.restart()
        await self.settle(user)
        if mode == "mid":
            await self._after_mid_kill(flow, figures, user)
        else:
            records = await self.records(flow, user.user_id)
            if not records:
                await self._resume_summary(flow, figures, user)
        await self._count(flow, figures, user)
        if await self.records(flow, user.user_id):
            await self._repress(flow, figures, user)

    async def _resume_summary(self, flow: Flow, figures: FlowFigures, user: EmulatorUser) -> None:
        """Nothing was stored at the kill: the summary must still be there, and work."""
        try:
            await flow.steps[-1].answer(user)
            await self.settle(user)
        except AssertionError:
            pass
        if await self.records(flow, user.user_id):
            figures.not_stored_resumed += 1
        else:
            figures.not_stored_stuck += 1

    async def _after_mid_kill(self, flow: Flow, figures: FlowFigures, user: EmulatorUser) -> None:
        state, data = await self.dialog(user.user_id)
        position = step_at(flow, state, data)
        if position is None:
            figures.mid_dialog_lost += 1
            return
        last = user.latest()
        question = flow.steps[position].question
        if last is not None and question in last.content:
            figures.mid_question_shown += 1
        elif last is not None and RESUME_OFFER in last.content:
            # The bot restarted before it answered: it offers to go on, and the button asks
            # the current step's question again (handlers/resume.py).
            try:
                await user.fetch()
                user._cursor = len(user.inbox)  # the question asked again, not the old one
                await user.press(RESUME_BUTTON, message=last)
                await user.wait_for_text(question, timeout=20)
                figures.mid_question_after_resume += 1
            except AssertionError:
                figures.mid_question_missing += 1
        else:
            figures.mid_question_missing += 1
        user._cursor = len(user.inbox)  # the person reads on from here
        try:
            await flow.steps[position].answer(user)
            for step in flow.steps[position + 1 :]:
                await user.wait_for_text(step.question, timeout=20)
                await step.answer(user)
            await self.settle(user)
        except AssertionError:
            figures.mid_stuck += 1
            return
        if await self.records(flow, user.user_id):
            figures.mid_continued += 1
        else:
            figures.mid_stuck += 1

    async def _count(self, flow: Flow, figures: FlowFigures, user: EmulatorUser) -> None:
        records = await self.records(flow, user.user_id)
        await user.fetch()
        shown = numbers_shown(flow, user.inbox)
        figures.records += len(records)
        for number in records:
            count = len(shown.get(number, set()))
            if count == 1:
                figures.confirmed_once += 1
            elif count == 0:
                figures.lost += 1
            else:
                figures.duplicates += 1
        figures.phantoms += len(set(shown) - set(records))

    async def _repress(self, flow: Flow, figures: FlowFigures, user: EmulatorUser) -> None:
        """The person presses the final button again, unsure whether it worked."""
        before = len(await self.records(flow, user.user_id))
        cursor = len(user.inbox)
        final = flow.steps[-1]
        try:
            await final.answer(user)
        except AssertionError:
            figures.repress_button_gone += 1  # the button is gone: nothing to press again
            return
        answered = False
        told = False
        try:
            answer = await user.wait_for_callback_answer(timeout=10)
            answered = True
            told = bool(flow.number.search(str(answer.get("text") or "")))
        except AssertionError:
            pass
        await self.settle(user)
        later = user.inbox[cursor:]
        if later:
            answered = True
            told = told or any(flow.number.search(m.content) for m in later)
        figures.repress_answered += answered
        figures.repress_unanswered += not answered
        figures.repress_number_told += told
        if len(await self.records(flow, user.user_id)) > before:
            figures.second_records += 1

    # -- the staff chat --------------------------------------------------------------------------
    async def check_topics(self) -> None:
        deadline = time.monotonic() + 180
        # Polling the database of another process: there is no event to await.
        while await self.pending() and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.5)
        await asyncio.sleep(QUIET)
        report = self.report
        report.outbox_pending_at_end = await self.pending()
        async with self.engine.connect() as db:
            numbers = [str(n) for n in (await db.execute(select(AppealRow.number))).scalars()]
        topics = [t for t in await self.staff.topics() if not t.get("deleted")]
        report.appeals = len(numbers)
        report.topics = len(topics)
        per_number: Counter[str] = Counter()
        for topic in topics:
            name = str(topic.get("name") or "")
            owner = next((number for number in numbers if number in name), None)
            if owner is None:
                report.extra_topics += 1
            else:
                per_number[owner] += 1
        report.extra_topics += sum(max(0, count - 1) for count in per_number.values())
        await self.staff.fetch()
        cards: Counter[str] = Counter()
        for message in self.staff.inbox:
            if message.is_edit or message.find_button("Взять") is None:
                continue
            for number in set(re.findall(r"ВЭ-\d{4}-\d{6}", message.content)):
                cards[number] += 1
        report.duplicate_cards = sum(count - 1 for count in cards.values() if count > 1)
        report.missing_topics = sum(1 for number in numbers if per_number[number] == 0)
        report.missing_cards = sum(1 for number in numbers if cards[number] == 0)


def _kind(database_url: str) -> str:
    return "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"


async def run_kill_trials(
    setup: KillSetup, *, trials: int, seed: int, modes: Sequence[str] = ()
) -> KillReport:
    """Run `trials` kill trials against an empty database; see the module docstring. The
    flows take turns (appeal, reading, booking); the first trials kill as `modes` says, the
    others at random. The emulator must be running; the workdir gets the bot's log."""
    began = time.monotonic()
    with ForkServer() as server:
        runner = KillTrials(setup, seed=seed, server=server)
        try:
            await runner.prepare()
            for index in range(trials):
                await runner.trial(index, modes[index] if index < len(modes) else None)
            await runner.check_topics()
        finally:
            await runner.close()
    runner.report.seconds = time.monotonic() - began
    return runner.report
