"""What a questionnaire says (regulation §19.17–19.18): a question as a person gets it, with its
answer buttons, and the results as staff read them (in the chat, HTML, or in a terminal).

They live here, below the handlers in the layer map, because the first question goes out as
a notice (notifier/notices.py fan-out); the consumer's handler (handlers/questionnaire.py)
sends the later ones with the same words and buttons."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Self

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from pydantic import Field, model_validator

from core.callback_fields import RowId
from core.texts import Texts
from domain.questionnaires import (
    MAX_OPTIONS,
    MAX_QUESTIONS,
    SCALE_MAX,
    Question,
    QuestionKind,
    Questionnaire,
    QuestionnaireResults,
    QuestionResult,
)
from domain.subscriptions import Topic

_TAGS = re.compile(r"</?[bi]>")
_TEXTS_SHOWN = 30  # free-text answers listed per question in the chat


class QuestAnswerCb(CallbackData, prefix="qa"):
    """An answer button under a question (typed: core/callback_fields.py). For a free-text
    question the one button («Написать ответ») carries value 0 and opens the text step."""

    q: RowId
    n: Annotated[int, Field(ge=0, le=MAX_QUESTIONS - 1)]
    v: Annotated[int, Field(ge=0, le=max(SCALE_MAX, MAX_OPTIONS - 1))]


class QuestStaffAction(StrEnum):
    KIND = "kind"  # add a question of the kind in `value`
    DONE = "done"  # no more questions: the preview and the topics
    TOPIC = "topic"  # the topic in `value`
    SEND = "send"
    CANCEL = "cancel"


class QuestStaffCb(CallbackData, prefix="qs"):
    """A button of the staff composer (handlers/staff_questionnaires.py)."""

    action: QuestStaffAction
    id: RowId
    value: str = ""

    @model_validator(mode="after")
    def _value_fits(self) -> Self:
        allowed: frozenset[str] = frozenset({""})
        if self.action is QuestStaffAction.KIND:
            allowed = frozenset(QuestionKind)
        elif self.action is QuestStaffAction.TOPIC:
            allowed = frozenset(Topic)
        if self.value not in allowed:
            raise ValueError("not a value of this action")
        return self


def render_question(
    texts: Texts, *, title: str, position: int, count: int, question: Question
) -> str:
    """A question as a person gets it (HTML): the title on the first one only."""
    head = texts.get("quest-title", title=title) + "\n" if position == 0 else ""
    body = texts.get("quest-question", number=position + 1, count=count, text=question.text)
    hint = texts.get(f"quest-hint-{question.kind.value.replace('_', '-')}")
    return f"{head}{body}\n<i>{hint}</i>"


def answer_keyboard(
    texts: Texts, questionnaire_id: int, position: int, question: Question
) -> InlineKeyboardMarkup:
    """The buttons of a question: 1–5 in one row, yes/no in one, a choice one per row, and
    «Написать ответ» for a free text (the next message is the answer; asked right after an
    answer, it is awaited already, and the button brings it back after /cancel)."""

    def button(label: str, value: int) -> InlineKeyboardButton:
        data = QuestAnswerCb(q=questionnaire_id, n=position, v=value).pack()
        return InlineKeyboardButton(text=label, callback_data=data)

    kind = question.kind
    if kind is QuestionKind.SCALE_1_5:
        rows = [[button(str(v), v) for v in question.values()]]
    elif kind is QuestionKind.YES_NO:
        rows = [[button(texts.plain("quest-yes"), 1), button(texts.plain("quest-no"), 0)]]
    elif kind is QuestionKind.CHOICE:
        rows = [[button(option, i)] for i, option in enumerate(question.options)]
    else:
        rows = [[button(texts.plain("quest-write"), 0)]]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def draft_text(texts: Texts, questionnaire: Questionnaire) -> str:
    """A draft as staff see it while composing: the title and the questions so far."""
    lines = [texts.get("quest-staff-draft", id=questionnaire.id, title=questionnaire.title)]
    for number, question in enumerate(questionnaire.questions, start=1):
        lines.append(
            texts.get(
                "quest-staff-question-line",
                number=number,
                kind=texts.plain(f"quest-kind-{question.kind.value.replace('_', '-')}"),
                text=question.text,
            )
        )
        lines.extend(
            texts.get("quest-staff-option-line", option=option) for option in question.options
        )
    if not questionnaire.questions:
        lines.append(texts.get("quest-staff-no-questions-yet"))
    return "\n".join(lines)


class ResultTexts:
    """Results for staff: the same words in the chat (HTML) and in a terminal (`plain`)."""

    def __init__(self, texts: Texts, *, plain: bool = False) -> None:
        self._texts = texts
        self._plain = plain

    def _get(self, key: str, **args: object) -> str:
        if self._plain:
            return _TAGS.sub("", self._texts.plain(key, **args))
        return self._texts.get(key, **args)

    def _label(self, result: QuestionResult, label: str) -> str:
        if result.kind is QuestionKind.YES_NO:
            return self._texts.plain("quest-yes" if label == "yes" else "quest-no")
        return label

    def results(self, results: QuestionnaireResults) -> str:
        questionnaire = results.questionnaire
        lines = [
            self._get(
                "quest-results-head",
                id=questionnaire.id,
                title=questionnaire.title,
                status=self._texts.plain(f"quest-status-{questionnaire.status.value}"),
                recipients=results.recipients,
                respondents=results.respondents,
            )
        ]
        for result in results.questions:
            lines.append("")
            lines.append(
                self._get(
                    "quest-results-question",
                    number=result.position + 1,
                    text=result.text,
                    answers=result.answers,
                )
            )
            for option in result.options:
                share = round(100 * option.count / result.answers) if result.answers else 0
                lines.append(
                    self._get(
                        "quest-results-option",
                        label=self._label(result, option.label),
                        count=option.count,
                        share=share,
                    )
                )
            if result.mean is not None:
                lines.append(self._get("quest-results-mean", mean=f"{result.mean:.2f}"))
            shown = result.texts if self._plain else result.texts[:_TEXTS_SHOWN]
            lines.extend(self._get("quest-results-text", text=text) for text in shown)
            if len(shown) < len(result.texts):
                lines.append(self._get("quest-results-more", count=len(result.texts) - len(shown)))
        return "\n".join(lines)

    def listing(self, questionnaires: list[Questionnaire]) -> str:
        if not questionnaires:
            return self._get("quest-list-empty")
        lines = [self._get("quest-list-head")]
        lines.extend(
            self._get(
                "quest-list-line",
                id=q.id,
                title=q.title,
                status=self._texts.plain(f"quest-status-{q.status.value}"),
                questions=len(q.questions),
            )
            for q in questionnaires
        )
        return "\n".join(lines)
