"""`reception doctor`: is everything the bot needs in place? One line per check, ✅ or ❌ with
what to do, in Russian: the token (getMe), the staff chat (getChat: a supergroup, with topics;
getChatMember of the bot: an administrator that may manage topics), the database (it opens;
its revision is the code's head), the content folder (as `reception content check`), SMTP
when SMTP_HOST is set (connect and EHLO, log in when SMTP_USER is set; no mail is sent) and
Redis when REDIS_URL is set (PING).

`reception run` asks the same about the staff chat, SMTP and Redis after its own start-up
checks and prints what fails as warnings (it starts anyway): without a staff chat appeals
reach nobody, and nothing else would say so.

Nothing here changes anything: the database is not migrated (a missing SQLite file is
reported, not made), no message is sent. Lines never carry the token, a password or the
text of a driver's error (only its class name).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import aiosmtplib
from aiogram import Bot
from aiogram.exceptions import (
    AiogramError,
    TelegramConflictError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramUnauthorizedError,
)
from aiogram.types import Chat, ChatMemberAdministrator, ChatMemberOwner, User
from sqlalchemy import inspect
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.settings import Settings
from bot.startup import _error_name, shown_database
from core.texts import Texts
from storage.engine import create_engine, is_sqlite

logger = logging.getLogger(__name__)

# Each network check waits at most this long: a firewall that drops packets should not keep
# the operator (or the bot's start) waiting for a client's default minute.
CHECK_SECONDS = 10.0
OK = "✅"
# The updates in which the doctor looks for the groups the bot is in.
GROUP_UPDATES = ["message", "edited_message", "my_chat_member", "chat_member"]
FAILED = "❌"


@dataclass(frozen=True)
class CheckLine:
    """One checked thing: what was found, and when it is wrong, what to do."""

    ok: bool
    text: str
    fix: str | None = None

    def render(self, texts: Texts) -> str:
        if self.ok:
            return f"{OK} {self.text}"
        return texts.plain("doctor-failed-line", mark=FAILED, text=self.text, fix=self.fix or "")


def _passed(texts: Texts, key: str, **values: object) -> CheckLine:
    return CheckLine(True, texts.plain(key, **values))


def _failed(texts: Texts, key: str, fix: str, **values: object) -> CheckLine:
    return CheckLine(False, texts.plain(key, **values), texts.plain(fix, **values))


# -- Telegram ----------------------------------------------------------------------------------


async def check_token(
    bot: Bot | None, settings: Settings, texts: Texts
) -> tuple[CheckLine, User | None]:
    """getMe: the token is accepted and the Bot API answers."""
    api = settings.telegram.api_url
    if bot is None:
        return _failed(texts, "doctor-token-missing", "doctor-token-missing-fix"), None
    try:
        me = await bot.get_me(request_timeout=int(CHECK_SECONDS))
    except (TelegramUnauthorizedError, TelegramNotFound):
        return _failed(texts, "doctor-token-rejected", "doctor-token-rejected-fix", api=api), None
    except TelegramNetworkError:
        return _failed(
            texts, "doctor-api-unreachable", "doctor-api-unreachable-fix", api=api
        ), None
    except AiogramError as error:  # another API error, or an answer that is no Bot API's
        return (
            _failed(
                texts,
                "doctor-api-error",
                "doctor-api-error-fix",
                api=api,
                detail=type(error).__name__,
            ),
            None,
        )
    return _passed(texts, "doctor-token-ok", username=me.username or str(me.id), id=str(me.id)), me


async def recent_groups(bot: Bot) -> list[Chat] | None:
    """The groups in the bot's pending updates (it was added to them, or someone wrote there):
    how an operator finds the staff chat's negative id. getUpdates without an offset confirms
    nothing, so the bot still gets these updates when it starts (only the doctor asks: the
    bot at start does not). None when another process is polling (or a webhook is set)."""
    try:
        # Telegram remembers the last poller's allowed_updates (aiogram asks only for the
        # kinds the bot handles); ask for these explicitly. The filter applies to updates
        # created from now on, and the bot's own polling sets its list again.
        updates = await bot.get_updates(
            timeout=0, allowed_updates=GROUP_UPDATES, request_timeout=int(CHECK_SECONDS)
        )
    except (TelegramConflictError, AiogramError):
        return None
    seen: dict[int, Chat] = {}
    for update in updates:
        for event in (
            update.message,
            update.my_chat_member,
            update.chat_member,
            update.edited_message,
        ):
            chat = getattr(event, "chat", None)
            if isinstance(chat, Chat) and chat.type in {"group", "supergroup"}:
                seen[chat.id] = chat
    return list(seen.values())


def _unchecked(texts: Texts, chat_id: int) -> CheckLine:
    return _failed(texts, "doctor-staff-unchecked", "doctor-staff-unchecked-fix", id=str(chat_id))


async def check_staff_chat(
    bot: Bot | None,
    me: User | None,
    settings: Settings,
    texts: Texts,
    *,
    list_groups: bool = True,
) -> list[CheckLine]:
    """The staff chat (SPEC §3): set, a supergroup with topics, the bot an administrator
    that may manage topics (it creates one per appeal). The bot neither pins nor deletes
    messages, so those rights are not asked for."""
    chat_id = settings.staff.chat_id
    if chat_id is None:
        line = _failed(texts, "doctor-staff-unset", "doctor-staff-unset-fix")
        if list_groups and bot is not None and me is not None:
            groups = await recent_groups(bot)
            if groups is None:
                hint = texts.plain("doctor-staff-groups-busy")
            elif not groups:
                hint = texts.plain("doctor-staff-groups-none")
            else:
                found = ", ".join(
                    texts.plain("doctor-staff-group", title=chat.title or "", id=str(chat.id))
                    for chat in groups
                )
                hint = texts.plain("doctor-staff-groups", groups=found)
            line = CheckLine(False, line.text, f"{line.fix} {hint}")
        return [line]
    if bot is None or me is None:
        return [
            _failed(texts, "doctor-staff-unchecked", "doctor-staff-unchecked-fix", id=str(chat_id))
        ]
    try:
        chat = await bot.get_chat(chat_id, request_timeout=int(CHECK_SECONDS))
    except TelegramNetworkError:
        return [
            _failed(texts, "doctor-staff-unchecked", "doctor-staff-unchecked-fix", id=str(chat_id))
        ]
    except AiogramError as error:
        return [
            _failed(
                texts,
                "doctor-staff-unreachable",
                "doctor-staff-unreachable-fix",
                id=str(chat_id),
                detail=type(error).__name__,
            )
        ]
    title = chat.title or str(chat_id)
    lines: list[CheckLine] = []
    if chat.type != "supergroup":
        lines.append(
            _failed(
                texts,
                "doctor-staff-not-supergroup",
                "doctor-staff-not-supergroup-fix",
                title=title,
                type=chat.type,
            )
        )
    elif not chat.is_forum:
        lines.append(
            _failed(texts, "doctor-staff-not-forum", "doctor-staff-not-forum-fix", title=title)
        )
    else:
        lines.append(_passed(texts, "doctor-staff-forum-ok", title=title, id=str(chat_id)))
    try:
        member = await bot.get_chat_member(chat_id, me.id, request_timeout=int(CHECK_SECONDS))
    except AiogramError as error:
        lines.append(
            _failed(
                texts,
                "doctor-staff-member-unknown",
                "doctor-staff-member-unknown-fix",
                title=title,
                detail=type(error).__name__,
            )
        )
        return lines
    if isinstance(member, ChatMemberOwner):
        lines.append(_passed(texts, "doctor-staff-admin-ok", title=title))
    elif not isinstance(member, ChatMemberAdministrator):
        lines.append(
            _failed(
                texts,
                "doctor-staff-not-admin",
                "doctor-staff-not-admin-fix",
                title=title,
                status=member.status,
            )
        )
    elif chat.is_forum and not member.can_manage_topics:
        lines.append(
            _failed(
                texts,
                "doctor-staff-no-topics-right",
                "doctor-staff-no-topics-right-fix",
                title=title,
            )
        )
    else:
        lines.append(_passed(texts, "doctor-staff-admin-ok", title=title))
    return lines


# -- the database, the content -----------------------------------------------------------------


def _revisions(connection: Connection) -> tuple[str | None, bool]:
    from alembic.runtime.migration import MigrationContext

    context = MigrationContext.configure(connection)
    has_tables = bool(inspect(connection).get_table_names())
    return context.get_current_revision(), has_tables


async def check_database(settings: Settings, texts: Texts) -> CheckLine:
    """The database opens and is at the code's head revision (nothing is migrated here)."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    from storage.migrate import alembic_config, head_revision

    url = settings.database.url
    shown = shown_database(url)
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:" and not await _exists(Path(database)):
            return _failed(texts, "doctor-db-missing", "doctor-db-missing-fix", database=shown)
    try:
        engine = create_engine(url)
    except OSError as error:
        return _failed(
            texts,
            "doctor-db-unreachable",
            "doctor-db-unreachable-fix",
            database=shown,
            detail=type(error).__name__,
        )
    try:
        async with asyncio.timeout(CHECK_SECONDS * 3):
            async with engine.connect() as connection:
                current, has_tables = await connection.run_sync(_revisions)
    except (OSError, SQLAlchemyError, TimeoutError) as error:
        return _failed(
            texts,
            "doctor-db-unreachable",
            "doctor-db-unreachable-fix",
            database=shown,
            detail=_error_name(error),
        )
    finally:
        await engine.dispose()
    head = head_revision()
    if current == head:
        return _passed(texts, "doctor-db-ok", database=shown, revision=head)
    if current is None:
        key = "doctor-db-foreign" if has_tables else "doctor-db-empty"
        return _failed(texts, key, f"{key}-fix", database=shown, head=head)
    try:
        known = ScriptDirectory.from_config(alembic_config()).get_revision(current) is not None
    except CommandError:  # a revision this code does not have
        known = False
    if not known:
        return _failed(
            texts,
            "doctor-db-newer",
            "doctor-db-newer-fix",
            database=shown,
            revision=current,
            head=head,
        )
    return _failed(
        texts,
        "doctor-db-behind",
        "doctor-db-behind-fix",
        database=shown,
        revision=current,
        head=head,
    )


