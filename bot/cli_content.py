"""`reception content check`: the content folder is well formed (storage/content.py), and
its pages do not contradict the bot (domain/content_truth.py): office hours against the
OFFICE_HOURS setting, names of menu items, buttons, sections and notice topics against the
bot's own labels, placeholders against those the bot fills, the consent's retention periods
against the RETENTION_*_DAYS settings. `reception run` refuses only a
folder that is not well formed; contradictions are for the operator to fix."""

from __future__ import annotations

import sys
from collections.abc import Iterator

from bot.settings import Settings
from core.texts import Texts
from domain.booking import parse_office_hours
from domain.content import ContentLibrary
from domain.content_truth import (
    Finding,
    FindingKind,
    hours_findings,
    name_findings,
    placeholder_findings,
    retention_findings,
)


def bot_labels(texts: Texts, library: ContentLibrary) -> Iterator[str]:
    """Every name the bot shows people: one-line texts without variables (menu items,
    buttons, notice topics, appeal kinds and subjects...) and the sections' titles."""
    for key in sorted(texts.keys()):
        try:
            text = texts.plain(key)
        except ValueError:  # a text with variables is not a name
            continue
        if "\n" not in text:
            yield text
    for section in library.all_sections():
        yield section.title


def truth_findings(
    settings: Settings, texts: Texts, library: ContentLibrary
) -> list[tuple[str, Finding]]:
    """(section id, finding) for each contradiction between a page (as written, before its
    placeholders are filled) and the bot."""
    hours = parse_office_hours(settings.booking.office_hours)
    labels = list(bot_labels(texts, library))
    found: list[tuple[str, Finding]] = []
    pages = [(section.id, section.body) for section in library.all_sections()]
    pages.append(("consent", library.consent.body))
    for where, body in pages:
        for finding in (
            *placeholder_findings(body),
            *hours_findings(body, hours),
            *name_findings(body, labels),
        ):
            found.append((where, finding))
    days = {
        category: period.days for category, period in settings.retention.policy.periods.items()
    }
    found += [("consent", finding) for finding in retention_findings(library.consent.body, days)]
    return found


_TRUTH_KEYS = {
    FindingKind.PLACEHOLDER: "content-truth-placeholder",
    FindingKind.HOURS: "content-truth-hours",
    FindingKind.NAME: "content-truth-name",
    FindingKind.RETENTION: "content-truth-retention",
}


def _truth_line(texts: Texts, settings: Settings, where: str, finding: Finding) -> str:
    return texts.plain(
        _TRUTH_KEYS[finding.kind],
        where=where,
        value=finding.found or "none",
        detail=finding.expected,
        field=f"RETENTION_{finding.subject.upper()}_DAYS" if finding.subject else "",
        hours=settings.booking.office_hours,
    )


def cmd_content_check(settings: Settings, texts: Texts, *, quiet: bool = False) -> int:
    """Exit code 0: the folder is well formed (and, unless `quiet`, says what the bot really
    does); 1: problems, each on a line of its own."""
    from storage.content import check_content, load_content

    root = settings.content_dir
    problems = check_content(root)
    if problems:
        lines = [texts.plain("content-invalid-title", root=str(root), count=len(problems))]
        for problem in problems:
            lines.append(
                texts.plain(
                    "content-problem-line",
                    where=problem.where,
                    problem=texts.plain(problem.reason, detail=problem.detail),
                )
            )
        print("\n".join(lines), file=sys.stderr)
        return 1
    if quiet:
        return 0
    library = load_content(root)
    findings = truth_findings(settings, texts, library)
    if findings:
        lines = [texts.plain("content-truth-title", count=len(findings))]
        lines += [_truth_line(texts, settings, where, f) for where, f in findings]
        print("\n".join(lines), file=sys.stderr)
        return 1
    print(
        texts.plain(
            "content-ok",
            sections=len(library.all_sections()),
            version=library.consent.version,
            sample="yes" if library.sample else "no",
        )
    )
    return 0
