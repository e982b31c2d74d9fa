"""The outbox's rows: queueing (`enqueue`, `SqlOutbox`), dropping, and the sender's SQL.

`enqueue` adds the row in the caller's transaction, so a message exists exactly when the
change it reports was stored; a `dedup_key` (one per recipient and notice) makes queueing
the same notice twice a no-op. After the commit the caller may `wake()` the sender
(`uow.after_commit(sender.wake)`) so that the row goes at once rather than at the next poll.
Nothing queued is too long for Telegram: `enqueue` turns a text over 4096 characters into
several rows, in order, with the reply markup on the last, and a caption over 1024 into the
media without it followed by the caption as messages (`fit_to_limits`; the one rule for
cutting is domain/text_limits.py). A text refused for its length would otherwise fail for
good, after the change it reports was stored.

What is sent, when and with which guarantees (at least once): notifier/outbox.py.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Literal

from sqlalchemy import Boolean, Integer, and_, bindparam, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased

from domain.clock import Clock
from domain.text_limits import CAPTION_MAX, MESSAGE_MAX, fits, split_html
from storage.models import OutboxRow
from storage.uow import UnitOfWork, skip_flush_wait

Method = Literal[
    "send_message",
    "send_document",
    "send_photo",
    "copy_message",
    "edit_message_text",
    "edit_message_reply_markup",
]
# The Bot API methods the sender makes itself (notifier/outbox.py maps them to aiogram's).
BUILT_IN_METHODS = frozenset(
    {
        "send_message",
        "send_document",
        "send_photo",
        "copy_message",
        "edit_message_text",
        "edit_message_reply_markup",
    }
)

# Names other modules declared with `register_method` (enqueue accepts them as well), each
# with the payload key of its text, if it has one that enqueue may split.
_REGISTERED: dict[str, str | None] = {}
_METHOD_LENGTH = 32  # the column's width
_KEY_LENGTH = 200  # the dedup_key column's width
# Media whose caption must fit Telegram's 1024; the text of the first method must fit 4096.
_CAPTIONED = frozenset({"send_photo", "send_document", "copy_message"})
# What a message that carries an over-long text or caption keeps in every part: where it
# goes and how it is parsed. The reply markup goes with the last part only.
_PLACEMENT = (
    "parse_mode",
    "message_thread_id",
    "reply_parameters",
    "reply_to_message_id",
    "disable_notification",
    "protect_content",
    "allow_paid_broadcast",
)
# drop_pending also drops the further parts of a keyed message, up to this many.
_PARTS_DROPPED = 8

PENDING = "pending"
SENT = "sent"
FAILED = "failed"
BLOCKED = "blocked"
DROPPED = "dropped"


def register_method(name: str, *, text_key: str | None = None) -> None:
    """Declare a custom outbox method, so that `enqueue` accepts rows with it. The sending
    process must pass a handler for it to `OutboxSender(handlers=...)`; without one such
    rows end as failed. With `text_key`, the payload's text under that key is a message
    text that `enqueue` splits like a `send_message`'s (the handler sends it as one).
    Registering the same name again is a no-op."""
    if name in BUILT_IN_METHODS:
        raise ValueError(f"{name!r} is a built-in outbox method")
    if not name or len(name) > _METHOD_LENGTH:
        raise ValueError(f"an outbox method name has 1 to {_METHOD_LENGTH} characters")
    _REGISTERED.setdefault(name, text_key)


def is_known_method(name: str) -> bool:
    return name in BUILT_IN_METHODS or name in _REGISTERED


@lru_cache(maxsize=8)
def _insert(dialect: str, by_notice: bool = False) -> Any:
    insert_ = pg_insert if dialect == "postgresql" else sqlite_insert
    keys = [OutboxRow.notice_id, OutboxRow.chat_id] if by_notice else [OutboxRow.dedup_key]
    return insert_(OutboxRow).on_conflict_do_nothing(index_elements=keys)


def enqueue(
    uow: UnitOfWork,
    *,
    chat_id: int,
    method: Method | str,
    payload: dict[str, Any],
    now: datetime,
    dedup_key: str | None = None,
    not_before: datetime | None = None,
    urgent: bool = False,
    notice_id: int | None = None,
    appeal_id: int | None = None,
    purpose: str | None = None,
) -> None:
    """Queue one Bot API call (`payload`: its keyword arguments except chat_id), written with
    the caller's commit. `method` is a built-in method (`BUILT_IN_METHODS`) or a name declared with
    `register_method`. A `dedup_key` already in the outbox makes this a no-op; so does a
    `notice_id` already queued to this chat (one row per notice and recipient). An `urgent`
    row goes before the non-urgent rows of its chat that are not sent yet.

    A text longer than Telegram takes (4096 characters as shown; domain/text_limits.py) is
    queued as several messages, in order, the reply markup under the last; a photo, document
    or copy whose caption is over 1024 goes without it, followed by the caption as messages.
    Each further part is a row of its own: `dedup_key#2`, `#3` …; a notice's further parts
    carry the key `notice:<id>:<chat>#2` … instead of the notice id (which stays one row per
    recipient, the one its reports count).

    A message to a consumer that must reach them (an answer, a question …) names its
    `appeal_id` and `purpose`: if it cannot be delivered, the sender's `on_undelivered` is
    told (every part carries both)."""
    if not is_known_method(method):
        raise ValueError(f"unknown outbox method {method!r}")
    if "chat_id" in payload:
        raise ValueError("chat_id goes in its own argument, not in the payload")
    if notice_id is not None and dedup_key is not None:
        raise ValueError("a notice's row is unique by (notice, chat): no dedup_key")
    if (appeal_id is None) != (purpose is None):
        raise ValueError("a message about an appeal names both the appeal and its purpose")
    dialect = uow.session.bind.dialect.name
    for index, (part_method, part_payload) in enumerate(fit_to_limits(method, payload)):
        part_notice, part_key = notice_id, dedup_key
        if index:
            part_notice = None
            base = f"notice:{notice_id}:{chat_id}" if notice_id is not None else dedup_key
            part_key = None if base is None else f"{base}#{index + 1}"
            if part_key is not None and len(part_key) > _KEY_LENGTH:
                raise ValueError(f"a dedup_key of a long message has at most {_KEY_LENGTH - 3}")
        uow.defer(
            _insert(dialect, part_notice is not None),
            {
                "notice_id": part_notice,
                "dedup_key": part_key,
                "chat_id": chat_id,
                "method": part_method,
                "payload": part_payload,
                "urgent": urgent,
                "status": PENDING,
                "attempts": 0,
                "not_before": not_before or now,
                "last_error": "",
                "created_at": now,
                "sent_at": None,
                "telegram_message_id": None,
                "appeal_id": appeal_id,
                "purpose": purpose,
            },
            effect=True,
        )


def fit_to_limits(method: str, payload: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The calls that deliver `payload` within Telegram's length limits: the call itself when
    it fits, else its text in parts, or its media without the caption and the caption as
    messages (see `enqueue`)."""
    text_key = "text" if method == "send_message" else _REGISTERED.get(method)
    if text_key is not None:
        text = payload.get(text_key)
        if not isinstance(text, str) or fits(text, MESSAGE_MAX):
            return [(method, payload)]
        return [(method, part) for part in _text_parts(payload, text_key)]
    caption = payload.get("caption")
    if method in _CAPTIONED and isinstance(caption, str) and not fits(caption, CAPTION_MAX):
        media = {key: value for key, value in payload.items() if key != "reply_markup"}
        if method == "copy_message":
            media["caption"] = ""  # a copy without a caption of its own keeps the original's
        else:
            del media["caption"]
        message = {key: payload[key] for key in _PLACEMENT if key in payload}
        message["text"] = caption
        if "reply_markup" in payload:
            message["reply_markup"] = payload["reply_markup"]
        return [(method, media)] + [
            ("send_message", part) for part in _text_parts(message, "text")
        ]
    return [(method, payload)]


