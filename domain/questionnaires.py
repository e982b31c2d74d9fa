"""Periodic questionnaires (regulation §19.17–19.18; issue 14): staff compose a short
questionnaire — up to five questions, each a 1–5 scale, yes/no, a choice of 2–6 options or a
free text — and send it to the subscribers of a notice topic; people answer with buttons in
the chat; the results are counted per question.

The rules live here: what a questionnaire and a question may hold, what an answer to each
kind of question is, and the lifecycle — draft -> sent -> closed (or a draft cancelled) —
as a transition table and one pure function, `apply`, like domain/notice_lifecycle.py. The
database changes a status with a conditional UPDATE from the statuses `sources` names, so
two staff members deciding at once cannot both win (storage/questionnaires.py).

Results are plain data (`QuestionnaireResults`), counted in SQL: what the reports of issue
14 read (services/questionnaires.py `results_for_period`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType

from domain.errors import DomainError, TooLong
from domain.subscriptions import Topic

MAX_QUESTIONS = 5
MIN_OPTIONS = 2
MAX_OPTIONS = 6
TITLE_MAX = 200
QUESTION_MAX = 500
OPTION_MAX = 60  # a button's label: Telegram shows about this much on a phone
FREE_TEXT_MAX = 1000
SCALE_MIN, SCALE_MAX = 1, 5
YES, NO = 1, 0


class QuestionKind(StrEnum):
    SCALE_1_5 = "scale"  # 1..5
    YES_NO = "yes_no"  # 1 yes, 0 no
    CHOICE = "choice"  # the option's index, 0-based
    FREE_TEXT = "free_text"  # the person's own words


class QuestionnaireStatus(StrEnum):
    DRAFT = "draft"  # being composed; nobody has it
    SENT = "sent"  # sent as a notice; answers are taken
    CLOSED = "closed"  # answers are no longer taken
    CANCELLED = "cancelled"  # a draft dropped before it was sent


class QuestionnaireAction(StrEnum):
    SEND = "send"
    CLOSE = "close"
    CANCEL = "cancel"


_S, _A = QuestionnaireStatus, QuestionnaireAction
TRANSITIONS: Mapping[tuple[QuestionnaireStatus, QuestionnaireAction], QuestionnaireStatus] = (
    MappingProxyType(
        {
            (_S.DRAFT, _A.SEND): _S.SENT,
            (_S.DRAFT, _A.CANCEL): _S.CANCELLED,
            (_S.SENT, _A.CLOSE): _S.CLOSED,
        }
    )
)


# Errors (each a text key in core/locales/ru/questionnaires.ftl) ------------------------------


class QuestionnaireError(DomainError):
    text_key = "quest-error"


class QuestionnaireNotFound(QuestionnaireError):
    text_key = "quest-error-not-found"


class IllegalQuestionnaireTransition(QuestionnaireError):
    """The action is not allowed in the questionnaire's status (sent twice, closed a draft)."""

    text_key = "quest-error-status"

    def __init__(self, status: QuestionnaireStatus, action: QuestionnaireAction) -> None:
        super().__init__(f"action {action!s} is not allowed in status {status!s}")
        self.status = status
        self.action = action


class EmptyText(QuestionnaireError):
    text_key = "quest-error-empty"


class TooManyQuestions(QuestionnaireError):
    text_key = "quest-error-too-many"

    @property
    def text_args(self) -> Mapping[str, int]:
        return {"max": MAX_QUESTIONS}


class NoQuestions(QuestionnaireError):
    text_key = "quest-error-no-questions"


class BadOptions(QuestionnaireError):
    """A choice needs 2–6 distinct, non-empty options, each short enough for a button."""

    text_key = "quest-error-options"

    @property
    def text_args(self) -> Mapping[str, int]:
        return {"min": MIN_OPTIONS, "max": MAX_OPTIONS, "length": OPTION_MAX}


class InvalidAnswer(QuestionnaireError):
    """A value no button of this question has (a crafted press, an old keyboard)."""

    text_key = "quest-error-answer"


