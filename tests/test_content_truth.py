"""The reference pages do not contradict the bot (issue 13): `reception content check` finds
office hours that are not OFFICE_HOURS, names of menu items, buttons and topics the bot does
not have, unknown placeholders; the shipped sample passes it; the pages show the office
hours and the readings window from the settings; the consent says where data lives."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.cli_content import cmd_content_check
from bot.settings import Settings
from core.texts import Texts
from domain.booking import parse_office_hours
from domain.clock import FixedClock
from domain.content import ContentLibrary
from domain.content_truth import FindingKind, hours_findings, name_findings, retention_findings
from domain.retention import DEFAULT_DAYS
from tests.fakes import texts_of
from tests.harness import BotHarness

ROOT = Path(__file__).resolve().parents[1]
CheckWith = Callable[[str, str], tuple[int, list[str]]]
HOURS = parse_office_hours("mon-thu 08:00-17:00; fri 08:00-15:45; break 12:00-12:48")


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(ROOT / "content", target)
    return target


def _append(root: Path, page: str, text: str) -> None:
    path = root / page
    path.write_text(path.read_text(encoding="utf-8") + "\n" + text + "\n", encoding="utf-8")


def _check(
    settings: Settings, texts: Texts, root: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[int, list[str]]:
    code = cmd_content_check(settings.model_copy(update={"content_dir": root}), texts)
    captured = capsys.readouterr()
    return code, (captured.out + captured.err).splitlines()


@pytest.fixture
def check_with(
    settings: Settings, texts: Texts, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> CheckWith:
    """`content check` of the sample with a line added to a page."""

    def check(page: str, line: str) -> tuple[int, list[str]]:
        root = _copy(tmp_path)
        _append(root, page, line)
        return _check(settings, texts, root, capsys)

    return check


def test_content_check_passes_the_shipped_sample(
    settings: Settings, texts: Texts, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines = _check(settings, texts, ROOT / "content", capsys)
    assert code == 0, lines


def test_content_check_finds_hours_contradiction(check_with: CheckWith) -> None:
    code, lines = check_with("pages/contacts.md", "- понедельник — пятница: 8:00–17:00")
    assert code == 1
    [line] = [line for line in lines if line.startswith("contacts:")]
    assert "8:00–17:00" in line and "OFFICE_HOURS=" in line


def test_content_check_sample_agrees_with_any_office_hours_setting(
    settings: Settings, texts: Texts, capsys: pytest.CaptureFixture[str]
) -> None:
    # The sample writes hours only through {{office_hours}}: any OFFICE_HOURS agrees with it.
    changed = settings.with_values(office_hours="mon-fri 09:00-18:00; break 13:00-14:00")
    code, lines = _check(changed, texts, ROOT / "content", capsys)
    assert code == 0, lines


def test_content_check_finds_menu_name_contradiction(check_with: CheckWith) -> None:
    code, lines = check_with(
        "pages/readings.md", "Откройте раздел «Мои счётчики» и нажмите кнопку «Готово»."
    )
    assert code == 1
    named = [line for line in lines if line.startswith("readings:")]
    assert len(named) == 1 and "«Мои счётчики»" in named[0]  # «Готово» is a real button


def test_content_check_finds_an_unknown_placeholder(check_with: CheckWith) -> None:
    code, lines = check_with("pages/faq.md", "Касса: {{cash_hours}}")
    assert code == 1
    assert any(line.startswith("faq:") and "{{cash_hours}}" in line for line in lines)


def test_content_hours_lines_that_agree_or_speak_of_other_things_are_not_flagged() -> None:
    agreeing = [
        "пн–чт 08:00–17:00 (перерыв 12:00–12:48), пт 08:00–15:45 (перерыв 12:00–12:48)",
        "с понедельника по четверг с 8:00 до 17:00, в пятницу с 8:00 до 15:45",
        "ночная зона обычно с 23:00 до 7:00",  # a tariff zone, not the office
        "суббота, воскресенье и праздничные дни — выходные",
    ]
    assert [f for line in agreeing for f in hours_findings(line, HOURS)] == []
    wrong = ["пн–пт 8:00–17:00", "перерыв на обед: 12:00–13:00", "суббота 10:00–14:00"]
    for line in wrong:
        [finding] = hours_findings(line, HOURS)
        assert finding.kind is FindingKind.HOURS


def test_content_names_are_checked_after_cue_words_only() -> None:
    labels = ["👤 Лицевые счета", "➕ Привязать лицевой счёт"]
    page = "Кнопка «👤 Лицевые счета» → «➕ Привязать лицевой счет». МУП «Выксаэнерго»."
    assert name_findings(page, labels) == []
    assert [f.found for f in name_findings("→ «Отвязать всё»", labels)] == ["Отвязать всё"]


@pytest_asyncio.fixture
async def custom_hours(
    engine: Any, settings: Settings, clock: FixedClock, texts: Texts, content: ContentLibrary
) -> AsyncIterator[BotHarness]:
    changed = settings.with_values(
        office_hours="mon-fri 09:00-18:00; break 13:00-14:00",
        readings_window_start_day="20",
        readings_window_end_day="26",
    )
    bot_harness = await BotHarness.start(changed, clock=clock, texts=texts, content=content)
    yield bot_harness
    await bot_harness.close()


async def test_reg_11_1_contacts_page_shows_office_hours_from_the_setting(
    custom_hours: BotHarness, texts: Texts
) -> None:
    person = custom_hours.person()
    await person.send(texts.get("menu-info"))
    shown = texts_of(await person.press("Адреса и часы работы"))[-1]
    assert "пн–пт 09:00–18:00 (перерыв 13:00–14:00)" in shown
    assert "40 ч в неделю" in shown
    assert "{{" not in shown


async def test_content_readings_page_shows_the_readings_window_from_the_setting(
    custom_hours: BotHarness, texts: Texts
) -> None:
    person = custom_hours.person()
    await person.send(texts.get("menu-info"))
    shown = texts_of(await person.press("Показания счётчика"))[-1]
    assert "С 20 по 26 число каждого месяца" in shown


def test_content_consent_says_data_lives_in_the_company_db_and_file_store_in_russia() -> None:
    consent = (ROOT / "content" / "consent.md").read_text(encoding="utf-8")
    assert "базе данных оператора" in consent
    assert "файловом хранилище оператора" in consent
    assert "находятся на территории Российской Федерации" in consent
    assert "серверы Telegram за пределами Российской Федерации" in consent


def test_152fz_st9_ch4_consent_retention_periods_agree_with_the_default_settings() -> None:
    consent = (ROOT / "content" / "consent.md").read_text(encoding="utf-8")
    assert retention_findings(consent, DEFAULT_DAYS) == []


def test_152fz_st9_ch4_content_check_flags_consent_periods_that_differ_from_the_settings(
    settings: Settings, texts: Texts, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    changed = settings.model_copy(
        update={"retention": settings.retention.model_copy(update={"outbox_days": 60})}
    )
    code, lines = _check(changed, texts, _copy(tmp_path), capsys)
    assert code == 1
    [line] = [line for line in lines if "RETENTION_" in line]
    assert line.startswith("consent: ") and "«90 дней»" in line
    assert "RETENTION_OUTBOX_DAYS=60" in line


def test_152fz_st9_ch4_consent_without_a_categorys_period_is_flagged() -> None:
    consent = (ROOT / "content" / "consent.md").read_text(encoding="utf-8")
    without = "\n".join(
        line for line in consent.splitlines() if not line.startswith("- записи на приём")
    )
    [finding] = retention_findings(without, DEFAULT_DAYS)
    assert (finding.kind, finding.found, finding.subject) == (
        FindingKind.RETENTION,
        "",
        "bookings",
    )
    longer = consent.replace("приборов учёта — 3 года", "приборов учёта — 4 года")
    assert longer != consent
    [finding] = retention_findings(longer, DEFAULT_DAYS)
    assert (finding.found, finding.subject, finding.expected) == ("4 года", "readings", "1095")
