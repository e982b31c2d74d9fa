"""Login without passwords (docs/web.md): /web in the staff chat → a one-time link in the
private chat → a session; the link expires and is used once; membership and role are checked
on every request; login and logout are audited."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from aiogram.exceptions import TelegramForbiddenError
from aiogram.methods import SendMessage
from sqlalchemy import select

from domain.clock import FixedClock
from domain.staff import StaffMember, StaffRole
from storage.models import StaffAuditRow, WebLoginRow
from tests.harness import STAFF_CHAT_ID, BotHarness
from tests.web.conftest import ROLE_IDS, DeskClient, LoginAs, issue_link, save_member
from web.session import COOKIE


async def _actions(harness: BotHarness) -> list[tuple[int, str, str]]:
    async with harness.app.sessionmaker() as session:
        rows = await session.execute(
            select(StaffAuditRow.user_id, StaffAuditRow.action, StaffAuditRow.outcome).order_by(
                StaffAuditRow.id
            )
        )
        return [(int(r.user_id), r.action, r.outcome) for r in rows]


def _sent(harness: BotHarness, chat_id: int) -> list[str]:
    return [
        str(call.text)
        for call in harness.last_calls
        if isinstance(call, SendMessage) and int(call.chat_id) == chat_id
    ]


async def test_web_in_the_staff_chat_sends_a_one_time_link_privately(
    harness: BotHarness, clients: Callable[[], DeskClient]
) -> None:
    staff = harness.staff(8_000_001)
    await staff.send("/web")
    await harness.deliver()
    private = _sent(harness, 8_000_001)
    assert len(private) == 1
    link = re.search(r"http://127\.0\.0\.1:8080(/login/[A-Za-z0-9_-]+)", private[0])
    assert link is not None
    assert any("личный чат" in text for text in _sent(harness, STAFF_CHAT_ID))
    # Only the token's digest is stored, nowhere the token itself.
    token = link.group(1).rsplit("/", 1)[1]
    async with harness.app.sessionmaker() as session:
        stored = list(await session.scalars(select(WebLoginRow.token_hash)))
    assert len(stored) == 1 and token not in stored[0]
    browser = clients()
    opened = await browser.get(link.group(1))
    assert opened.status_code == 303
    cookie = opened.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Max-Age=28800" in cookie
    assert (await browser.get("/", follow_redirects=True)).status_code == 200
    assert (8_000_001, "web_login", "done") in await _actions(harness)


async def test_web_without_a_private_chat_asks_to_press_start(harness: BotHarness) -> None:
    staff = harness.staff(8_000_001)
    harness.session.traps.append(
        (
            lambda m: isinstance(m, SendMessage) and int(m.chat_id) == 8_000_001,
            TelegramForbiddenError(
                method=SendMessage(chat_id=8_000_001, text="x"),
                message="Forbidden: bot can't initiate conversation with a user",
            ),
        )
    )
    await staff.send("/web")
    await harness.deliver()
    told = _sent(harness, STAFF_CHAT_ID)
    assert any("/start" in text for text in told)


async def test_an_outsider_gets_no_link(harness: BotHarness) -> None:
    outsider = harness.outsider(9_000_001)
    await outsider.send("/web")
    await harness.deliver()
    assert _sent(harness, 9_000_001) == []
    async with harness.app.sessionmaker() as session:
        assert list(await session.scalars(select(WebLoginRow.token_hash))) == []


async def test_a_used_link_does_not_open_again(
    harness: BotHarness, clients: Callable[[], DeskClient]
) -> None:
    harness.session.members[8_000_001] = "member"
    token = await issue_link(harness, 8_000_001)
    assert (await clients().get(f"/login/{token}")).status_code == 303
    again = await clients().get(f"/login/{token}")
    assert again.status_code == 410
    assert "устарела или уже использована" in again.text
    assert COOKIE not in again.headers.get("set-cookie", "")


async def test_an_expired_link_does_not_open(
    harness: BotHarness, clients: Callable[[], DeskClient], clock: FixedClock
) -> None:
    harness.session.members[8_000_001] = "member"
    token = await issue_link(harness, 8_000_001)
    clock.advance(timedelta(minutes=10, seconds=1))
    expired = await clients().get(f"/login/{token}")
    assert expired.status_code == 410
    assert "10 минут" in expired.text
    assert (await clients().get("/login/not-a-token")).status_code == 410


async def test_someone_who_left_the_staff_chat_is_logged_out(
    login_as: LoginAs, harness: BotHarness
) -> None:
    desk = await login_as(StaffRole.SPECIALIST)
    assert (await desk.get("/", follow_redirects=True)).status_code == 200
    harness.session.members[desk.user_id] = "left"
    assert (await desk.get("/")).status_code == 401
    assert (desk.user_id, "web", "refused") in await _actions(harness)


async def test_a_role_taken_away_in_the_directory_applies_at_once(
    login_as: LoginAs, harness: BotHarness
) -> None:
    desk = await login_as(StaffRole.HEAD)
    assert "руководитель" in (await desk.get("/", follow_redirects=True)).text
    await save_member(harness, StaffMember(user_id=desk.user_id, role=StaffRole.SPECIALIST))
    assert "специалист" in (await desk.get("/", follow_redirects=True)).text


async def test_a_session_ends_after_8_idle_hours_and_lives_while_active(
    login_as: LoginAs, clock: FixedClock
) -> None:
    desk = await login_as(StaffRole.SPECIALIST)
    for _ in range(3):  # active: 7 hours between requests, 21 hours in all
        clock.advance(timedelta(hours=7))
        page = await desk.get("/", follow_redirects=True)
        assert page.status_code == 200
    clock.advance(timedelta(hours=8, seconds=1))
    assert (await desk.get("/")).status_code == 401


async def test_logout_ends_the_session_on_the_server(
    login_as: LoginAs, harness: BotHarness, clients: Callable[[], DeskClient]
) -> None:
    desk = await login_as(StaffRole.SPECIALIST)
    stolen = desk.cookies.get(COOKIE)
    out = await desk.post_form("/logout")
    assert out.status_code == 200
    assert "Вы вышли" in out.text
    replay = clients()
    replay.cookies.set(COOKIE, str(stolen))
    assert (await replay.get("/")).status_code == 401
    assert (ROLE_IDS[StaffRole.SPECIALIST], "web_logout", "done") in await _actions(harness)


async def test_a_forged_cookie_is_refused(clients: Callable[[], DeskClient]) -> None:
    browser = clients()
    browser.cookies.set(COOKIE, "made-up.signature")
    assert (await browser.get("/")).status_code == 401
