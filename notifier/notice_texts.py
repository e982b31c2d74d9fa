"""What notices say (SPEC §8): the message a person gets (`render_notice`, HTML), and the
reports and import results staff read (`NoticeTexts`), in the chat or in a terminal."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from core.texts import Texts
from domain.notice_lifecycle import (
    ClosureParams,
    MessageParams,
    Notice,
    NoticeReport,
    NoticeStatus,
    Outage,
    OutageParams,
    QuestionnaireParams,
    ReadingsParams,
    TariffParams,
)
from domain.notices import NoticeKind
from domain.questionnaires import Question, QuestionKind
from notifier.questionnaire_texts import render_question
from services.csv_import import RefusedRow
from services.notices import ImportResult, Planned

NONE = "none"
_THIN_SPACE = "\u202f"
_REFUSED_SHOWN = 50
_PLANNED_SHOWN = 8
_TAGS = re.compile(r"</?[bi]>")
# Kinds whose message lists each account's own figures.
_ACCOUNT_LINES = {
    NoticeKind.DEBT: "notice-debt-line",
    NoticeKind.PAYMENT_DUE: "notice-payment-due-line",
    NoticeKind.RESTRICTION: "notice-restriction-line",
}


def money(amount: Decimal | str) -> str:
    """1234.5 -> "1 234,50" (a narrow no-break space between thousands)."""
    value = Decimal(str(amount)).quantize(Decimal("0.01"))
    whole, _, cents = f"{value:,.2f}".partition(".")
    return whole.replace(",", _THIN_SPACE) + "," + cents


def _day(value: str | date) -> str:
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return day.strftime("%d.%m.%Y")


def render_notice(
    texts: Texts,
    zone: ZoneInfo,
    notice: Notice,
    accounts: Sequence[tuple[str, dict[str, Any]]],
) -> str:
    """The message one person gets (HTML): `accounts` are the accounts it is about for them,
    each with its own figures."""

    def local(moment: datetime | None) -> str:
        return "" if moment is None else moment.astimezone(zone).strftime("%d.%m.%Y %H:%M")

    kind, params = notice.kind, notice.params
    if kind in _ACCOUNT_LINES:
        lines = "\n".join(
            texts.get(
                _ACCOUNT_LINES[kind],
                account=account,
                amount=money(figures.get("amount", "0")),
                as_of=_day(figures["as_of"]) if "as_of" in figures else "",
                due=_day(figures["due_date"]) if "due_date" in figures else "",
                date=_day(figures["planned_date"]) if "planned_date" in figures else "",
            )
            for account, figures in accounts
        )
        body = texts.get(f"notice-{kind.value.replace('_', '-')}", lines=lines)
    elif isinstance(params, OutageParams | ClosureParams):
        reason = params.reason if isinstance(params, OutageParams) else ""
        body = texts.get(
            f"notice-{kind.value.replace('_', '-')}",
            settlement=params.settlement,
            street=params.street,
            houses=params.houses or NONE,
            starts=local(params.starts_at),
            ends=local(params.ends_at),
            reason=reason or NONE,
        )
    elif isinstance(params, TariffParams):
        body = texts.get("notice-tariff", text=params.text, effective=_day(params.effective))
    elif isinstance(params, ReadingsParams):
        body = texts.get("notice-readings-reminder", start=params.start, end=params.end)
    elif isinstance(params, QuestionnaireParams):
        body = render_question(
            texts,
            title=params.title,
            position=0,
            count=params.count,
            question=questionnaire_question(params),
        )
    else:
        text = params.text if isinstance(params, MessageParams) else ""
        body = texts.get(
            "notice-message",
            topic=texts.get(f"settings-topic-{notice.topic.value}"),
            text=text,
        )
    return f"{body}\n\n{texts.get('notice-footer')}"


def questionnaire_question(params: QuestionnaireParams) -> Question:
    """The first question a questionnaire's notice carries."""
    return Question(QuestionKind(params.kind), params.text, params.options)


