"""A refusal as a repeat without new arguments (§15.8): which appeal it points to, and when
staff must name the earlier appeal's number before the refusal can be made."""

from __future__ import annotations

from dataclasses import replace

import pytest

from domain.appeals import (
    AppealId,
    AppealStatus,
    RejectionGround,
    flagged_repeat_of,
    repeat_needs_earlier_number,
)
from domain.screening import FlagKind, ScreeningFlag
from tests.domain.appeal_examples import make_appeal

REPEAT = RejectionGround.REPEAT_WITHOUT_NEW_ARGUMENTS
FLAGGED = ScreeningFlag(FlagKind.REPEAT, "7")
OBSCENE = ScreeningFlag(FlagKind.OBSCENE, "слово")


def test_an_appeal_screening_flagged_as_a_repeat_points_to_the_flagged_one() -> None:
    appeal = make_appeal(AppealStatus.IN_PROGRESS, flags=(OBSCENE, FLAGGED))
    assert flagged_repeat_of(appeal) == AppealId(7)
    assert not repeat_needs_earlier_number(appeal, REPEAT)


def test_an_unflagged_appeal_refused_as_a_repeat_needs_the_earlier_number_first() -> None:
    appeal = make_appeal(AppealStatus.IN_PROGRESS, flags=(OBSCENE,))
    assert flagged_repeat_of(appeal) is None
    assert repeat_needs_earlier_number(appeal, REPEAT)


@pytest.mark.parametrize("ground", [g for g in RejectionGround if g is not REPEAT])
def test_the_other_grounds_never_ask_for_an_earlier_appeal(ground: RejectionGround) -> None:
    appeal = make_appeal(AppealStatus.IN_PROGRESS)
    assert not repeat_needs_earlier_number(appeal, ground)
    assert not repeat_needs_earlier_number(replace(appeal, flags=(FLAGGED,)), ground)


def test_a_repeat_flag_without_an_appeal_id_names_no_earlier_appeal() -> None:
    appeal = make_appeal(AppealStatus.IN_PROGRESS, flags=(ScreeningFlag(FlagKind.REPEAT, ""),))
    assert flagged_repeat_of(appeal) is None
    assert repeat_needs_earlier_number(appeal, REPEAT)
