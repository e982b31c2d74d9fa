"""notifier/lean_send.py: the outbox's own call reads a success for its message id only and
raises, for any other answer, exactly what `bot(method)` raises (the fake Bot API on
loopback, tests/notifier/fake_bot_api.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
)
from aiogram.methods import EditMessageText, SendMessage, TelegramMethod
from aiogram.methods.base import Response, TelegramType

from notifier.lean_send import send_for_id
from tests.notifier.fake_bot_api import TOKEN, FakeBotApi


class Counting(BaseRequestMiddleware):
    def __init__(self) -> None:
        self.methods: list[str] = []

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        self.methods.append(method.__api_method__)
        return await make_request(bot, method)


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    fake = FakeBotApi(rate=None, latency=0)
    await fake.start()
    yield fake
    await fake.close()


async def _bot(api: FakeBotApi) -> Bot:
    url = f"http://127.0.0.1:{api._runner.addresses[0][1]}"  # type: ignore[union-attr]
    return Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(url)))


async def test_a_success_gives_the_message_id_through_the_middlewares(api: FakeBotApi) -> None:
    bot = await _bot(api)
    counting = Counting()
    bot.session.middleware(counting)
    try:
        first = await send_for_id(bot, SendMessage(chat_id=501, text="раз"))
        second = await send_for_id(bot, SendMessage(chat_id=501, text="два"))
    finally:
        await bot.session.close()
    assert (first, second) == (1, 2)
    assert counting.methods == ["sendMessage", "sendMessage"]
    assert [(m.chat_id, m.text) for m in api.accepted] == [(501, "раз"), (501, "два")]


async def _raised(call: Any) -> BaseException:
    with pytest.raises(TelegramAPIError) as caught:
        await call
    return caught.value


@pytest.mark.parametrize("case", ["429", "unknown method"])
async def test_an_error_raises_what_bot_call_raises(api: FakeBotApi, case: str) -> None:
    bot = await _bot(api)
    method: TelegramMethod[Any]
    if case == "429":
        api.inject_429_every = 1
        api.retry_after = 3
        method = SendMessage(chat_id=502, text="x")
    else:
        method = EditMessageText(chat_id=502, message_id=1, text="x")
    try:
        lean = await _raised(send_for_id(bot, method))
        api._paused_until = 0.0  # the first 429 paused the fake
        plain = await _raised(bot(method))
    finally:
        await bot.session.close()
    assert type(lean) is type(plain)
    assert str(lean) == str(plain)
    if case == "429":
        assert isinstance(lean, TelegramRetryAfter) and lean.retry_after == 3
    else:
        assert isinstance(lean, TelegramNotFound)
    assert api.accepted == []


async def test_no_server_is_a_network_error() -> None:
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base("http://127.0.0.1:9")))
    try:
        with pytest.raises(TelegramNetworkError):
            await send_for_id(bot, SendMessage(chat_id=503, text="x"))
    finally:
        await bot.session.close()