async def _exists(path: Path) -> bool:
    return await asyncio.to_thread(path.exists)


def check_content_folder(settings: Settings, texts: Texts) -> CheckLine:
    """What `reception content check` reports: the format, then contradictions with the bot."""
    from bot.cli_content import truth_findings
    from storage.content import check_content, load_content

    root = settings.content_dir
    problems = check_content(root)
    if problems:
        return _failed(
            texts,
            "doctor-content-invalid",
            "doctor-content-fix",
            root=str(root),
            count=len(problems),
        )
    library = load_content(root)
    findings = truth_findings(settings, texts, library)
    if findings:
        return _failed(
            texts,
            "doctor-content-contradictions",
            "doctor-content-fix",
            root=str(root),
            count=len(findings),
        )
    sample = "yes" if library.sample else "no"
    return _passed(
        texts,
        "doctor-content-ok",
        root=str(root),
        sections=len(library.all_sections()),
        sample=sample,
    )


# -- SMTP, Redis ----------------------------------------------------------------------------


async def check_smtp(settings: Settings, texts: Texts) -> CheckLine | None:
    """Connect, EHLO (and STARTTLS as the bot would), log in if a user is set; no mail."""
    smtp = settings.smtp
    if smtp.host is None:
        return None
    where = f"{smtp.host}:{smtp.port}"
    client = aiosmtplib.SMTP(
        hostname=smtp.host,
        port=smtp.port,
        use_tls=smtp.ssl,
        start_tls=smtp.starttls and not smtp.ssl,
        timeout=CHECK_SECONDS,
    )
    try:
        await client.connect()
        await client.ehlo()
        if smtp.user:
            password = smtp.password.get_secret_value() if smtp.password else ""
            try:
                await client.login(smtp.user, password)
            except aiosmtplib.SMTPAuthenticationError:
                return _failed(texts, "doctor-smtp-auth", "doctor-smtp-auth-fix", server=where)
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
        return _failed(
            texts,
            "doctor-smtp-failed",
            "doctor-smtp-failed-fix",
            server=where,
            detail=type(error).__name__,
        )
    finally:
        if client.is_connected:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError):
                client.close()
    return _passed(texts, "doctor-smtp-ok", server=where)


