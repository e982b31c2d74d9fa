"""What an attacker or a clumsy person sends, generated from a seeded `random.Random`: the
same seed gives the same inputs.

- `text()`: up to 10 000 characters of Cyrillic, Latin, digits, emoji (with ZWJ sequences
  and flags), HTML-like pieces (`<b>`, `</i>`, `<a href=...>`, `&`, `&amp;`, `<`), zero-width
  and direction marks, combining marks, line breaks — or an input that nearly fits a step
  (numbers, phones, e-mails, dates, names, account numbers, menu labels);
- `command()`: every command of the bot (private chat and staff chat) with odd arguments;
- `media()`: the fields of a message with any media type (photo, document, voice, video,
  sticker, location, contact, animation, video note, poll, dice, audio, venue), with odd
  file names, sizes and captions, sometimes as part of an album;
- `mutate(data)`: a real button's data with one value replaced by a wrong one;
- `callback_data()`: the prefixes of every `CallbackData` class of the bot with empty, huge,
  negative, malformed and unknown values, foreign prefixes, and 64 bytes of garbage (never
  more than the 64 bytes Telegram carries).
"""

from __future__ import annotations

import random
import string
from collections.abc import Sequence
from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    Animation,
    Audio,
    Contact,
    Dice,
    Document,
    Location,
    PhotoSize,
    Poll,
    PollOption,
    Sticker,
    Venue,
    Video,
    VideoNote,
    Voice,
)

from tests.chaos.hostile_values import (
    CALLBACK_DATA_MAX_BYTES,
    COMBINING,
    CYRILLIC,
    EMOJI,
    FILE_NAMES,
    FILE_SIZES,
    FOREIGN_PREFIXES,
    INVISIBLE,
    KNOWN_WORDS,
    LENGTH_WEIGHTS,
    LENGTHS,
    MARKUP,
    MEDIA_KINDS,
    MIME_TYPES,
    NEAR_VALID,
    ODD_ARGUMENTS,
    ODD_VALUES,
    SPACES,
)