def _duration(seconds: float) -> str:
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class NoticeTexts:
    """Reports and import results for staff: the same words in the chat (HTML) and in a
    terminal (`plain`)."""

    def __init__(self, texts: Texts, zone: ZoneInfo, *, plain: bool = False) -> None:
        self._texts = texts
        self._zone = zone
        self._plain = plain

    def _get(self, key: str, **args: Any) -> str:
        if self._plain:  # a terminal: the chat's bold and italics go
            return _TAGS.sub("", self._texts.plain(key, **args))
        return self._texts.get(key, **args)

    def _at(self, moment: datetime | None) -> str:
        if moment is None:
            return self._get("notice-report-none")
        return moment.astimezone(self._zone).strftime("%d.%m.%Y %H:%M")

    def kind(self, kind: str) -> str:
        return self._get(f"notice-kind-{kind}")

    def _status(self, report: NoticeReport) -> str:
        """A notice whose every row has an outcome is done, even before the scheduler's
        next run records it."""
        status = report.notice.status
        if (
            status is NoticeStatus.SENDING
            and report.counts.pending == 0
            and report.counts.total > 0
        ):
            status = NoticeStatus.DONE
        return self._get(f"notice-status-{status}")

    def report(self, report: NoticeReport) -> str:
        notice, counts = report.notice, report.counts
        started = notice.queued_at or notice.send_at
        duration = (
            _duration((counts.last_sent - counts.first_sent).total_seconds())
            if counts.first_sent is not None and counts.last_sent is not None
            else NONE
        )
        text = self._get(
            "notice-report",
            id=notice.id,
            kind=self.kind(notice.kind),
            status=self._status(report),
            created=self._at(notice.created_at),
            source=notice.source or NONE,
            send_at=self._at(
                started if notice.status is not NoticeStatus.SCHEDULED else notice.send_at
            ),
            planned=counts.total or notice.planned,
            sent=counts.sent,
            blocked=counts.blocked,
            failed=counts.failed,
            pending=counts.pending,
            dropped=counts.dropped,
            first=self._at(counts.first_sent),
            last=self._at(counts.last_sent),
            duration=duration,
        )
        if report.outage is not None:
            text += "\n" + self.outage(report.outage)
        return text

    def short(self, report: NoticeReport) -> str:
        notice, counts = report.notice, report.counts
        return self._get(
            "notice-report-short",
            id=notice.id,
            kind=self.kind(notice.kind),
            status=self._status(report),
            send_at=self._at(notice.send_at),
            planned=counts.total or notice.planned,
            sent=counts.sent,
            pending=counts.pending,
        )

    def outage(self, outage: Outage) -> str:
        return self._get(
            "notice-outage-line",
            id=outage.id,
            kind=self._get(f"notice-outage-kind-{outage.kind}"),
            settlement=outage.settlement,
            street=outage.street,
            houses=outage.houses or NONE,
            starts=self._at(outage.starts_at),
            ends=self._at(outage.ends_at),
            status=self._get(f"notice-outage-status-{outage.status}"),
        )

    def import_result(
        self, result: ImportResult, refused_line: Callable[[RefusedRow], str]
    ) -> str:
        parts = [
            self._get(
                "notice-import-summary",
                accepted=result.accepted,
                refused=len(result.refused),
                people=result.people,
                unreached=result.unreached,
            )
        ]
        if len(result.notices) > _PLANNED_SHOWN:
            groups: dict[NoticeKind, list[Planned]] = {}
            for planned in result.notices:
                groups.setdefault(planned.kind, []).append(planned)
            for kind, group in groups.items():
                ids = [p.id for p in group if p.id is not None]
                parts.append(
                    self._get(
                        "notice-import-planned-group",
                        kind=self.kind(kind.value),
                        count=len(group),
                        first=self._at(min(p.send_at for p in group)),
                        last=self._at(max(p.send_at for p in group)),
                    )
                    + (f" (№ {min(ids)}–{max(ids)})" if ids else "")
                )
        elif result.notices:
            parts.extend(
                self._get(
                    "notice-import-planned", kind=self.kind(p.kind.value), at=self._at(p.send_at)
                )
                + (f" (№ {p.id})" if p.id is not None else "")
                for p in result.notices
            )
        else:
            parts.append(self._get("notice-import-planned-none"))
        parts.extend(refused_line(row) for row in result.refused[:_REFUSED_SHOWN])
        if len(result.refused) > _REFUSED_SHOWN:
            parts.append(
                self._get("import-refused-more", count=len(result.refused) - _REFUSED_SHOWN)
            )
        parts.append(
            self._get("notice-import-dry-run" if result.dry_run else "notice-import-done")
        )
        return "\n".join(parts)