class NotARecipient(QuestionnaireError):
    """Only the people the questionnaire was sent to answer it."""

    text_key = "quest-error-not-recipient"


class QuestionnaireClosed(QuestionnaireError):
    text_key = "quest-error-closed"


def apply(status: QuestionnaireStatus, action: QuestionnaireAction) -> QuestionnaireStatus:
    after = TRANSITIONS.get((status, action))
    if after is None:
        raise IllegalQuestionnaireTransition(status, action)
    return after


def sources(action: QuestionnaireAction) -> tuple[QuestionnaireStatus, ...]:
    """The statuses `action` may start from."""
    return tuple(s for s in QuestionnaireStatus if (s, action) in TRANSITIONS)


# The questionnaire ------------------------------------------------------------------------


def _clean(text: str, *, field: str, limit: int) -> str:
    cleaned = " ".join(text.split())
    if not cleaned:
        raise EmptyText(field)
    if len(cleaned) > limit:
        raise TooLong(field, limit, len(cleaned))
    return cleaned


def clean_title(text: str) -> str:
    return _clean(text, field="title", limit=TITLE_MAX)


def clean_question(text: str) -> str:
    return _clean(text, field="question", limit=QUESTION_MAX)


def clean_options(options: Sequence[str]) -> tuple[str, ...]:
    """2–6 distinct options (case and spaces ignored when comparing), each 1–60 chars."""
    cleaned = tuple(" ".join(option.split()) for option in options)
    cleaned = tuple(option for option in cleaned if option)
    folded = {option.casefold() for option in cleaned}
    if (
        not MIN_OPTIONS <= len(cleaned) <= MAX_OPTIONS
        or len(folded) != len(cleaned)
        or any(len(option) > OPTION_MAX for option in cleaned)
    ):
        raise BadOptions("options")
    return cleaned


@dataclass(frozen=True, slots=True)
class Question:
    kind: QuestionKind
    text: str
    options: tuple[str, ...] = ()  # a choice's options; empty for the other kinds

    @classmethod
    def create(cls, kind: QuestionKind, text: str, options: Sequence[str] = ()) -> Question:
        """A validated question: its text 1–500 characters, options only for a choice."""
        body = clean_question(text)
        if kind is QuestionKind.CHOICE:
            return cls(kind, body, clean_options(options))
        if options:
            raise BadOptions("options")
        return cls(kind, body)

    def values(self) -> tuple[int, ...]:
        """The values its buttons carry (none for a free text)."""
        if self.kind is QuestionKind.SCALE_1_5:
            return tuple(range(SCALE_MIN, SCALE_MAX + 1))
        if self.kind is QuestionKind.YES_NO:
            return (YES, NO)
        if self.kind is QuestionKind.CHOICE:
            return tuple(range(len(self.options)))
        return ()


@dataclass(frozen=True, slots=True)
class Answer:
    """One person's answer to one question: a button's value, or their own words."""

    value: int | None = None
    text: str | None = None


def check_answer(
    question: Question, *, value: int | None = None, text: str | None = None
) -> Answer:
    """The answer as stored, or InvalidAnswer / EmptyText / TooLong: a free text takes
    words (1–1000 characters), every other kind one of its buttons' values."""
    if question.kind is QuestionKind.FREE_TEXT:
        if value is not None or text is None:
            raise InvalidAnswer("a free text question takes words")
        return Answer(text=_clean(text, field="answer", limit=FREE_TEXT_MAX))
    if text is not None or value not in question.values():
        raise InvalidAnswer("not a value of this question")
    return Answer(value=value)


