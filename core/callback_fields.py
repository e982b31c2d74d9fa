"""Typed, bounded fields for the data of inline buttons (aiogram `CallbackData`).

Telegram hands back whatever a client puts in a button's data (up to 64 bytes), so a press
may carry data that no button of ours ever had: an empty field, a number too large for the
database, an unknown action, a date that does not exist. Every `CallbackData` class declares
its fields with these types (and enums for actions and kinds; a `model_validator` where one
field decides what another may hold), so `CallbackData.unpack` fails on such data and
aiogram's `CallbackData.filter()` does not match: no handler runs, and the fallback handler
answers the press with a short toast (handlers/fallback.py). A handler therefore only ever
sees values its own keyboards could have written; whether they still mean anything (the
appeal is someone else's, the slot is gone) remains its business.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from domain.accounts import ACCOUNT_NUMBER_RE
from domain.content import ID_RE
from domain.drafts import TOKEN_PATTERN
from domain.limits import ACCOUNT_MAX, ROW_ID_MAX, TELEGRAM_ID_MAX

RowId = Annotated[int, Field(ge=1, le=ROW_ID_MAX)]
"""The id of a row numbered by an INTEGER column (appeal, booking, notice, task, department)."""

RowIdOrNone = Annotated[int, Field(ge=0, le=ROW_ID_MAX)]
"""A row id, or 0 for "none" (a field some actions of a class do not use)."""

TelegramId = Annotated[int, Field(ge=1, le=TELEGRAM_ID_MAX)]
"""A Telegram user id (a staff member picked as an executor)."""

Page = Annotated[int, Field(ge=1, le=10_000)]
"""A page of a list: nobody pages through 50 000 appeals."""

SmallIndex = Annotated[int, Field(ge=0, le=999)]
"""A position in a short list on screen (a meter, an attached file, a rejection ground)."""

AccountNumberText = Annotated[
    str, Field(max_length=ACCOUNT_MAX, pattern=f"^({ACCOUNT_NUMBER_RE.pattern.strip('^$')})?$")
]
"""A personal account number as domain/accounts.py normalises it, or empty."""

SectionId = Annotated[str, Field(pattern=f"^(-|{ID_RE.pattern.strip('^$')})$")]
"""A reference section id (domain/content.py ID_RE), or "-" for the list of sections."""

DraftTokenText = Annotated[str, Field(pattern=TOKEN_PATTERN)]
"""A draft's token (domain/drafts.py) as a dialog's final button carries it."""