async def check_redis(settings: Settings, texts: Texts) -> CheckLine | None:
    url = settings.database.redis_url
    if url is None:
        return None
    from redis.asyncio import Redis
    from redis.exceptions import RedisError

    shown = make_url(url).render_as_string(hide_password=True) if "://" in url else "REDIS_URL"
    client = Redis.from_url(
        url, socket_connect_timeout=CHECK_SECONDS, socket_timeout=CHECK_SECONDS
    )
    try:
        await client.ping()
    except (RedisError, OSError) as error:
        return _failed(
            texts,
            "doctor-redis-failed",
            "doctor-redis-failed-fix",
            server=shown,
            detail=type(error).__name__,
        )
    finally:
        await client.aclose()
    return _passed(texts, "doctor-redis-ok", server=shown)


# -- together ----------------------------------------------------------------------------------


async def service_lines(
    bot: Bot | None, me: User | None, settings: Settings, texts: Texts
) -> list[CheckLine]:
    """The staff chat, SMTP and Redis: what `reception run` warns about at start (the bot's
    own updates are not read: that is the doctor's hint, not the bot's)."""
    staff, smtp, redis = await asyncio.gather(
        check_staff_chat(bot, me, settings, texts, list_groups=False),
        check_smtp(settings, texts),
        check_redis(settings, texts),
    )
    return [*staff, *(line for line in (smtp, redis) if line is not None)]


