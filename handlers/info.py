"""Reference information (SPEC §7): sections, pages, attached files, keyword search."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from aiogram import Bot, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, FSInputFile, InlineKeyboardMarkup, Message

from core.callback_fields import SectionId, SmallIndex
from core.texts import Texts
from domain.content import ContentLibrary, Section
from domain.errors import ContentSectionNotFound
from handlers.filters import Button, Cmd
from handlers.keyboards import inline_column
from handlers.render import markdown_to_html, split_message

ROOT = "-"


class InfoOpen(CallbackData, prefix="info"):
    section: SectionId  # a section id, or ROOT for the list of all sections


class InfoFile(CallbackData, prefix="infofile"):
    section: SectionId
    index: SmallIndex


class FileIdCache:
    """Telegram file ids of attachments already uploaded once: later sends reuse them."""

    def __init__(self) -> None:
        self._ids: dict[str, str] = {}

    def get(self, path: str) -> str | None:
        return self._ids.get(path)

    def put(self, path: str, file_id: str) -> None:
        self._ids[path] = file_id


@lru_cache(maxsize=8)
def root_keyboard(content: ContentLibrary) -> InlineKeyboardMarkup:
    return inline_column((s.title, InfoOpen(section=s.id)) for s in content.sections)


@lru_cache(maxsize=1024)
def section_keyboard(
    section_id: str, content: ContentLibrary, texts: Texts
) -> InlineKeyboardMarkup:
    section = content.get(section_id)
    buttons: list[tuple[str, CallbackData]] = [
        (child.title, InfoOpen(section=child.id)) for child in section.children
    ]
    buttons += [
        (
            texts.get("info-file-button", name=Path(path).name),
            InfoFile(section=section.id, index=i),
        )
        for i, path in enumerate(section.files)
    ]
    parent = content.parent_of(section.id)
    buttons.append((texts.get("info-back"), InfoOpen(section=parent.id if parent else ROOT)))
    if parent is not None:
        buttons.append((texts.get("info-all"), InfoOpen(section=ROOT)))
    return inline_column(buttons)


def results_keyboard(sections: list[Section]) -> InlineKeyboardMarkup:
    return inline_column((s.title, InfoOpen(section=s.id)) for s in sections)


@lru_cache(maxsize=1024)
def section_text(section_id: str, content: ContentLibrary, texts: Texts) -> tuple[str, ...]:
    section = content.get(section_id)
    header = f"<b>{markdown_to_html(section.title)}</b>"
    body = markdown_to_html(section.body) if section.body else texts.get("info-choose-sub")
    return tuple(split_message(f"{header}\n\n{body}"))


async def send_section(
    message: Message, section: Section, content: ContentLibrary, texts: Texts
) -> None:
    parts = section_text(section.id, content, texts)
    for part in parts[:-1]:
        await message.answer(part, disable_web_page_preview=True)
    await message.answer(
        parts[-1],
        reply_markup=section_keyboard(section.id, content, texts),
        disable_web_page_preview=True,
    )


async def cmd_info(message: Message, texts: Texts, content: ContentLibrary) -> None:
    await message.answer(texts.get("info-root"), reply_markup=root_keyboard(content))


async def on_open(
    query: CallbackQuery, callback_data: InfoOpen, texts: Texts, content: ContentLibrary
) -> None:
    message = query.message
    await query.answer()
    if not isinstance(message, Message):
        return
    if callback_data.section == ROOT:
        await message.answer(texts.get("info-root"), reply_markup=root_keyboard(content))
        return
    try:
        section = content.get(callback_data.section)
    except ContentSectionNotFound:
        # The content was edited and reloaded after this button was shown.
        await message.answer(texts.get("info-not-found"), reply_markup=root_keyboard(content))
        return
    await send_section(message, section, content, texts)


async def on_file(
    query: CallbackQuery,
    callback_data: InfoFile,
    bot: Bot,
    texts: Texts,
    content: ContentLibrary,
    content_root: Path,
    file_ids: FileIdCache,
) -> None:
    message = query.message
    try:
        section = content.get(callback_data.section)
        relative = section.files[callback_data.index]
    except (ContentSectionNotFound, IndexError):
        await query.answer(texts.get("info-not-found"), show_alert=True)
        return
    await query.answer(texts.get("info-file-sending"))
    if not isinstance(message, Message):
        return
    cached = file_ids.get(relative)
    document = cached or FSInputFile(content_root / relative, filename=Path(relative).name)
    sent = await bot.send_document(
        chat_id=message.chat.id, document=document, caption=section.title
    )
    if cached is None and sent.document is not None:
        file_ids.put(relative, sent.document.file_id)


async def search(message: Message, texts: Texts, content: ContentLibrary) -> None:
    """Free text outside any dialog is a search in the reference information."""
    assert message.text is not None
    found = content.search(message.text)
    if found:
        await message.answer(texts.get("search-found"), reply_markup=results_keyboard(found))
    else:
        await message.answer(texts.get("search-nothing"), reply_markup=root_keyboard(content))


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_info, Cmd("info"))
    router.message.register(cmd_info, Button("menu-info"))
    router.callback_query.register(on_open, InfoOpen.filter())
    router.callback_query.register(on_file, InfoFile.filter())
    return router
