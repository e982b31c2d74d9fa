"""Every text key used in code exists in the locale files, and no Russian text hides in code."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from pathlib import Path

from core.texts import Texts

ROOT = Path(__file__).resolve().parent.parent
CODE = ["bot", "handlers", "dialogs", "domain", "services", "storage", "notifier"]
KEY_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")
# A word, not a letter: single letters (ё → е folding, regex classes) are not texts.
CYRILLIC = re.compile(r"[А-Яа-яЁё]{2,}")


def _python_files() -> list[Path]:
    return [p for folder in CODE for p in sorted((ROOT / folder).rglob("*.py"))]


def _used_keys() -> set[str]:
    """Literal first arguments of texts.get/plain, `text_key = ...`, `reason=`/keys of the
    MAIN_MENU-style tuples, and button filters."""
    keys: set[str] = set()
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in {
                    "get",
                    "plain",
                    "Button",
                    "RefusedRow",
                    "RegistryFileError",
                    "ContentProblem",
                }:
                    for arg in node.args:
                        if (
                            isinstance(arg, ast.Constant)
                            and isinstance(arg.value, str)
                            and KEY_RE.match(arg.value)
                        ):
                            keys.add(arg.value)
            if (
                isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "text_key" for t in node.targets)
                and isinstance(node.value, ast.Constant)
            ):
                keys.add(str(node.value.value))
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                value = node.value
                if KEY_RE.match(value) and value.split("-")[0] in {
                    "menu",
                    "nav",
                    "import",
                    "content",
                    "consent",
                    "link",
                    "info",
                    "mydata",
                    "accounts",
                    "command",
                }:
                    keys.add(value)
    return keys


def test_every_key_used_in_code_exists(texts: Texts) -> None:
    used = _used_keys()
    assert len(used) > 50
    missing = sorted(k for k in used if not texts.has(k) and not k.endswith("-"))
    assert missing == []


def test_command_descriptions_exist(texts: Texts) -> None:
    from bot.factory import COMMANDS

    for name in COMMANDS:
        assert texts.has(f"command-{name}")


# Keys built in code, f"appeal-kind-{kind.value}": the literal beginning, and every value the
# rest may take (all members of the enum, unless the code picks from fewer).
def _built_keys() -> dict[str, Iterable[object]]:
    from bot.factory import COMMANDS
    from dialogs.parked import TABLES as PARKED_DIALOGS
    from dialogs.registration.router import OFFLINE_CHANNELS
    from domain.appeals import (
        AppealAction,
        AppealKind,
        AppealStatus,
        RejectionGround,
        ServiceForm,
        Subject,
        VulnerableGroup,
    )
    from domain.booking import (
        WEEKDAYS,
        BookingChannel,
        BookingStatus,
        BookingTopic,
        ReminderKind,
    )
    from domain.contacts import AnswerChannel
    from domain.deadlines import WarningStage
    from domain.files import FileKind
    from domain.notice_lifecycle import NoticeStatus, OutageStatus
    from domain.notices import NoticeKind, OutageKind
    from domain.pp55 import ApplicantType, Pp55Item
    from domain.questionnaires import QuestionKind, QuestionnaireStatus
    from domain.readings import ReadingChannel, WindowPosition, zone_name_keys
    from domain.reports import INDICATOR_NAMES
    from domain.staff import StaffRole
    from domain.subscriptions import Topic
    from handlers.settings import SubscriptionAction
    from handlers.staff import STAFF_COMMANDS
    from notifier.staff_render import _CARD_BUTTONS
    from services.notice_import import ImportKind

    not_chat = [channel for channel in AnswerChannel if channel is not AnswerChannel.CHAT]
    per_kind_notices = [
        NoticeKind.DEBT,
        NoticeKind.PAYMENT_DUE,
        NoticeKind.RESTRICTION,
        NoticeKind.PLANNED_OUTAGE,
        NoticeKind.OUTAGE_EVENING,
        NoticeKind.EMERGENCY_OUTAGE,
        NoticeKind.POWER_RESTORED,
        NoticeKind.OUTAGE_CANCELLED,
    ]
    question_kinds = [kind.value.replace("_", "-") for kind in QuestionKind]
    return {
        "appeal-action-": AppealAction,
        # The contact step: every channel but the chat itself.
        "appeal-ask-": not_chat,
        "appeal-channel-": AnswerChannel,
        "appeal-kind-": AppealKind,
        "appeal-status-": AppealStatus,
        "appeal-subject-": Subject,
        "appeal-vulnerable-": VulnerableGroup,
        "booking-channel-": BookingChannel,
        "booking-reminder-": ReminderKind,
        "booking-topic-": BookingTopic,
        "booking-weekday-": WEEKDAYS,
        "command-": COMMANDS,
        "consumer-rejected-": RejectionGround,
        "deadline-": WarningStage,
        "mydata-file-kind-": FileKind,
        # The notices whose body is one text per kind (the others have their own keys).
        "notice-": [kind.value.replace("_", "-") for kind in per_kind_notices],
        "notice-kind-": NoticeKind,
        "notice-outage-kind-": OutageKind,
        "notice-outage-status-": OutageStatus,
        "notice-status-": NoticeStatus,
        "parked-resume-": PARKED_DIALOGS,
        "reading-channel-": [channel.value.replace("_", "-") for channel in ReadingChannel],
        "reading-intro-": WindowPosition,
        "reading-meter-zones-": range(1, 4),
        "reading-month-": range(1, 13),
        "reading-zone-": [key.removeprefix("reading-zone-") for key in zone_name_keys()],
        "report-booking-": BookingStatus,
        "report-delivery-": ["sent", "blocked", "failed", "pending", "dropped"],
        "report-indicator-": [name for name, _ in INDICATOR_NAMES],
        "report-formula-": [name for name, _ in INDICATOR_NAMES],
        "report-month-": range(1, 13),
        "pp55-applicant-": ApplicantType,
        "quest-hint-": question_kinds,
        "quest-kind-": question_kinds,
        "quest-staff-add-": question_kinds,
        "quest-staff-ask-": question_kinds,
        "quest-status-": QuestionnaireStatus,
        "pp55-ask-": Pp55Item,
        "pp55-item-": Pp55Item,
        "settings-": [SubscriptionAction.STOP, SubscriptionAction.RESUME],
        "settings-topic-": Topic,
        "staff-button-": [key for row in _CARD_BUTTONS for key, _ in row],
        "staff-command-": STAFF_COMMANDS,
        "staff-event-": AppealAction,
        "staff-form-": ServiceForm,
        "staff-ground-": RejectionGround,
        "staff-notice-import-kind-": ImportKind,
        "staff-register-contact-": OFFLINE_CHANNELS,
        "staff-register-contract-": ["yes", "no"],
        "staff-role-": StaffRole,
    }


# f-strings that look like keys but name other things (a file, an engine, a fake file id).
NOT_KEYS = {"local-", "readings-", "reception-", "report-"}


def _key_beginnings() -> set[str]:
    """The literal beginnings of f-strings in code that look like a text key's."""
    beginnings = set()
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.JoinedStr)
                and len(node.values) > 1
                and isinstance(node.values[0], ast.Constant)
                and isinstance(node.values[0].value, str)
                and KEY_RE.match(node.values[0].value + "x")
            ):
                beginnings.add(node.values[0].value)
    return beginnings


