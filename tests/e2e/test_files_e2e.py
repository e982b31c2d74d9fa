"""Files people send are kept in the company's own storage (152-ФЗ ст. 18 ч. 5), with the
real bot process against the emulator: a consumer sends a photo with an appeal; the file is
in the company's storage with its checksum; after Telegram's file id is made invalid, staff
still get the photo (uploaded from the storage)."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

from sqlalchemy import select

from storage.engine import create_engine
from storage.models import StoredFileRow

from .client import BotProcess, GroupChat
from .conftest import RECEPTION, ROOT, BotFactory, UserFactory, _base_env
from .test_staff_journey import submit_from_files, to_files_step

STAFF_CHAT = -1_001_234_567_891
STAFF_ID = 8_100_002
# A JPEG's first bytes, then enough to be a file of its own.
PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 24


def _read(path: Path) -> bytes | None:
    return path.read_bytes() if path.exists() else None


async def _stored(path: Path) -> bytes:
    for _ in range(200):  # 20 s
        content = await asyncio.to_thread(_read, path)
        if content is not None:
            return content
        await asyncio.sleep(0.1)
    raise AssertionError(f"the file never reached the company's storage: {path}")


async def test_152fz_st18_ch5_photo_stored_with_checksum_and_staff_get_it_after_id_invalid(
    make_bot: BotFactory, bot_env: dict[str, str], make_user: UserFactory
) -> None:
    files = Path(bot_env["FILES_DIR"])
    env = {**_base_env(), **bot_env, "STAFF_CHAT_ID": str(STAFF_CHAT)}
    bot: BotProcess = make_bot([RECEPTION, "run"], env=env, cwd=ROOT)
    bot.start()
    consumer = make_user(first_name="Мария")
    staff = make_user(
        user_id=STAFF_ID, first_name="Анна", chat=GroupChat(id=STAFF_CHAT, title="Сотрудники")
    )
    await staff.set_chat_member("member")
    file_id = f"photo-files-e2e-{consumer.user_id}"
    digest = await consumer.put_file(file_id, PHOTO)
    assert digest == hashlib.sha256(PHOTO).hexdigest()

    await to_files_step(consumer, "Во дворе искрит провод на опоре у дома, фото прилагаю.")
    await consumer.send_photo(file_id)
    await consumer.wait_for_text("Файл добавлен")

    # In the company's storage, under its checksum, and the registry row says so.
    stored = await _stored(files / digest[:2] / digest[2:4] / digest)
    assert hashlib.sha256(stored).hexdigest() == digest
    engine = create_engine(bot_env["DATABASE_URL"])
    try:
        async with engine.connect() as connection:
            row = (
                await connection.execute(
                    select(StoredFileRow.__table__).where(StoredFileRow.file_id == file_id)
                )
            ).one()
    finally:
        await engine.dispose()
    assert (row.state, row.sha256, row.kind) == ("stored", digest, "photo")

    # Telegram forgets the file id; staff still get the photo, from the company's storage.
    await consumer.invalidate_file(file_id)
    await submit_from_files(consumer)
    photo = await staff.wait_for(lambda m: bool(m.photo), timeout=30)
    assert photo.photo is not None
    assert photo.photo[-1].get("sha256") == digest
    assert photo.photo[-1]["file_id"] != file_id  # an upload: a new file id
