"""Callback data and keyboards of the appeal dialog. Prefixes and layouts are what buttons
already sent carry: they never change."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType
from typing import Self

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from pydantic import model_validator

from core.callback_fields import DraftTokenText
from core.texts import Texts
from domain.appeals import AnswerChannel, AppealKind, Subject, VulnerableGroup
from domain.pp55 import ApplicantType, Pp55Item
from handlers.keyboards import inline_column


class PickField(StrEnum):
    KIND = "kind"
    SUBJECT = "subject"
    CHANNEL = "channel"
    VULNERABLE = "vulnerable"
    FILES = "files"
    PREFILL = "prefill"
    SKIP = "skip"
    LONG = "long"
    SUMMARY = "summary"
    APPLICANT = "applicant"  # ПП 55: a person or a business
    LATER = "later"  # ПП 55: «Отправлю позже» for an item
    WHEN = "when"  # ПП 55: «Понял: … — верно?» answered Да / Исправить
    OUTAGE = "outage"  # a known outage: «Сообщать об отключениях по моему адресу»


# What each button's value may be: a press with anything else matches no handler.
SUMMARY_ACTIONS = (
    "submit",
    "kind",
    "text",
    "files",
    "name",
    "address",
    "channel",
    "vulnerable",
    "cancel",
)
_PICK_VALUES = MappingProxyType(
    {
        PickField.KIND: frozenset(AppealKind),
        PickField.SUBJECT: frozenset(Subject),
        PickField.CHANNEL: frozenset(AnswerChannel),
        PickField.VULNERABLE: frozenset({"", *VulnerableGroup}),
        PickField.FILES: frozenset({"done"}),
        PickField.PREFILL: frozenset({"name", "address", "device"}),
        PickField.SKIP: frozenset({"address", "device", "contract"}),
        PickField.LONG: frozenset({"trim", "split"}),
        PickField.SUMMARY: frozenset(SUMMARY_ACTIONS),
        PickField.APPLICANT: frozenset(ApplicantType),
        PickField.LATER: frozenset(Pp55Item),
        PickField.WHEN: frozenset({"yes", "fix"}),
        PickField.OUTAGE: frozenset({"subscribe"}),
    }
)


class AppealPick(CallbackData, prefix="ap"):
    field: PickField
    value: str = ""

    @model_validator(mode="after")
    def _value_fits_the_field(self) -> Self:
        if self.value not in _PICK_VALUES[self.field]:
            raise ValueError("not a value of this field")
        return self


class AppealSubmit(CallbackData, prefix="as"):
    """The summary's «Отправить»: the draft's token (domain/drafts.py), so that a press after
    the appeal was registered finds it."""

    token: DraftTokenText


def pick(texts: Texts, field: str, values: Iterable[tuple[str, str]]) -> InlineKeyboardMarkup:
    """A column of buttons of one field: (text key, value) each. The same question shows the
    same keyboard every time, so it is built once (aiogram's markups are frozen models)."""
    return _pick(texts, field, tuple(values))


@lru_cache(maxsize=256)
def _pick(texts: Texts, field: str, values: tuple[tuple[str, str], ...]) -> InlineKeyboardMarkup:
    return inline_column((texts.get(key), AppealPick(field=field, value=v)) for key, v in values)


def files_done(texts: Texts) -> InlineKeyboardMarkup:
    return pick(texts, "files", [("appeal-attachments-done", "done")])


_EDITS = (
    ("appeal-edit-kind", "kind"),
    ("appeal-edit-text", "text"),
    ("appeal-edit-files", "files"),
    ("appeal-edit-name", "name"),
    ("appeal-edit-address", "address"),
    ("appeal-edit-channel", "channel"),
    ("appeal-edit-vulnerable", "vulnerable"),
    ("nav-cancel", "cancel"),
)


def summary_keyboard(texts: Texts, token: str) -> InlineKeyboardMarkup:
    buttons: list[tuple[str, CallbackData]] = [
        (texts.get("appeal-summary-submit"), AppealSubmit(token=token)),
        *((texts.get(key), AppealPick(field="summary", value=value)) for key, value in _EDITS),
    ]
    return inline_column(buttons)


def long_text_keyboard(texts: Texts, max_length: int) -> InlineKeyboardMarkup:
    return inline_column(
        [
            (
                texts.get("appeal-text-trim", max=max_length),
                AppealPick(field="long", value="trim"),
            ),
            (texts.get("appeal-text-split"), AppealPick(field="long", value="split")),
        ]
    )