def test_every_key_built_in_code_is_listed_with_its_values() -> None:
    assert sorted(_key_beginnings() - NOT_KEYS) == sorted(_built_keys())


def test_every_key_built_from_an_enum_exists_for_each_value(texts: Texts) -> None:
    missing = [
        f"{beginning}{value}"
        for beginning, values in _built_keys().items()
        for value in values
        if not texts.has(f"{beginning}{value}")
    ]
    assert missing == []


def test_no_russian_string_literals_in_code() -> None:
    offending = []
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = _docstrings(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and CYRILLIC.search(node.value)
                and id(node) not in docstrings
            ):
                offending.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offending == []


def _docstrings(tree: ast.Module) -> set[int]:
    """Docstrings may cite Russian terms of the regulation; they are not shown to anyone."""
    return {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }


def test_every_message_formats_without_errors(texts: Texts) -> None:
    names = (
        "company version date number name address left time decision id phone email accounts "
        "detail root count where problem sections sample path done total line reason rows "
        "added updated refused revision api database text value kind subject status due min "
        "max length mb files channel vulnerable device contract pages page action answer numbers "
        "executor state days extended registered form account contact group cut rating resolved "
        "bookings ground who assignee comment signature position question user_id role department"
        " zone serial last consumption average digits start end period month year reference"
        " values"
        " hours day weekday when old minutes ranges breaks topic mark"
        " accepted amount as_of at blocked created dropped duration effective ends failed first"
        " houses lines pending people planned send_at sent settlement source starts street"
        " unreached field limit earlier what attempts size sha256"
        " item items passport born place"
        " fix username groups type head server surname"
        " title notice label share mean recipients respondents questions option answers"
        " before now previous total_before on_time late unanswered open overdue performance"
        " performance_before availability feedback mean_days"
    )
    args = dict.fromkeys(names.split(), "1")
    for key in texts.keys():  # noqa: SIM118 - Texts.keys() is a method, not a dict view
        assert texts.plain(key, **args)
