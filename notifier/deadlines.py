"""Deadline control (SPEC §4, regulation §19.7): warnings to the executor and the heads at
D-5 and D-1 (working days) and on the day a deadline is missed, and a daily digest in the
staff chat: due today, overdue, unassigned. A stage of its own comes on the 5th day after
registration: the 7-day term to forward an appeal outside the competence (59-ФЗ ст. 8 ч. 3)
and to tell that its text cannot be read (ст. 11 ч. 4) ends soon.

The check is driven by state, not by the clock's history: every run selects in SQL the open
appeals whose stage moved past the one last warned of (storage/deadline_marks.py: a mark per
appeal with the stage and the due date it was for; the stages' bounds from
domain/deadlines.py `stage_bounds`), queues the warning of the stage each has reached, with
a dedup key per appeal, due date, stage and recipient, and moves the mark. A run missed
while the bot was down is made up by the next one; a warning is never queued twice; an
extension (a new due date) arms the warnings again. Only the latest stage reached is sent:
an appeal first seen at D-1 gets no D-5 warning. The cost is that of the appeals whose
stage changes, not of every open appeal (1 000 000 appeals: docs/performance-scale.md).

An appeal staff marked illegible (/illegible; 59-ФЗ ст. 11 ч. 4) has a stage of its own: the
appellant is told within those 7 days (a rejection on that ground). Still open after them, it
escalates to the executor and the heads like an overdue appeal, once, and the digest counts it
overdue. Such appeals are few: the check reads every open one marked illegible.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from core.texts import Texts
from domain.appeals import Appeal
from domain.deadlines import (
    STAGE_RANK,
    StageBounds,
    WarningStage,
    WorkingCalendar,
    early_warning_due,
    forward_deadline,
    local_date,
    stage_bounds,
    start_of_day,
    warning_stage,
)
from domain.screening import FlagKind
from domain.staff import StaffMember, StaffRole
from notifier.appeal_notices import STAFF_METHOD
from notifier.scheduler import job_context
from storage import deadline_marks
from storage.outbox import enqueue
from storage.staff import SqlStaffDirectory
from storage.uow import UnitOfWork

logger = logging.getLogger(__name__)
# Appeals listed by name in each group of the digest; the rest are counted.
_DIGEST_SHOWN = 20
# SQLite answers on the event loop's thread (storage/sqlite_driver.py): the check reads the
# appeals at a stage this many index entries a statement, and commits the warnings of this
# many appeals at a time, each a few milliseconds, with a pause between them (issue 16 point
# 6: no job blocks the loop over 50 ms; docs/performance-scale.md).
_SLICE = 2000
_WARN_BATCH = 25

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class DeadlinePolicy:
    zone: ZoneInfo
    calendar: WorkingCalendar
    staff_chat_id: int | None


def _day(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%d.%m.%Y")


def illegible_tell_by(appeal: Appeal) -> datetime | None:
    """The end of the 7 days to tell the appellant the text is illegible (ст. 11 ч. 4), for an
    appeal staff marked so."""
    for flag in appeal.flags:
        if flag.kind is FlagKind.ILLEGIBLE:
            return datetime.fromisoformat(flag.detail)
    return None


def illegible_late(appeal: Appeal, now: datetime) -> bool:
    """Marked illegible, still open, and the 7 days are over: late for that stage."""
    tell_by = illegible_tell_by(appeal)
    return tell_by is not None and appeal.is_open and now > tell_by


def _by_due(appeal: Appeal) -> tuple[datetime, int]:
    return appeal.due_at, appeal.id or 0


def _executor(appeal: Appeal, members: dict[int, StaffMember], texts: Texts) -> str:
    if appeal.assignee_id is None:
        return texts.plain("staff-card-nobody")
    member = members.get(appeal.assignee_id)
    return member.display_name if member is not None else str(appeal.assignee_id)


async def check_deadlines(
    uow: UnitOfWork, *, texts: Texts, policy: DeadlinePolicy, now: datetime
) -> int:
    """Queue the warnings due at `now`; returns how many warnings were queued (an appeal
    whose early warning and stage warning both come counts twice). The warnings and marks of
    every `_WARN_BATCH` appeals are committed together, so a long run (the morning's, or the
    first after an upgrade) never holds SQLite, and with it the event loop, for long."""
    bounds = stage_bounds(now, policy.calendar, policy.zone)
    ids = await _changed(uow, bounds)
    if not ids:
        return 0
    everyone = await SqlStaffDirectory(uow).members()
    members = {m.user_id: m for m in everyone}
    heads = [m.user_id for m in everyone if m.role is StaffRole.HEAD]
    if not heads:  # a small company may have no head in the bot: the admins then
        heads = [m.user_id for m in everyone if m.role is StaffRole.ADMIN]
    warned = 0
    for start in range(0, len(ids), _WARN_BATCH):
        found = await deadline_marks.with_marks(uow, ids[start : start + _WARN_BATCH], bounds)
        for appeal, early_due, warned_rank in found:
            warned += _warn_appeal(
                uow,
                appeal,
                early_due=early_due,
                warned_rank=warned_rank,
                recipients=list(
                    dict.fromkeys(
                        ([appeal.assignee_id] if appeal.assignee_id is not None else []) + heads
                    )
                ),
                executor=_executor(appeal, members, texts),
                texts=texts,
                policy=policy,
                now=now,
            )
        if start + _WARN_BATCH < len(ids):
            await uow.commit()
            await asyncio.sleep(0)  # the loop's other work between batches
    return warned


async def _changed(uow: UnitOfWork, bounds: StageBounds) -> list[int]:
    """The open appeals with something to check at `bounds.now`, found a bounded slice of an
    index at a time with a pause after each (storage/deadline_marks.py)."""
    ids: set[int] = set()
    for status in deadline_marks.OPEN:
        after: datetime | None = None
        while True:
            found, after = await deadline_marks.stage_slice(
                uow, bounds, status=status, after=after, size=_SLICE
            )
            ids.update(found)
            await asyncio.sleep(0)
            if after is None:
                break
    ids.update(await deadline_marks.early_due(uow, bounds))
    ids.update(await deadline_marks.illegible_ids(uow))
    return sorted(ids)


def _warn_appeal(
    uow: UnitOfWork,
    appeal: Appeal,
    *,
    early_due: bool,
    warned_rank: int,
    recipients: list[int],
    executor: str,
    texts: Texts,
    policy: DeadlinePolicy,
    now: datetime,
) -> int:
    """Queue the appeal's warnings due at `now` and move its mark; how many were queued."""
    assert appeal.id is not None
    warned = 0
    early = early_due and early_warning_due(
        registered_at=appeal.registered_at, now=now, calendar=policy.calendar, zone=policy.zone
    )
    if early:
        # 59-ФЗ ст. 8 ч. 3, ст. 11 ч. 4: a stage of its own, once per appeal.
        forward_by = forward_deadline(
            registered_at=appeal.registered_at, calendar=policy.calendar, zone=policy.zone
        )
        text = texts.get(
            "deadline-early",
            number=appeal.number,
            date=_day(forward_by, policy.zone),
            executor=executor,
        )
        _warn(uow, policy, appeal.id, text, f"deadline:{appeal.id}:early", recipients, now)
        warned += 1
    tell_by = illegible_tell_by(appeal)
    if tell_by is not None and illegible_late(appeal, now):
        text = texts.get(
            "deadline-illegible-overdue",
            number=appeal.number,
            date=_day(tell_by, policy.zone),
            executor=executor,
        )
        key = f"deadline:{appeal.id}:illegible"
        _warn(uow, policy, appeal.id, text, key, recipients, now, urgent=True)
        warned += 1
    stage = warning_stage(appeal.due_at, now, policy.calendar, policy.zone)
    rank = warned_rank
    if stage is not None and STAGE_RANK[stage] > warned_rank:
        rank = STAGE_RANK[stage]
        warned += 1
        text = texts.get(
            f"deadline-{stage.value}",
            number=appeal.number,
            due=_day(appeal.due_at, policy.zone),
            executor=executor,
        )
        key = f"deadline:{appeal.id}:{appeal.due_at.isoformat()}:{stage.value}"
        _warn(
            uow,
            policy,
            appeal.id,
            text,
            key,
            recipients,
            now,
            urgent=stage is not WarningStage.D5,
        )
    if early or rank != warned_rank:
        deadline_marks.mark(
            uow,
            appeal.id,
            due_at=appeal.due_at if rank else None,
            stage=rank,
            early=early,
        )
    return warned


