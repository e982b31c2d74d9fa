"""Filing an appeal (SPEC §2): kind → subject → [ПП 55 details] → text → files → name →
address → how to answer → [contact] → category → summary with "edit" → submit.

Everything entered lives in the dialog state (the database), so a restart resumes at the
same step; "⬅️ Назад" goes one step back, /cancel leaves without registering anything."""

from __future__ import annotations

import contextlib
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Self

from aiogram import Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from pydantic import model_validator

from bot.callback_fields import DraftTokenText
from bot.container import AppConfig, Services
from bot.texts import Texts
from dialogs.account.router import consent_needed_keyboard
from dialogs.appeal.states import FileAppeal
from domain.appeals import (
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    TEXT_MAX,
    TEXT_MIN,
    AnswerChannel,
    AppealDraft,
    AppealKind,
    QualityComplaintDetails,
    ServiceForm,
    Subject,
    VulnerableGroup,
    is_quality_complaint,
    subjects_for,
)
from domain.clock import Clock
from domain.contacts import answer_contact, free_address, full_name
from domain.drafts import DraftToken, new_draft_token, parse_draft_token
from domain.errors import DomainError, TooLong
from domain.ids import AccountNumber, UserId
from domain.limits import Field, check_length
from handlers.filters import Button, Cmd, HasText, HasVoice, NoText
from handlers.keyboards import dialog_nav, inline_column, main_menu
from handlers.render import error_text, local_time
from services.ports import Attachment

MB = 1024 * 1024
_TIME_FORMATS = ("%d.%m.%Y %H:%M", "%d.%m.%Y %H.%M", "%d.%m.%Y")


class PickField(StrEnum):
    KIND = "kind"
    SUBJECT = "subject"
    CHANNEL = "channel"
    VULNERABLE = "vulnerable"
    FILES = "files"
    PREFILL = "prefill"
    SKIP = "skip"
    LONG = "long"
    SUMMARY = "summary"


# What each button's value may be: a press with anything else matches no handler.
_SUMMARY_ACTIONS = (
    "submit",
    "kind",
    "text",
    "files",
    "name",
    "address",
    "channel",
    "vulnerable",
    "cancel",
)
_PICK_VALUES = MappingProxyType(
    {
        PickField.KIND: frozenset(AppealKind),
        PickField.SUBJECT: frozenset(Subject),
        PickField.CHANNEL: frozenset(AnswerChannel),
        PickField.VULNERABLE: frozenset({"", *VulnerableGroup}),
        PickField.FILES: frozenset({"done"}),
        PickField.PREFILL: frozenset({"name", "address", "device"}),
        PickField.SKIP: frozenset({"address", "device", "contract"}),
        PickField.LONG: frozenset({"trim", "split"}),
        PickField.SUMMARY: frozenset(_SUMMARY_ACTIONS),
    }
)


class AppealPick(CallbackData, prefix="ap"):
    field: PickField
    value: str = ""

    @model_validator(mode="after")
    def _value_fits_the_field(self) -> Self:
        if self.value not in _PICK_VALUES[self.field]:
            raise ValueError("not a value of this field")
        return self


class AppealSubmit(CallbackData, prefix="as"):
    """The summary's «Отправить»: the draft's token (domain/drafts.py), so that a press after
    the appeal was registered finds it."""

    token: DraftTokenText


def _steps(data: dict[str, Any]) -> list[State]:
    steps = [FileAppeal.kind, FileAppeal.subject]
    kind, subject = data.get("kind"), data.get("subject")
    if kind and subject and is_quality_complaint(AppealKind(kind), Subject(subject)):
        steps += [FileAppeal.pp55_time, FileAppeal.pp55_device, FileAppeal.pp55_contract]
    steps += [
        FileAppeal.text,
        FileAppeal.attachments,
        FileAppeal.full_name,
        FileAppeal.address,
        FileAppeal.channel,
    ]
    if data.get("channel") not in (None, AnswerChannel.CHAT.value):
        steps.append(FileAppeal.contact)
    steps += [FileAppeal.vulnerable, FileAppeal.summary]
    return steps


