"""What a hostile run found (hostile.py): counts per check, ERROR records grouped by exception
and the innermost frame of the bot's code, unanswered updates grouped by kind, dialog state
and chat, each group with an example, and the dialog states the run reached."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tests.chaos.hostile_scenarios import dialog_states
from tests.chaos.session import LoggedError

ROOT = Path(__file__).resolve().parents[2]
_FRAME_RE = re.compile(r"^\s+(\S+):(\d+) in (\S+)$")


@dataclass(frozen=True, slots=True)
class Unanswered:
    scenario: str
    kind: str
    state: str | None
    detail: str
    staff_chat: bool = False

    @property
    def key(self) -> str:
        where = "staff chat" if self.staff_chat else "private chat"
        return f"{self.kind} in {self.state or 'no state'} ({where})"


@dataclass
class HostileReport:
    seed: int
    hostile: int = 0
    driving: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    by_scenario: Counter[str] = field(default_factory=Counter)
    states: Counter[str] = field(default_factory=Counter)
    exempt: Counter[str] = field(default_factory=Counter)
    unanswered: list[Unanswered] = field(default_factory=list)
    errors: list[tuple[str, LoggedError]] = field(default_factory=list)
    breaches: Counter[str] = field(default_factory=Counter)
    breach_examples: dict[str, str] = field(default_factory=dict)
    calls: int = 0
    driver_misses: Counter[str] = field(default_factory=Counter)
    outbox: Counter[str] = field(default_factory=Counter)
    outbox_failures: Counter[str] = field(default_factory=Counter)
    declared: set[str] = field(default_factory=dialog_states)
    seconds: float = 0.0

    @property
    def error_count(self) -> int:
        return len(self.errors)

    @property
    def breach_count(self) -> int:
        return sum(self.breaches.values())

    def error_groups(self) -> Counter[str]:
        """ERROR records grouped by exception and the innermost frame of our code."""
        groups: Counter[str] = Counter()
        for _where, record in self.errors:
            groups[_error_key(record)] += 1
        return groups

    def error_example(self, key: str) -> str:
        """The update of the first ERROR record of a group."""
        return next((where for where, record in self.errors if _error_key(record) == key), "")

    def unanswered_groups(self) -> Counter[str]:
        return Counter(u.key for u in self.unanswered)

    def unanswered_example(self, key: str) -> str:
        found = next((u for u in self.unanswered if u.key == key), None)
        return "" if found is None else f"{found.scenario}: {found.detail}"

    def table(self) -> str:
        lines = [
            f"Hostile updates (seed {self.seed}): {self.hostile} hostile + {self.driving} "
            f"driving the dialogs, {self.calls} Bot API calls, {self.seconds:.1f} s",
            f"  scenarios entered: {len(self.by_scenario)}; updates sent in "
            f"{len(self.declared & set(self.states))} of the {len(self.declared)} declared "
            "dialog states (and outside any)",
            "  kinds: " + ", ".join(f"{k} {n}" for k, n in sorted(self.by_kind.items())),
            "",
            "| check | result |",
            "|---|---|",
            f"| exceptions logged at ERROR | {self.error_count} |",
            f"| updates not answered | {len(self.unanswered)} |",
            f"| calls over Telegram's limits | {self.breach_count} |",
            f"| outbox rows failed | {self.outbox['failed']} |",
            f"| updates needing no answer (documented) | {sum(self.exempt.values())} |",
        ]
        if self.exempt:
            lines.append(
                "  no answer needed: "
                + ", ".join(f"{k} {n}" for k, n in self.exempt.most_common())
            )
        if self.errors:
            lines.append("  ERROR records by exception and place:")
            lines += [
                f"    {n:5d}  {key}\n           e.g. {self.error_example(key)[:150]}"
                for key, n in self.error_groups().most_common(25)
            ]
        if self.unanswered:
            lines.append("  unanswered by kind and state:")
            lines += [
                f"    {n:5d}  {key}\n           e.g. {self.unanswered_example(key)[:150]}"
                for key, n in self.unanswered_groups().most_common(25)
            ]
        if self.breaches:
            lines.append("  calls over the limits by rule (an example):")
            lines += [
                f"    {n:5d}  {rule}: {self.breach_examples.get(rule, '')}"
                for rule, n in self.breaches.most_common()
            ]
        if self.outbox_failures:
            lines.append("  outbox failures by error:")
            lines += [f"    {n:5d}  {e}" for e, n in self.outbox_failures.most_common(10)]
        unseen = sorted(self.declared - set(self.states))
        if unseen:
            lines.append("  declared dialog states no update was sent in: " + ", ".join(unseen))
        if self.driver_misses:
            lines.append(
                "  scenarios whose driver stopped short (the state was not reached): "
                + ", ".join(f"{k} {n}" for k, n in self.driver_misses.most_common())
            )
        return "\n".join(lines)


def _error_key(record: LoggedError) -> str:
    lines = record.message.splitlines()
    head = lines[0] if lines else record.message
    found = re.match(r"update \S+ failed with (\S+)", head)
    if not found:
        return f"{record.logger}: {head[:120]}"
    place = last = ""
    for line in lines[1:]:
        frame = _FRAME_RE.match(line)
        if frame is None:
            continue
        path = Path(frame.group(1))
        last = f"{path.name}:{frame.group(2)} {frame.group(3)} (a library)"
        if ROOT in path.parents and ".venv" not in path.parts:
            place = f"{path.relative_to(ROOT)}:{frame.group(2)} {frame.group(3)}"
    # The error handler logs the innermost 8 frames: they may all be a library's.
    return f"{found.group(1)} at {place or last or '?'}"
