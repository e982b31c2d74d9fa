"""`reception webhook`: Telegram's webhook served by N worker processes on one port, and
`reception webhook set|delete` (docs/scaling.md).

The workers. The parent process checks the settings and migrates the database, then starts N
children (multiprocessing, fork); each child builds the whole bot and listens on the same
host:port with SO_REUSEPORT (`TCPSite(reuse_port=True)`): the kernel spreads the incoming
connections over the children, and a child that dies takes only its own connections with it
(the parent starts a new one). Chosen over one pre-forked listening socket because every
child is then an ordinary aiohttp server with nothing shared but the port, and a child can
be restarted on its own.

An update is handled inside its request (aiogram's `SimpleRequestHandler` with
`handle_in_background=False`): Telegram gets its 200 only once the update's effects are
stored, so a worker killed mid-update leaves it undelivered and Telegram sends it again (to
any worker; storage/dedup.py keeps the effects single). A method a handler returns is called
by the worker, not put into the response, so it passes the same request middlewares (commit
first, the shared send budget) as every other send.

Graceful shutdown (SIGTERM or SIGINT to the parent, which passes it on; or to a child): the
child stops listening, waits for the requests in hand to finish (at most
`SHUTDOWN_SECONDS`), then stops its singletons if it led (storage/leader.py: another worker
takes over) and closes. aiogram's `setup_application` is not used for the shutdown because
it hooks `on_shutdown`, which aiohttp runs *before* it waits for the requests in hand; the
bot's shutdown goes in `on_cleanup`, after them.

`build_web_app` takes extra route registrars, so /metrics, /healthz and the like are added
without touching this module; `/worker` answers the worker's pid and whether it leads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from multiprocessing.process import BaseProcess
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import TelegramMethod
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bot.delivery import staff_chat_is_forum
from bot.factory import build_app, build_bot, redis_client, set_commands
from bot.observability import add_routes
from bot.process import freeze_startup_objects
from bot.roles import LeaderRoles, ProcessTasks
from bot.settings import Settings
from bot.startup import StartupFault, check_bot_api, prepare_database, shown_database
from core.texts import Texts
from storage.engine import is_sqlite
from storage.leader import Election, LeaderStatus, PgLeaderElection, SoleLeader

logger = logging.getLogger(__name__)

SHUTDOWN_SECONDS = 30.0
RESTART_SECONDS = 1.0

RouteRegistrar = Callable[[web.Application], None]
WORKER_KEY = web.AppKey("worker", LeaderStatus)


class InFlight:
    """The requests a worker has in hand, so that a shutdown waits for them."""

    def __init__(self) -> None:
        self.count = 0
        self.handled = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def enter(self) -> None:
        self.count += 1
        self._idle.clear()

    def leave(self) -> None:
        self.count -= 1
        self.handled += 1
        if self.count == 0:
            self._idle.set()

    async def drained(self, seconds: float) -> bool:
        try:
            await asyncio.wait_for(self._idle.wait(), timeout=seconds)
        except TimeoutError:
            return False
        return True


FLIGHT_KEY = web.AppKey("flight", InFlight)


class UpdateHandler(SimpleRequestHandler):
    """aiogram's handler: secret checked, the update handled within the request, a returned
    method called by the worker (see the module docstring), the request counted."""

    def __init__(self, dispatcher: Dispatcher, bot: Bot, *, secret: str, flight: InFlight):
        super().__init__(dispatcher, bot, handle_in_background=False, secret_token=secret)
        self._flight = flight

    async def handle(self, request: web.Request) -> web.Response:
        self._flight.enter()
        try:
            return await super().handle(request)
        finally:
            self._flight.leave()

    async def _handle_request(self, bot: Bot, request: web.Request) -> web.Response:
        update = await request.json(loads=bot.session.json_loads)
        result = await self.dispatcher.feed_raw_update(bot=bot, update=update, **self.data)
        if isinstance(result, TelegramMethod):
            await self.dispatcher.silent_call_request(bot=bot, result=result)
        return web.json_response({})


async def _worker_info(request: web.Request) -> web.Response:
    status = request.app[WORKER_KEY]
    return web.json_response({"pid": status.pid, "leader": status.is_leader})


def build_web_app(
    dispatcher: Dispatcher,
    bot: Bot,
    *,
    secret: str,
    path: str,
    status: LeaderStatus,
    flight: InFlight | None = None,
    routes: Sequence[RouteRegistrar] = (),
) -> web.Application:
    """The aiohttp application of one worker: the webhook at `path`, `/worker`, whatever
    `routes` add; the dispatcher's startup when it starts and shutdown at cleanup (after the
    requests in hand)."""
    web_app = web.Application()
    flight = flight or InFlight()
    # For the route registrars (metrics, health): the election as this worker sees it and
    # the requests in hand.
    web_app[WORKER_KEY] = status
    web_app[FLIGHT_KEY] = flight
    handler = UpdateHandler(dispatcher, bot, secret=secret, flight=flight)
    web_app.router.add_post(path, handler.handle)
    web_app.router.add_get("/worker", _worker_info)
    for register in routes:
        register(web_app)
    data = {"dispatcher": dispatcher, "bot": bot, **dispatcher.workflow_data}

    async def startup(_: web.Application) -> None:
        await dispatcher.emit_startup(**data)

    async def cleanup(_: web.Application) -> None:
        await dispatcher.emit_shutdown(**data)

    web_app.on_startup.append(startup)
    web_app.on_cleanup.append(cleanup)
    return web_app


# -- checks before anything starts -------------------------------------------------------------
def refusal(settings: Settings, workers: int) -> tuple[str, dict[str, Any]] | None:
    """Why `reception webhook` with these settings cannot start: (text key, values)."""
    if workers < 1:
        return "webhook-workers-invalid", {}
    if settings.webhook.secret is None:
        return "webhook-secret-missing", {}
    if workers > 1 and is_sqlite(settings.database.url):
        return "webhook-workers-sqlite", {"count": workers}
    if workers > 1 and not settings.database.redis_url:
        return "webhook-workers-no-redis", {"count": workers}
    return None


def election_for(settings: Settings) -> Election:
    if is_sqlite(settings.database.url):
        return SoleLeader()
    return PgLeaderElection(settings.database.url)


# -- one worker --------------------------------------------------------------------------------
async def serve_worker(
    settings: Settings,
    texts: Texts,
    *,
    host: str,
    port: int,
    reuse_port: bool,
    routes: Sequence[RouteRegistrar] = (),
) -> int:
    """One worker until SIGTERM/SIGINT; a StartupFault before anything started."""
    bot = build_bot(settings)
    try:
        await check_bot_api(bot, settings.telegram.api_url)
    except StartupFault:
        await bot.session.close()
        raise
    app = await build_app(settings, texts=texts, migrate=False)
    redis = None
    if settings.database.redis_url:
        from bot.send_budget import install

        redis = redis_client(settings.database.redis_url)
        install(
            bot, redis, rate=settings.webhook.global_rate, prefix=settings.webhook.redis_prefix
        )
    election = election_for(settings)
    background = ProcessTasks(app)

    def observability(web_app: web.Application) -> None:
        """/metrics, /healthz, /readyz on the worker's own port (bot/observability.py); the
        leader gauge says whether this worker leads."""
        status = election.status

        def leader_known() -> bool:
            app.metrics.leader.set(1 if status.is_leader else 0)
            return status.connected or status.is_leader

        async def redis_ping() -> None:
            assert redis is not None
            await redis.ping()

        add_routes(
            web_app,
            metrics=app.metrics,
            engine=app.engine,
            redis_ping=redis_ping if redis is not None else None,
            leader_known=leader_known,
        )

    async def on_startup(bot: Bot) -> None:
        forum = await staff_chat_is_forum(bot, settings.staff.chat_id)
        roles = LeaderRoles(app, bot, texts=texts, election=election, forum=forum)
        await background.start(roles)

    app.dispatcher.startup.register(on_startup)
    app.dispatcher.shutdown.register(background.stop)
    flight = InFlight()
    assert settings.webhook.secret is not None  # refusal() checked it
    web_app = build_web_app(
        app.dispatcher,
        bot,
        secret=settings.webhook.secret.get_secret_value(),
        path=settings.webhook.path,
        status=election.status,
        flight=flight,
        routes=[observability, *routes],
    )
    freeze_startup_objects()
    # No access log: a line per update says nothing the update log does not (and /metrics
    # can be added through `routes`).
    runner = web.AppRunner(
        web_app, handle_signals=False, shutdown_timeout=SHUTDOWN_SECONDS, access_log=None
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await runner.setup()
        site = web.TCPSite(runner, host, port, reuse_port=reuse_port)
        await site.start()
        logger.info("webhook worker %d listening on %s:%d", os.getpid(), host, port)
        await stop.wait()
        logger.info("webhook worker %d stopping: %d in hand", os.getpid(), flight.count)
        await site.stop()  # no new connections
        if not await flight.drained(SHUTDOWN_SECONDS):
            logger.warning("webhook worker %d: %d updates cut off", os.getpid(), flight.count)
        await runner.cleanup()  # the bot's shutdown: the singletons stop, marks stored
    finally:
        await bot.session.close()
        if redis is not None:
            await redis.aclose()
        await app.close()
    return 0


def _child(host: str, port: int, reuse_port: bool, routes: Sequence[RouteRegistrar]) -> None:
    """A worker process (forked): its own settings and event loop; SIGTERM and SIGINT stop
    it gracefully (serve_worker), not the parent's handlers it inherited."""
    from bot.cli import configure_logging, load_settings

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, signal.SIG_DFL)
    texts = Texts.load()
    settings = load_settings(texts)
    configure_logging(settings.log_level)
    try:
        code = asyncio.run(
            serve_worker(
                settings, texts, host=host, port=port, reuse_port=reuse_port, routes=routes
            )
        )
    except StartupFault as fault:
        print(texts.plain(fault.key, **fault.values), file=sys.stderr)
        code = 2
    raise SystemExit(code)


