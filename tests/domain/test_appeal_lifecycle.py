"""Appeals: the lifecycle (§15.3–15.10, 59-ФЗ ст. 8, 12) — the transition table, what each
action records, extensions, rejections, reopening, and who may do what."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest

from domain.appeals import (
    CONSUMER_ACTIONS,
    CONSUMER_ONLY_ACTIONS,
    OPEN_STATUSES,
    TRANSITIONS,
    Actor,
    ActorKind,
    AppealAction,
    AppealId,
    AppealStatus,
    RejectionGround,
    apply,
)
from domain.errors import (
    ActionNotAllowed,
    AlreadyExtended,
    EmptyAnswer,
    ExtensionTooLong,
    ExtensionTooShort,
    IllegalTransition,
    LinkedAppealRequired,
    RejectionGroundRequired,
    ReopenWindowClosed,
)
from tests.domain.appeal_examples import (
    ANSWERED_AT,
    AT,
    CONSUMER,
    DUE_AT,
    STAFF,
    SYSTEM,
    WINDOW,
    make_appeal,
)


def _arguments(action: AppealAction) -> dict[str, Any]:
    """What each action needs to succeed."""
    needs: dict[AppealAction, dict[str, Any]] = {
        AppealAction.ASSIGN: {"assignee_id": 502},
        AppealAction.ANSWER: {"answer_text": "Напряжение восстановлено."},
        AppealAction.EXTEND: {"days": 10, "new_due_at": DUE_AT + timedelta(days=10)},
        AppealAction.REJECT: {"ground": RejectionGround.ILLEGIBLE},
        AppealAction.REOPEN: {"reopen_window": WINDOW},
        AppealAction.RATE: {"rating": 5},
        AppealAction.MARK_ILLEGIBLE: {"forward_by": DUE_AT},
    }
    return needs.get(action, {})


def _actor(action: AppealAction) -> Actor:
    """Staff may do everything the table allows except what only the consumer does."""
    return CONSUMER if action in CONSUMER_ONLY_ACTIONS else STAFF


ALL_PAIRS = list(itertools.product(AppealStatus, AppealAction))
ILLEGAL = [pair for pair in ALL_PAIRS if pair not in TRANSITIONS]
LEGAL = [pair for pair in ALL_PAIRS if pair in TRANSITIONS]


def test_the_transition_table_covers_the_lifecycle_of_spec_2() -> None:
    assert len(ILLEGAL) + len(LEGAL) == len(AppealStatus) * len(AppealAction)
    assert set(TRANSITIONS.values()) <= set(AppealStatus)
    # Every status but the start is reachable; forwarded and rejected end the appeal.
    reached = {to for (start, _), to in TRANSITIONS.items() if to is not start}
    assert reached == set(AppealStatus) - {AppealStatus.REGISTERED}
    for terminal in (AppealStatus.FORWARDED, AppealStatus.REJECTED):
        assert not [action for status, action in TRANSITIONS if status is terminal]


@pytest.mark.parametrize(("status", "action"), ILLEGAL)
def test_every_pair_outside_the_table_is_an_illegal_transition(
    status: AppealStatus, action: AppealAction
) -> None:
    appeal = make_appeal(status)
    with pytest.raises(IllegalTransition) as refused:
        apply(appeal, action, actor=STAFF, at=AT, **_arguments(action))
    assert (refused.value.status, refused.value.action) == (status, action)


@pytest.mark.parametrize(("status", "action"), LEGAL)
def test_every_pair_in_the_table_records_who_when_why_and_from_to(
    status: AppealStatus, action: AppealAction
) -> None:
    """SPEC §2: every transition is recorded (who, when, why)."""
    appeal = make_appeal(status)
    actor = _actor(action)
    updated, event = apply(
        appeal, action, actor=actor, at=AT, reason="  причина ", **_arguments(action)
    )
    assert updated.status is TRANSITIONS[status, action]
    assert event.action is action
    assert event.actor == actor
    assert event.at == AT
    assert event.reason == "причина"
    assert (event.from_status, event.to_status) == (status, updated.status)
    assert updated.number == appeal.number
    assert appeal.status is status  # the input is untouched


def test_registration_is_no_transition() -> None:
    for status in AppealStatus:
        assert (status, AppealAction.REGISTER) not in TRANSITIONS


def test_the_lifecycle_of_a_written_appeal() -> None:
    """§15.3 assigned to an executor; §15.4, §16.6 clarified with the consumer; answered and
    closed."""
    appeal = make_appeal()
    history = []
    steps: list[tuple[AppealAction, Actor, dict[str, Any]]] = [
        (AppealAction.ASSIGN, STAFF, {"assignee_id": 502, "department": "ОЭиР"}),
        (AppealAction.TAKE, Actor(ActorKind.STAFF, 502), {}),
        (AppealAction.REQUEST_CLARIFICATION, STAFF, {}),
        (AppealAction.RECEIVE_CLARIFICATION, CONSUMER, {}),
        (AppealAction.ANSWER, STAFF, {"answer_text": "Напряжение восстановлено."}),
        (AppealAction.CLOSE, CONSUMER, {}),
    ]
    for action, actor, arguments in steps:
        appeal, event = apply(appeal, action, actor=actor, at=AT, **arguments)
        history.append((event.from_status, event.to_status))
    assert history == [
        (AppealStatus.REGISTERED, AppealStatus.ASSIGNED),
        (AppealStatus.ASSIGNED, AppealStatus.IN_PROGRESS),
        (AppealStatus.IN_PROGRESS, AppealStatus.CLARIFICATION_REQUESTED),
        (AppealStatus.CLARIFICATION_REQUESTED, AppealStatus.IN_PROGRESS),
        (AppealStatus.IN_PROGRESS, AppealStatus.ANSWERED),
        (AppealStatus.ANSWERED, AppealStatus.CLOSED),
    ]
    assert appeal.status is AppealStatus.CLOSED
    assert appeal.assignee_id == 502
    assert appeal.answered_at == AT
    assert appeal.answer_text == "Напряжение восстановлено."


def test_assign_records_the_assignee_and_extra_details() -> None:
    appeal, event = apply(
        make_appeal(), AppealAction.ASSIGN, actor=STAFF, at=AT, assignee_id=502, department="ОЭиР"
    )
    assert appeal.assignee_id == 502
    assert event.details == (("assignee_id", "502"), ("department", "ОЭиР"))


def test_an_answer_needs_a_text() -> None:
    """§15.5: the answer gives concrete information on the question."""
    with pytest.raises(EmptyAnswer):
        apply(make_appeal(AppealStatus.IN_PROGRESS), AppealAction.ANSWER, actor=STAFF, at=AT)
    with pytest.raises(EmptyAnswer):
        apply(
            make_appeal(AppealStatus.IN_PROGRESS),
            AppealAction.ANSWER,
            actor=STAFF,
            at=AT,
            answer_text="  ",
        )


def test_extension_only_once_and_at_most_30_days() -> None:
    """59-ФЗ ст. 12 ч. 2: the head may extend the answer time once, by up to 30 days."""
    appeal = make_appeal(AppealStatus.IN_PROGRESS)
    new_due = DUE_AT + timedelta(days=30)
    with pytest.raises(ExtensionTooLong) as too_long:
        apply(appeal, AppealAction.EXTEND, actor=STAFF, at=AT, days=31, new_due_at=new_due)
    assert too_long.value.max_days == 30
    with pytest.raises(ExtensionTooShort):
        apply(appeal, AppealAction.EXTEND, actor=STAFF, at=AT, days=0, new_due_at=new_due)
    extended, event = apply(
        appeal, AppealAction.EXTEND, actor=STAFF, at=AT, days=30, new_due_at=new_due
    )
    assert extended.extended
    assert extended.due_at == new_due
    assert extended.status is AppealStatus.IN_PROGRESS
    assert event.detail("days") == "30"
    assert event.detail("previous_due_at") == DUE_AT.isoformat()
    assert event.detail("due_at") == new_due.isoformat()
    with pytest.raises(AlreadyExtended):
        apply(
            extended,
            AppealAction.EXTEND,
            actor=STAFF,
            at=AT,
            days=1,
            new_due_at=new_due + timedelta(days=1),
        )


def test_an_extension_moves_the_due_date_later() -> None:
    with pytest.raises(ValueError, match="later"):
        apply(
            make_appeal(AppealStatus.IN_PROGRESS),
            AppealAction.EXTEND,
            actor=STAFF,
            at=AT,
            days=5,
            new_due_at=DUE_AT,
        )


def test_an_extension_keeps_the_status() -> None:
    """The extension is an event, not a status: the work goes on."""
    for status in (
        AppealStatus.ASSIGNED,
        AppealStatus.IN_PROGRESS,
        AppealStatus.CLARIFICATION_REQUESTED,
    ):
        assert TRANSITIONS[status, AppealAction.EXTEND] is status


def test_reject_needs_exactly_one_ground() -> None:
    """§15.6–15.10: a refusal to answer names its legal ground."""
    appeal = make_appeal(AppealStatus.IN_PROGRESS)
    with pytest.raises(RejectionGroundRequired):
        apply(appeal, AppealAction.REJECT, actor=STAFF, at=AT)
    rejected, event = apply(
        appeal,
        AppealAction.REJECT,
        actor=STAFF,
        at=AT,
        ground=RejectionGround.OBSCENE_OR_THREATS,
        reason="§15.6",
    )
    assert rejected.status is AppealStatus.REJECTED
    assert rejected.rejection_ground is RejectionGround.OBSCENE_OR_THREATS
    assert event.details == (("ground", "obscene_or_threats"),)


def test_repeat_rejection_requires_linked_appeal() -> None:
    """§15.8: a repeated question without new arguments: the consumer is pointed to the
    earlier answer, so the earlier appeal is named."""
    appeal = make_appeal(AppealStatus.ASSIGNED)
    with pytest.raises(LinkedAppealRequired):
        apply(
            appeal,
            AppealAction.REJECT,
            actor=STAFF,
            at=AT,
            ground=RejectionGround.REPEAT_WITHOUT_NEW_ARGUMENTS,
        )
    rejected, event = apply(
        appeal,
        AppealAction.REJECT,
        actor=STAFF,
        at=AT,
        ground=RejectionGround.REPEAT_WITHOUT_NEW_ARGUMENTS,
        linked_appeal_id=AppealId(7),
    )
    assert rejected.linked_appeal_id == 7
    assert event.detail("linked_appeal_id") == "7"
    with pytest.raises(ValueError, match="itself"):
        apply(
            appeal,
            AppealAction.REJECT,
            actor=STAFF,
            at=AT,
            ground=RejectionGround.REPEAT_WITHOUT_NEW_ARGUMENTS,
            linked_appeal_id=AppealId(42),
        )


def test_forwarded_and_rejected_appeals_accept_no_further_action() -> None:
    """59-ФЗ ст. 8 ч. 3 (forwarded) and §15.6–15.10 (rejected) end the appeal."""
    for status in (AppealStatus.FORWARDED, AppealStatus.REJECTED):
        for action in AppealAction:
            with pytest.raises(IllegalTransition):
                apply(make_appeal(status), action, actor=SYSTEM, at=AT, **_arguments(action))


def test_reopen_within_the_window_goes_back_to_work_under_the_same_number() -> None:
    """SPEC §2: reopen within N days of the answer."""
    for status in (AppealStatus.ANSWERED, AppealStatus.CLOSED):
        appeal = make_appeal(status)
        at = ANSWERED_AT + WINDOW
        reopened, event = apply(
            appeal, AppealAction.REOPEN, actor=CONSUMER, at=at, reopen_window=WINDOW
        )
        assert reopened.status is AppealStatus.IN_PROGRESS
        assert reopened.number == appeal.number
        assert reopened.reopen_count == 1
        assert reopened.answered_at is None and reopened.answer_text is None
        assert reopened.due_at == DUE_AT
        assert event.action is AppealAction.REOPEN
        assert event.detail("previous_answered_at") == ANSWERED_AT.isoformat()


def test_reopen_after_the_window_is_refused() -> None:
    at = ANSWERED_AT + WINDOW + timedelta(seconds=1)
    with pytest.raises(ReopenWindowClosed) as closed:
        apply(
            make_appeal(AppealStatus.CLOSED),
            AppealAction.REOPEN,
            actor=CONSUMER,
            at=at,
            reopen_window=WINDOW,
        )
    assert closed.value.closed_at == ANSWERED_AT + WINDOW


def test_reopen_may_set_a_new_due_date_and_counts_each_reopening() -> None:
    new_due = DUE_AT + timedelta(days=40)
    reopened, _ = apply(
        make_appeal(AppealStatus.ANSWERED, reopen_count=1),
        AppealAction.REOPEN,
        actor=CONSUMER,
        at=AT,
        reopen_window=WINDOW,
        new_due_at=new_due,
    )
    assert reopened.due_at == new_due
    assert reopened.reopen_count == 2


def test_the_answer_text_stays_in_the_history_after_a_reopen() -> None:
    answered, event = apply(
        make_appeal(AppealStatus.IN_PROGRESS),
        AppealAction.ANSWER,
        actor=STAFF,
        at=AT,
        answer_text="Ответ по существу.",
    )
    assert event.detail("answer_text") == "Ответ по существу."
    reopened, _ = apply(answered, AppealAction.REOPEN, actor=CONSUMER, at=AT, reopen_window=WINDOW)
    assert reopened.answer_text is None


def test_the_consumer_adds_information_to_an_open_appeal_without_changing_its_status() -> None:
    for status in OPEN_STATUSES:
        appeal, event = apply(
            make_appeal(status),
            AppealAction.ADD_INFORMATION,
            actor=CONSUMER,
            at=AT,
            text="Фото счётчика приложено.",
        )
        assert appeal.status is status
        assert event.details == (("text", "Фото счётчика приложено."),)
    for status in set(AppealStatus) - OPEN_STATUSES:
        with pytest.raises(IllegalTransition):
            apply(make_appeal(status), AppealAction.ADD_INFORMATION, actor=CONSUMER, at=AT)


@pytest.mark.parametrize("action", sorted(set(AppealAction) - CONSUMER_ACTIONS))
def test_a_consumer_cannot_perform_staff_actions(action: AppealAction) -> None:
    """SPEC "must never happen": a non-staff user performs a staff action."""
    statuses = [status for status in AppealStatus if (status, action) in TRANSITIONS]
    for status in statuses:
        with pytest.raises(ActionNotAllowed):
            apply(make_appeal(status), action, actor=CONSUMER, at=AT, **_arguments(action))


def test_a_consumer_acts_only_on_their_own_appeal() -> None:
    """SPEC "must never happen": one consumer sees (or changes) another's appeal."""
    stranger = Actor(ActorKind.CONSUMER, 2002)
    with pytest.raises(ActionNotAllowed):
        apply(
            make_appeal(AppealStatus.IN_PROGRESS),
            AppealAction.ADD_INFORMATION,
            actor=stranger,
            at=AT,
        )
    with pytest.raises(ActionNotAllowed):
        apply(
            make_appeal(AppealStatus.IN_PROGRESS, user_id=None),
            AppealAction.ADD_INFORMATION,
            actor=CONSUMER,
            at=AT,
        )


def test_arguments_of_another_action_are_a_programming_error() -> None:
    with pytest.raises(ValueError, match="close takes no ground"):
        apply(
            make_appeal(AppealStatus.ANSWERED),
            AppealAction.CLOSE,
            actor=STAFF,
            at=AT,
            ground=RejectionGround.ILLEGIBLE,
        )
    with pytest.raises(ValueError, match="assignee_id"):
        apply(make_appeal(), AppealAction.ASSIGN, actor=STAFF, at=AT)
