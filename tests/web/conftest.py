"""The web desk over the test database (SQLite, or TEST_DATABASE_URL's PostgreSQL), next to
the bot's harness so a test sees what an action sent to the staff chat and to the consumer.

    async def test_something(login_as, harness):
        desk = await login_as(StaffRole.HEAD)            # a logged-in httpx client
        page = await desk.get("/appeals/1")
        done = await desk.post_form("/appeals/1/take")   # the CSRF token added
        calls = await harness.deliver()                  # what went to Telegram

`login_as` goes through the real login: a one-time link issued as /web issues it, opened by
the client; the person is a member of the staff chat (the fake Bot API says so) with a
profile of the given role (name, position, phone, e-mail; to sign answers they also need a
department with a signing head: tests/handlers/signing.py `signing_department`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from typing import Any, Protocol

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from sqlalchemy import select

from app.services import Services
from bot.settings import Settings
from core.texts import Texts
from domain.clock import FixedClock
from domain.content import ContentLibrary
from domain.staff import StaffMember, StaffRole
from handlers.staff.gate import MembershipCache
from services.account_import import AccountImportService
from storage.models import AppealRow
from storage.repositories import SqlAccountRegistry
from storage.staff import SqlStaffDirectory
from storage.uow import UnitOfWork
from tests.handlers.test_appeal_dialog import _file_one, _linked
from tests.harness import STAFF_CHAT_ID, BotHarness, Person
from web.app import create_app
from web.config import WebDeps
from web.session import COOKIE, CSRF_FIELD

BASE_URL = "http://desk.test"
WEB_SECRET = "test-web-secret"
# Default staff ids by role (different people, so a test can have all three at once).
ROLE_IDS = {StaffRole.SPECIALIST: 8_000_001, StaffRole.HEAD: 8_000_002, StaffRole.ADMIN: 8_000_003}
NAMES = {
    StaffRole.SPECIALIST: "Петрова Анна Сергеевна",
    StaffRole.HEAD: "Смирнов Олег Иванович",
    StaffRole.ADMIN: "Кузнецов Иван Петрович",
}


class DeskClient(httpx.AsyncClient):
    """A browser of one staff member: the session cookie in its jar, the CSRF token known."""

    user_id: int = 0
    csrf: str = ""

    async def post_form(
        self, url: str, data: dict[str, Any] | None = None, **kwargs: Any
    ) -> httpx.Response:
        """A plain form POST with the session's CSRF token, as the page's form sends it."""
        return await self.post(url, data={CSRF_FIELD: self.csrf, **(data or {})}, **kwargs)

    async def post_htmx(
        self, url: str, data: dict[str, Any] | None = None, **kwargs: Any
    ) -> httpx.Response:
        """An HTMX POST: the token in the X-CSRF-Token header (base.html's hx-headers)."""
        headers = {"HX-Request": "true", "X-CSRF-Token": self.csrf}
        return await self.post(url, data=data or {}, headers=headers, **kwargs)


class LoginAs(Protocol):
    def __call__(
        self, role: StaffRole = ..., *, user_id: int | None = ..., full_name: str | None = ...
    ) -> Awaitable[DeskClient]: ...


@pytest_asyncio.fixture
async def harness(
    engine: Any, settings: Settings, clock: FixedClock, texts: Texts, content: ContentLibrary
) -> AsyncIterator[BotHarness]:
    """The bot with a staff chat (cards, the outbox), over the same database as the desk."""
    staff_settings = settings.with_values(staff_chat_id=STAFF_CHAT_ID)
    bot_harness = await BotHarness.start(staff_settings, clock=clock, texts=texts, content=content)
    yield bot_harness
    await bot_harness.close()


def desk_services(harness: BotHarness) -> Callable[[UnitOfWork], Services]:
    """Services per request, as the bot's middleware builds them per update."""
    app = harness.app

    def build(uow: UnitOfWork) -> Services:
        return Services(
            uow,
            clock=app.clock,
            config=app.config,
            content=app.content,
            fsm_storage=app.storage,
            bot_id=0,
            cache=app.cache,
        )

    return build


@pytest.fixture
def web_deps(harness: BotHarness) -> WebDeps:
    membership = MembershipCache(ttl=0)
    chat_id = harness.app.config.staff_chat_id
    assert chat_id is not None

    async def is_member(user_id: int) -> bool:
        return await membership.is_member(harness.bot, chat_id, user_id)

    return WebDeps(
        sessionmaker=harness.app.sessionmaker,
        clock=harness.app.clock,
        config=harness.app.config,
        secret=WEB_SECRET,
        membership=is_member,
        services=desk_services(harness),
        files=harness.app.files,
    )


@pytest.fixture
def web_app(web_deps: WebDeps) -> FastAPI:
    return create_app(web_deps)


@pytest_asyncio.fixture
async def clients(web_app: FastAPI) -> AsyncIterator[Callable[[], DeskClient]]:
    """New browsers on the desk (none logged in); all closed at the end."""
    opened: list[DeskClient] = []

    def new() -> DeskClient:
        client = DeskClient(
            transport=httpx.ASGITransport(app=web_app), base_url=BASE_URL, follow_redirects=False
        )
        opened.append(client)
        return client

    yield new
    for client in opened:
        await client.aclose()


@pytest.fixture
def anonymous(clients: Callable[[], DeskClient]) -> DeskClient:
    """A browser that never logged in."""
    return clients()


async def save_member(harness: BotHarness, member: StaffMember) -> None:
    uow = UnitOfWork(harness.app.sessionmaker, clock=harness.app.clock)
    staff = SqlStaffDirectory(uow)
    found = await staff.member(member.user_id)
    stored = replace(found, role=member.role) if found is not None else member
    await staff.save_member(stored, at=harness.app.clock.now())
    await uow.commit()


async def issue_link(harness: BotHarness, user_id: int) -> str:
    """A login token as /web issues it."""
    uow = UnitOfWork(harness.app.sessionmaker, clock=harness.app.clock)
    token = await desk_services(harness)(uow).web_access.issue_link(user_id)
    await uow.commit()
    return token


@pytest.fixture
def login_as(harness: BotHarness, web_app: FastAPI, clients: Callable[[], DeskClient]) -> LoginAs:
    async def login(
        role: StaffRole = StaffRole.SPECIALIST,
        *,
        user_id: int | None = None,
        full_name: str | None = None,
    ) -> DeskClient:
        user_id = user_id or ROLE_IDS[role]
        harness.session.members[user_id] = "member"
        await save_member(
            harness,
            StaffMember(
                user_id=user_id,
                role=role,
                full_name=full_name or NAMES.get(role, ""),
                position="ведущий специалист",
                phone="+7 831 000-00-01",
                email="staff@example.ru",
            ),
        )
        client = clients()
        response = await client.get(f"/login/{await issue_link(harness, user_id)}")
        assert response.status_code == 303, response.text
        session_id = web_app.state.cookie.session_id(client.cookies.get(COOKIE))
        assert session_id is not None
        client.user_id = user_id
        client.csrf = web_app.state.cookie.csrf_token(session_id)
        return client

    return login


@pytest_asyncio.fixture
async def registry(harness: BotHarness, registry_csv: bytes, clock: FixedClock) -> None:
    """The example account registry, imported as staff would."""
    uow = UnitOfWork(harness.app.sessionmaker, clock=clock)
    await AccountImportService(registry=SqlAccountRegistry(uow)).import_registry(
        registry_csv, now=clock.now()
    )
    await uow.commit()


@pytest_asyncio.fixture
async def filed(harness: BotHarness, registry: None, texts: Texts) -> tuple[Person, int]:
    """A consumer who filed an appeal in the bot (its card is in the staff chat): the
    person and the appeal's id."""
    person = await _linked(harness, texts)
    await _file_one(person, texts)
    await harness.deliver()
    async with harness.app.sessionmaker() as session:
        appeal_id = await session.scalar(select(AppealRow.id))
    assert appeal_id is not None
    return person, int(appeal_id)
