"""A fake Bot API over real HTTP on 127.0.0.1, for broadcast tests and the bench.

    api = FakeBotApi(rate=1000, latency=0.01)
    url = await api.start()                    # http://127.0.0.1:<port>
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(url)))
    ...
    await api.close()

It answers `getMe` and `sendMessage` like Telegram (`{"ok": true, "result": Message}`);
anything else is a 404 with `ok: false`. Each answer comes `latency` seconds after the
request arrived. Limits, by the time a request arrives:
- `rate` (messages a second, None for no limit): more than `rate` accepted messages in any
  window shorter than a second is refused with a 429 whose `parameters.retry_after` is the
  seconds (rounded up) until it would have been allowed;
- `inject_429_every` (0: never): every n-th sendMessage is refused with a 429 asking to
  wait `retry_after` seconds.
A 429 announces a pause: it starts when the answer is written (after `latency`: before
that the bot cannot know) and lasts `retry_after` seconds (`pauses`). A request that arrives
during a pause is refused with a 429 as well and kept in `attempts_in_pause`.

Every accepted message is kept in `accepted` (chat id, text, time.monotonic() at arrival)
and, if `record_file` is given, appended to it as a line `chat_id<TAB>text` (the text's
line breaks as spaces; flushed at
once). A message counts as delivered when it arrives, before its answer: a sender killed
while waiting for the answer has delivered it without knowing, as with Telegram.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections import Counter, deque
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from aiohttp import web

BOT_ID = 42
TOKEN = f"{BOT_ID}:TEST"


@dataclass(frozen=True, slots=True)
class Accepted:
    chat_id: int
    text: str
    at: float


@dataclass(frozen=True, slots=True)
class Pause:
    start: float  # when the 429 was answered
    end: float
    retry_after: int
    injected: bool


@dataclass(frozen=True, slots=True)
class Attempt:
    """A sendMessage request, when it arrived."""

    chat_id: int
    at: float


class FakeBotApi:
    def __init__(
        self,
        *,
        rate: float | None = 30.0,
        latency: float = 0.05,
        inject_429_every: int = 0,
        retry_after: int = 1,
        record_file: Path | None = None,
    ) -> None:
        self.rate = rate
        self.latency = latency
        self.inject_429_every = inject_429_every
        self.retry_after = retry_after
        self.accepted: list[Accepted] = []
        self.attempts: list[Attempt] = []
        self.pauses: list[Pause] = []
        self.attempts_in_pause: list[Attempt] = []
        self.rate_429 = 0  # refused for going over `rate`
        self.injected_429 = 0
        self._paused_until = 0.0
        self._window: deque[float] = deque(maxlen=max(1, int(rate)) if rate else 1)
        self._count = 0
        self._message_ids: Counter[int] = Counter()
        self._record_file = record_file
        self._record: IO[str] | None = None
        self._runner: web.AppRunner | None = None

    async def start(self) -> str:
        """Start serving; returns the base URL."""
        if self._record_file is not None:
            self._record = self._record_file.open("a", encoding="utf-8")
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        return f"http://127.0.0.1:{port}"

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._record is not None:
            self._record.close()
            self._record = None

    def chats(self) -> Counter[int]:
        """Messages accepted per chat."""
        return Counter(message.chat_id for message in self.accepted)

    # -- the server -------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"].lower()
        form = await request.post()
        if method == "getme":
            user = {"id": BOT_ID, "is_bot": True, "first_name": "Reception", "username": "bot"}
            return _answer({"ok": True, "result": user})
        if method != "sendmessage":
            body = {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
            return _answer(body, 404)
        arrived = time.monotonic()
        chat_id = int(str(form["chat_id"]))
        text = str(form.get("text", ""))
        attempt = Attempt(chat_id, arrived)
        self.attempts.append(attempt)
        self._count += 1
        if arrived < self._paused_until:
            self.attempts_in_pause.append(attempt)
            return await self._too_many(math.ceil(self._paused_until - arrived), injected=False)
        if self.inject_429_every and self._count % self.inject_429_every == 0:
            self.injected_429 += 1
            return await self._too_many(self.retry_after, injected=True)
        if self.rate is not None:
            if len(self._window) == self._window.maxlen and arrived - self._window[0] < 1.0:
                self.rate_429 += 1
                wait = max(1, math.ceil(self._window[0] + 1.0 - arrived))
                return await self._too_many(wait, injected=False)
            self._window.append(arrived)
        self.accepted.append(Accepted(chat_id, text, arrived))
        if self._record is not None:
            flat = text.replace("\n", " ")
            self._record.write(f"{chat_id}\t{flat}\n")
            self._record.flush()
        self._message_ids[chat_id] += 1
        if self.latency:
            await asyncio.sleep(self.latency)
        message = {
            "message_id": self._message_ids[chat_id],
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
            "text": text,
        }
        return _answer({"ok": True, "result": message})

    async def _too_many(self, retry_after: int, *, injected: bool) -> web.Response:
        if self.latency:
            await asyncio.sleep(self.latency)
        start = time.monotonic()
        self.pauses.append(Pause(start, start + retry_after, retry_after, injected))
        self._paused_until = max(self._paused_until, start + retry_after)
        body = {
            "ok": False,
            "error_code": 429,
            "description": f"Too Many Requests: retry after {retry_after}",
            "parameters": {"retry_after": retry_after},
        }
        return _answer(body, 429)


def _answer(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.Response(text=json.dumps(body), status=status, content_type="application/json")