@dataclass(frozen=True, slots=True)
class Questionnaire:
    id: int
    title: str
    questions: tuple[Question, ...]
    status: QuestionnaireStatus
    created_by: int | None
    created_at: datetime
    topic: Topic | None = None
    notice_id: int | None = None
    sent_at: datetime | None = None
    closed_at: datetime | None = None

    def can_add(self) -> bool:
        return self.status is QuestionnaireStatus.DRAFT and len(self.questions) < MAX_QUESTIONS

    def question(self, position: int) -> Question:
        """The question at `position` (0-based); InvalidAnswer for one it does not have."""
        if not 0 <= position < len(self.questions):
            raise InvalidAnswer("no such question")
        return self.questions[position]

    def next_position(self, position: int) -> int | None:
        return position + 1 if position + 1 < len(self.questions) else None


def check_add(questionnaire: Questionnaire) -> None:
    """A question may be added to a draft with fewer than five."""
    if questionnaire.status is not QuestionnaireStatus.DRAFT:
        raise IllegalQuestionnaireTransition(questionnaire.status, QuestionnaireAction.SEND)
    if len(questionnaire.questions) >= MAX_QUESTIONS:
        raise TooManyQuestions("five questions at most")


def check_sendable(questionnaire: Questionnaire) -> None:
    apply(questionnaire.status, QuestionnaireAction.SEND)
    if not questionnaire.questions:
        raise NoQuestions("a questionnaire needs a question")


def check_answerable(questionnaire: Questionnaire) -> None:
    if questionnaire.status is not QuestionnaireStatus.SENT:
        raise QuestionnaireClosed("answers are not taken")


def next_unanswered(questionnaire: Questionnaire, answered: Sequence[int]) -> int | None:
    """The first question the person has not answered yet, or None: all done."""
    done = set(answered)
    for position in range(len(questionnaire.questions)):
        if position not in done:
            return position
    return None


# Results ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OptionCount:
    """One button's answers: its label (a scale's number, yes/no, a choice's option) and
    how many people pressed it."""

    value: int
    label: str
    count: int


@dataclass(frozen=True, slots=True)
class QuestionResult:
    position: int  # 0-based
    kind: QuestionKind
    text: str
    answers: int  # people who answered this question
    options: tuple[OptionCount, ...] = ()  # every button, with 0 for the unpressed ones
    mean: float | None = None  # a scale's mean, None without answers or for other kinds
    texts: tuple[str, ...] = ()  # a free text's answers, oldest first


@dataclass(frozen=True, slots=True)
class QuestionnaireResults:
    questionnaire: Questionnaire
    recipients: int  # people it was queued to
    respondents: int  # people who answered at least one question
    questions: tuple[QuestionResult, ...]


def option_labels(question: Question) -> tuple[tuple[int, str], ...]:
    """(value, label) of each button; yes/no are labelled "yes"/"no" (the texts translate)."""
    if question.kind is QuestionKind.SCALE_1_5:
        return tuple((v, str(v)) for v in question.values())
    if question.kind is QuestionKind.YES_NO:
        return ((YES, "yes"), (NO, "no"))
    return tuple(enumerate(question.options))


def question_result(
    position: int,
    question: Question,
    *,
    counts: Mapping[int, int],
    mean: float | None,
    texts: Sequence[str],
    answers: int,
) -> QuestionResult:
    """Every button of the question with its count (0 for the unpressed), from what SQL
    counted; values no button has (none should exist) are left out."""
    options = tuple(
        OptionCount(value, label, counts.get(value, 0)) for value, label in option_labels(question)
    )
    return QuestionResult(
        position=position,
        kind=question.kind,
        text=question.text,
        answers=answers,
        options=options,
        mean=mean if question.kind is QuestionKind.SCALE_1_5 else None,
        texts=tuple(texts) if question.kind is QuestionKind.FREE_TEXT else (),
    )


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    """One of a person's answers, as /mydata shows it (152-ФЗ ст. 14)."""

    questionnaire_id: int
    title: str
    question: Question
    answer: Answer
    answered_at: datetime

    def shown(self) -> str:
        """The answer as the person gave it: their words, a choice's option, a rating;
        "yes"/"no" for the texts to translate."""
        if self.answer.text is not None:
            return self.answer.text
        labels = dict(option_labels(self.question))
        return labels.get(self.answer.value or 0, "") if self.answer.value is not None else ""