# -- the parent --------------------------------------------------------------------------------
def run_workers(
    settings: Settings,
    texts: Texts,
    *,
    host: str,
    port: int,
    workers: int,
    routes: Sequence[RouteRegistrar] = (),
) -> int:
    """Check, migrate, start `workers` children and keep them running until SIGTERM/SIGINT;
    then stop them gracefully. Exit code 2 if the settings refuse it or the start fails.
    `routes` are added to every worker's application (forked: no pickling needed)."""
    refused = refusal(settings, workers)
    if refused is not None:
        key, values = refused
        print(texts.plain(key, **values), file=sys.stderr)
        return 2
    try:
        asyncio.run(prepare_database(settings))
    except StartupFault as fault:
        print(texts.plain(fault.key, **fault.values), file=sys.stderr)
        return 2
    print(
        texts.plain(
            "webhook-starting",
            count=workers,
            address=f"{host}:{port}",
            path=settings.webhook.path,
            database=shown_database(settings.database.url),
        ),
        file=sys.stderr,
    )
    if workers == 1:
        try:
            return asyncio.run(
                serve_worker(
                    settings, texts, host=host, port=port, reuse_port=False, routes=routes
                )
            )
        except StartupFault as fault:
            print(texts.plain(fault.key, **fault.values), file=sys.stderr)
            return 2
    return _supervise(host, port, workers, routes)


