"""The Dispatcher, with a cheaper walk of the router tree.

aiogram propagates an event router by router through `Router.propagate_event`, which at
every router wraps the next step in that router's outer middlewares — a closure, a
`functools.wraps` and a `partial` per router, even when it has none. Our tree has no outer
middleware below the Dispatcher's update observer (they are all on `dispatcher.update`), and
an update passes six routers on average: the wrapping measured about a twentieth of the
stack's CPU per update in bench/throughput.py.

`Dispatcher.propagate_event` here walks the tree itself, with aiogram's semantics kept
step for step (`Router._propagate_event`, aiogram 3.x): at each router the root filters,
then its handlers (`observer.trigger`, which applies the inner middlewares), then its
sub-routers in order until one handles the event; each router sees its own copy of the
context with `event_router` set to it. A router whose observer does have outer middlewares
is entered through aiogram's own `propagate_event`, so they run as before.

Two more things aiogram redoes for every event are done once here:
- a handler's filters are first asked `decide(event, data)` (handlers/filters.py; aiogram's
  `StateFilter` and `CallbackData` filters are decided here): an update passes ~14 handler
  checks, and most of them refuse it without needing a coroutine. Where a filter cannot
  decide (None), the handler's own `check` runs, from its first filter — filters are pure,
  so asking twice changes nothing;
- the update's chain of outer middlewares (errors, user context, caches, dialog state, unit
  of work) is built once, not at every `feed_update`; likewise
- the chain of inner middlewares around a handler (`_resolve_middlewares` walks up the
  router tree, `wrap_middlewares` builds a `functools.wraps` and a `partial` per middleware)
  is built once per handler: the tree and its middlewares are fixed before the first update.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from inspect import isclass
from typing import Any

from aiogram import Bot, Router, loggers
from aiogram import Dispatcher as AiogramDispatcher
from aiogram.dispatcher.event.bases import REJECTED, UNHANDLED, SkipHandler
from aiogram.dispatcher.event.handler import FilterObject, HandlerObject
from aiogram.dispatcher.event.telegram import TelegramEventObserver
from aiogram.filters import StateFilter
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, TelegramObject, Update

Decide = Callable[[TelegramObject, dict[str, Any]], bool | None]
_PLAN = "_reception_plan"
_CHAIN = "_reception_chain"


class Dispatcher(AiogramDispatcher):
    _update_chain: Callable[[TelegramObject, dict[str, Any]], Any] | None = None

    async def feed_update(self, bot: Bot, update: Update, **kwargs: Any) -> Any:
        """aiogram's `Dispatcher.feed_update` (3.x) step for step, with the update observer's
        outer-middleware chain built at the first update rather than at each one (they are
        all registered before the bot starts: bot/factory.py)."""
        loop = asyncio.get_running_loop()
        handled = False
        start_time = loop.time()
        if update.bot != bot:
            # Re-mounted on this bot, as aiogram does (its shortcuts need the bot).
            update = Update.model_validate(update.model_dump(), context={"bot": bot})
        chain = self._update_chain
        if chain is None:
            chain = self._update_chain = self.update.middleware.wrap_middlewares(
                self.update.outer_middleware, self._trigger_update
            )
        try:
            response = await chain(
                update, {"dispatcher": self, **self.workflow_data, **kwargs, "bot": bot}
            )
            handled = response is not UNHANDLED
            return response
        finally:
            duration = (loop.time() - start_time) * 1000
            loggers.event.info(
                "Update id=%s is %s. Duration %d ms by bot id=%d",
                update.update_id,
                "handled" if handled else "not handled",
                duration,
                bot.id,
            )

    async def _trigger_update(self, event: TelegramObject, **kwargs: Any) -> Any:
        return await _trigger(self.update, event, kwargs)

    async def propagate_event(self, update_type: str, event: TelegramObject, **kwargs: Any) -> Any:
        observer = self.observers.get(update_type)
        if observer is not None and len(observer.outer_middleware):
            return await super().propagate_event(update_type, event, **kwargs)
        kwargs["event_router"] = self
        return await _walk(self, observer, update_type, event, kwargs)


async def _walk(
    router: Router,
    observer: TelegramEventObserver | None,
    update_type: str,
    event: TelegramObject,
    kwargs: dict[str, Any],
) -> Any:
    """`Router._propagate_event` of aiogram, recursing without the outer-middleware wrap."""
    if observer is not None:
        root = observer._handler  # what `check_root_filters` checks
        if root.filters:
            result, data = await _check(root, event, kwargs)
            if not result:
                return UNHANDLED
            kwargs.update(data)
        if observer.handlers:
            response = await _trigger(observer, event, dict(kwargs))
            if response is REJECTED:
                return UNHANDLED
            if response is not UNHANDLED:
                return response
    for sub_router in router.sub_routers:
        sub_observer = sub_router.observers.get(update_type)
        if sub_observer is not None and len(sub_observer.outer_middleware):
            response = await sub_router.propagate_event(
                update_type=update_type, event=event, **kwargs
            )
        else:
            response = await _walk(
                sub_router,
                sub_observer,
                update_type,
                event,
                {**kwargs, "event_router": sub_router},
            )
        if response is not UNHANDLED:
            return response
    return UNHANDLED


async def _trigger(
    observer: TelegramEventObserver, event: TelegramObject, kwargs: dict[str, Any]
) -> Any:
    """`TelegramEventObserver.trigger`, with the decisions and the middleware chain above."""
    for handler in observer.handlers:
        kwargs["handler"] = handler
        result, data = await _check(handler, event, kwargs)
        if result:
            kwargs.update(data)
            chain = handler.__dict__.get(_CHAIN)
            if chain is None:
                chain = observer.outer_middleware.wrap_middlewares(
                    observer._resolve_middlewares(), handler.call
                )
                handler.__dict__[_CHAIN] = chain
            try:
                return await chain(event, kwargs)
            except SkipHandler:
                continue
    return UNHANDLED


async def _check(
    handler: HandlerObject, event: TelegramObject, kwargs: dict[str, Any]
) -> tuple[bool, dict[str, Any]]:
    """`HandlerObject.check`: the filters' own decisions where they give one."""
    plan: tuple[Decide | None, ...] | None = handler.__dict__.get(_PLAN)
    if plan is None:
        plan = tuple(_decider(f) for f in handler.filters or ())
        handler.__dict__[_PLAN] = plan
    for decide in plan:
        if decide is None:
            break
        verdict = decide(event, kwargs)
        if verdict is None:
            break
        if not verdict:
            return False, kwargs
    else:
        return True, kwargs
    return await handler.check(event, **kwargs)


