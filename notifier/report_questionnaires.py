"""The «Анкеты» section of the Order 186 report: the periodic questionnaires sent in the
period (regulation §19.17–19.18), one row per button and per free-text answer, counted
and never attributed (no names or ids)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from core.texts import Texts
from domain.questionnaires import QuestionKind, QuestionnaireResults
from domain.reports import ExtraTable, Period
from storage.questionnaires import SqlQuestionnaireStore
from storage.uow import UnitOfWork

_HEADER_KEYS = (
    "report-quest-col-id",
    "report-quest-col-title",
    "report-quest-col-sent",
    "report-quest-col-recipients",
    "report-quest-col-respondents",
    "report-quest-col-position",
    "report-quest-col-question",
    "report-quest-col-answers",
    "report-quest-col-option",
    "report-quest-col-count",
    "report-quest-col-mean",
    "report-quest-col-text",
)


async def questionnaire_section(
    uow: UnitOfWork, period: Period, *, zone: ZoneInfo, texts: Texts
) -> tuple[ExtraTable, ...]:
    """The section, or nothing when no questionnaire was sent in the period."""
    start, end = period.bounds(zone)
    store = SqlQuestionnaireStore(uow)
    results = [await store.results(q) for q in await store.sent_between(start, end)]
    if not results:
        return ()
    return (questionnaire_table(results, zone=zone, texts=texts),)


def questionnaire_table(
    results: list[QuestionnaireResults], *, zone: ZoneInfo, texts: Texts
) -> ExtraTable:
    rows: list[tuple[object, ...]] = []
    for result in results:
        questionnaire = result.questionnaire
        sent = (
            f"{questionnaire.sent_at.astimezone(zone):%d.%m.%Y %H:%M}"
            if questionnaire.sent_at is not None
            else None
        )
        head = (
            questionnaire.id,
            questionnaire.title,
            sent,
            result.recipients,
            result.respondents,
        )
        for question in result.questions:
            base = (*head, question.position + 1, question.text, question.answers)
            mean = None if question.mean is None else round(question.mean, 2)
            for option in question.options:
                label = option.label
                if question.kind is QuestionKind.YES_NO:
                    label = texts.plain("quest-yes" if label == "yes" else "quest-no")
                rows.append((*base, label, option.count, mean, None))
            for text in question.texts:
                rows.append((*base, None, None, None, text))
    return ExtraTable(
        title=texts.plain("report-quest-title"),
        header=tuple(texts.plain(key) for key in _HEADER_KEYS),
        rows=tuple(rows),
    )
