"""The flows a kill trial drives (tests/chaos/kill.py): an appeal, a meter reading and a
booking, step by step as a person answers them; where the database has the person."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from tests.e2e.client import (
    BotMessage,
    EmulatorUser,
)

HOLDER = "Иванова Мария Петровна"
COMPLAINT = "Третий день по вечерам мигает свет и гаснет на несколько минут."
Act = Callable[[EmulatorUser], Awaitable[Any]]


@dataclass(frozen=True)
class Step:
    """A question of the dialog: the state the database has the person at while it is
    asked (`zone` for the readings' values), a fragment of its text, and the answer."""

    state: str
    question: str
    answer: Act
    zone: int | None = None


@dataclass(frozen=True)
class Flow:
    name: str
    entry: Act
    steps: tuple[Step, ...]
    number: re.Pattern[str]
    needs_link: bool


async def _press(user: EmulatorUser, label: str, *, exact: bool = False) -> None:
    await user.press(label, exact=exact)


async def _press_first(user: EmulatorUser) -> None:
    await user.fetch()
    latest = user.latest(lambda m: bool(m.inline_buttons))
    if latest is None:
        raise AssertionError("no buttons to press")
    await user.press(latest.inline_buttons[0].text, exact=True, message=latest)


def appeal_flow() -> Flow:
    return Flow(
        name="appeal",
        entry=lambda user: user.send_text("📝 Подать обращение"),
        steps=(
            Step("FileAppeal:kind", "Выберите вид обращения", lambda u: _press(u, "Жалоба")),
            Step("FileAppeal:subject", "Выберите тему", lambda u: _press(u, "Качество обсл")),
            Step("FileAppeal:text", "Опишите суть обращения", lambda u: u.send_text(COMPLAINT)),
            Step("FileAppeal:attachments", "Приложите фото", lambda u: _press(u, "Готово")),
            Step("FileAppeal:full_name", "фамилия, имя и отчество", lambda u: _press(u, HOLDER)),
            Step("FileAppeal:address", "Адрес, к которому", lambda u: _press(u, "Пропустить")),
            Step("FileAppeal:channel", "Как вам удобнее", lambda u: _press(u, "В этот чат")),
            Step("FileAppeal:vulnerable", "Относитесь ли вы", lambda u: _press(u, "Не указывать")),
            Step("FileAppeal:summary", "Проверьте обращение", lambda u: _press(u, "✅ Отправить")),
        ),
        number=re.compile(r"ВЭ-\d{4}-\d{6}"),
        needs_link=True,
    )


def readings_flow(values: Callable[[], tuple[str, str]]) -> Flow:
    pending: dict[str, str] = {}

    async def day(user: EmulatorUser) -> None:
        pending["day"], pending["night"] = values()
        await user.send_text(pending["day"])

    async def night(user: EmulatorUser) -> None:
        await user.send_text(pending.get("night") or values()[1])

    return Flow(
        name="reading",
        entry=lambda user: user.send_command("/readings"),
        steps=(
            Step("SendReadings:value", "Т1 «день»</b> — счётчик", day, zone=1),
            Step("SendReadings:value", "Т2 «ночь»</b> — счётчик", night, zone=2),
            Step("SendReadings:photo", "фото счётчика", lambda u: _press(u, "Пропустить")),
            Step("SendReadings:confirm", "Проверьте показания", lambda u: _press(u, "Отправить")),
        ),
        number=re.compile(r"П-\d{4}-\d{6}"),
        needs_link=True,
    )


def booking_flow() -> Flow:
    return Flow(
        name="booking",
        entry=lambda user: user.send_command("/booking"),
        steps=(
            Step("BookVisit:topic", "По какому вопросу", lambda u: _press(u, "Приборы учёта")),
            Step("BookVisit:day", "Выберите день", _press_first),
            Step("BookVisit:time", "выберите время", _press_first),
            Step("BookVisit:full_name", "Как вас записать", lambda u: u.send_text(HOLDER)),
            Step("BookVisit:phone", "Ваш телефон", lambda u: u.send_text("8 920 000-00-01")),
            Step("BookVisit:confirm", "Проверьте запись", lambda u: _press(u, "✅ Записаться")),
        ),
        number=re.compile(r"З-\d{4}-\d{6}"),
        needs_link=False,
    )


def step_at(flow: Flow, state: str | None, data: dict[str, Any]) -> int | None:
    if state is None:
        return None
    for position, step in enumerate(flow.steps):
        if step.state != state:
            continue
        if step.zone is not None and int(data.get("zone") or 1) != step.zone:
            continue
        return position
    return None


def numbers_shown(flow: Flow, inbox: Sequence[BotMessage]) -> dict[str, set[int]]:
    """Number → the ids of the bot's messages (any version) that show it."""
    shown: dict[str, set[int]] = {}
    for message in inbox:
        for number in set(flow.number.findall(message.content)):
            shown.setdefault(number, set()).add(message.message_id)
    return shown
