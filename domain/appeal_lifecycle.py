"""The lifecycle of an appeal from registration to the answer (regulation §15–§17, 59-ФЗ),
as data plus one pure function: the transition table says which action is possible in which
status, `apply` gives the appeal after an action and the event to store with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from types import MappingProxyType

from domain.appeal_model import (
    OPEN_STATUSES,
    TEXT_MAX,
    Actor,
    ActorKind,
    Appeal,
    AppealAction,
    AppealEvent,
    AppealId,
    AppealStatus,
    RejectionGround,
    require_aware,
)
from domain.deadlines import MAX_EXTENSION_DAYS
from domain.errors import (
    ActionNotAllowed,
    AlreadyExtended,
    EmptyAnswer,
    ExtensionAfterDueDate,
    ExtensionTooLong,
    ExtensionTooShort,
    ForwardingTooLate,
    IllegalTransition,
    InvalidRating,
    LinkedAppealRequired,
    RejectionGroundRequired,
    ReopenWindowClosed,
    SurveyNotOpen,
    TextTooLong,
)
from domain.screening import FlagKind, ScreeningFlag

_S = AppealStatus
_A = AppealAction

TRANSITIONS: Mapping[tuple[AppealStatus, AppealAction], AppealStatus] = MappingProxyType(
    {
        # §15.3: the head assigns the appeal to a department and an executor; reassigning
        # hands it to someone else who has to take it again.
        (_S.REGISTERED, _A.ASSIGN): _S.ASSIGNED,
        (_S.ASSIGNED, _A.ASSIGN): _S.ASSIGNED,
        (_S.IN_PROGRESS, _A.ASSIGN): _S.ASSIGNED,
        (_S.REGISTERED, _A.TAKE): _S.IN_PROGRESS,
        (_S.ASSIGNED, _A.TAKE): _S.IN_PROGRESS,
        # §15.4, §16.6: missing data is asked for before or during the work.
        (_S.REGISTERED, _A.REQUEST_CLARIFICATION): _S.CLARIFICATION_REQUESTED,
        (_S.ASSIGNED, _A.REQUEST_CLARIFICATION): _S.CLARIFICATION_REQUESTED,
        (_S.IN_PROGRESS, _A.REQUEST_CLARIFICATION): _S.CLARIFICATION_REQUESTED,
        (_S.CLARIFICATION_REQUESTED, _A.RECEIVE_CLARIFICATION): _S.IN_PROGRESS,
        # An answer may also be given on the data at hand while a clarification is pending.
        (_S.REGISTERED, _A.ANSWER): _S.ANSWERED,
        (_S.ASSIGNED, _A.ANSWER): _S.ANSWERED,
        (_S.IN_PROGRESS, _A.ANSWER): _S.ANSWERED,
        (_S.CLARIFICATION_REQUESTED, _A.ANSWER): _S.ANSWERED,
        (_S.ANSWERED, _A.CLOSE): _S.CLOSED,
        # 59-ФЗ ст. 12 ч. 2: an extension changes the due date, not the status.
        (_S.ASSIGNED, _A.EXTEND): _S.ASSIGNED,
        (_S.IN_PROGRESS, _A.EXTEND): _S.IN_PROGRESS,
        (_S.CLARIFICATION_REQUESTED, _A.EXTEND): _S.CLARIFICATION_REQUESTED,
        # 59-ФЗ ст. 8 ч. 3 (forward) and §15.6–15.10 (reject) end the appeal here.
        (_S.REGISTERED, _A.FORWARD): _S.FORWARDED,
        (_S.ASSIGNED, _A.FORWARD): _S.FORWARDED,
        (_S.IN_PROGRESS, _A.FORWARD): _S.FORWARDED,
        (_S.CLARIFICATION_REQUESTED, _A.FORWARD): _S.FORWARDED,
        (_S.REGISTERED, _A.REJECT): _S.REJECTED,
        (_S.ASSIGNED, _A.REJECT): _S.REJECTED,
        (_S.IN_PROGRESS, _A.REJECT): _S.REJECTED,
        (_S.CLARIFICATION_REQUESTED, _A.REJECT): _S.REJECTED,
        # SPEC §2: reopened within N days of the answer, under the same number.
        (_S.ANSWERED, _A.REOPEN): _S.IN_PROGRESS,
        (_S.CLOSED, _A.REOPEN): _S.IN_PROGRESS,
        # The survey after the answer closes the appeal; a rating after a staff close is
        # still welcome.
        (_S.ANSWERED, _A.RATE): _S.CLOSED,
        (_S.CLOSED, _A.RATE): _S.CLOSED,
        # The consumer adds information to an open appeal; the status stays.
        **{(status, _A.ADD_INFORMATION): status for status in OPEN_STATUSES},
        # Staff mark an open appeal's text illegible; the status stays.
        **{(status, _A.MARK_ILLEGIBLE): status for status in OPEN_STATUSES},
    }
)

# What a consumer may do to their own appeal; staff and the system may do everything the
# transition table allows (who is staff is decided outside the domain).
CONSUMER_ACTIONS = frozenset(
    {_A.ADD_INFORMATION, _A.RECEIVE_CLARIFICATION, _A.REOPEN, _A.CLOSE, _A.RATE}
)
# Only the consumer rates their answer; staff enter a rating the consumer gave by phone, in a
# letter or an e-mail, naming that channel (`via`: domain/surveys.py).
CONSUMER_ONLY_ACTIONS = frozenset({_A.RATE})
STAFF_ENTRY_CHANNELS = frozenset({"phone", "post", "email"})
RATING_MIN = 1
RATING_MAX = 5
# 59-ФЗ ст. 11 ч. 5: stopping the correspondence on a repeat is the head's decision; the
# other grounds a specialist states.
GROUNDS_FOR_HEAD = frozenset({RejectionGround.REPEAT_WITHOUT_NEW_ARGUMENTS})


# The keyword arguments of `apply` that belong to each action; any other is a caller's mistake.
_ARGUMENTS: Mapping[AppealAction, tuple[str, ...]] = MappingProxyType(
    {
        AppealAction.ASSIGN: ("assignee_id",),
        AppealAction.ANSWER: ("answer_text",),
        AppealAction.EXTEND: ("days", "new_due_at"),
        AppealAction.FORWARD: ("forward_by",),
        AppealAction.MARK_ILLEGIBLE: ("forward_by",),
        AppealAction.REJECT: ("ground", "linked_appeal_id"),
        AppealAction.REOPEN: ("reopen_window", "new_due_at"),
        AppealAction.RATE: ("rating",),
    }
)


def apply(
    appeal: Appeal,
    action: AppealAction,
    *,
    actor: Actor,
    at: datetime,
    reason: str = "",
    assignee_id: int | None = None,
    answer_text: str | None = None,
    days: int | None = None,
    new_due_at: datetime | None = None,
    ground: RejectionGround | None = None,
    linked_appeal_id: AppealId | None = None,
    reopen_window: timedelta | None = None,
    rating: int | None = None,
    forward_by: datetime | None = None,
    **details: str,
) -> tuple[Appeal, AppealEvent]:
    """The appeal after `action`, and the event to store with it.

    The keyword arguments each belong to one action: `assignee_id` to assign; `answer_text`
    to answer; `days` and `new_due_at` (from `domain.deadlines.extend_due`) to extend;
    `ground` and `linked_appeal_id` to reject; `reopen_window` (and optionally `new_due_at`)
    to reopen; `forward_by` (from `domain.deadlines.forward_deadline`) to forward. Anything
    else in `details` is recorded in the event as is.
    """
    to_status = TRANSITIONS.get((appeal.status, action))
    if to_status is None:
        raise IllegalTransition(appeal.status, action)
    if actor.kind is ActorKind.CONSUMER and (
        action not in CONSUMER_ACTIONS or actor.id is None or actor.id != appeal.user_id
    ):
        raise ActionNotAllowed(action, actor.kind)
    if (
        action in CONSUMER_ONLY_ACTIONS
        and actor.kind is not ActorKind.CONSUMER
        and not (actor.kind is ActorKind.STAFF and details.get("via") in STAFF_ENTRY_CHANNELS)
    ):
        raise ActionNotAllowed(action, actor.kind)
    require_aware(at)
    given = {
        "assignee_id": assignee_id,
        "answer_text": answer_text,
        "days": days,
        "new_due_at": new_due_at,
        "ground": ground,
        "linked_appeal_id": linked_appeal_id,
        "reopen_window": reopen_window,
        "rating": rating,
        "forward_by": forward_by,
    }
    stray = sorted(
        name
        for name, value in given.items()
        if value is not None and name not in _ARGUMENTS.get(action, ())
    )
    if stray:
        raise ValueError(f"{action} takes no {', '.join(stray)}")
    recorded: list[tuple[str, str]] = []
    updated = replace(appeal, status=to_status)

    if action is AppealAction.ASSIGN:
        if assignee_id is None:
            raise ValueError("assign needs an assignee_id")
        updated = replace(updated, assignee_id=assignee_id)
        recorded.append(("assignee_id", str(assignee_id)))
    elif action is AppealAction.TAKE:
        updated = replace(updated, assignee_id=actor.id)
        if actor.id is not None:
            recorded.append(("assignee_id", str(actor.id)))
    elif action is AppealAction.ANSWER:
        text = (answer_text or "").strip()
        if not text:
            raise EmptyAnswer("an answer needs a text")
        updated = replace(
            updated,
            answered_at=at,
            answer_text=text,
            first_answered_at=appeal.first_answered_at or at,
        )
        # The answer text also goes into the history: a reopen clears it from the appeal.
        recorded.append(("answer_text", text))
    elif action is AppealAction.EXTEND:
        updated = _extended(updated, at=at, days=days, new_due_at=new_due_at)
        recorded += [
            ("days", str(days)),
            ("previous_due_at", appeal.due_at.isoformat()),
            ("due_at", updated.due_at.isoformat()),
        ]
    elif action is AppealAction.FORWARD:
        if forward_by is not None:
            require_aware(forward_by)
            if at > forward_by:
                raise ForwardingTooLate(forward_by)
            recorded.append(("forward_by", forward_by.isoformat()))
    elif action is AppealAction.MARK_ILLEGIBLE:
        # ст. 11 ч. 4: told within the 7 days of ст. 8 ч. 3, the same term (`forward_by`).
        if forward_by is None:
            raise ValueError("marking illegible needs the 7-day term's end (forward_by)")
        require_aware(forward_by)
        if any(flag.kind is FlagKind.ILLEGIBLE for flag in appeal.flags):
            raise IllegalTransition(appeal.status, action)
        flag = ScreeningFlag(FlagKind.ILLEGIBLE, forward_by.isoformat())
        updated = replace(updated, flags=(*appeal.flags, flag))
        recorded.append(("tell_by", forward_by.isoformat()))
    elif action is AppealAction.REJECT:
        updated = _rejected(updated, ground=ground, linked_appeal_id=linked_appeal_id)
        recorded.append(("ground", str(ground)))
        if linked_appeal_id is not None:
            recorded.append(("linked_appeal_id", str(linked_appeal_id)))
    elif action is AppealAction.REOPEN:
        updated = _reopened(updated, at=at, window=reopen_window, new_due_at=new_due_at)
        # The answer being reopened stays in the history with its date and text.
        recorded += [
            ("previous_answered_at", _iso(appeal.answered_at)),
            ("previous_answer_text", appeal.answer_text or ""),
            ("first_answered_at", _iso(appeal.first_answered_at or appeal.answered_at)),
            ("reopen_count", str(updated.reopen_count)),
            ("due_at", updated.due_at.isoformat()),
        ]

    elif action is AppealAction.RATE:
        if appeal.rating is not None:
            raise SurveyNotOpen("the answer is already rated")
        if rating is None or not RATING_MIN <= rating <= RATING_MAX:
            raise InvalidRating("a rating is 1 to 5")
        updated = replace(updated, rating=rating)
        recorded.append(("rating", str(rating)))

    recorded += sorted(details.items())
    event = AppealEvent(
        action=action,
        actor=actor,
        at=at,
        reason=reason.strip(),
        from_status=appeal.status,
        to_status=to_status,
        details=tuple(recorded),
    )
    return updated, event


def with_survey_answers(
    appeal: Appeal, *, resolved: bool | None = None, comment: str | None = None
) -> Appeal:
    """The survey's later questions ("is it resolved", a comment) on a rated appeal."""
    if appeal.rating is None:
        raise SurveyNotOpen("rate the answer first")
    if comment is not None and len(comment.strip()) > TEXT_MAX:
        raise TextTooLong(TEXT_MAX)
    return replace(
        appeal,
        resolved=appeal.resolved if resolved is None else resolved,
        survey_comment=appeal.survey_comment if comment is None else comment.strip(),
    )


