"""`reception questionnaire results [--id N] [--format text|csv] [--output FILE]`: the
questionnaires' results per question (regulation §19.17–19.18) for staff and the reports;
without `--id` the latest questionnaires."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from bot.settings import Settings
from core.texts import Texts
from domain.questionnaires import QuestionnaireResults
from domain.spreadsheet import csv_writer

CSV_HEADER = [
    "questionnaire_id",
    "title",
    "sent_at",
    "question",
    "kind",
    "text",
    "answers",
    "option",
    "count",
    "mean",
    "free_text",
]


def add_parsers(commands: Any) -> None:
    questionnaire = commands.add_parser(
        "questionnaire",
        help="questionnaires' results per question",
        description="Results of the questionnaires staff sent (/questionnaire in the staff "
        "chat): per question the answers, each option's count, a scale's mean and the free "
        "texts. Without --id: the latest questionnaires.",
    )
    actions = questionnaire.add_subparsers(dest="action", metavar="ACTION")
    results = actions.add_parser("results", help="results per question (the default)")
    results.add_argument("--id", type=int, help="the questionnaire's number")
    results.add_argument("--format", choices=("text", "csv"), default="text")
    results.add_argument("--output", type=Path, help="the file (default: standard output)")


def write_csv(handle: TextIO, results: QuestionnaireResults, settings: Settings) -> None:
    """One row per option (with its count) and one per free text; a scale's rows carry
    its mean. No names or user ids: answers are counted, not attributed."""
    writer = csv_writer(handle)
    writer.writerow(CSV_HEADER)
    questionnaire = results.questionnaire
    sent = (
        questionnaire.sent_at.astimezone(settings.zone).isoformat(" ", "seconds")
        if questionnaire.sent_at
        else ""
    )
    for result in results.questions:
        base = [
            questionnaire.id,
            questionnaire.title,
            sent,
            result.position + 1,
            result.kind.value,
            result.text,
            result.answers,
        ]
        mean = "" if result.mean is None else f"{result.mean:.2f}"
        for option in result.options:
            writer.writerow([*base, option.label, option.count, mean, ""])
        for text in result.texts:
            writer.writerow([*base, "", "", "", text])


async def cmd_questionnaire(settings: Settings, texts: Texts, args: argparse.Namespace) -> int:
    from bot.factory import notice_policy
    from domain.clock import SystemClock
    from domain.questionnaires import QuestionnaireNotFound
    from notifier.questionnaire_texts import ResultTexts
    from services.notices import NoticeService
    from services.questionnaires import QuestionnaireService
    from storage.engine import create_engine, create_sessionmaker
    from storage.migrate import upgrade
    from storage.notice_drafts import SqlNoticeDrafts
    from storage.notices import SqlNoticeStore
    from storage.questionnaires import SqlQuestionnaireStore
    from storage.uow import UnitOfWork

    class _NoQueue:
        def after_commit(self) -> None:
            """Results write nothing to queue."""

    clock = SystemClock()
    engine = create_engine(settings.database.url)
    try:
        await upgrade(engine)
        async with UnitOfWork(create_sessionmaker(engine), clock=clock) as uow:
            notices = NoticeService(
                store=SqlNoticeStore(uow),
                drafts=SqlNoticeDrafts(uow),
                queue=_NoQueue(),
                clock=clock,
                policy=notice_policy(settings),
            )
            service = QuestionnaireService(
                store=SqlQuestionnaireStore(uow), notices=notices, clock=clock
            )
            words = ResultTexts(texts, plain=True)
            if getattr(args, "id", None) is None:
                print(words.listing(await service.recent(limit=50)))
                return 0
            try:
                results = await service.results(args.id)
            except QuestionnaireNotFound:
                print(texts.plain("quest-error-not-found"), file=sys.stderr)
                return 1
    finally:
        await engine.dispose()
    output: Path | None = getattr(args, "output", None)
    handle = output.open("w", encoding="utf-8-sig", newline="") if output else sys.stdout
    try:
        if getattr(args, "format", "text") == "csv":
            write_csv(handle, results, settings)
        else:
            print(words.results(results), file=handle)
    finally:
        if output:
            handle.close()
    return 0
