"""The appeal dialog's steps: what each asks, in which order (SPEC §2: kind → subject →
[ПП 55 details for a quality complaint: dialogs/appeal/pp55.py] → text → files → name →
address → how to answer → [contact unless in this chat] → category → summary)."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.fsm.state import State
from aiogram.types import InlineKeyboardMarkup

from dialogs.appeal import pp55
from dialogs.appeal.keyboards import AppealPick, files_done, pick, summary_keyboard
from dialogs.appeal.states import AppealDialogState, FileAppeal
from dialogs.steps import Step, StepTable, Turn
from domain.appeals import (
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    TEXT_MAX,
    TEXT_MIN,
    AnswerChannel,
    AppealKind,
    VulnerableGroup,
    is_quality_complaint,
    subjects_for,
)
from domain.ids import UserId
from handlers.keyboards import dialog_nav, inline_column

MB = 1024 * 1024
Data = AppealDialogState


def order(data: Data) -> Sequence[State]:
    steps = [FileAppeal.kind, FileAppeal.subject]
    if data.kind and data.subject and is_quality_complaint(data.kind, data.subject):
        steps += pp55.pp55_order(data)
    steps += [
        FileAppeal.text,
        FileAppeal.attachments,
        FileAppeal.full_name,
        FileAppeal.address,
        FileAppeal.channel,
    ]
    if data.channel not in (None, AnswerChannel.CHAT):
        steps.append(FileAppeal.contact)
    steps += [FileAppeal.vulnerable, FileAppeal.summary]
    return steps


async def prefill_keyboard(turn: Turn, what: str) -> InlineKeyboardMarkup | None:
    """«Use: …» from a linked account (name, or address for the address and the device), and
    «skip» where the step may be skipped."""
    buttons: list[tuple[str, AppealPick]] = []
    prefill = await turn.services.appeals.prefill(UserId(turn.message.chat.id))
    if prefill is not None:
        value = prefill.full_name if what == "name" else prefill.address
        if value:
            label = turn.texts.get("appeal-use-button", value=value[:40])
            buttons.append((label, AppealPick(field="prefill", value=what)))
    if what != "name":
        buttons.append((turn.texts.get("appeal-skip"), AppealPick(field="skip", value=what)))
    # An empty inline keyboard is no keyboard: send none rather than an empty one.
    return inline_column(buttons) if buttons else None


async def _kind(turn: Turn, data: Data) -> None:
    texts = turn.texts
    await turn.say(texts.get("appeal-ask-kind"), dialog_nav(texts))
    kinds = [(f"appeal-kind-{k.value}", k.value) for k in AppealKind]
    await turn.say(texts.get("appeal-kind-prompt"), pick(texts, "kind", kinds))


async def _subject(turn: Turn, data: Data) -> None:
    assert data.kind is not None
    subjects = [(f"appeal-subject-{s.value}", s.value) for s in subjects_for(data.kind)]
    await turn.say(turn.texts.get("appeal-ask-subject"), pick(turn.texts, "subject", subjects))


async def _text(turn: Turn, data: Data) -> None:
    question = turn.texts.get("appeal-ask-text", min=TEXT_MIN, max=TEXT_MAX)
    await turn.say(question, dialog_nav(turn.texts))


async def _attachments(turn: Turn, data: Data) -> None:
    question = turn.texts.get(
        "appeal-ask-attachments", max=MAX_ATTACHMENTS, mb=MAX_ATTACHMENT_BYTES // MB
    )
    await turn.say(question, files_done(turn.texts))


async def _full_name(turn: Turn, data: Data) -> None:
    await turn.say(turn.texts.get("appeal-ask-full-name"), await prefill_keyboard(turn, "name"))


async def _address(turn: Turn, data: Data) -> None:
    await turn.say(turn.texts.get("appeal-ask-address"), await prefill_keyboard(turn, "address"))


async def _channel(turn: Turn, data: Data) -> None:
    channels = [(f"appeal-channel-{c.value}", c.value) for c in AnswerChannel]
    await turn.say(turn.texts.get("appeal-ask-channel"), pick(turn.texts, "channel", channels))


async def _contact(turn: Turn, data: Data) -> None:
    assert data.channel is not None
    await turn.say(turn.texts.get(f"appeal-ask-{data.channel.value}"), dialog_nav(turn.texts))


async def _vulnerable(turn: Turn, data: Data) -> None:
    groups = [(f"appeal-vulnerable-{g.value}", g.value) for g in VulnerableGroup]
    groups.append(("appeal-vulnerable-none", ""))
    await turn.say(turn.texts.get("appeal-ask-vulnerable"), pick(turn.texts, "vulnerable", groups))


async def _summary(turn: Turn, data: Data) -> None:
    token = await data.draft_token(turn.fsm)
    texts = turn.texts
    text = f"{texts.get('appeal-summary-title')}\n\n{summary_text(turn, data)}"
    await turn.say(f"{text}\n\n{texts.get('appeal-summary-hint')}", summary_keyboard(texts, token))


def summary_text(turn: Turn, data: Data) -> str:
    texts = turn.texts
    assert data.kind is not None
    assert data.subject is not None
    assert data.channel is not None
    none = texts.get("appeal-none")
    channel_text = texts.get(f"appeal-channel-{data.channel.value}")
    if data.contact:
        channel_text += f": {data.contact}"
    text = data.text or texts.get("appeal-voice-text")
    summary = texts.get(
        "appeal-summary",
        kind=texts.get(f"appeal-kind-{data.kind.value}"),
        subject=texts.get(f"appeal-subject-{data.subject.value}"),
        text=text if len(text) <= 700 else text[:700] + "…",
        files=str(len(data.files)) if data.files else none,
        name=data.full_name or none,
        address=data.address or none,
        channel=channel_text,
        vulnerable=texts.get(f"appeal-vulnerable-{data.vulnerable.value}")
        if data.vulnerable
        else none,
    )
    for line in pp55.summary_lines(turn, data):
        summary += "\n" + line
    return summary


TABLE = StepTable(
    model=AppealDialogState,
    steps=[
        Step(FileAppeal.kind, _kind),
        # A new kind clears the subject: it is asked again, even when editing.
        Step(FileAppeal.subject, _subject, unanswered=lambda data: data.subject is None),
        # A subject edited into a quality complaint opens the ПП 55 details.
        *pp55.steps(),
        Step(FileAppeal.text, _text),
        Step(FileAppeal.attachments, _attachments),
        Step(FileAppeal.full_name, _full_name),
        Step(FileAppeal.address, _address),
        Step(FileAppeal.channel, _channel),
        # A new channel other than this chat needs its contact.
        Step(FileAppeal.contact, _contact, unanswered=lambda data: not data.contact),
        Step(FileAppeal.vulnerable, _vulnerable),
        Step(FileAppeal.summary, _summary),
    ],
    order=order,
    summary=FileAppeal.summary,
)
