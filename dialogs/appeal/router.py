"""Filing an appeal (SPEC §2): the answers to the steps of dialogs/appeal/steps.py, and
submitting the summary.

Everything entered lives in the dialog state (the database), so a restart resumes at the
same step; "⬅️ Назад" goes one step back, /cancel leaves without registering anything."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable

from aiogram import Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from app.services import Services
from core.config import AppConfig
from core.texts import Texts
from dialogs.appeal import outage, pp55
from dialogs.appeal.keyboards import AppealPick, AppealSubmit, files_done, long_text_keyboard
from dialogs.appeal.states import AppealDialogState, FileAppeal
from dialogs.appeal.steps import TABLE
from dialogs.guards import (
    Told,
    TurnMiddleware,
    at_step,
    final_button,
    refuse_stale,
)
from dialogs.parked import park_before_start
from dialogs.steps import Turn
from domain.appeals import (
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    TEXT_MAX,
    TEXT_MIN,
    AnswerChannel,
    Appeal,
    AppealDraft,
    AppealKind,
    ServiceForm,
    Subject,
    VulnerableGroup,
    subjects_for,
)
from domain.contacts import answer_contact, free_address, full_name
from domain.drafts import DraftToken
from domain.errors import DomainError
from domain.ids import AccountNumber, UserId
from domain.limits import Field, check_length
from domain.pp55 import ApplicantType, Pp55Item
from handlers.filters import Button, Cmd, HasText, HasVoice, NoText
from handlers.keyboards import main_menu
from handlers.render import error_text, local_time
from services.files import received_file
from services.ports import Attachment, SecretBox

MB = 1024 * 1024
Data = AppealDialogState

# -- entry ---------------------------------------------------------------------------------


async def cmd_appeal(
    message: Message, state: FSMContext, services: Services, texts: Texts, config: AppConfig
) -> None:
    assert message.from_user is not None
    if not await services.onboarding.has_consent(UserId(message.from_user.id)):
        # 59-ФЗ is the ground, not the bot's consent: the person is told so, briefly.
        await message.answer(texts.get("appeal-legal-ground"))
    await park_before_start(message, state, texts, "appeal")
    turn = Turn(message, state, services, texts, config)
    await TABLE.ask(turn, FileAppeal.kind, Data())


# -- steps answered by buttons ---------------------------------------------------------------

# The step each field's buttons belong to: a press at another step is stale.
_STEP_OF_FIELD = {
    "kind": FileAppeal.kind,
    "subject": FileAppeal.subject,
    "channel": FileAppeal.channel,
    "vulnerable": FileAppeal.vulnerable,
    "files": FileAppeal.attachments,
    "applicant": FileAppeal.pp55_applicant,
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
# A prefill or skip button: the step it answers, and the field it fills.
_PREFILLED = {
    "name": (FileAppeal.full_name, "full_name"),
    "address": (FileAppeal.address, "address"),
    "device": (FileAppeal.pp55_device, "pp55_device"),
    "contract": (FileAppeal.pp55_contract, "pp55_contract"),
}


async def on_pick(query: CallbackQuery, callback_data: AppealPick, turn: Turn) -> None:
    field, value = callback_data.field.value, callback_data.value
    expected = _STEP_OF_FIELD.get(field)
    if expected is None:
        # Prefill, skip, a long text's choice, the summary: a press at another step does
        # nothing (each checks its own step).
        await query.answer()
        await _OTHER_PICKS[field](turn, value, await turn.fsm.get_state())
        return
    if not await at_step(query, turn, expected):
        return
    data = await TABLE.load(turn.fsm)
    # Only the subjects of the kind chosen are offered (Order 186 Приложение 7).
    if field == "subject" and (data.kind is None or Subject(value) not in subjects_for(data.kind)):
        await refuse_stale(query, turn.texts)
        return
    await query.answer()
    if field == "kind":
        data.kind, data.subject = AppealKind(value), None
    elif field == "subject":
        data.subject = Subject(value)
    elif field == "channel":
        data.channel, data.contact = AnswerChannel(value), ""
    elif field == "vulnerable":
        data.vulnerable = VulnerableGroup(value) if value else None
    elif field == "applicant":
        data.pp55_applicant = ApplicantType(value)
    await TABLE.advance(turn, expected, data)


async def _prefill_or_skip(turn: Turn, what: str, current: str | None, *, use: bool) -> None:
    step, key = _PREFILLED[what]
    if current != step.state:
        return
    data = await TABLE.load(turn.fsm)
    value = ""
    if use:
        prefill = await turn.services.appeals.prefill(UserId(turn.message.chat.id))
        if prefill is not None:
            value = prefill.full_name if what == "name" else prefill.address
            if what == "name" and prefill.account_number:
                data.account_number = prefill.account_number
    setattr(data, key, value)
    if what == "device":
        await pp55.advance(turn, Pp55Item.DEVICE, data)
        return
    await TABLE.advance(turn, step, data)


async def _on_prefill(turn: Turn, what: str, current: str | None) -> None:
    await _prefill_or_skip(turn, what, current, use=True)


async def _on_skip(turn: Turn, what: str, current: str | None) -> None:
    await _prefill_or_skip(turn, what, current, use=False)


async def _on_long_text(turn: Turn, how: str, current: str | None) -> None:
    data = await TABLE.load(turn.fsm)
    long_text = data.long_text or ""
    if current != FileAppeal.text.state or not long_text:
        return
    head = long_text[:TEXT_MAX]
    cut = head.rfind(" ", TEXT_MAX - 300)
    head = head[:cut] if cut > 0 else head
    data.rest = long_text[len(head) :].strip() if how == "split" else ""
    data.text, data.long_text = head.strip(), None
    await TABLE.advance(turn, FileAppeal.text, data)


async def _on_summary(turn: Turn, action: str, current: str | None) -> None:
    if current != FileAppeal.summary.state:
        return
    if action == "cancel":
        await turn.leave()
        return
    if action in _EDIT_TARGET:
        data = await TABLE.load(turn.fsm)
        data.editing = True
        if action == "files":
            data.files, data.albums = [], []
        await TABLE.ask(turn, _EDIT_TARGET[action], data)
        return
    await _submit(turn, token=None)  # a summary shown before its button carried a token


_OTHER_PICKS: dict[str, Callable[[Turn, str, str | None], Awaitable[None]]] = {
    "prefill": _on_prefill,
    "skip": _on_skip,
    "long": _on_long_text,
    "summary": _on_summary,
    "later": pp55.on_later,
    "when": pp55.on_when,
    "outage": outage.on_subscribe,
}


async def _find(turn: Turn, user_id: UserId, token: DraftToken) -> Appeal | None:
    return await turn.services.appeals.submitted(user_id, token)


def _told(turn: Turn, appeal: Appeal) -> Told:
    text = turn.texts.get(
        "appeal-already-registered",
        number=appeal.number,
        due=appeal.due_at.astimezone(turn.config.zone).strftime("%d.%m.%Y"),
        status=turn.texts.get(f"appeal-status-{appeal.status.value}"),
    )
    return text, None


async def _submit_with_token(turn: Turn, token: DraftToken) -> None:
    await _submit(turn, token=token)


# «Отправить» on a summary: registers the draft; pressed again once it is registered (the
# person saw no answer, or the bot restarted in between), says so with its number.
on_submit = final_button(
    step=FileAppeal.summary, submit=_submit_with_token, find=_find, told=_told
)


def _draft(data: Data, user_id: UserId, box: SecretBox | None) -> AppealDraft:
    assert data.kind is not None
    assert data.subject is not None
    assert data.channel is not None
    details = pp55.details(data, box)
    return AppealDraft(
        user_id=user_id,
        kind=data.kind,
        subject=data.subject,
        form=ServiceForm.INTERNET,
        text=data.text,
        full_name=data.full_name,
        address=data.address,
        account_number=AccountNumber(data.account_number) if data.account_number else None,
        answer_channel=data.channel,
        contact=data.contact,
        vulnerable=data.vulnerable,
        pp55=details,
        voice=any(f.kind == "voice" for f in data.files),
        # Only a complaint about the supply is linked to a known outage.
        outage_id=data.outage_id if details is not None else None,
    )


async def _submit(turn: Turn, *, token: DraftToken | None) -> None:
    services, texts, zone = turn.services, turn.texts, turn.config.zone
    chat_id = turn.message.chat.id
    data = await TABLE.load(turn.fsm)
    draft = _draft(data, UserId(chat_id), turn.config.secret_box)
    try:
        appeal = await services.appeals.submit(draft, data.files, token=token)
        if data.rest and appeal.id is not None:
            await services.appeals.add_information(
                draft.user_id or UserId(0), appeal.id, text=data.rest
            )
    except DomainError as error:
        await turn.say(error_text(texts, error, value=str(getattr(error, "limit", ""))))
        return
    await turn.fsm.clear()
    # The confirmation is queued with the registration (notifier/replies.py): a crash after
    # the commit delays it, never loses it.
    # Without a staff chat nobody is handed the appeal: the bot does not say it was.
    registered = "appeal-registered" if turn.config.staff_chat_id else "appeal-registered-no-staff"
    services.replies.send(
        chat_id,
        texts.get(
            registered,
            number=appeal.number,
            date=local_time(appeal.registered_at, zone),
            due=appeal.due_at.astimezone(zone).strftime("%d.%m.%Y"),
            channel=texts.get(f"appeal-channel-{appeal.answer_channel.value}").lower(),
        ),
        markup=main_menu(texts),
        key=f"appeal-registered:{appeal.id}",
    )
    if data.rest:
        services.replies.send(
            chat_id,
            texts.get("appeal-registered-rest-added"),
            key=f"appeal-registered-rest:{appeal.id}",
        )
    # The summary's buttons are spent: take them away (a failure here changes nothing). This
    # call commits the registration first (CommitBeforeSend).
    with contextlib.suppress(TelegramAPIError):
        await turn.message.edit_reply_markup(reply_markup=None)


# -- steps answered by typing ----------------------------------------------------------------


async def on_back(message: Message, turn: Turn) -> None:
    await TABLE.back(turn)


async def _answer(turn: Turn, step: str, check: Callable[[str], str]) -> None:
    """A typed answer checked by `check` (the value to keep, or a DomainError the person is
    told while the dialog stays at the step), kept in the field of the same name."""
    assert turn.message.text is not None
    try:
        value = check(turn.message.text)
    except DomainError as error:
        await turn.say(error_text(turn.texts, error))
        return
    data = await TABLE.load(turn.fsm)
    setattr(data, step, value)
    await TABLE.advance(turn, getattr(FileAppeal, step), data)


def _limited(field: Field) -> Callable[[str], str]:
    def check(text: str) -> str:
        value = " ".join(text.split())
        check_length(field, value)  # too long: refused with the limit (domain/limits.py)
        return value

    return check


async def on_full_name(message: Message, turn: Turn) -> None:
    await _answer(turn, "full_name", full_name)


async def on_address(message: Message, turn: Turn) -> None:
    await _answer(turn, "address", free_address)


async def on_contact(message: Message, turn: Turn) -> None:
    data = await TABLE.load(turn.fsm)
    channel = data.channel or AnswerChannel.CHAT
    await _answer(turn, "contact", lambda text: answer_contact(channel, text))


async def on_text(message: Message, turn: Turn) -> None:
    assert message.text is not None
    text, texts = message.text.strip(), turn.texts
    if len(text) < TEXT_MIN:
        await turn.say(texts.get("appeal-text-too-short", min=TEXT_MIN))
        return
    data = await TABLE.load(turn.fsm)
    if len(text) > TEXT_MAX:
        # Nothing is thrown away: the whole text waits in the dialog state.
        data.long_text = text
        await data.save(turn.fsm)
        await turn.say(
            texts.get("appeal-text-too-long", max=TEXT_MAX, length=len(text)),
            long_text_keyboard(texts, TEXT_MAX),
        )
        return
    data.text, data.rest = text, ""
    await TABLE.advance(turn, FileAppeal.text, data)


async def _keep(turn: Turn, item: Attachment) -> bool:
    """Records the file for the company's storage in this step's transaction (152-ФЗ ст. 18
    ч. 5, services/files.py); a file too large or of a refused type is refused with its
    reason, and the dialog stays at the step."""
    try:
        await turn.services.files.take(received_file(item), user_id=UserId(turn.message.chat.id))
    except DomainError as error:
        await turn.say(error_text(turn.texts, error))
        return False
    return True


async def on_voice_text(message: Message, turn: Turn) -> None:
    voice = message.voice
    assert voice is not None
    item = _file(
        "voice", voice.file_id, voice.file_unique_id, "", voice.mime_type, voice.file_size
    )
    if not await _keep(turn, item):
        return
    data = await TABLE.load(turn.fsm)
    data.files = [f for f in data.files if f.kind != "voice"]
    data.files.append(item)
    data.text = (message.caption or "").strip()
    await data.save(turn.fsm)
    await turn.say(turn.texts.get("appeal-text-saved-voice"))
    await TABLE.advance(turn, FileAppeal.text, data)


def _file(
    kind: str, file_id: str, unique: str, name: str | None, mime: str | None, size: int | None
) -> Attachment:
    return Attachment(
        kind=kind,
        file_id=file_id,
        file_unique_id=unique,
        file_name=name or "",
        mime_type=mime or "",
        size=size,
    )


def _attachment_of(message: Message) -> Attachment | None:
    if message.photo:
        photo = message.photo[-1]
        return _file(
            "photo", photo.file_id, photo.file_unique_id, "", "image/jpeg", photo.file_size
        )
    if message.document:
        document = message.document
        return _file(
            "document",
            document.file_id,
            document.file_unique_id,
            document.file_name,
            document.mime_type,
            document.file_size,
        )
    return None


async def on_attachment(message: Message, turn: Turn) -> None:
    texts = turn.texts
    item = _attachment_of(message)
    if item is None:
        await turn.say(texts.get("appeal-dialog-text-expected"))
        return
    data = await TABLE.load(turn.fsm)
    if len(data.files) >= MAX_ATTACHMENTS:
        await turn.say(texts.get("appeal-attachment-too-many", max=MAX_ATTACHMENTS))
        return
    if item.size is not None and item.size > MAX_ATTACHMENT_BYTES:
        await turn.say(texts.get("appeal-attachment-too-large", mb=MAX_ATTACHMENT_BYTES // MB))
        return
    if not await _keep(turn, item):
        return
    data.files.append(item)
    group = message.media_group_id
    seen = group is not None and group in data.albums
    if group:
        data.albums.append(group)
    await data.save(turn.fsm)
    if seen:
        return  # one answer per album, not one per photo
    key = "appeal-album-added" if group else "appeal-attachment-added"
    await turn.say(texts.get(key, count=len(data.files), max=MAX_ATTACHMENTS), files_done(texts))


async def on_unexpected(message: Message, texts: Texts) -> None:
    await message.answer(texts.get("appeal-dialog-text-expected"))


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_appeal, Cmd("appeal"))
    router.message.register(cmd_appeal, Button("menu-appeal"))
    router.callback_query.middleware(TurnMiddleware())
    router.callback_query.register(on_pick, AppealPick.filter())
    router.callback_query.register(
        on_submit, AppealSubmit.filter(), flags={"inaccessible": "stale"}
    )
    return router


def build_steps_router() -> Router:
    """What the person types or sends at each step (see handlers.build_routers). The steps
    sit behind one router-level state check: a message outside this dialog is turned away
    once, not by each step's filters."""
    steps = Router(name=f"{__name__}.steps")
    steps.message.filter(StateFilter(*FileAppeal.__states__))
    steps.message.middleware(TurnMiddleware())
    steps.message.register(on_back, Button("nav-back"))
    steps.message.register(pp55.on_item, StateFilter(*pp55.STATE_OF.values()), HasText())
    steps.message.register(on_text, StateFilter(FileAppeal.text), HasText())
    steps.message.register(on_voice_text, StateFilter(FileAppeal.text), HasVoice())
    steps.message.register(on_attachment, StateFilter(FileAppeal.attachments), NoText())
    steps.message.register(on_full_name, StateFilter(FileAppeal.full_name), HasText())
    steps.message.register(on_address, StateFilter(FileAppeal.address), HasText())
    steps.message.register(on_contact, StateFilter(FileAppeal.contact), HasText())
    steps.message.register(on_unexpected)
    return steps
