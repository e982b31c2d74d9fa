"""The web desk's appeal page and an audited action, timed in process (httpx over ASGI, no
network): `--requests` GETs of /appeals/{id} and as many POSTs of «Показать контакты» (a
page render plus an audit write), on the bot's own stack over a fresh database.

    python bench/web_desk.py                                   # SQLite in a temporary file
    python bench/web_desk.py --database-url postgresql+asyncpg://postgres@127.0.0.1/test_x

Prints wall and CPU time (time.process_time) and the load average: the machine is shared.
The PostgreSQL database is emptied first: give it one made for this.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import text  # noqa: E402

from app.services import Services  # noqa: E402
from bot.factory import build_app  # noqa: E402
from bot.settings import Settings  # noqa: E402
from domain.appeals import AnswerChannel, AppealDraft, AppealKind, ServiceForm, Subject  # noqa: E402
from domain.staff import StaffMember, StaffRole  # noqa: E402
from storage.engine import is_sqlite  # noqa: E402
from storage.models import Base  # noqa: E402
from storage.uow import UnitOfWork  # noqa: E402
from web.app import create_app  # noqa: E402
from web.config import WebDeps  # noqa: E402
from web.session import CSRF_FIELD  # noqa: E402

HEAD = 8_000_002
STAFF_CHAT = -1_001_234_567_890
PD_KEY = "YmVuY2gtd2ViLWRlc2sta2V5LTMyLWJ5dGVzLWxvbmc="  # 32 bytes, url-safe base64


async def _empty(url: str) -> None:
    from storage.engine import create_engine

    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.drop_all)
        await connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    await engine.dispose()


async def main(url: str, requests: int) -> None:
    if not is_sqlite(url):
        await _empty(url)
    folder = Path(tempfile.mkdtemp(prefix="bench-web-"))
    settings = Settings(
        _env_file=None,
        database_url=url,
        content_dir=ROOT / "content",
        staff_chat_id=STAFF_CHAT,
        admin_ids=str(HEAD),
        files_dir=folder / "files",
        pd_encryption_key=PD_KEY,
        redis_url=None,
    )
    app = await build_app(settings)

    def services(uow: UnitOfWork) -> Services:
        return Services(
            uow,
            clock=app.clock,
            config=app.config,
            content=app.content,
            fsm_storage=app.storage,
            bot_id=0,
        )

    async def member(user_id: int) -> bool:
        return True

    uow = UnitOfWork(app.sessionmaker, clock=app.clock)
    desk = services(uow).staff_desk
    head = StaffMember(user_id=HEAD, role=StaffRole.HEAD, full_name="Смирнов Олег Иванович")
    await desk.save_profile(head, head)
    appeal = await desk.register(
        head,
        AppealDraft(
            user_id=None,
            kind=AppealKind.COMPLAINT,
            subject=Subject.SERVICE_QUALITY,
            form=ServiceForm.PHONE,
            text="Третий день мигает свет. " * 20,
            full_name="Сидоров Пётр Ильич",
            answer_channel=AnswerChannel.PHONE,
            contact="+7 920 000 00 01",
        ),
    )
    token = await services(uow).web_access.issue_link(HEAD)
    await uow.commit()
    web = create_app(
        WebDeps(
            sessionmaker=app.sessionmaker,
            clock=app.clock,
            config=app.config,
            secret="bench-secret",
            membership=member,
            services=services,
            files=app.files,
        )
    )
    transport = httpx.ASGITransport(app=web)
    async with httpx.AsyncClient(transport=transport, base_url="http://desk.bench") as client:
        assert (await client.get(f"/login/{token}")).status_code == 303
        page = f"/appeals/{appeal.id}"
        csrf = web.state.cookie.csrf_token(
            web.state.cookie.session_id(client.cookies.get("desk_session"))
        )

        async def view() -> httpx.Response:
            return await client.get(page)

        async def contacts() -> httpx.Response:
            return await client.post(f"{page}/contacts", data={CSRF_FIELD: csrf})

        for name, call in (("GET appeal page", view), ("POST contacts (page + audit)", contacts)):
            await call()  # warm
            times = []
            wall, cpu = time.perf_counter(), time.process_time()
            for _ in range(requests):
                started = time.perf_counter()
                response = await call()
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.status_code
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            times.sort()
            print(
                f"{name}: {requests} requests, wall {wall:.2f} s, CPU {cpu:.2f} s, "
                f"median {statistics.median(times):.1f} ms, "
                f"p95 {times[int(len(times) * 0.95) - 1]:.1f} ms, max {times[-1]:.1f} ms"
            )
    print("load average:", " ".join(f"{value:.2f}" for value in os.getloadavg()))
    await app.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    url = args.database_url or (
        f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp(prefix='bench-web-')) / 'bench.db'}"
    )
    asyncio.run(main(url, args.requests))