def _text_parts(payload: dict[str, Any], key: str) -> list[dict[str, Any]]:
    text = str(payload[key])
    parse_mode = payload.get("parse_mode", "HTML")
    if parse_mode is None or str(parse_mode).lower() != "html":
        # Not HTML: cut the escaped text and give each part back as it was written.
        pieces = [html.unescape(piece) for piece in split_html(html.escape(text, quote=False))]
    else:
        pieces = split_html(text)
    last = len(pieces) - 1
    return [
        {
            **{k: v for k, v in payload.items() if k != "reply_markup" or index == last},
            key: piece,
        }
        for index, piece in enumerate(pieces)
    ]


_DROP_PENDING = (
    update(OutboxRow)
    .where(
        OutboxRow.dedup_key.in_(bindparam("keys", expanding=True)),
        OutboxRow.status == PENDING,
    )
    .values(status=DROPPED)
)


async def drop_pending(uow: UnitOfWork, *, dedup_keys: Sequence[str]) -> int:
    """Mark the still pending rows with these dedup keys dropped (reminders of something
    called off), with the further parts of a long one, in the caller's transaction; returns
    how many. A row the sender has already loaded may still go out: delivery is at least
    once."""
    if not dedup_keys:
        return 0
    # Further parts by their keys (an indexed IN rather than a LIKE over pending rows).
    keys = [
        *dedup_keys,
        *(f"{key}#{part}" for key in dedup_keys for part in range(2, _PARTS_DROPPED + 1)),
    ]
    result = await uow.session.execute(_DROP_PENDING, {"keys": keys})
    uow.mark_written()
    return int(getattr(result, "rowcount", 0) or 0)


# Due rows in the order `urgent DESC, id`, a page at a time after a keyset cursor: the
# (urgent, id) of the last row of the previous page; (True, 0) comes before every row. A
# round takes the first `per_chat` due rows of every chat, so a chat with a long backlog
# fills no more of a page than any other: a row is left out when its chat has `per_chat`
# due rows before it (counted over all due rows, not only after the cursor, so a page never
# starts a chat anew). Each page is a range scan of the index on (status, urgent, id) and,
# per row, a probe of at most `per_chat` entries of the index on (chat_id, status, urgent,
# id): its cost does not grow with the backlog. (Ranking every due row within its chat with
# a window function for each page did: 264 ms a page at 100 000 rows on SQLite.)
_EARLIER = aliased(OutboxRow, name="earlier")


