"""Acceptance 5 of issue 15, with the real bot process against the emulator: with an
emergency outage imported for a street (`reception import outages`, a process of its own,
the same database), a person on that street who starts a complaint about no power is told of
the outage before the first question of the complaint."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from .conftest import RECEPTION, ROOT, BotFactory, UserFactory, _base_env
from .test_appeal_journey import _link
from .test_notices_e2e import _reception

ZONE = ZoneInfo("Europe/Moscow")
# The example registry (examples/accounts.csv, imported by `bot_env`): account 1000000001,
# Иванова, lives at Выкса, ул. Ленина, 12.
SETTLEMENT = "Выкса"
STREET = "ул. Ленина"
TOLD = "По вашему адресу уже известно аварийное отключение"
FIRST_QUESTION = "Это жалоба на надёжность или качество электроснабжения"


async def test_a_complaint_about_no_power_on_an_outage_street_is_told_of_it_first(
    make_bot: BotFactory, bot_env: dict[str, str], make_user: UserFactory, tmp_path: Path
) -> None:
    env = {**_base_env(), **bot_env, "TIMEZONE": "Europe/Moscow", "NOTICE_QUIET_HOURS": "off"}
    make_bot([RECEPTION, "run"], env=env, cwd=ROOT).start()
    person = make_user(first_name="Мария")
    await _link(person)

    began = datetime.now(ZONE).replace(second=0, microsecond=0) - timedelta(minutes=30)
    ends = began + timedelta(hours=4)
    outages = tmp_path / "outages.csv"
    outages.write_text(
        "settlement,street,houses,starts_at,ends_at,kind,reason\n"
        f"{SETTLEMENT},{STREET},1-20,{began:%Y-%m-%d %H:%M},{ends:%Y-%m-%d %H:%M},"
        "emergency,повреждение кабеля\n",
        encoding="utf-8",
    )
    await _reception(env, "import", "outages", str(outages))

    await person.press_reply("Подать обращение")
    await person.wait_for_text("Выберите вид обращения")
    await person.press("Жалоба или претензия")
    await person.wait_for_text("Выберите тему")
    await person.press("Надёжность электроснабжения")
    told = await person.wait_for_text(TOLD, timeout=15)
    assert f"{SETTLEMENT}, {STREET}, дома: 1-20" in told.content, told.content
    assert f"Отключение с {began:%d.%m.%Y %H:%M}" in told.content, told.content
    assert f"восстановления: {ends:%d.%m.%Y %H:%M}" in told.content, told.content
    assert "Диспетчеры и специалисты о нём знают" in told.content, told.content
    # The first question of the complaint comes after it (wait_for reads on from `told`).
    await person.wait_for_text(FIRST_QUESTION)
    first = next(i for i, m in enumerate(person.inbox) if FIRST_QUESTION in m.content)
    assert person.inbox.index(told) < first
