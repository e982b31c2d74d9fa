"""Outage notices with the real bot process against the emulator (SPEC §8; acceptance 1 of
the notifier issue): staff import an outage for a street with `reception import outages` (a
process of its own, the same database) → the two subscribers living in the affected houses get
it through the running bot's outbox; the neighbour on another street and the person who turned
that topic off in /settings get nothing. Closing the outage (`reception outages close ID`)
tells the same two, and nobody else, that power is back (emergency) or that the outage is
called off (planned, closed before it began). Once with a planned outage starting
tomorrow, once with an emergency one (urgent: its own topic, no quiet hours at all)."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from .client import BotMessage, EmulatorUser
from .conftest import RECEPTION, ROOT, BotFactory, UserFactory, _base_env
from .test_journey import consent

ZONE = ZoneInfo("Europe/Moscow")
SETTLEMENT = "Выкса"
STREET = "ул. Садовая"  # the outage's street (houses 1-15)
OTHER_STREET = "ул. Лесная"  # the neighbour's

# account, surname, street, house; all in SETTLEMENT.
RESIDENT_A = ("3000000001", "Орлова", STREET, "3")
RESIDENT_B = ("3000000002", "Белов", STREET, "7а")
NEIGHBOUR_C = ("3000000003", "Соколов", OTHER_STREET, "3")
OPTED_OUT_D = ("3000000004", "Журавлёва", STREET, "9")
FIRST_NAMES = {
    "Орлова": "Анна Ивановна",
    "Белов": "Борис Петрович",
    "Соколов": "Семён Львович",
    "Журавлёва": "Дарья Олеговна",
}

PEOPLE_RE = re.compile(r"Будет уведомлено человек \(по первому уведомлению\): (\d+)\.")
DELIVERY = 30.0  # s: the outbox sender polls every second; the bot may still be starting
QUIET = 3.0  # s of silence that make "nothing came" believable


def _accounts_csv(path: Path) -> Path:
    header = (
        "account,full_name,settlement,street,house,flat,phone,email,category,"
        "meter_serial,meter_digits,meter_zones"
    )
    rows = [
        f"{number},{surname} {FIRST_NAMES[surname]},{SETTLEMENT},{street},{house},,,,household,,,"
        for number, surname, street, house in (RESIDENT_A, RESIDENT_B, NEIGHBOUR_C, OPTED_OUT_D)
    ]
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


async def _reception(env: dict[str, str], *args: str) -> str:
    """Runs `reception ARGS` as staff would; its standard output (fails on a non-zero exit)."""
    process = await asyncio.create_subprocess_exec(
        RECEPTION,
        *args,
        env=env,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    stdout, stderr = out.decode(), err.decode()
    assert process.returncode == 0, f"reception {' '.join(args)}: {stdout}\n{stderr}"
    return stdout


def _people(summary: str) -> int:
    found = PEOPLE_RE.search(summary)
    assert found is not None, summary
    return int(found.group(1))


async def _link(user: EmulatorUser, number: str, surname: str) -> None:
    await consent(user)
    await user.send_command("/accounts")
    await user.wait_for_text("нет привязанных лицевых счетов")
    await user.press("Привязать лицевой счёт")
    await user.wait_for_text("Введите номер лицевого счёта")
    await user.send_text(number)
    await user.wait_for_text("фамилию владельца")
    await user.send_text(surname)
    linked = await user.wait_for_text("привязан")
    assert number in linked.content


async def _turn_topic_off(user: EmulatorUser, topic_button: str) -> None:
    """/settings → taps a topic; the screen is edited in place to show it off."""
    await user.send_command("/settings")
    screen = await user.wait_for_text("Уведомления")
    button = screen.find_button(topic_button)
    assert button is not None and button.text.startswith("✅"), screen.inline_keyboard
    await user.press(topic_button, message=screen)
    answer = await user.wait_for_callback_answer()
    assert answer.get("text") == "Сохранено"

    def shows_off(message: BotMessage) -> bool:
        found = message.find_button(topic_button)
        return message.is_edit and found is not None and found.text.startswith("⬜")

    await user.wait_for(shows_off)


def _since(user: EmulatorUser, seen: dict[int, int]) -> list[BotMessage]:
    """Every bot message this user received after the mark in `seen`."""
    return user.inbox[seen[user.user_id] :]


def _evening_hour(now: datetime) -> str:
    """OUTAGE_EVENING_HOUR that keeps the "tomorrow's outage" evening reminder out of the test:
    already past today, or hours away (it is called off when the outage is closed)."""
    return "12" if now.hour >= 13 else "22"


@dataclass(frozen=True)
class Case:
    kind: str  # the CSV's kind column
    topic_button: str  # settings-topic-* of the topic D turns off
    notice: str  # notice-kind-* in the import summary
    title: str  # the message's heading
    listed: str  # notice-outage-kind-* in `reception outages`
    closed: str  # the heading after `reception outages close`: called off before it began


PLANNED = Case(
    "planned",
    "Плановые отключения по моему адресу",
    "Плановое отключение",
    "Плановое отключение электроэнергии",
    "плановое",
    "Плановое отключение отменено",
)
EMERGENCY = Case(
    "emergency",
    "Аварийные отключения",
    "Аварийное отключение",
    "Аварийное отключение электроэнергии",
    "аварийное",
    "Электроснабжение восстановлено",
)


def _outage_times(case: Case, now: datetime) -> tuple[datetime, datetime]:
    """A planned outage tomorrow 10:00-16:00; an emergency one begun now, four hours long."""
    if case is PLANNED:
        tomorrow = datetime.combine((now + timedelta(days=1)).date(), time(10), tzinfo=ZONE)
        return tomorrow, tomorrow + timedelta(hours=6)
    begun = now.replace(second=0, microsecond=0)
    return begun, begun + timedelta(hours=4)


def _time_shown(case: Case, starts: datetime, ends: datetime) -> str:
    """How the message states the outage's time (notice-planned/emergency-outage)."""
    if case is PLANNED:
        return f"С {starts:%d.%m.%Y %H:%M} до {ends:%d.%m.%Y %H:%M}."
    return f"Ориентировочное время восстановления: {ends:%d.%m.%Y %H:%M}."


