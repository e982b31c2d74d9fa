"""Process-level tuning of the running bot."""

from __future__ import annotations

import gc


def freeze_startup_objects() -> None:
    """Move everything made at start-up (aiogram's ~230 000 model objects, the texts, the
    content) out of the garbage collector's reach: a full collection over them takes about
    160 ms, a stall that bunches the sends behind it past Telegram's 30 a second, and costs
    CPU for objects that live as long as the process anyway."""
    gc.collect()
    gc.freeze()


def freeze_parsed_import() -> None:
    """A registry import keeps the parsed file (about a million objects for 300 000 rows) for
    its whole run. A full collection over them took 0.4–0.65 s, and one that fell inside a
    transaction held SQLite's write lock — and with it the bot's writes — that long
    (bench/import_while_serving.py). Frozen once parsed, they are not scanned again."""
    gc.collect()
    gc.freeze()
