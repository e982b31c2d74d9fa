"""The answer term (regulation §15.4, §18.9): 30 calendar days at most, for every appeal and
for each kind; a company may promise less. A longer term is refused at start: a line naming
the variable and the clause, exit code 2."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.cli import load_settings
from bot.settings import Settings, describe_errors
from core.texts import Texts
from domain.appeals import AppealKind


def test_reg_15_4_answer_term_over_30_days_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None, appeal_answer_days="31")
    [(name, value, problem)] = describe_errors(refused.value)
    assert (name, value) == ("APPEAL_ANSWER_DAYS", "31")
    assert "§15.4" in problem and "§18.9" in problem


def test_reg_15_4_answer_term_of_30_days_or_less_is_kept() -> None:
    assert Settings(_env_file=None).appeals.answer_days == 30
    assert Settings(_env_file=None, appeal_answer_days="20").appeals.answer_days == 20


def test_reg_18_9_answer_term_of_a_kind_over_30_days_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None, appeal_answer_days_by_kind="complaint=45")
    [(name, value, problem)] = describe_errors(refused.value)
    assert name == "APPEAL_ANSWER_DAYS_BY_KIND" and "complaint=45" in value
    assert "complaint" in problem and "§18.9" in problem


def test_reg_15_4_a_shorter_term_per_kind_is_allowed() -> None:
    settings = Settings(
        _env_file=None, appeal_answer_days_by_kind="information_request=15,complaint=30"
    )
    assert settings.appeals.answer_days_by_kind == {
        AppealKind.INFORMATION_REQUEST.value: 15,
        AppealKind.COMPLAINT.value: 30,
    }


def test_reg_15_4_answer_term_over_30_days_stops_the_start_with_exit_code_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("APPEAL_ANSWER_DAYS", "45")
    with pytest.raises(SystemExit) as stopped:
        load_settings(Texts.load())
    assert stopped.value.code == 2
    lines = capsys.readouterr().err.splitlines()
    [line] = [line for line in lines if "APPEAL_ANSWER_DAYS" in line]
    assert "45" in line and "§15.4" in line
