"""Where an export's file goes: standard output, or a file with one line on stderr saying how
many rows went where (or why it could not be written)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from core.texts import Texts


async def write_export(
    data: bytes, output: Path | None, texts: Texts, *, done: str, failed: str, **values: Any
) -> int:
    """`data` to `output` (standard output without one); `done` and `failed` are the text keys
    told on stderr, with `values` (and `path`, `problem`). The exit code."""
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return 0
    try:
        await asyncio.to_thread(output.write_bytes, data)
    except OSError as error:
        print(texts.plain(failed, path=str(output), problem=error.strerror or ""), file=sys.stderr)
        return 1
    print(texts.plain(done, path=str(output), **values), file=sys.stderr)
    return 0
