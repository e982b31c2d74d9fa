"""What the fault run (tests/chaos/faults.py) owes and found: each message the outbox owes a
person, the figures per kind, and the table and failures they make."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from tests.chaos.fault_api import Request

SEND_KINDS = frozenset({"sendMessage", "sendPhoto", "sendDocument", "sendVoice", "copyMessage"})


@dataclass(frozen=True, slots=True)
class Owed:
    """A message the bot owes: `kind`, the chat, and how to recognise it."""

    kind: str
    chat_id: int
    marker: str
    also: str = ""

    def matches(self, request: Request) -> bool:
        return (
            request.chat_id == self.chat_id
            and request.method in SEND_KINDS
            and self.marker in request.text
            and self.also in request.text
        )


@dataclass
class KindFigures:
    owed: int = 0
    delivered_once: int = 0
    lost: int = 0
    duplicates_explained: int = 0
    duplicates_unexplained: int = 0


@dataclass
class FaultReport:
    seed: int
    database: str
    kinds: dict[str, KindFigures] = field(default_factory=dict)
    faults: Counter[str] = field(default_factory=Counter)
    requests: int = 0
    breaches: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    appeals: int = 0
    topics: int = 0
    extra_topics: int = 0  # more than one topic for an appeal, not explained by a dropped answer
    extra_topics_explained: int = 0  # createForumTopic delivered, its answer dropped: retried
    missing_topics: int = 0
    cards_missing: int = 0
    cards_repeated: int = 0
    blocked_answers: int = 0
    blocked_answers_with_task: int = 0
    blocked_answers_marked_answered: int = 0
    outbox: Counter[str] = field(default_factory=Counter)
    not_driven: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def total(self, name: str) -> int:
        return sum(int(getattr(figures, name)) for figures in self.kinds.values())

    @property
    def failures(self) -> dict[str, int]:
        return {
            "lost": self.total("lost"),
            "unexplained duplicates": self.total("duplicates_unexplained"),
            "extra topics": self.extra_topics,
            # Without a topic is allowed: when Telegram refuses new topics (a 429) the card
            # goes to the main chat (notifier/staff_channel.py). Without a card it is lost.
            "appeals without a card": self.cards_missing,
            "answers to people who blocked the bot without a task for staff": (
                self.blocked_answers - self.blocked_answers_with_task
            ),
            "calls over Telegram's limits": sum(self.breaches.values()),
            "outbox rows still pending": self.outbox["pending"],
        }

    def table(self) -> str:
        faults = ", ".join(f"{kind} {n}" for kind, n in sorted(self.faults.items()))
        lines = [
            f"Fault injection (seed {self.seed}, {self.database}): {self.requests} requests, "
            f"{self.seconds:.0f} s; faults: {faults}",
            "",
            "| owed message | owed | delivered once | lost | duplicates (connection dropped "
            "after delivery) | duplicates (unexplained) |",
            "|---|---|---|---|---|---|",
        ]
        for kind, f in self.kinds.items():
            lines.append(
                f"| {kind} | {f.owed} | {f.delivered_once} | {f.lost} | "
                f"{f.duplicates_explained} | {f.duplicates_unexplained} |"
            )
        lines += [
            "",
            f"Appeals {self.appeals}: forum topics {self.topics} ({self.extra_topics} extra, "
            f"{self.extra_topics_explained} more where the answer to a delivered "
            "createForumTopic was dropped; "
            f"{self.missing_topics} appeals without one, their card in the main chat after a "
            f"429 on new topics); cards missing {self.cards_missing}, posted more than once "
            f"{self.cards_repeated}.",
            f"Answers to people who blocked the bot: {self.blocked_answers}; with a task for "
            f"staff {self.blocked_answers_with_task}; appeal still shown as answered "
            f"{self.blocked_answers_marked_answered}.",
            "Outbox at the end: " + ", ".join(f"{s} {n}" for s, n in sorted(self.outbox.items())),
            f"Calls over Telegram's limits: {sum(self.breaches.values())} "
            + (str(dict(self.breaches)) if self.breaches else ""),
            f"ERROR records: {sum(self.errors.values())} "
            + (str(dict(self.errors.most_common(8))) if self.errors else ""),
        ]
        if self.not_driven:
            lines.append("Steps that could not be driven: " + "; ".join(self.not_driven[:20]))
        return "\n".join(lines)
