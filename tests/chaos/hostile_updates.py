"""The updates a hostile run builds besides the harness's (tests/chaos/hostile.py): edits, a
blocked bot, replies in a card's thread; and how an update and its answers are told apart."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime
from typing import Any

from aiogram.types import (
    ChatMemberBanned,
    ChatMemberMember,
    ChatMemberUpdated,
    Message,
    Update,
    User,
)

from tests.chaos.session import Attempt
from tests.harness import TOKEN, Person

_update_ids = itertools.count(900_000_000)


def next_update_id() -> int:
    return next(_update_ids)


def thread_fields(card: Message) -> dict[str, Any]:
    fields: dict[str, Any] = {"reply_to_message": card}
    if card.message_thread_id is not None:
        fields.update(message_thread_id=card.message_thread_id, is_topic_message=True)
    return fields


def edited_update(person: Person, text: str) -> Update:
    original = person.message_update(text)
    assert original.message is not None
    edited = original.message.model_copy(update={"edit_date": int(time.time())})
    return Update(update_id=next_update_id(), edited_message=edited)


def blocked_update(person: Person) -> Update:
    bot_user = User(id=int(TOKEN.split(":")[0]), is_bot=True, first_name="Reception")
    return Update(
        update_id=next_update_id(),
        my_chat_member=ChatMemberUpdated(
            chat=person.chat,
            from_user=person.user,
            date=datetime.now(UTC),
            old_chat_member=ChatMemberMember(user=bot_user),
            new_chat_member=ChatMemberBanned(
                user=bot_user, until_date=datetime.fromtimestamp(0, tz=UTC)
            ),
        ),
    )


def chat_id_of(update: Update) -> int | None:
    if update.message is not None:
        return update.message.chat.id
    query = update.callback_query
    if query is not None and query.message is not None:
        return query.message.chat.id
    return None


def answered_by(update: Update, person: Person, made: list[Attempt]) -> bool:
    query = update.callback_query
    if query is not None:
        return any(attempt.answers_callback(query.id) for attempt in made)
    message = update.message
    assert message is not None
    return any(attempt.is_reply and attempt.chat_id == message.chat.id for attempt in made)


def describe_update(update: Update) -> str:
    if update.callback_query is not None:
        return f"callback {update.callback_query.data!r}"
    message = update.message
    if message is None:
        return "other update"
    if message.text is not None:
        return f"text {message.text[:60]!r} ({len(message.text)} characters)"
    media = next(
        (
            name
            for name in (
                "photo",
                "document",
                "voice",
                "video",
                "sticker",
                "location",
                "contact",
                "animation",
                "video_note",
                "poll",
                "dice",
                "audio",
                "venue",
            )
            if getattr(message, name) is not None
        ),
        "message",
    )
    return f"{media} (caption {len(message.caption or '')} characters)"
