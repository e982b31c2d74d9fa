"""`reception export appeals` and `reception export satisfaction`: the appeals registry with
the notices sent outside Telegram and how each answer's survey went, and the satisfaction
figures split by it (issue 13; SPEC §9)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from bot.cli_output import write_export
from bot.settings import Settings
from core.texts import Texts

REGISTRY_KINDS = ("appeals", "satisfaction")


def add_export_parsers(exports: Any) -> None:
    appeals = exports.add_parser(
        "appeals",
        help="the appeals registry for a period, with notices sent outside Telegram",
        description="Write the appeals registered in a period as CSV (UTF-8 with BOM): "
        "number, dates, form, kind, subject, status, the answer's channel, the notices sent "
        "by letter, call or e-mail (open or done), how the survey went (chat, email, "
        "next_contact, none), the rating. No personal data.",
    )
    satisfaction = exports.add_parser(
        "satisfaction",
        help="satisfaction figures by how the survey went",
        description="Write, for the answers of a period, one CSV row per way the survey went "
        "(chat, email, next_contact, none): answers, rated, mean rating, resolved.",
    )
    for parser in (appeals, satisfaction):
        parser.add_argument("--from", dest="since", required=True, help="YYYY-MM-DD, included")
        parser.add_argument("--to", dest="until", required=True, help="YYYY-MM-DD, included")
        parser.add_argument(
            "--output", type=Path, help="the file to write (default: standard output)"
        )


def run_export(settings: Settings, texts: Texts, args: argparse.Namespace) -> int:
    return asyncio.run(
        cmd_export_registry(settings, texts, args.kind, args.since, args.until, args.output)
    )


async def cmd_export_registry(
    settings: Settings, texts: Texts, kind: str, since: str, until: str, output: Path | None
) -> int:
    from bot.factory import app_config
    from domain.clock import SystemClock
    from notifier.registry_export import registry_csv, registry_rows, survey_csv
    from storage.engine import create_engine, create_sessionmaker
    from storage.migrate import upgrade
    from storage.surveys import SqlSurveys
    from storage.uow import UnitOfWork

    zone = app_config(settings, texts).zone
    try:
        first, last = date.fromisoformat(since), date.fromisoformat(until)
    except ValueError:
        print(texts.plain("registry-export-bad-date"), file=sys.stderr)
        return 2
    start = datetime.combine(first, time(), tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time(), tzinfo=zone)
    engine = create_engine(settings.database.url)
    try:
        await upgrade(engine)
        uow = UnitOfWork(create_sessionmaker(engine), clock=SystemClock())
        try:
            if kind == "appeals":
                rows = await registry_rows(uow, start, end)
                data = registry_csv(rows, texts, zone=zone, now=SystemClock().now())
                count = len(rows)
            else:
                figures = await SqlSurveys(uow).figures(start, end)
                data, count = survey_csv(figures), len(figures)
        finally:
            await uow.rollback()
    finally:
        await engine.dispose()
    return await write_export(
        data,
        output,
        texts,
        done="registry-export-done",
        failed="registry-export-failed",
        rows=count,
        start=since,
        end=until,
    )
