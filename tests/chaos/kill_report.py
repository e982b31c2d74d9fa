"""What the kill trials found (tests/chaos/kill.py), per flow, and the table they print."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

MODES = ("final", "late", "mid")


@dataclass
class FlowFigures:
    trials: int = 0
    kills: Counter[str] = field(default_factory=Counter)
    records: int = 0
    confirmed_once: int = 0
    lost: int = 0  # a record without a confirmation
    duplicates: int = 0  # a record confirmed more than once
    phantoms: int = 0  # a number shown for no record
    not_stored_resumed: int = 0  # nothing stored at the kill; the summary pressed again
    not_stored_stuck: int = 0  # nothing stored and the person could not finish
    mid_question_shown: int = 0
    mid_question_after_resume: int = 0  # asked again by «Продолжить» after the restart
    mid_question_missing: int = 0
    mid_dialog_lost: int = 0  # no dialog state any more after a mid-dialog kill
    mid_continued: int = 0
    mid_stuck: int = 0
    repress_answered: int = 0
    repress_unanswered: int = 0
    repress_number_told: int = 0
    repress_button_gone: int = 0
    second_records: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass
class KillReport:
    seed: int
    database: str
    flows: dict[str, FlowFigures] = field(default_factory=dict)
    restarts: list[float] = field(default_factory=list)
    appeals: int = 0
    topics: int = 0
    extra_topics: int = 0
    missing_topics: int = 0
    duplicate_cards: int = 0
    missing_cards: int = 0
    outbox_pending_at_end: int = 0
    seconds: float = 0.0

    def total(self, name: str) -> int:
        return sum(int(getattr(figures, name)) for figures in self.flows.values())

    @property
    def trials(self) -> int:
        return self.total("trials")

    def table(self) -> str:
        columns = [
            ("trials", "trials"),
            ("kills final/late/mid", None),
            ("records", "records"),
            ("confirmed once", "confirmed_once"),
            ("lost", "lost"),
            ("duplicate", "duplicates"),
            ("phantom", "phantoms"),
            ("not stored: resumed / stuck", None),
            ("mid: question shown / after «Продолжить» / missing / dialog lost", None),
            ("mid: continued / stuck", None),
            ("re-press: button gone / answered / not / told the number", None),
            ("second record", "second_records"),
        ]
        header = "| flow | " + " | ".join(name for name, _ in columns) + " |"
        lines = [
            f"Kill trials (seed {self.seed}, {self.database}): {self.trials} trials, "
            f"{len(self.restarts)} restarts ({_mean(self.restarts):.2f} s each on average), "
            f"{self.seconds:.0f} s",
            "",
            header,
            "|" + "---|" * (len(columns) + 1),
        ]
        for name, figures in self.flows.items():
            cells = []
            for title, attribute in columns:
                if attribute is not None:
                    cells.append(str(getattr(figures, attribute)))
                elif title.startswith("kills"):
                    cells.append("/".join(str(figures.kills[mode]) for mode in MODES))
                elif title.startswith("not stored"):
                    cells.append(f"{figures.not_stored_resumed} / {figures.not_stored_stuck}")
                elif title.startswith("mid: question"):
                    cells.append(
                        f"{figures.mid_question_shown} / {figures.mid_question_after_resume} / "
                        f"{figures.mid_question_missing} / "
                        f"{figures.mid_dialog_lost}"
                    )
                elif title.startswith("mid: continued"):
                    cells.append(f"{figures.mid_continued} / {figures.mid_stuck}")
                else:
                    cells.append(
                        f"{figures.repress_button_gone} / {figures.repress_answered} / "
                        f"{figures.repress_unanswered} / {figures.repress_number_told}"
                    )
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        lines += [
            "",
            f"Staff chat: {self.appeals} appeals, {self.topics} forum topics, "
            f"{self.extra_topics} extra, {self.missing_topics} missing; cards missing "
            f"{self.missing_cards}, posted more than once {self.duplicate_cards} "
            "(at-least-once); "
            f"{self.outbox_pending_at_end} outbox rows still pending at the end.",
        ]
        problems = [f"  {name}: {e}" for name, f in self.flows.items() for e in f.errors]
        if problems:
            lines.append("Trials that could not be driven to the end:")
            lines += problems[:30]
        return "\n".join(lines)

    @property
    def failures(self) -> dict[str, int]:
        """What must be 0 (the acceptance's three, and the ones that make them believable)."""
        return {
            "records without a confirmation": self.total("lost"),
            "duplicate confirmations": self.total("duplicates"),
            "phantom numbers": self.total("phantoms"),
            "extra topics": self.extra_topics,
            "appeals without a topic": self.missing_topics,
            "appeals without a card": self.missing_cards,
            "summaries lost (nothing stored, could not finish)": self.total("not_stored_stuck"),
            "mid-dialog kills without the current question": self.total("mid_question_missing")
            + self.total("mid_dialog_lost"),
            "mid-dialog kills the person could not continue": self.total("mid_stuck"),
            "re-presses not answered": self.total("repress_unanswered"),
            "second records on a re-press": self.total("second_records"),
        }


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0