def _supervise(host: str, port: int, workers: int, routes: Sequence[RouteRegistrar]) -> int:
    # Forked, not spawned: the parent has imported the bot already (aiogram's models alone
    # take seconds of CPU to import), so a child — also one started after a crash — is
    # serving within a second, and shares those pages with its siblings. The parent runs
    # no event loop and no thread when it forks.
    context = multiprocessing.get_context("fork")
    freeze_startup_objects()
    stopping = False

    def stop(_signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}

    def spawn() -> BaseProcess:
        process = context.Process(target=_child, args=(host, port, True, routes), daemon=False)
        process.start()
        return process

    children = [spawn() for _ in range(workers)]
    started = time.monotonic()
    failed_at_start = False
    try:
        while not stopping:
            time.sleep(0.2)
            for index, child in enumerate(children):
                if child.is_alive() or stopping:
                    continue
                if child.exitcode == 2 and time.monotonic() - started < 30:
                    # A start-up fault (printed by the child): the others would fail alike.
                    failed_at_start = True
                    stopping = True
                    break
                logger.warning(
                    "webhook worker %s exited (%s): starting another", child.pid, child.exitcode
                )
                time.sleep(RESTART_SECONDS)
                children[index] = spawn()
    finally:
        for child in children:
            if child.is_alive() and child.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child.pid, signal.SIGTERM)
        deadline = time.monotonic() + SHUTDOWN_SECONDS + 15
        for child in children:
            child.join(max(0.0, deadline - time.monotonic()))
            if child.is_alive():
                child.kill()
                child.join()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 2 if failed_at_start else 0


# -- setWebhook / deleteWebhook ----------------------------------------------------------------
def allowed_updates() -> list[str]:
    """The update types the bot's routers handle: all Telegram needs to send."""
    from handlers import build_routers
    from handlers.staff import MembershipCache

    dispatcher = Dispatcher()
    dispatcher.include_routers(*build_routers(MembershipCache(ttl=60)))
    return dispatcher.resolve_used_update_types()


async def set_webhook(settings: Settings, texts: Texts, *, drop_pending: bool) -> int:
    if settings.webhook.url is None:
        print(texts.plain("webhook-url-missing"), file=sys.stderr)
        return 2
    if settings.webhook.secret is None:
        print(texts.plain("webhook-secret-missing"), file=sys.stderr)
        return 2
    bot = build_bot(settings)
    try:
        await check_bot_api(bot, settings.telegram.api_url)
        await bot.set_webhook(
            url=settings.webhook.url,
            secret_token=settings.webhook.secret.get_secret_value(),
            allowed_updates=allowed_updates(),
            drop_pending_updates=drop_pending,
        )
        with contextlib.suppress(Exception):  # an emulator may lack it; the bot works without
            await set_commands(bot, texts, settings.staff.chat_id)
    except StartupFault as fault:
        print(texts.plain(fault.key, **fault.values), file=sys.stderr)
        return 2
    finally:
        await bot.session.close()
    print(texts.plain("webhook-set-done", address=settings.webhook.url))
    return 0


async def delete_webhook(settings: Settings, texts: Texts, *, drop_pending: bool) -> int:
    bot = build_bot(settings)
    try:
        await check_bot_api(bot, settings.telegram.api_url)
        await bot.delete_webhook(drop_pending_updates=drop_pending)
    except StartupFault as fault:
        print(texts.plain(fault.key, **fault.values), file=sys.stderr)
        return 2
    finally:
        await bot.session.close()
    print(texts.plain("webhook-delete-done"))
    return 0


__all__ = [
    "InFlight",
    "allowed_updates",
    "build_web_app",
    "delete_webhook",
    "refusal",
    "run_workers",
    "serve_worker",
    "set_webhook",
]