@lru_cache(maxsize=4)
def _due_query(*, of_chat: bool) -> Any:
    now: Any = bindparam("now")
    crowded = (
        select(_EARLIER.id)
        .where(
            _EARLIER.chat_id == OutboxRow.chat_id,
            _EARLIER.status == PENDING,
            or_(
                _EARLIER.urgent > OutboxRow.urgent,
                and_(_EARLIER.urgent == OutboxRow.urgent, _EARLIER.id < OutboxRow.id),
            ),
            _EARLIER.not_before <= now,
        )
        .limit(1)
        .offset(bindparam("crowd", type_=Integer))
    )
    where = [
        OutboxRow.status == PENDING,
        OutboxRow.urgent == bindparam("urgent", type_=Boolean),
        OutboxRow.id > bindparam("after_id", type_=Integer),
        OutboxRow.not_before <= now,
        ~crowded.exists(),
    ]
    if of_chat:
        where.append(OutboxRow.chat_id == bindparam("only_chat"))
    return (
        select(
            OutboxRow.id,
            OutboxRow.chat_id,
            OutboxRow.method,
            OutboxRow.payload,
            OutboxRow.attempts,
            OutboxRow.urgent,
            OutboxRow.appeal_id,
            OutboxRow.purpose,
            OutboxRow.created_at,
        )
        .where(*where)
        .order_by(OutboxRow.id)
        .limit(bindparam("batch", type_=Integer))
    )


_STORE_OUTCOME = (
    update(OutboxRow)
    .where(OutboxRow.id == bindparam("row_id"))
    .values(
        status=bindparam("new_status"),
        attempts=bindparam("new_attempts"),
        not_before=bindparam("new_not_before"),
        last_error=bindparam("new_error"),
        sent_at=bindparam("new_sent_at"),
        telegram_message_id=bindparam("new_message_id"),
    )
)


@dataclass(frozen=True, slots=True)
class DueRow:
    """A pending row whose time has come, as the sender loads it."""

    id: int
    chat_id: int
    method: str
    payload: dict[str, Any]
    attempts: int
    urgent: bool
    appeal_id: int | None = None
    purpose: str | None = None
    created_at: datetime | None = None


async def load_due(
    uow: UnitOfWork,
    *,
    after: tuple[bool, int],
    now: datetime,
    per_chat: int,
    batch: int,
    only_chat: int | None = None,
) -> list[DueRow]:
    """A page of at most `batch` due rows after the cursor `after` (see `_due_query`)."""
    query = _due_query(of_chat=only_chat is not None)
    parameters: dict[str, Any] = {"now": now, "crowd": per_chat - 1}
    if only_chat is not None:
        parameters["only_chat"] = only_chat
    rows: list[DueRow] = []
    urgent, after_id = after
    # Urgent rows first, then the rest: each part is one range of the index.
    for part in (True, False) if urgent else (False,):
        parameters["urgent"] = part
        parameters["after_id"] = after_id if part == urgent else 0
        parameters["batch"] = batch - len(rows)
        result = await uow.session.execute(query, parameters)
        rows.extend(DueRow(*row) for row in result.all())
        if len(rows) >= batch:
            break
    return rows


async def store_outcomes(uow: UnitOfWork, outcomes: Sequence[dict[str, Any]]) -> None:
    """Write the sender's outcomes (`row_id`, `new_status`, `new_attempts`, ...), committed
    without waiting for a WAL flush: they only narrow the at-least-once window."""
    await skip_flush_wait(uow)
    await uow.session.execute(_STORE_OUTCOME, list(outcomes))
    uow.mark_written()


class SqlOutbox:
    """The `Outbox` port (services/ports.py) over the caller's unit of work: rows are written
    with its commit, after which the sender is woken (if `wake` is given)."""

    def __init__(
        self, uow: UnitOfWork, *, clock: Clock, wake: Callable[[], None] | None = None
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._wake = wake

    def enqueue(
        self,
        *,
        chat_id: int,
        method: str,
        payload: dict[str, Any],
        dedup_key: str | None = None,
        not_before: datetime | None = None,
        urgent: bool = False,
        notice_id: int | None = None,
        appeal_id: int | None = None,
        purpose: str | None = None,
    ) -> None:
        enqueue(
            self._uow,
            chat_id=chat_id,
            method=method,
            payload=payload,
            now=self._clock.now(),
            dedup_key=dedup_key,
            not_before=not_before,
            urgent=urgent,
            notice_id=notice_id,
            appeal_id=appeal_id,
            purpose=purpose,
        )
        if self._wake is not None:
            self._uow.after_commit(self._wake)

    async def drop_pending(self, dedup_keys: Sequence[str]) -> int:
        return await drop_pending(self._uow, dedup_keys=dedup_keys)
