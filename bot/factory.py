"""Building the application once at start: engine, content, texts, storage, Bot, Dispatcher."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import TYPE_CHECKING

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.types import BotCommand, BotCommandScopeChat
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.content_values import content_values
from bot.dispatching import Dispatcher
from bot.middlewares import CommitBeforeSend, FreshCachesMiddleware, UnitOfWorkMiddleware
from bot.observability import Metrics, MetricsMiddleware
from bot.settings import Settings
from core.config import AppConfig, OutboxWakeUp
from core.texts import Texts
from domain.appeals import AppealKind
from domain.booking import Schedule, parse_office_hours
from domain.clock import Clock, SystemClock
from domain.content import ContentLibrary
from domain.linking import AttemptPolicy
from domain.readings import ReadingWindow
from handlers import build_routers
from handlers.info import FileIdCache
from handlers.staff import STAFF_COMMANDS, MembershipCache
from notifier.notices import NoticeDesk
from services.appeals import AppealPolicy
from services.booking import BookingPolicy
from services.files_ports import FileStore
from services.notices import NoticePolicy
from services.readings import ReadingPolicy
from storage.cache import PersonCache
from storage.calendar import ProductionCalendar
from storage.content import load_content
from storage.crypto import FernetBox
from storage.dedup import UpdateDeduplicator
from storage.engine import create_engine, create_sessionmaker
from storage.files import FolderFileStore
from storage.files_s3 import S3FileStore
from storage.freshness import FreshCaches, data_watch
from storage.fsm import DatabaseStorage
from storage.isolation import KeyedEventIsolation
from storage.migrate import upgrade
from storage.uow import UnitOfWork

if TYPE_CHECKING:
    from redis.asyncio import Redis

COMMANDS = (
    "start",
    "menu",
    "appeal",
    "appeals",
    "readings",
    "booking",
    "bookings",
    "info",
    "accounts",
    "mydata",
    "settings",
    "help",
    "cancel",
)


@dataclass
class App:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    texts: Texts
    content: ContentLibrary
    config: AppConfig
    clock: Clock
    storage: BaseStorage
    dedup: UpdateDeduplicator
    cache: PersonCache | None
    dispatcher: Dispatcher
    notice_desk: NoticeDesk
    # The caches and what tells them of other processes' writes; None without caches.
    fresh: FreshCaches | None = None
    # Where the bytes of files people sent are kept (152-ФЗ ст. 18 ч. 5).
    files: FileStore | None = None
    # Prometheus metrics (bot/observability.py), served on METRICS_PORT.
    metrics: Metrics = field(default_factory=Metrics)

    async def close(self) -> None:
        # A clean shutdown leaves no answered update looking unanswered (storage/dedup.py).
        await self.dedup.store_answered(self.sessionmaker, clock=self.clock)
        await self.dispatcher.storage.close()
        await self.dispatcher.fsm.events_isolation.close()
        if self.fresh is not None:
            await self.fresh.close()
        await self.engine.dispose()


def app_config(settings: Settings, texts: Texts) -> AppConfig:
    appeals, accounts, readings = settings.appeals, settings.accounts, settings.readings
    answer_days = dict.fromkeys(AppealKind, appeals.answer_days)
    answer_days.update({AppealKind(k): v for k, v in appeals.answer_days_by_kind.items()})
    calendar = production_calendar(settings)
    return AppConfig(
        company_name=settings.company_name or texts.plain("company-default-name"),
        zone=settings.zone,
        link_policy=AttemptPolicy(
            max_failures=accounts.link_max_failures,
            window=timedelta(minutes=accounts.link_failure_window_minutes),
        ),
        max_linked_accounts=accounts.max_linked,
        appeal_policy=AppealPolicy(
            prefix=appeals.number_prefix or texts.plain("appeal-number-prefix-default"),
            zone=settings.zone,
            answer_days=answer_days,
            reopen_window=timedelta(days=appeals.reopen_days),
        ),
        calendar=calendar,
        texts=texts,
        staff_chat_id=settings.staff.chat_id,
        admin_ids=frozenset(settings.staff.admin_ids),
        email_enabled=bool(settings.smtp.host),
        readings_policy=ReadingPolicy(
            window=ReadingWindow(readings.window_start_day, readings.window_end_day),
            zone=settings.zone,
            implausible_factor=Fraction(str(readings.implausible_factor)),
            reference_prefix=texts.plain("reading-reference-prefix-default"),
        ),
        booking_policy=booking_policy(settings, texts, calendar),
        notice_role=settings.staff.mass_notice_role,
        secret_box=FernetBox(settings.database.personal_data_keys()),
        web_base_url=settings.web.base_url,
    )


def production_calendar(settings: Settings) -> ProductionCalendar:
    """Built with this year's and the next year's days off loaded: building a year from the
    `holidays` package takes ~0.2 s, which the first appeal or booking would otherwise wait."""
    calendar = ProductionCalendar(
        extra_days_off=settings.calendar.extra_days_off,
        extra_working_days=settings.calendar.extra_working_days,
    )
    this_year = datetime.now(UTC).year
    calendar.preload(range(this_year, this_year + 2))
    return calendar


def booking_policy(
    settings: Settings, texts: Texts, calendar: ProductionCalendar | None = None
) -> BookingPolicy:
    """The office's schedule (OFFICE_HOURS, checked by the settings) on the production
    calendar with the company's overrides."""
    booking = settings.booking
    return BookingPolicy(
        schedule=Schedule(
            hours=parse_office_hours(booking.office_hours),
            slot=timedelta(minutes=booking.slot_minutes),
            places=booking.places,
            days_ahead=booking.days_ahead,
            zone=settings.zone,
            calendar=calendar or production_calendar(settings),
        ),
        max_active=booking.max_active,
        number_prefix=texts.plain("booking-number-prefix"),
        office_address=" ".join(booking.office_address.split()),
    )