@pytest.mark.parametrize("case", [PLANNED, EMERGENCY], ids=["planned", "emergency"])
async def test_an_imported_outage_reaches_the_two_residents_and_nobody_else(
    case: Case,
    make_bot: BotFactory,
    bot_env: dict[str, str],
    make_user: UserFactory,
    tmp_path: Path,
) -> None:
    now = datetime.now(ZONE)
    env = {
        **_base_env(),
        **bot_env,
        "TIMEZONE": "Europe/Moscow",
        "NOTICE_QUIET_HOURS": "off",  # the test must not depend on the hour of the day
        "OUTAGE_NOTICE_DAYS": "3",
        "OUTAGE_EVENING_HOUR": _evening_hour(now),
    }
    await _reception(env, "import", "accounts", str(_accounts_csv(tmp_path / "accounts.csv")))
    make_bot([RECEPTION, "run"], env=env, cwd=ROOT).start()

    a = make_user(first_name="Анна")
    b = make_user(first_name="Борис")
    c = make_user(first_name="Семён")
    d = make_user(first_name="Дарья")
    people = ((a, RESIDENT_A), (b, RESIDENT_B), (c, NEIGHBOUR_C), (d, OPTED_OUT_D))
    await asyncio.gather(*(_link(user, number, surname) for user, (number, surname, *_) in people))
    await _turn_topic_off(d, case.topic_button)

    starts, ends = _outage_times(case, now)
    outages = tmp_path / "outages.csv"
    outages.write_text(
        "settlement,street,houses,starts_at,ends_at,kind,reason\n"
        f"{SETTLEMENT},{STREET},1-15,{starts:%Y-%m-%d %H:%M},{ends:%Y-%m-%d %H:%M},"
        f"{case.kind},замена опор\n",
        encoding="utf-8",
    )

    seen = {user.user_id: len(user.inbox) for user in (a, b, c, d)}
    dry = await _reception(env, "import", "outages", str(outages), "--dry-run")
    assert "Пробный прогон" in dry and "Принято строк: 1, отклонено: 0." in dry, dry
    assert _people(dry) == 2, dry

    done = await _reception(env, "import", "outages", str(outages))
    assert _people(done) == 2, done
    notice = re.search(rf"• {case.notice}: .*\(№ (\d+)\)", done)
    assert notice is not None, done

    a_got, b_got = await asyncio.gather(
        a.wait_for_text(STREET, timeout=DELIVERY), b.wait_for_text(STREET, timeout=DELIVERY)
    )
    for got in (a_got, b_got):
        assert case.title in got.content, got.content
        assert f"Адрес: {SETTLEMENT}, {STREET}, дома: 1-15" in got.content, got.content
        assert _time_shown(case, starts, ends) in got.content, got.content
    # Exactly one each (the dry run sent nothing); the neighbour and the opted-out get nothing.
    await asyncio.gather(*(user.assert_no_message(QUIET) for user in (a, b, c, d)))
    assert _since(a, seen) == [a_got] and _since(b, seen) == [b_got]
    assert _since(c, seen) == [] and _since(d, seen) == []

    report, listing = await asyncio.gather(
        _reception(env, "notices", "show", notice.group(1)), _reception(env, "outages")
    )
    assert "Получателей: 2" in report and "Доставлено: 2" in report, report
    outage = re.search(rf"№ (\d+) · {case.listed} · {SETTLEMENT}, {STREET}", listing)
    assert outage is not None, listing
    seen = {user.user_id: len(user.inbox) for user in (a, b, c, d)}
    await _reception(env, "outages", "close", outage.group(1))

    a_back, b_back = await asyncio.gather(
        a.wait_for_text(case.closed, timeout=DELIVERY),
        b.wait_for_text(case.closed, timeout=DELIVERY),
    )
    for got in (a_back, b_back):
        assert f"Адрес: {SETTLEMENT}, {STREET}, дома: 1-15" in got.content, got.content
    await asyncio.gather(*(user.assert_no_message(QUIET) for user in (a, b, c, d)))
    assert _since(a, seen) == [a_back] and _since(b, seen) == [b_back]
    assert _since(c, seen) == [] and _since(d, seen) == []
