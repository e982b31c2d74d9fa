"""What a failed Bot API call means for its outbox row (notifier/send_errors.py `classify`):
a pure rule, tested without a sender."""

from __future__ import annotations

import pytest
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import SendMessage

from notifier.send_errors import Outcome, TransientError, Verdict, classify

_CALL = SendMessage(chat_id=1, text="-")


def test_a_429_pauses_for_the_time_telegram_names() -> None:
    error = TelegramRetryAfter(method=_CALL, message="Too Many Requests", retry_after=7)
    assert classify(error) == Outcome(Verdict.PAUSE, retry_after=7)


def test_a_403_is_a_blocked_chat_with_telegrams_words() -> None:
    error = TelegramForbiddenError(method=_CALL, message="Forbidden: bot was blocked by the user")
    assert classify(error) == Outcome(Verdict.BLOCKED, "Forbidden: bot was blocked by the user")


def test_an_edit_that_changes_nothing_counts_as_sent() -> None:
    error = TelegramBadRequest(
        method=_CALL, message="Bad Request: message is NOT modified: specified new content"
    )
    assert classify(error).verdict is Verdict.SENT


def test_a_chat_that_does_not_exist_is_dropped() -> None:
    error = TelegramBadRequest(method=_CALL, message="Bad Request: chat not found")
    assert classify(error) == Outcome(Verdict.DROPPED, "Bad Request: chat not found")


def test_any_other_400_fails_for_good() -> None:
    error = TelegramBadRequest(method=_CALL, message="Bad Request: can't parse entities")
    assert classify(error) == Outcome(Verdict.FAILED, "Bad Request: can't parse entities")


@pytest.mark.parametrize(
    "error",
    [
        TelegramNetworkError(method=_CALL, message="timeout"),
        TelegramServerError(method=_CALL, message="Internal Server Error"),
        TransientError("the mail server does not answer"),
    ],
)
def test_network_server_and_declared_transient_errors_are_retried(error: Exception) -> None:
    outcome = classify(error)
    assert outcome.verdict is Verdict.RETRY and outcome.error == str(error)


def test_anything_else_fails_for_good_with_its_text_or_its_repr() -> None:
    assert classify(TelegramNotFound(method=_CALL, message="Not Found")).verdict is Verdict.FAILED
    assert classify(ValueError("bad payload")) == Outcome(Verdict.FAILED, "bad payload")
    assert classify(KeyError()) == Outcome(Verdict.FAILED, "KeyError()")