def notice_policy(settings: Settings) -> NoticePolicy:
    return NoticePolicy(
        zone=settings.zone,
        quiet=settings.notices.quiet_window,
        outage_days=settings.notices.outage_days,
        evening_hour=settings.notices.outage_evening_hour,
        payment_days=settings.notices.payment_reminder_days,
        send_hour=settings.notices.send_hour,
    )


def file_store(settings: Settings) -> FileStore:
    """The company's storage for files people send: a folder, or an S3-compatible store."""
    files = settings.files
    if files.store == "s3":
        assert files.s3_bucket is not None  # checked by the settings
        return S3FileStore.connect(
            bucket=files.s3_bucket, endpoint_url=files.s3_endpoint, prefix=files.s3_prefix
        )
    return FolderFileStore(files.directory)


# Connections to Redis one process keeps at most. A burst of updates beyond it waits for a
# free connection (up to REDIS_WAIT_SECONDS): redis-py's default pool raises
# MaxConnectionsError instead, and with 200 people pressing at once every update past the
# 100th failed with "something went wrong" (bench/load.py).
REDIS_CONNECTIONS = 100
REDIS_WAIT_SECONDS = 10.0


def redis_client(url: str) -> Redis:
    """A Redis client whose pool makes a caller wait for a connection rather than fail."""
    from redis.asyncio import BlockingConnectionPool, Redis

    pool = BlockingConnectionPool.from_url(
        url, max_connections=REDIS_CONNECTIONS, timeout=REDIS_WAIT_SECONDS
    )
    return Redis.from_pool(pool)  # closing the client closes its pool


def build_storage(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], clock: Clock
) -> tuple[BaseStorage, BaseEventIsolation]:
    """Dialog state in our database by default; in Redis when several workers share it."""
    if settings.database.redis_url:
        from aiogram.fsm.storage.base import DefaultKeyBuilder
        from aiogram.fsm.storage.redis import RedisStorage

        redis_storage = RedisStorage(
            redis_client(settings.database.redis_url),
            # with_destiny: a dialog left by /menu is parked under a destiny of its own
            # (dialogs/parked.py).
            key_builder=DefaultKeyBuilder(
                prefix=f"{settings.webhook.redis_prefix}:fsm", with_destiny=True
            ),
        )
        return redis_storage, redis_storage.create_isolation()
    return DatabaseStorage(sessionmaker, clock=clock), KeyedEventIsolation()


