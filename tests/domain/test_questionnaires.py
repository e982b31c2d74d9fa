"""Questionnaires' rules (domain/questionnaires.py): what a question holds, what an answer to
each kind is, the lifecycle, and the results' shape."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.errors import TooLong
from domain.questionnaires import (
    MAX_QUESTIONS,
    BadOptions,
    EmptyText,
    IllegalQuestionnaireTransition,
    InvalidAnswer,
    NoQuestions,
    Question,
    QuestionKind,
    Questionnaire,
    QuestionnaireAction,
    QuestionnaireClosed,
    QuestionnaireStatus,
    TooManyQuestions,
    apply,
    check_add,
    check_answer,
    check_answerable,
    check_sendable,
    clean_title,
    next_unanswered,
    question_result,
    sources,
)

AT = datetime(2026, 11, 24, 7, tzinfo=UTC)


def _questionnaire(
    count: int, status: QuestionnaireStatus = QuestionnaireStatus.DRAFT
) -> Questionnaire:
    questions = tuple(Question.create(QuestionKind.YES_NO, f"Вопрос {i}") for i in range(count))
    return Questionnaire(1, "Опрос", questions, status, created_by=1, created_at=AT)


def test_question_texts_are_trimmed_and_bounded() -> None:
    assert Question.create(QuestionKind.SCALE_1_5, "  Как   вы  оцениваете?\n").text == (
        "Как вы оцениваете?"
    )
    with pytest.raises(EmptyText):
        Question.create(QuestionKind.YES_NO, "   ")
    with pytest.raises(TooLong):
        Question.create(QuestionKind.YES_NO, "я" * 501)
    with pytest.raises(TooLong):
        clean_title("я" * 201)


def test_a_choice_needs_two_to_six_distinct_short_options() -> None:
    choice = Question.create(QuestionKind.CHOICE, "Как?", ["Телефон", " Лично ", "", "Бот"])
    assert choice.options == ("Телефон", "Лично", "Бот")
    assert choice.values() == (0, 1, 2)
    for options in (["Один"], [str(i) for i in range(7)], ["Да", "да"], ["a" * 61, "b"]):
        with pytest.raises(BadOptions):
            Question.create(QuestionKind.CHOICE, "Как?", options)
    with pytest.raises(BadOptions):  # options belong to a choice only
        Question.create(QuestionKind.YES_NO, "Да?", ["Да", "Нет"])


def test_each_kind_takes_only_its_own_answers() -> None:
    scale = Question.create(QuestionKind.SCALE_1_5, "Оценка?")
    assert check_answer(scale, value=5).value == 5
    for bad in (0, 6, None):
        with pytest.raises(InvalidAnswer):
            check_answer(scale, value=bad)
    yes_no = Question.create(QuestionKind.YES_NO, "Решён?")
    assert check_answer(yes_no, value=0).value == 0
    with pytest.raises(InvalidAnswer):
        check_answer(yes_no, value=2)
    with pytest.raises(InvalidAnswer):
        check_answer(yes_no, text="да")
    free = Question.create(QuestionKind.FREE_TEXT, "Что улучшить?")
    assert check_answer(free, text="  Больше  часов ").text == "Больше часов"
    with pytest.raises(InvalidAnswer):
        check_answer(free, value=1)
    with pytest.raises(EmptyText):
        check_answer(free, text=" ")
    with pytest.raises(TooLong):
        check_answer(free, text="я" * 1001)


def test_lifecycle_draft_sent_closed_and_a_draft_cancelled() -> None:
    assert apply(QuestionnaireStatus.DRAFT, QuestionnaireAction.SEND) is QuestionnaireStatus.SENT
    assert apply(QuestionnaireStatus.SENT, QuestionnaireAction.CLOSE) is (
        QuestionnaireStatus.CLOSED
    )
    assert apply(QuestionnaireStatus.DRAFT, QuestionnaireAction.CANCEL) is (
        QuestionnaireStatus.CANCELLED
    )
    for status, action in (
        (QuestionnaireStatus.SENT, QuestionnaireAction.SEND),
        (QuestionnaireStatus.DRAFT, QuestionnaireAction.CLOSE),
        (QuestionnaireStatus.CLOSED, QuestionnaireAction.CLOSE),
        (QuestionnaireStatus.SENT, QuestionnaireAction.CANCEL),
    ):
        with pytest.raises(IllegalQuestionnaireTransition):
            apply(status, action)
    assert sources(QuestionnaireAction.SEND) == (QuestionnaireStatus.DRAFT,)


def test_at_most_five_questions_and_at_least_one_to_send() -> None:
    check_add(_questionnaire(MAX_QUESTIONS - 1))
    with pytest.raises(TooManyQuestions):
        check_add(_questionnaire(MAX_QUESTIONS))
    with pytest.raises(NoQuestions):
        check_sendable(_questionnaire(0))
    with pytest.raises(IllegalQuestionnaireTransition):
        check_sendable(_questionnaire(2, QuestionnaireStatus.SENT))
    with pytest.raises(IllegalQuestionnaireTransition):
        check_add(_questionnaire(1, QuestionnaireStatus.SENT))


def test_answers_are_taken_only_while_it_is_sent() -> None:
    check_answerable(_questionnaire(1, QuestionnaireStatus.SENT))
    for status in (QuestionnaireStatus.DRAFT, QuestionnaireStatus.CLOSED):
        with pytest.raises(QuestionnaireClosed):
            check_answerable(_questionnaire(1, status))


def test_the_next_question_is_the_first_unanswered() -> None:
    three = _questionnaire(3, QuestionnaireStatus.SENT)
    assert next_unanswered(three, []) == 0
    assert next_unanswered(three, [0]) == 1
    assert next_unanswered(three, [0, 2]) == 1
    assert next_unanswered(three, [0, 1, 2]) is None
    with pytest.raises(InvalidAnswer):
        three.question(3)


def test_a_result_lists_every_button_and_keeps_what_belongs_to_its_kind() -> None:
    scale = Question.create(QuestionKind.SCALE_1_5, "Оценка?")
    result = question_result(0, scale, counts={4: 2, 5: 1}, mean=4.33, texts=["x"], answers=3)
    assert [(o.label, o.count) for o in result.options] == [
        ("1", 0),
        ("2", 0),
        ("3", 0),
        ("4", 2),
        ("5", 1),
    ]
    assert result.mean == 4.33 and result.texts == ()
    yes_no = Question.create(QuestionKind.YES_NO, "Решён?")
    result = question_result(1, yes_no, counts={0: 1}, mean=0.0, texts=[], answers=1)
    assert [(o.label, o.count) for o in result.options] == [("yes", 0), ("no", 1)]
    assert result.mean is None
    free = Question.create(QuestionKind.FREE_TEXT, "Что?")
    result = question_result(2, free, counts={}, mean=None, texts=["a", "b"], answers=2)
    assert result.options == () and result.texts == ("a", "b")