def _warn(
    uow: UnitOfWork,
    policy: DeadlinePolicy,
    appeal_id: int,
    text: str,
    key: str,
    recipients: list[int],
    now: datetime,
    *,
    urgent: bool = False,
) -> None:
    """One warning to each recipient's private chat and to the appeal's thread, once."""
    for user_id in recipients:
        enqueue(
            uow,
            chat_id=user_id,
            method="send_message",
            payload={"text": text},
            now=now,
            dedup_key=f"{key}:{user_id}",
            urgent=urgent,
        )
    if policy.staff_chat_id is not None:
        enqueue(
            uow,
            chat_id=policy.staff_chat_id,
            method=STAFF_METHOD,
            payload={"op": "post", "appeal_id": appeal_id, "text": text},
            now=now,
            dedup_key=f"{key}:thread",
        )


def digest_text(
    groups: list[tuple[int, list[Appeal]]],
    members: dict[int, StaffMember],
    *,
    texts: Texts,
    zone: ZoneInfo,
    now: datetime,
) -> str:
    """The digest from `deadline_marks.digest_groups`: due today, overdue, unassigned, each
    as (how many, the first `_DIGEST_SHOWN`)."""
    today = local_date(now, zone)
    lines = [texts.get("digest-title", date=today.strftime("%d.%m.%Y"))]
    for key, (count, shown) in zip(
        ("digest-due-today", "digest-overdue", "digest-unassigned"), groups, strict=True
    ):
        lines.append("")
        lines.append(texts.get(key, count=count))
        for appeal in shown:
            lines.append(
                texts.get(
                    "digest-item",
                    number=appeal.number,
                    due=_day(appeal.due_at, zone),
                    executor=_executor(appeal, members, texts),
                )
            )
        if count > len(shown):
            lines.append("…")
    return "\n".join(lines)