async def build_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    texts: Texts | None = None,
    content: ContentLibrary | None = None,
    migrate: bool = True,
) -> App:
    clock = clock or SystemClock()
    texts = texts or Texts.load()
    content = (content or load_content(settings.content_dir)).filled(
        content_values(settings, texts)
    )
    engine = create_engine(settings.database.url)
    if migrate:
        await upgrade(engine)
    sessionmaker = create_sessionmaker(engine)
    dedup = UpdateDeduplicator()
    async with sessionmaker() as session:
        await dedup.load_recent(session, now=clock.now())
    storage, isolation = build_storage(settings, sessionmaker, clock)
    # Per-process read caches, kept exact across processes: another process's commit is
    # noticed before the next update reads them (storage/freshness.py). With several workers
    # sharing Redis the bot runs without them.
    cache = None
    fresh = None
    if isinstance(storage, DatabaseStorage):
        person_cache = cache = PersonCache()

        async def warm_up() -> bool:
            warm = UnitOfWork(sessionmaker, clock=clock)
            try:
                return await person_cache.warm_up(warm.session)
            finally:
                await warm.close()

        watch = data_watch(engine)
        await watch.start()  # before the warm-up: a write made during it is noticed too
        fresh = FreshCaches(watch, [cache, storage], rewarm=warm_up)
        await storage.warm_up()
        await warm_up()
    config = app_config(settings, texts)
    notice_desk = NoticeDesk(
        sessionmaker,
        texts=texts,
        clock=clock,
        policy=notice_policy(settings),
        wake=config.wake_outbox,
        background=True,
        staff_chat_id=settings.staff.chat_id,
    )
    # What queues the notices an update wrote: this process's desk, until the leader's roles
    # (bot/roles.py) route it to whichever process leads.
    queue_notices = OutboxWakeUp()
    queue_notices.connect(notice_desk.start)
    config = replace(config, notice_policy=notice_desk.policy, queue_notices=queue_notices)
    dispatcher = Dispatcher(
        notice_desk=notice_desk,
        storage=storage,
        events_isolation=isolation,
        # Registered below, after FreshCachesMiddleware: the FSM's middleware reads the
        # dialog state, so the caches must be checked before it.
        disable_fsm=True,
        texts=texts,
        content=content,
        content_root=settings.content_dir,
        config=config,
        clock=clock,
        file_ids=FileIdCache(),
    )
    metrics = Metrics()
    # Outermost: counts and times every update, whatever the others do with it.
    dispatcher.update.outer_middleware(MetricsMiddleware(metrics))
    if fresh is not None:
        dispatcher.update.outer_middleware(FreshCachesMiddleware(fresh))
    dispatcher.update.outer_middleware(dispatcher.fsm)
    dispatcher.update.outer_middleware(
        UnitOfWorkMiddleware(
            sessionmaker=sessionmaker,
            dedup=dedup,
            clock=clock,
            config=config,
            content=content,
            fsm_storage=storage,
            cache=cache,
        )
    )
    membership = MembershipCache(ttl=settings.staff.membership_ttl_seconds)
    dispatcher.include_routers(*build_routers(membership))
    return App(
        settings=settings,
        engine=engine,
        sessionmaker=sessionmaker,
        texts=texts,
        content=content,
        config=config,
        clock=clock,
        storage=storage,
        dedup=dedup,
        cache=cache,
        dispatcher=dispatcher,
        notice_desk=notice_desk,
        fresh=fresh,
        files=file_store(settings),
        metrics=metrics,
    )


def build_bot(settings: Settings, *, session: BaseSession | None = None, token: str = "") -> Bot:
    if session is None:
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram.api_url))
    session.middleware(CommitBeforeSend())
    configured = settings.telegram.bot_token
    real_token = token or (configured.get_secret_value() if configured else "")
    return Bot(
        token=real_token,
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )


async def set_commands(bot: Bot, texts: Texts, staff_chat_id: int | None = None) -> None:
    await bot.set_my_commands(
        [BotCommand(command=name, description=texts.plain(f"command-{name}")) for name in COMMANDS]
    )
    if staff_chat_id is not None:
        await bot.set_my_commands(
            [
                BotCommand(command=name, description=texts.plain(f"staff-command-{name}"))
                for name in STAFF_COMMANDS
            ],
            scope=BotCommandScopeChat(chat_id=staff_chat_id),
        )