def callback_prefixes() -> dict[str, list[str]]:
    """Every CallbackData class the bot defines (its modules imported first): prefix → field
    names, so a new class is covered without touching this file."""
    # Imported for their CallbackData classes.
    import dialogs.account.router
    import dialogs.appeal.router
    import dialogs.booking.keyboards
    import dialogs.readings.router  # noqa: F401
    import handlers.info
    import handlers.my_appeals
    import handlers.mydata
    import handlers.settings
    import handlers.staff
    import handlers.staff_notices
    import handlers.start  # noqa: F401
    import notifier.staff_render  # noqa: F401

    found: dict[str, list[str]] = {}
    pending: list[type[CallbackData]] = list(CallbackData.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        prefix = getattr(cls, "__prefix__", None)
        if isinstance(prefix, str):
            found[prefix] = list(cls.model_fields)
    return dict(sorted(found.items()))


def _fit_bytes(text: str, limit: int = CALLBACK_DATA_MAX_BYTES) -> str:
    """Cut to at most `limit` bytes of UTF-8 without splitting a character."""
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[:limit].decode("utf-8", errors="ignore")


class HostileInputs:
    def __init__(self, rng: random.Random, prefixes: dict[str, list[str]] | None = None) -> None:
        self.rng = rng
        self.prefixes = prefixes if prefixes is not None else callback_prefixes()
        self.known_ids: list[int] = []
        self._files = 0

    # -- texts ---------------------------------------------------------------------------------
    def length(self) -> int:
        low, high = self.rng.choices(LENGTHS, weights=LENGTH_WEIGHTS)[0]
        return self.rng.randint(low, high)

    def text(self, length: int | None = None) -> str:
        """A hostile text; with `length` exactly that many characters (code points)."""
        rng = self.rng
        if length is None and rng.random() < 0.3:
            return rng.choice(NEAR_VALID)
        target = self.length() if length is None else length
        pieces: list[str] = []
        size = 0
        while size < target:
            roll = rng.random()
            if roll < 0.35:
                piece = "".join(rng.choices(CYRILLIC, k=rng.randint(1, 12)))
            elif roll < 0.45:
                piece = "".join(rng.choices(string.ascii_letters + string.digits, k=6))
            elif roll < 0.55:
                piece = rng.choice(EMOJI)
            elif roll < 0.67:
                piece = rng.choice(MARKUP)
            elif roll < 0.74:
                piece = rng.choice(INVISIBLE)
            elif roll < 0.77:
                piece = "a" + rng.choice(COMBINING)
            elif roll < 0.80:
                piece = rng.choice(NEAR_VALID)
            else:
                piece = rng.choice(SPACES)
            pieces.append(piece)
            size += len(piece)
        text = "".join(pieces)[:target]
        # Telegram never delivers a text that is only white space: keep one visible character.
        if not text.strip():
            text = text[:-1] + "ж" if text else "ж"
        return text

    def command(self, names: Sequence[str]) -> str:
        rng = self.rng
        name = rng.choice(names)
        roll = rng.random()
        if roll < 0.1:
            name = f"{name}@some_other_bot"
        elif roll < 0.15:
            name = name.upper()
        argument = rng.choice(ODD_ARGUMENTS) if rng.random() < 0.7 else self.text()
        text = f"/{name} {argument}" if argument else f"/{name}"
        return text[:10_000]

    # -- media ---------------------------------------------------------------------------------
    def file_id(self, kind: str) -> str:
        self._files += 1
        return f"chaos-{kind}-{self._files}"

    def caption(self) -> str | None:
        roll = self.rng.random()
        if roll < 0.5:
            return None
        if roll < 0.6:
            return "!" + self.text()
        if roll < 0.65:
            return self.rng.choice(["/import debts", "/import outages", "/import tariffs"])
        return self.text()

    def media(self, kind: str | None = None) -> tuple[str, dict[str, Any]]:
        """(kind, the Message fields) of one media message (of `kind`, else any)."""
        rng = self.rng
        kind = kind or rng.choice(MEDIA_KINDS)
        fields: dict[str, Any] = {}
        file_id = self.file_id(kind)
        unique = f"{file_id}-u"
        size = rng.choice(FILE_SIZES)
        if kind == "photo":
            fields["photo"] = [
                PhotoSize(
                    file_id=f"{file_id}-s", file_unique_id=f"{unique}s", width=90, height=90
                ),
                PhotoSize(
                    file_id=file_id,
                    file_unique_id=unique,
                    width=1280,
                    height=960,
                    file_size=size,
                ),
            ]
        elif kind == "document":
            fields["document"] = Document(
                file_id=file_id,
                file_unique_id=unique,
                file_name=rng.choice(FILE_NAMES) or None,
                mime_type=rng.choice(MIME_TYPES) or None,
                file_size=size,
            )
        elif kind == "voice":
            fields["voice"] = Voice(
                file_id=file_id,
                file_unique_id=unique,
                duration=rng.choice([0, 1, 59, 3600, 86_400]),
                mime_type="audio/ogg",
                file_size=size,
            )
        elif kind == "video":
            fields["video"] = Video(
                file_id=file_id, file_unique_id=unique, width=640, height=480, duration=5
            )
        elif kind == "sticker":
            fields["sticker"] = Sticker(
                file_id=file_id,
                file_unique_id=unique,
                type="regular",
                width=512,
                height=512,
                is_animated=False,
                is_video=False,
                emoji=rng.choice(EMOJI),
            )
        elif kind == "location":
            fields["location"] = Location(
                latitude=rng.uniform(-90, 90), longitude=rng.uniform(-180, 180)
            )
        elif kind == "contact":
            fields["contact"] = Contact(
                phone_number=rng.choice(["+79200000001", "", "x" * 40, "+1"]),
                first_name=self.text(rng.randint(1, 64)),
                user_id=rng.choice([None, 7_000_001, 9_999_999]),
            )
        elif kind == "animation":
            animation = Animation(
                file_id=file_id,
                file_unique_id=unique,
                width=320,
                height=240,
                duration=3,
                file_name="anim.mp4",
                mime_type="video/mp4",
            )
            # Telegram sends an animation as a document too.
            fields["animation"] = animation
            fields["document"] = Document(
                file_id=file_id, file_unique_id=unique, file_name="anim.mp4", mime_type="video/mp4"
            )
        elif kind == "video_note":
            fields["video_note"] = VideoNote(
                file_id=file_id, file_unique_id=unique, length=240, duration=10
            )
        elif kind == "poll":
            fields["poll"] = Poll(
                id=file_id,
                question=self.text(rng.randint(1, 300)),
                options=[
                    PollOption(
                        persistent_id=f"{file_id}-{index}",
                        text=self.text(rng.randint(1, 100)),
                        voter_count=0,
                    )
                    for index in range(rng.randint(2, 4))
                ],
                total_voter_count=0,
                is_closed=False,
                is_anonymous=True,
                type="regular",
                allows_multiple_answers=False,
                allows_revoting=False,
                members_only=False,
            )
        elif kind == "dice":
            fields["dice"] = Dice(emoji=rng.choice(["🎲", "🎯", "🏀"]), value=rng.randint(1, 6))
        elif kind == "audio":
            fields["audio"] = Audio(
                file_id=file_id, file_unique_id=unique, duration=120, file_size=size
            )
        else:
            location = Location(latitude=55.3, longitude=42.2)
            fields["venue"] = Venue(
                location=location, title=self.text(rng.randint(1, 100)), address="ул. Ленина"
            )
            fields["location"] = location
        if kind in {"photo", "document", "video", "animation", "audio", "voice"}:
            caption = self.caption()
            if caption is not None:
                fields["caption"] = caption
        return kind, fields

    # -- callback data -------------------------------------------------------------------------
    def value(self) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.35:
            return rng.choice(KNOWN_WORDS)
        if roll < 0.75:
            return rng.choice(ODD_VALUES)
        if roll < 0.9 and self.known_ids:
            return str(rng.choice(self.known_ids))
        return self.text(rng.randint(1, 20))

    def mutate(self, data: str) -> str:
        """A real button's data with one of its values (or the prefix) replaced."""
        parts = data.split(":")
        index = self.rng.randrange(len(parts)) if self.rng.random() < 0.15 else None
        if index is None:
            index = self.rng.randrange(1, len(parts)) if len(parts) > 1 else 0
        parts[index] = self.value() if index else self.rng.choice(list(self.prefixes) or ["x"])
        return _fit_bytes(":".join(parts)) or ":"

    def callback_data(self) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.75 and self.prefixes:
            prefix = rng.choice(list(self.prefixes))
            count = len(self.prefixes[prefix])
            # Usually the right number of parts, sometimes fewer or more.
            parts = max(0, count + rng.choice([0, 0, 0, 0, -1, 1, 2, -count]))
            data = ":".join([prefix, *(self.value() for _ in range(parts))])
        elif roll < 0.87:
            data = ":".join([rng.choice(FOREIGN_PREFIXES), self.value()])
        else:
            data = "".join(
                rng.choice(string.printable + CYRILLIC + "".join(EMOJI) + ":") for _ in range(64)
            )
        data = _fit_bytes(data)
        return data or ":"