def _iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment is not None else ""


def _extended(
    appeal: Appeal, *, at: datetime, days: int | None, new_due_at: datetime | None
) -> Appeal:
    """59-ФЗ ст. 12 ч. 2: once, by at most 30 days, before the due date (the new one counts
    from it: `domain.deadlines.extend_due`)."""
    if days is None or new_due_at is None:
        raise ValueError("extend needs days and new_due_at")
    if appeal.extended:
        raise AlreadyExtended("the answer time was already extended")
    if at > appeal.due_at:
        raise ExtensionAfterDueDate(appeal.due_at)
    if days > MAX_EXTENSION_DAYS:
        raise ExtensionTooLong(MAX_EXTENSION_DAYS)
    if days < 1:
        raise ExtensionTooShort()
    require_aware(new_due_at)
    if new_due_at <= appeal.due_at:
        raise ValueError("an extension moves the due date later")
    return replace(appeal, due_at=new_due_at, extended=True)


def _rejected(
    appeal: Appeal, *, ground: RejectionGround | None, linked_appeal_id: AppealId | None
) -> Appeal:
    if ground is None:
        raise RejectionGroundRequired("a rejection names its ground")
    if ground is RejectionGround.REPEAT_WITHOUT_NEW_ARGUMENTS and linked_appeal_id is None:
        raise LinkedAppealRequired("a repeat points to the earlier appeal")
    if linked_appeal_id is not None and linked_appeal_id == appeal.id:
        raise ValueError("an appeal cannot repeat itself")
    return replace(
        appeal,
        rejection_ground=ground,
        linked_appeal_id=(
            linked_appeal_id if linked_appeal_id is not None else appeal.linked_appeal_id
        ),
    )


