"""A notice's lifecycle (domain/notice_lifecycle.py): every legal transition and every
illegal one, for notices, outages and staff drafts; and the typed params of every kind read
back from exactly what the database keeps."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import product

import pytest

from domain.notice_lifecycle import (
    DRAFT_TRANSITIONS,
    NOTICE_TRANSITIONS,
    OUTAGE_TRANSITIONS,
    PARAMS_OF,
    RUNNING,
    AccountsParams,
    ClosureParams,
    DraftAction,
    DraftStatus,
    IllegalNoticeTransition,
    MessageParams,
    NoticeAction,
    NoticeParams,
    NoticeStatus,
    OutageAction,
    OutageParams,
    OutageStatus,
    PaymentDueParams,
    ReadingsParams,
    TariffParams,
    apply,
    apply_to_draft,
    apply_to_outage,
    closing_action,
    params_from_json,
    params_to_json,
    sources,
)
from domain.notices import NoticeKind, OutageKind

S = NoticeStatus
A = NoticeAction

LEGAL = {
    (S.SCHEDULED, A.QUEUE): S.QUEUING,
    (S.QUEUING, A.QUEUE): S.QUEUING,
    (S.QUEUING, A.QUEUED): S.SENDING,
    (S.SENDING, A.FINISH): S.DONE,
    (S.SCHEDULED, A.CANCEL): S.CANCELLED,
    (S.QUEUING, A.CANCEL): S.CANCELLED,
    (S.SENDING, A.CANCEL): S.CANCELLED,
}


@pytest.mark.parametrize(("status", "action"), list(LEGAL))
def test_a_legal_notice_transition_gives_its_status(status: S, action: A) -> None:
    assert apply(status, action) is LEGAL[(status, action)]


@pytest.mark.parametrize(
    ("status", "action"), [pair for pair in product(S, A) if pair not in LEGAL]
)
def test_every_other_notice_transition_is_refused(status: S, action: A) -> None:
    with pytest.raises(IllegalNoticeTransition) as refused:
        apply(status, action)
    assert (refused.value.status, refused.value.action) == (status, action)


def test_the_table_is_exactly_the_regulation() -> None:
    assert dict(NOTICE_TRANSITIONS) == LEGAL


def test_done_and_cancelled_are_final_and_only_running_notices_can_be_stopped() -> None:
    for final in (S.DONE, S.CANCELLED):
        assert not any(status is final for status, _ in NOTICE_TRANSITIONS)
    assert set(sources(A.CANCEL)) == RUNNING == {S.SCHEDULED, S.QUEUING, S.SENDING}
    assert sources(A.QUEUE) == (S.SCHEDULED, S.QUEUING)
    assert sources(A.QUEUED) == (S.QUEUING,)
    assert sources(A.FINISH) == (S.SENDING,)


OUTAGE_LEGAL = {
    (OutageStatus.OPEN, OutageAction.CLOSE): OutageStatus.CLOSED,
    (OutageStatus.OPEN, OutageAction.CALL_OFF): OutageStatus.CANCELLED,
}


@pytest.mark.parametrize(("status", "action"), list(product(OutageStatus, OutageAction)))
def test_an_outage_is_closed_or_called_off_once_while_open(
    status: OutageStatus, action: OutageAction
) -> None:
    assert dict(OUTAGE_TRANSITIONS) == OUTAGE_LEGAL
    if (status, action) in OUTAGE_LEGAL:
        assert apply_to_outage(status, action) is OUTAGE_LEGAL[(status, action)]
    else:
        with pytest.raises(IllegalNoticeTransition):
            apply_to_outage(status, action)


def test_a_planned_outage_closed_before_it_began_is_called_off() -> None:
    start = datetime(2026, 12, 1, 7, tzinfo=UTC)
    before, after = start - timedelta(minutes=1), start
    assert closing_action(OutageKind.PLANNED, starts_at=start, now=before) is OutageAction.CALL_OFF
    assert closing_action(OutageKind.PLANNED, starts_at=start, now=after) is OutageAction.CLOSE
    assert closing_action(OutageKind.EMERGENCY, starts_at=start, now=before) is OutageAction.CLOSE


DRAFT_LEGAL = {
    (DraftStatus.DRAFT, DraftAction.CONFIRM): DraftStatus.CONFIRMED,
    (DraftStatus.DRAFT, DraftAction.CANCEL): DraftStatus.CANCELLED,
}


@pytest.mark.parametrize(("status", "action"), list(product(DraftStatus, DraftAction)))
def test_a_draft_is_decided_once(status: DraftStatus, action: DraftAction) -> None:
    assert dict(DRAFT_TRANSITIONS) == DRAFT_LEGAL
    if (status, action) in DRAFT_LEGAL:
        assert apply_to_draft(status, action) is DRAFT_LEGAL[(status, action)]
    else:
        with pytest.raises(IllegalNoticeTransition):
            apply_to_draft(status, action)


START = datetime(2026, 12, 1, 7, tzinfo=UTC)
END = datetime(2026, 12, 1, 13, tzinfo=UTC)
STORED: list[tuple[NoticeKind, dict[str, object], NoticeParams]] = [
    (NoticeKind.DEBT, {}, AccountsParams()),
    (NoticeKind.RESTRICTION, {}, AccountsParams()),
    (
        NoticeKind.PAYMENT_DUE,
        {"due_date": "2026-12-10"},
        PaymentDueParams(date(2026, 12, 10)),
    ),
    (
        NoticeKind.TARIFF,
        {"text": "new", "effective": "2027-01-01"},
        TariffParams("new", date(2027, 1, 1)),
    ),
    (NoticeKind.MESSAGE, {"text": "hello"}, MessageParams("hello")),
    (NoticeKind.CONTRACT, {"text": "terms"}, MessageParams("terms")),
    (
        NoticeKind.READINGS_REMINDER,
        {"month": "2026-12", "start": 15, "end": 25},
        ReadingsParams("2026-12", 15, 25),
    ),
    (
        NoticeKind.PLANNED_OUTAGE,
        {
            "settlement": "A",
            "street": "B",
            "houses": "1-9",
            "starts_at": START.isoformat(),
            "ends_at": END.isoformat(),
            "reason": "repair",
            "kind": "planned",
        },
        OutageParams("A", "B", "1-9", START, END, "repair", OutageKind.PLANNED),
    ),
    (
        NoticeKind.POWER_RESTORED,
        {
            "settlement": "A",
            "street": "B",
            "houses": "",
            "starts_at": START.isoformat(),
            "ends_at": END.isoformat(),
            "notices": [3, 4],
        },
        ClosureParams("A", "B", "", START, END, (3, 4)),
    ),
]


@pytest.mark.parametrize(("kind", "stored", "typed"), STORED)
def test_params_are_read_from_and_written_as_what_the_database_keeps(
    kind: NoticeKind, stored: dict[str, object], typed: NoticeParams
) -> None:
    assert params_from_json(kind, stored) == typed
    assert params_to_json(typed) == stored


def test_every_kind_has_its_params() -> None:
    assert set(PARAMS_OF) == set(NoticeKind)
