"""The desk's frame: login, the session, the layout, the CSRF check, the security headers."""

from __future__ import annotations

import logging
from typing import Annotated

import pytest
from fastapi import Depends, FastAPI

from domain.staff import StaffMember, StaffRole
from tests.web.conftest import DeskClient, LoginAs
from web.deps import require_role


async def test_a_logged_out_request_gets_the_login_page(anonymous: DeskClient) -> None:
    response = await anonymous.get("/")
    assert response.status_code == 401
    assert "/web" in response.text
    assert "Выход" not in response.text


async def test_a_logged_in_person_sees_the_layout(login_as: LoginAs) -> None:
    desk = await login_as(StaffRole.HEAD)
    response = await desk.get("/")
    assert response.status_code in (200, 303)
    page = (await desk.get("/", follow_redirects=True)).text
    for label in ("Реестр", "Отчёты", "Записи", "Уведомления", "Показания", "Выход"):
        assert label in page
    assert "руководитель" in page


@pytest.mark.parametrize("path", ["/", "/login/nothing", "/static/desk.css", "/nowhere"])
async def test_every_response_carries_the_security_headers(
    anonymous: DeskClient, path: str
) -> None:
    response = await anonymous.get(path)
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


async def test_a_post_without_the_csrf_token_is_refused(login_as: LoginAs) -> None:
    desk = await login_as(StaffRole.SPECIALIST)
    refused = await desk.post("/logout", data={})
    assert refused.status_code == 403
    assert (await desk.get("/", follow_redirects=True)).status_code == 200  # still logged in
    wrong = await desk.post("/logout", data={"csrf_token": "0" * 64})
    assert wrong.status_code == 403
    done = await desk.post_form("/logout")
    assert done.status_code == 200
    assert (await desk.get("/")).status_code == 401


async def test_the_access_log_names_routes_not_tokens_nor_query_strings(
    login_as: LoginAs, anonymous: DeskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="web.access")
    await anonymous.get("/login/secret-token-value?name=Иванова")
    desk = await login_as(StaffRole.SPECIALIST)
    await desk.get("/appeals?id=Иванова")
    lines = [r.getMessage() for r in caplog.records if r.name == "web.access"]
    assert any(line.startswith("GET /login/{token} 410") for line in lines)
    assert any(line.startswith("GET /appeals 422") for line in lines)
    logged = "\n".join(lines)
    assert "secret-token-value" not in logged and "Иванова" not in logged and "?" not in logged


async def test_an_appeal_id_that_is_no_number_gets_a_russian_page(login_as: LoginAs) -> None:
    desk = await login_as(StaffRole.SPECIALIST)
    assert "Неверные данные" in (await desk.get("/appeals?id=abc")).text
    assert (await desk.get("/appeals/abc")).status_code == 422
    opened = await desk.get("/appeals?id=7")
    assert opened.status_code == 303 and opened.headers["location"].endswith("/appeals/7")


async def test_require_role_keeps_a_page_from_a_lower_role(
    web_app: FastAPI, login_as: LoginAs
) -> None:
    """The dependency pages use (docs/web.md): a head's page is a 403 page to a specialist."""

    @web_app.get("/only-heads")
    async def only_heads(
        member: Annotated[StaffMember, Depends(require_role(StaffRole.HEAD))],
    ) -> dict[str, int]:
        return {"user_id": member.user_id}

    specialist = await login_as(StaffRole.SPECIALIST)
    refused = await specialist.get("/only-heads")
    assert refused.status_code == 403
    assert "руководителю" in refused.text
    head = await login_as(StaffRole.HEAD)
    assert (await head.get("/only-heads")).json() == {"user_id": head.user_id}
    admin = await login_as(StaffRole.ADMIN)
    assert (await admin.get("/only-heads")).status_code == 200