def _reopened(
    appeal: Appeal, *, at: datetime, window: timedelta | None, new_due_at: datetime | None
) -> Appeal:
    """Back to work under the same number. The due date stays unless the caller gives a new
    one (a setting decides whether a reopened appeal gets a fresh term)."""
    if window is None:
        raise ValueError("reopen needs the reopen_window")
    if appeal.answered_at is None:
        raise ValueError("only an answered appeal can be reopened")
    closes_at = appeal.answered_at + window
    if at > closes_at:
        raise ReopenWindowClosed(closes_at)
    if new_due_at is not None:
        require_aware(new_due_at)
    return replace(
        appeal,
        answered_at=None,
        answer_text=None,
        first_answered_at=appeal.first_answered_at or appeal.answered_at,
        # A new answer gets a new survey; the old rating stays in the history.
        rating=None,
        resolved=None,
        survey_comment="",
        reopen_count=appeal.reopen_count + 1,
        due_at=new_due_at if new_due_at is not None else appeal.due_at,
    )


# A refusal as a repeat (§15.8) ------------------------------------------------------------


def flagged_repeat_of(appeal: Appeal) -> AppealId | None:
    """The earlier appeal screening found this one repeats (domain/screening.py), or None."""
    for flag in appeal.flags:
        if flag.kind is FlagKind.REPEAT and flag.detail.isdigit():
            return AppealId(int(flag.detail))
    return None


def repeat_needs_earlier_number(appeal: Appeal, ground: RejectionGround) -> bool:
    """§15.8: a refusal as a repeat without new arguments points to the earlier, answered
    appeal. Screening's flag names it; without one, staff give its number before the refusal
    can be made."""
    return (
        ground is RejectionGround.REPEAT_WITHOUT_NEW_ARGUMENTS
        and flagged_repeat_of(appeal) is None
    )
