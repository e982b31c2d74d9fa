"""The outbox's own Bot API call for a built-in method: aiogram builds the request and
raises its errors, but a success is read for its message id alone.

`bot(method)` validates every answer into aiogram's models (a whole `Message` with its
chat, sender and entities, through pydantic): about 0.25 ms of CPU a message, a fifth of
what a send costs at 30 a second (docs/performance-scale.md), for a result of which the
outbox keeps only `message_id`. Here the request goes through the bot's session exactly as
`bot(method)` sends it (its request middlewares, its form building with the bot's defaults,
its timeout), and only an answer that is not a plain success — an error, a 429, anything
unexpected — is handed to aiogram's own `check_response`, so the exceptions the sender
classifies (notifier/send_errors.py) are the ones `bot(method)` raises. A session of
another kind (a test's, a proxy's) is called as `bot(method)`.
"""

from __future__ import annotations

from functools import partial
from typing import Any, cast

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import TelegramMethod
from aiohttp import ClientError, ClientTimeout

from notifier.outbox_calls import message_id


async def send_for_id(bot: Bot, method: TelegramMethod[Any]) -> int | None:
    """Make the call; the id of the message it created or edited (None for a plain True).
    Raises what `bot(method)` raises for the same answer."""
    session = bot.session
    if type(session) is not AiohttpSession:  # a subclass may send otherwise
        return message_id(await bot(method))
    call = session.middleware.wrap_middlewares(cast(Any, partial(_request, session)))
    return cast(int | None, await call(bot, method))


async def _request(session: AiohttpSession, bot: Bot, method: TelegramMethod[Any]) -> int | None:
    """`AiohttpSession.make_request`, reading a success for its message id only."""
    client = await session.create_session()
    url = session.api.api_url(token=bot.token, method=method.__api_method__)
    form = session.build_form_data(bot=bot, method=method)
    try:
        timeout = ClientTimeout(total=session.timeout)
        async with client.post(url, data=form, timeout=timeout) as response:
            content = await response.text()
            status = response.status
    except TimeoutError as exc:
        raise TelegramNetworkError(method=method, message="Request timeout error") from exc
    except ClientError as exc:
        raise TelegramNetworkError(method=method, message=f"{type(exc).__name__}: {exc}") from exc
    if status == 200:
        answer = _json(session, content)
        if isinstance(answer, dict) and answer.get("ok") is True and "result" in answer:
            result = answer["result"]
            found = result.get("message_id") if isinstance(result, dict) else None
            return found if type(found) is int else None
    # An error or an answer of an unexpected shape: aiogram's check raises what it means.
    checked = session.check_response(bot=bot, method=method, status_code=status, content=content)
    return message_id(checked.result)


def _json(session: AiohttpSession, content: str) -> Any:
    try:
        return session.json_loads(content)
    except Exception:  # any decoder's error
        return None  # check_response raises aiogram's decode error for it