async def diagnose(settings: Settings, texts: Texts, bot: Bot | None) -> list[CheckLine]:
    """Every check, in the order an operator fixes things."""
    token, me = await check_token(bot, settings, texts)
    staff = await check_staff_chat(bot, me, settings, texts)
    database = await check_database(settings, texts)
    content = check_content_folder(settings, texts)
    smtp = await check_smtp(settings, texts)
    redis = await check_redis(settings, texts)
    return [token, *staff, database, content, *(x for x in (smtp, redis) if x is not None)]


def report(lines: Sequence[CheckLine], texts: Texts) -> str:
    return "\n".join(line.render(texts) for line in lines)


async def cmd_doctor(settings: Settings, texts: Texts) -> int:
    """Exit code 0 only when every check passed."""
    from bot.factory import build_bot

    bot = build_bot(settings) if settings.telegram.bot_token is not None else None
    try:
        lines = await diagnose(settings, texts, bot)
    finally:
        if bot is not None:
            await bot.session.close()
    print(report(lines, texts))
    failed = sum(not line.ok for line in lines)
    if failed:
        print(texts.plain("doctor-summary-failed", count=failed))
        return 1
    print(texts.plain("doctor-summary-ok"))
    return 0


async def startup_warnings(bot: Bot, me: User, settings: Settings, texts: Texts) -> list[str]:
    """What `reception run` prints (and logs) before it starts: the failing lines of the
    staff chat, SMTP and Redis checks. Never fatal."""
    lines = [line for line in await service_lines(bot, me, settings, texts) if not line.ok]
    shown = [line.render(texts) for line in lines]
    for text in shown:
        logger.warning("start-up check: %s", text)
    return shown