def _pick(texts: Texts, field: str, values: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return inline_column((texts.get(key), AppealPick(field=field, value=v)) for key, v in values)


async def ask(
    message: Message,
    step: State,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
) -> None:
    """Move to `step` and ask its question."""
    await state.set_state(step)
    data = await state.get_data()
    answer = message.answer
    if step == FileAppeal.kind:
        kinds = [(f"appeal-kind-{k.value}", k.value) for k in AppealKind]
        await answer(texts.get("appeal-ask-kind"), reply_markup=dialog_nav(texts))
        await answer(texts.get("appeal-kind-prompt"), reply_markup=_pick(texts, "kind", kinds))
    elif step == FileAppeal.subject:
        subjects = subjects_for(AppealKind(data["kind"]))
        await answer(
            texts.get("appeal-ask-subject"),
            reply_markup=_pick(
                texts, "subject", [(f"appeal-subject-{s.value}", s.value) for s in subjects]
            ),
        )
    elif step == FileAppeal.pp55_time:
        await answer(texts.get("appeal-ask-pp55-time"), reply_markup=dialog_nav(texts))
    elif step == FileAppeal.pp55_device:
        await answer(
            texts.get("appeal-ask-pp55-device"),
            reply_markup=await _prefill_keyboard(services, message, texts, "device"),
        )
    elif step == FileAppeal.pp55_contract:
        await answer(
            texts.get("appeal-ask-pp55-contract"),
            reply_markup=_pick(texts, "skip", [("appeal-skip", "contract")]),
        )
    elif step == FileAppeal.text:
        await answer(
            texts.get("appeal-ask-text", min=TEXT_MIN, max=TEXT_MAX),
            reply_markup=dialog_nav(texts),
        )
    elif step == FileAppeal.attachments:
        await answer(
            texts.get(
                "appeal-ask-attachments", max=MAX_ATTACHMENTS, mb=MAX_ATTACHMENT_BYTES // MB
            ),
            reply_markup=_pick(texts, "files", [("appeal-attachments-done", "done")]),
        )
    elif step == FileAppeal.full_name:
        await answer(
            texts.get("appeal-ask-full-name"),
            reply_markup=await _prefill_keyboard(services, message, texts, "name"),
        )
    elif step == FileAppeal.address:
        markup = await _prefill_keyboard(services, message, texts, "address")
        await answer(texts.get("appeal-ask-address"), reply_markup=markup)
    elif step == FileAppeal.channel:
        channels = [(f"appeal-channel-{c.value}", c.value) for c in AnswerChannel]
        await answer(
            texts.get("appeal-ask-channel"), reply_markup=_pick(texts, "channel", channels)
        )
    elif step == FileAppeal.contact:
        await answer(texts.get(f"appeal-ask-{data['channel']}"), reply_markup=dialog_nav(texts))
    elif step == FileAppeal.vulnerable:
        groups = [(f"appeal-vulnerable-{g.value}", g.value) for g in VulnerableGroup]
        groups.append(("appeal-vulnerable-none", ""))
        await answer(
            texts.get("appeal-ask-vulnerable"), reply_markup=_pick(texts, "vulnerable", groups)
        )
    else:
        token = data.get("token")
        if not token:
            token = new_draft_token()
            await state.update_data(token=token)
        await _show_summary(message, data, texts, config, token=DraftToken(token))


async def _prefill_keyboard(
    services: Services, message: Message, texts: Texts, what: str
) -> InlineKeyboardMarkup | None:
    buttons: list[tuple[str, CallbackData]] = []
    chat = message.chat
    prefill = await services.appeals.prefill(UserId(chat.id))
    if prefill is not None:
        value = prefill.full_name if what == "name" else prefill.address
        if value:
            buttons.append(
                (
                    texts.get("appeal-use-button", value=value[:40]),
                    AppealPick(field="prefill", value=what),
                )
            )
    if what != "name":
        buttons.append((texts.get("appeal-skip"), AppealPick(field="skip", value=what)))
    # An empty inline keyboard is no keyboard: send none rather than an empty one.
    return inline_column(buttons) if buttons else None


async def advance(
    message: Message,
    current: State,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
) -> None:
    data = await state.get_data()
    if data.get("editing") and current != FileAppeal.kind:
        # Editing from the summary: one field, then back to the summary — unless the
        # change opened a step that has no answer yet (a contact for a new channel).
        steps = _steps(data)
        if current == FileAppeal.channel and FileAppeal.contact in steps:
            await ask(message, FileAppeal.contact, state, services, texts, config)
            return
        if (
            current != FileAppeal.subject
            or FileAppeal.pp55_time not in steps
            or data.get("pp55_device")
        ):
            await state.update_data(editing=False)
            await ask(message, FileAppeal.summary, state, services, texts, config)
            return
    steps = _steps(data)
    following = steps[steps.index(current) + 1] if current in steps else FileAppeal.summary
    await ask(message, following, state, services, texts, config)


def _files(data: dict[str, Any]) -> list[dict[str, Any]]:
    return list(data.get("files") or [])


async def _show_summary(
    message: Message, data: dict[str, Any], texts: Texts, config: AppConfig, *, token: DraftToken
) -> None:
    none = texts.get("appeal-none")
    channel = AnswerChannel(data["channel"])
    channel_text = texts.get(f"appeal-channel-{channel.value}")
    if data.get("contact"):
        channel_text += f": {data['contact']}"
    text = data.get("text") or texts.get("appeal-voice-text")
    summary = texts.get(
        "appeal-summary",
        kind=texts.get(f"appeal-kind-{data['kind']}"),
        subject=texts.get(f"appeal-subject-{data['subject']}"),
        text=text if len(text) <= 700 else text[:700] + "…",
        files=str(len(_files(data))) if _files(data) else none,
        name=data.get("full_name") or none,
        address=data.get("address") or none,
        channel=channel_text,
        vulnerable=texts.get(f"appeal-vulnerable-{data['vulnerable']}")
        if data.get("vulnerable")
        else none,
    )
    if data.get("pp55_time"):
        summary += "\n" + texts.get(
            "appeal-summary-pp55",
            time=local_time(datetime.fromisoformat(data["pp55_time"]), config.zone),
            device=data.get("pp55_device") or none,
            contract=data.get("pp55_contract") or none,
        )
    edits = [
        ("appeal-edit-kind", "kind"),
        ("appeal-edit-text", "text"),
        ("appeal-edit-files", "files"),
        ("appeal-edit-name", "name"),
        ("appeal-edit-address", "address"),
        ("appeal-edit-channel", "channel"),
        ("appeal-edit-vulnerable", "vulnerable"),
        ("nav-cancel", "cancel"),
    ]
    buttons: list[tuple[str, CallbackData]] = [
        (texts.get("appeal-summary-submit"), AppealSubmit(token=token)),
        *((texts.get(key), AppealPick(field="summary", value=value)) for key, value in edits),
    ]
    await message.answer(
        f"{texts.get('appeal-summary-title')}\n\n{summary}\n\n{texts.get('appeal-summary-hint')}",
        reply_markup=inline_column(buttons),
    )


async def reask(
    message: Message, state: FSMContext, services: Services, texts: Texts, config: AppConfig
) -> None:
    """Ask the current step's question again (after a restart, handlers/resume.py)."""
    current = await state.get_state()
    step = next((s for s in FileAppeal.__states__ if s.state == current), FileAppeal.kind)
    await ask(message, step, state, services, texts, config)


# -- entry ---------------------------------------------------------------------------------


async def cmd_appeal(
    message: Message, state: FSMContext, services: Services, texts: Texts, config: AppConfig
) -> None:
    assert message.from_user is not None
    if not await services.onboarding.has_consent(UserId(message.from_user.id)):
        await message.answer(
            texts.get("appeal-consent-needed"), reply_markup=consent_needed_keyboard(texts)
        )
        return
    await state.set_data({})
    await ask(message, FileAppeal.kind, state, services, texts, config)


# -- steps answered by buttons ---------------------------------------------------------------

_STEP_OF_FIELD = {
    "kind": FileAppeal.kind,
    "subject": FileAppeal.subject,
    "channel": FileAppeal.channel,
    "vulnerable": FileAppeal.vulnerable,
    "files": FileAppeal.attachments,
}
_EDIT_TARGET = {
    "kind": FileAppeal.kind,
    "text": FileAppeal.text,
    "files": FileAppeal.attachments,
    "name": FileAppeal.full_name,
    "address": FileAppeal.address,
    "channel": FileAppeal.channel,
    "vulnerable": FileAppeal.vulnerable,
}


async def on_pick(
    query: CallbackQuery,
    callback_data: AppealPick,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
) -> None:
    message = query.message
    if not isinstance(message, Message):
        await query.answer()
        return
    current = await state.get_state()
    field, value = callback_data.field, callback_data.value
    expected = _STEP_OF_FIELD.get(field)
    stale = expected is not None and current != expected.state
    if field == "subject" and not stale:
        # Only the subjects of the kind chosen are offered (Order 186 Приложение 7).
        kind = (await state.get_data()).get("kind")
        stale = kind not in set(AppealKind) or Subject(value) not in subjects_for(AppealKind(kind))
    if stale:
        await query.answer(texts.get("fallback-stale-button"), show_alert=True)
        return
    await query.answer()
    if field == "kind":
        await state.update_data(kind=AppealKind(value).value, subject=None)
        await advance(message, FileAppeal.kind, state, services, texts, config)
    elif field == "subject":
        await state.update_data(subject=Subject(value).value)
        await advance(message, FileAppeal.subject, state, services, texts, config)
    elif field == "channel":
        channel = AnswerChannel(value)
        await state.update_data(channel=channel.value, contact="")
        await advance(message, FileAppeal.channel, state, services, texts, config)
    elif field == "vulnerable":
        await state.update_data(vulnerable=VulnerableGroup(value).value if value else None)
        await advance(message, FileAppeal.vulnerable, state, services, texts, config)
    elif field == "files":
        await advance(message, FileAppeal.attachments, state, services, texts, config)
    elif field in {"prefill", "skip"}:
        await _prefill_or_skip(message, field, value, current, state, services, texts, config)
    elif field == "long":
        await _resolve_long_text(message, value, current, state, services, texts, config)
    elif field == "summary":
        await _on_summary(message, value, current, state, services, texts, config)


async def _prefill_or_skip(
    message: Message,
    field: str,
    what: str,
    current: str | None,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
) -> None:
    step = {
        "name": FileAppeal.full_name,
        "address": FileAppeal.address,
        "device": FileAppeal.pp55_device,
        "contract": FileAppeal.pp55_contract,
    }.get(what)
    if step is None or current != step.state:
        return
    value = ""
    if field == "prefill":
        prefill = await services.appeals.prefill(UserId(message.chat.id))
        if prefill is not None:
            value = prefill.full_name if what == "name" else prefill.address
            if what == "name" and prefill.account_number:
                await state.update_data(account_number=prefill.account_number)
    key = {
        "name": "full_name",
        "address": "address",
        "device": "pp55_device",
        "contract": "pp55_contract",
    }[what]
    await state.update_data({key: value})
    await advance(message, step, state, services, texts, config)


async def _resolve_long_text(
    message: Message,
    how: str,
    current: str | None,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
) -> None:
    data = await state.get_data()
    long_text = str(data.get("long_text") or "")
    if current != FileAppeal.text.state or not long_text:
        return
    head = long_text[:TEXT_MAX]
    cut = head.rfind(" ", TEXT_MAX - 300)
    head = head[:cut] if cut > 0 else head
    rest = long_text[len(head) :].strip() if how == "split" else ""
    await state.update_data(text=head.strip(), rest=rest, long_text=None)
    await advance(message, FileAppeal.text, state, services, texts, config)


async def _on_summary(
    message: Message,
    action: str,
    current: str | None,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
) -> None:
    if current != FileAppeal.summary.state:
        return
    if action == "cancel":
        await state.clear()
        await message.answer(texts.get("cancel-done"), reply_markup=main_menu(texts))
        return
    if action in _EDIT_TARGET:
        await state.update_data(editing=True)
        if action == "files":
            await state.update_data(files=[], albums=[])
        await ask(message, _EDIT_TARGET[action], state, services, texts, config)
        return
    await _submit(message, state, services, texts, config, token=None)  # a pre-token summary


async def on_submit(
    query: CallbackQuery,
    callback_data: AppealSubmit,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
) -> None:
    """«Отправить» on a summary: registers the draft; pressed again once it is registered
    (the person saw no answer, or the bot restarted in between), says so with its number."""
    message = query.message
    token = parse_draft_token(callback_data.token)
    if not isinstance(message, Message) or token is None:
        await query.answer(texts.get("fallback-stale-button"), show_alert=True)
        return
    data = await state.get_data()
    if await state.get_state() == FileAppeal.summary.state and data.get("token") == token:
        await query.answer()
        await _submit(message, state, services, texts, config, token=token)
        return
    appeal = await services.appeals.submitted(UserId(query.from_user.id), token)
    if appeal is None:
        await query.answer(texts.get("fallback-stale-button"), show_alert=True)
        return
    await query.answer()
    services.replies.send(
        message.chat.id,
        texts.get(
            "appeal-already-registered",
            number=appeal.number,
            due=appeal.due_at.astimezone(config.zone).strftime("%d.%m.%Y"),
            status=texts.get(f"appeal-status-{appeal.status.value}"),
        ),
    )


async def _submit(
    message: Message,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
    *,
    token: DraftToken | None,
) -> None:
    data = await state.get_data()
    pp55 = None
    if data.get("pp55_time") or data.get("pp55_device"):
        pp55 = QualityComplaintDetails(
            violation_time=datetime.fromisoformat(data["pp55_time"])
            if data.get("pp55_time")
            else None,
            device_address=str(data.get("pp55_device") or ""),
            contract_number=str(data.get("pp55_contract") or ""),
        )
    files = _files(data)
    draft = AppealDraft(
        user_id=UserId(message.chat.id),
        kind=AppealKind(data["kind"]),
        subject=Subject(data["subject"]),
        form=ServiceForm.INTERNET,
        text=str(data.get("text") or ""),
        full_name=str(data.get("full_name") or ""),
        address=str(data.get("address") or ""),
        account_number=AccountNumber(data["account_number"])
        if data.get("account_number")
        else None,
        answer_channel=AnswerChannel(data["channel"]),
        contact=str(data.get("contact") or ""),
        vulnerable=VulnerableGroup(data["vulnerable"]) if data.get("vulnerable") else None,
        pp55=pp55,
        voice=any(f["kind"] == "voice" for f in files),
    )
    attachments = [Attachment(**f) for f in files]
    try:
        appeal = await services.appeals.submit(draft, attachments, token=token)
        if data.get("rest") and appeal.id is not None:
            await services.appeals.add_information(
                draft.user_id or UserId(0), appeal.id, text=str(data["rest"])
            )
    except DomainError as error:
        await message.answer(error_text(texts, error, value=str(getattr(error, "limit", ""))))
        return
    await state.clear()
    # The confirmation is queued with the registration (notifier/replies.py): a crash after
    # the commit delays it, never loses it.
    services.replies.send(
        message.chat.id,
        texts.get(
            "appeal-registered",
            number=appeal.number,
            date=local_time(appeal.registered_at, config.zone),
            due=appeal.due_at.astimezone(config.zone).strftime("%d.%m.%Y"),
            channel=texts.get(f"appeal-channel-{appeal.answer_channel.value}").lower(),
        ),
        markup=main_menu(texts),
        key=f"appeal-registered:{appeal.id}",
    )
    if data.get("rest"):
        services.replies.send(
            message.chat.id,
            texts.get("appeal-registered-rest-added"),
            key=f"appeal-registered-rest:{appeal.id}",
        )
    # The summary's buttons are spent: take them away (a failure here changes nothing). This
    # call commits the registration first (CommitBeforeSend).
    with contextlib.suppress(TelegramAPIError):
        await message.edit_reply_markup(reply_markup=None)


# -- steps answered by typing ----------------------------------------------------------------


async def on_back(
    message: Message, state: FSMContext, services: Services, texts: Texts, config: AppConfig
) -> None:
    current = await state.get_state()
    data = await state.get_data()
    steps = _steps(data)
    position = next((i for i, s in enumerate(steps) if s.state == current), 0)
    if position == 0:
        await state.clear()
        await message.answer(texts.get("cancel-done"), reply_markup=main_menu(texts))
        return
    await state.update_data(editing=False)
    await ask(message, steps[position - 1], state, services, texts, config)


async def on_pp55_time(
    message: Message,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
    clock: Clock,
) -> None:
    assert message.text is not None
    moment = None
    for pattern in _TIME_FORMATS:
        try:
            moment = datetime.strptime(message.text.strip(), pattern).replace(tzinfo=config.zone)
            break
        except ValueError:
            continue
    if moment is None or moment > clock.now():
        await message.answer(texts.get("appeal-pp55-time-invalid"))
        return
    await state.update_data(pp55_time=moment.isoformat())
    await advance(message, FileAppeal.pp55_time, state, services, texts, config)


async def _fits(message: Message, texts: Texts, field: Field, value: str) -> bool:
    """Whether `value` fits its field; if not the person is told the limit and the dialog
    stays at the step (domain/limits.py)."""
    try:
        check_length(field, value)
    except TooLong as error:
        await message.answer(error_text(texts, error))
        return False
    return True


async def on_pp55_device(
    message: Message, state: FSMContext, services: Services, texts: Texts, config: AppConfig
) -> None:
    assert message.text is not None
    device = " ".join(message.text.split())
    if not await _fits(message, texts, Field.DEVICE_ADDRESS, device):
        return
    await state.update_data(pp55_device=device)
    await advance(message, FileAppeal.pp55_device, state, services, texts, config)


async def on_pp55_contract(
    message: Message, state: FSMContext, services: Services, texts: Texts, config: AppConfig
) -> None:
    assert message.text is not None
    contract = " ".join(message.text.split())
    if not await _fits(message, texts, Field.CONTRACT_NUMBER, contract):
        return
    await state.update_data(pp55_contract=contract)
    await advance(message, FileAppeal.pp55_contract, state, services, texts, config)


async def on_text(
    message: Message, state: FSMContext, services: Services, texts: Texts, config: AppConfig
) -> None:
    assert message.text is not None
    text = message.text.strip()
    if len(text) < TEXT_MIN:
        await message.answer(texts.get("appeal-text-too-short", min=TEXT_MIN))
        return
    if len(text) > TEXT_MAX:
        # Nothing is thrown away: the whole text waits in the dialog state.
        await state.update_data(long_text=text)
        await message.answer(
            texts.get("appeal-text-too-long", max=TEXT_MAX, length=len(text)),
            reply_markup=inline_column(
                [
                    (
                        texts.get("appeal-text-trim", max=TEXT_MAX),
                        AppealPick(field="long", value="trim"),
                    ),
                    (texts.get("appeal-text-split"), AppealPick(field="long", value="split")),
                ]
            ),
        )
        return
    await state.update_data(text=text, rest="")
    await advance(message, FileAppeal.text, state, services, texts, config)


async def on_voice_text(
    message: Message, state: FSMContext, services: Services, texts: Texts, config: AppConfig
) -> None:
    voice = message.voice
    assert voice is not None
    files = [f for f in _files(await state.get_data()) if f["kind"] != "voice"]
    files.append(
        _file_dict(
            "voice", voice.file_id, voice.file_unique_id, "", voice.mime_type, voice.file_size
        )
    )
    await state.update_data(files=files, text=(message.caption or "").strip())
    await message.answer(texts.get("appeal-text-saved-voice"))
    await advance(message, FileAppeal.text, state, services, texts, config)


def _file_dict(
    kind: str, file_id: str, unique: str, name: str | None, mime: str | None, size: int | None
) -> dict[str, Any]:
    return {
        "kind": kind,
        "file_id": file_id,
        "file_unique_id": unique,
        "file_name": name or "",
        "mime_type": mime or "",
        "size": size,
    }


async def on_attachment(message: Message, state: FSMContext, texts: Texts) -> None:
    if message.photo:
        photo = message.photo[-1]
        item = _file_dict(
            "photo", photo.file_id, photo.file_unique_id, "", "image/jpeg", photo.file_size
        )
    elif message.document:
        document = message.document
        item = _file_dict(
            "document",
            document.file_id,
            document.file_unique_id,
            document.file_name,
            document.mime_type,
            document.file_size,
        )
    else:
        await message.answer(texts.get("appeal-dialog-text-expected"))
        return
    data = await state.get_data()
    files = _files(data)
    if len(files) >= MAX_ATTACHMENTS:
        await message.answer(texts.get("appeal-attachment-too-many", max=MAX_ATTACHMENTS))
        return
    if item["size"] is not None and item["size"] > MAX_ATTACHMENT_BYTES:
        await message.answer(
            texts.get("appeal-attachment-too-large", mb=MAX_ATTACHMENT_BYTES // MB)
        )
        return
    files.append(item)
    albums = list(data.get("albums") or [])
    group = message.media_group_id
    await state.update_data(files=files, albums=[*albums, group] if group else albums)
    if group and group in albums:
        return  # one answer per album, not one per photo
    key = "appeal-album-added" if group else "appeal-attachment-added"
    await message.answer(
        texts.get(key, count=len(files), max=MAX_ATTACHMENTS),
        reply_markup=_pick(texts, "files", [("appeal-attachments-done", "done")]),
    )


async def on_full_name(
    message: Message, state: FSMContext, services: Services, texts: Texts, config: AppConfig
) -> None:
    assert message.text is not None
    try:
        name = full_name(message.text)
    except DomainError as error:
        await message.answer(error_text(texts, error))
        return
    await state.update_data(full_name=name)
    await advance(message, FileAppeal.full_name, state, services, texts, config)


async def on_address(
    message: Message, state: FSMContext, services: Services, texts: Texts, config: AppConfig
) -> None:
    assert message.text is not None
    try:
        address = free_address(message.text)
    except DomainError as error:
        await message.answer(error_text(texts, error))
        return
    await state.update_data(address=address)
    await advance(message, FileAppeal.address, state, services, texts, config)


async def on_contact(
    message: Message, state: FSMContext, services: Services, texts: Texts, config: AppConfig
) -> None:
    assert message.text is not None
    data = await state.get_data()
    try:
        contact = answer_contact(AnswerChannel(data["channel"]), message.text)
    except DomainError as error:
        await message.answer(error_text(texts, error))
        return
    await state.update_data(contact=contact)
    await advance(message, FileAppeal.contact, state, services, texts, config)


async def on_unexpected(message: Message, texts: Texts) -> None:
    await message.answer(texts.get("appeal-dialog-text-expected"))


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_appeal, Cmd("appeal"))
    router.message.register(cmd_appeal, Button("menu-appeal"))
    router.callback_query.register(on_pick, AppealPick.filter())
    router.callback_query.register(on_submit, AppealSubmit.filter())
    return router


def build_steps_router() -> Router:
    """What the person types or sends at each step (see handlers.build_routers). The steps
    sit behind one router-level state check: a message outside this dialog is turned away
    once, not by each step's filters."""
    steps = Router(name=f"{__name__}.steps")
    steps.message.filter(StateFilter(*FileAppeal.__states__))
    steps.message.register(on_back, Button("nav-back"))
    steps.message.register(on_pp55_time, StateFilter(FileAppeal.pp55_time), HasText())
    steps.message.register(on_pp55_device, StateFilter(FileAppeal.pp55_device), HasText())
    steps.message.register(on_pp55_contract, StateFilter(FileAppeal.pp55_contract), HasText())
    steps.message.register(on_text, StateFilter(FileAppeal.text), HasText())
    steps.message.register(on_voice_text, StateFilter(FileAppeal.text), HasVoice())
    steps.message.register(on_attachment, StateFilter(FileAppeal.attachments), NoText())
    steps.message.register(on_full_name, StateFilter(FileAppeal.full_name), HasText())
    steps.message.register(on_address, StateFilter(FileAppeal.address), HasText())
    steps.message.register(on_contact, StateFilter(FileAppeal.contact), HasText())
    steps.message.register(on_unexpected)
    return steps
