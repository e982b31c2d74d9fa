"""`reception pdata rotate`: the sealed personal data (the ПП 55 identity data, storage/
crypto.py) sealed again with the first key of PD_ENCRYPTION_KEY, so an old key can be
dropped. The rotation: put the new key first (`new,old`), run this, then remove the old key
once the dialog drafts sealed with it are past RETENTION_DRAFTS_DAYS."""

from __future__ import annotations

import sys
from typing import Any

from bot.settings import Settings
from core.texts import Texts


def add_parsers(commands: Any) -> None:
    pdata = commands.add_parser(
        "pdata",
        help="sealed personal data: key rotation",
        description="The PP 55 identity data is sealed with PD_ENCRYPTION_KEY (several keys, "
        "comma-separated: the first seals, each opens).",
    )
    actions = pdata.add_subparsers(dest="pdata_command", required=True, metavar="ACTION")
    actions.add_parser(
        "rotate",
        help="seal every stored identity again with the first key",
        description="Seal every row of appeal_identities again with the first key of "
        "PD_ENCRYPTION_KEY. Rows no configured key opens are left and counted (exit code 1).",
    )


async def cmd_pdata_rotate(settings: Settings, texts: Texts) -> int:
    from storage.crypto import FernetBox
    from storage.engine import create_engine, create_sessionmaker
    from storage.identity import reseal_identities
    from storage.migrate import upgrade

    box = FernetBox(settings.database.personal_data_keys())
    engine = create_engine(settings.database.url)
    try:
        await upgrade(engine)
        resealed, unreadable = await reseal_identities(create_sessionmaker(engine), box)
    finally:
        await engine.dispose()
    print(texts.plain("pdata-rotated", count=resealed))
    if unreadable:
        print(texts.plain("pdata-unreadable", count=unreadable), file=sys.stderr)
        return 1
    return 0