async def daily_digest(
    uow: UnitOfWork, *, texts: Texts, policy: DeadlinePolicy, now: datetime, once: bool = True
) -> bool:
    """Queue the digest in the staff chat; with `once`, at most one per local day."""
    if policy.staff_chat_id is None:
        return False
    today = local_date(now, policy.zone)
    groups = await deadline_marks.digest_groups(
        uow,
        now=now,
        today_ends=start_of_day(today + timedelta(days=1), policy.zone),
        shown=_DIGEST_SHOWN,
    )
    # Open past the 7 days of an illegible text (ст. 11 ч. 4), not yet past the due date:
    # overdue too.
    late = [
        a
        for a in await deadline_marks.illegible_open(uow)
        if illegible_late(a, now) and now <= a.due_at
    ]
    if late:
        count, first = groups[1]
        groups[1] = (count + len(late), sorted([*first, *late], key=_by_due)[:_DIGEST_SHOWN])
    members = {m.user_id: m for m in await SqlStaffDirectory(uow).members()}
    text = digest_text(groups, members, texts=texts, zone=policy.zone, now=now)
    enqueue(
        uow,
        chat_id=policy.staff_chat_id,
        method="send_message",
        payload={"text": text},
        now=now,
        dedup_key=f"digest:{today.isoformat()}" if once else None,
    )
    return True


# Scheduled jobs (notifier/scheduler.py runs them by name; they read the job context) -------

DEADLINE_JOB = "notifier.deadlines:run_deadline_check"
DIGEST_JOB = "notifier.deadlines:run_daily_digest"


async def _in_job(
    work: Callable[[UnitOfWork, Texts, DeadlinePolicy, datetime], Awaitable[T]],
) -> T:
    context = job_context()
    texts: Texts = context.extra["texts"]
    policy: DeadlinePolicy = context.extra["deadline_policy"]
    uow = UnitOfWork(context.sessionmaker, clock=context.clock)
    try:
        result = await work(uow, texts, policy, context.clock.now())
        await uow.commit()
    except BaseException:
        await uow.rollback()
        raise
    wake = context.extra.get("wake_outbox")
    if callable(wake):
        wake()
    return result


async def run_deadline_check() -> int:
    warned = await _in_job(
        lambda uow, texts, policy, now: check_deadlines(uow, texts=texts, policy=policy, now=now)
    )
    logger.info("deadline check: %d warnings queued", warned)
    return warned


async def run_daily_digest() -> bool:
    return await _in_job(
        lambda uow, texts, policy, now: daily_digest(uow, texts=texts, policy=policy, now=now)
    )