def _decider(filter_object: FilterObject) -> Decide | None:
    if filter_object.magic is not None:
        return None
    callback = filter_object.callback
    decide = getattr(callback, "decide", None)
    if callable(decide):
        return decide  # type: ignore[no-any-return]
    if isinstance(callback, StateFilter):
        return _StateDecision(callback).decide
    if isinstance(callback, CallbackQueryFilter):
        return _PrefixDecision(callback).decide
    return None


class _StateDecision:
    """aiogram's `StateFilter.__call__`, synchronous (it awaits nothing)."""

    def __init__(self, state_filter: StateFilter) -> None:
        self._states = state_filter.states

    def decide(self, event: TelegramObject, data: dict[str, Any]) -> bool | None:
        if "raw_state" not in data:
            return None
        raw_state = data["raw_state"]
        for allowed in self._states:
            if isinstance(allowed, str) or allowed is None:
                if allowed in {"*", raw_state}:
                    return True
            elif isinstance(allowed, State | StatesGroup):
                if allowed(event=event, raw_state=raw_state):
                    return True
            elif (
                isclass(allowed)
                and issubclass(allowed, StatesGroup)
                and allowed()(event=event, raw_state=raw_state)
            ):
                return True
        return False


class _PrefixDecision:
    """A `CallbackData` filter refuses data with another prefix (`CallbackData.unpack`);
    data with its prefix is left to the filter, which returns the parsed data."""

    def __init__(self, query_filter: CallbackQueryFilter) -> None:
        data_type = query_filter.callback_data
        self._prefix = data_type.__prefix__
        self._separator = data_type.__separator__

    def decide(self, event: TelegramObject, data: dict[str, Any]) -> bool | None:
        if not isinstance(event, CallbackQuery) or not event.data:
            return False
        if event.data.split(self._separator, 1)[0] != self._prefix:
            return False
        return None
