from __future__ import annotations

from aiogram.methods import SendDocument

from core.texts import Texts
from tests.fakes import inline_buttons, texts_of
from tests.harness import BotHarness


async def test_sections_open_with_their_subsections_and_a_way_back(
    harness: BotHarness, texts: Texts
) -> None:
    content = harness.app.content
    parent = next(s for s in content.sections if s.children)
    person = harness.person()
    await person.send(texts.get("menu-info"))
    calls = await person.press(parent.title)
    labels = [label for label, _ in inline_buttons(calls[-1])]
    assert [c.title for c in parent.children] == labels[: len(parent.children)]
    assert texts.get("info-back") in labels
    child = parent.children[0]
    calls = await person.press(child.title)
    assert child.title in texts_of(calls)[0]
    calls = await person.press(texts.get("info-back"))
    assert parent.title in texts_of(calls)[0]


async def test_attached_files_are_sent_as_documents_and_then_reused(
    harness: BotHarness, texts: Texts
) -> None:
    content = harness.app.content
    section = next(s for s in content.all_sections() if s.files)
    person = harness.person()
    await person.send(texts.get("menu-info"))
    parent = content.parent_of(section.id)
    if parent is not None:
        await person.press(parent.title)
    await person.press(section.title)
    file_button = next(label for label, _, _ in person.last_inline if label.startswith("📎"))
    calls = await person.press(file_button)
    documents = [c for c in calls if isinstance(c, SendDocument)]
    assert len(documents) == 1
    assert not isinstance(documents[0].document, str)
    calls = await person.press(file_button)
    documents = [c for c in calls if isinstance(c, SendDocument)]
    assert isinstance(documents[0].document, str)  # the cached Telegram file id


async def test_free_text_finds_sections_by_keyword(harness: BotHarness, texts: Texts) -> None:
    person = harness.person()
    calls = await person.send("куда передать показания счетчика")
    assert texts_of(calls) == [texts.get("search-found")]
    found = [label for label, _ in inline_buttons(calls[0])]
    readings = harness.app.content.get("readings")
    assert readings.title in found


async def test_nothing_found_offers_the_section_list(harness: BotHarness, texts: Texts) -> None:
    person = harness.person()
    calls = await person.send("абракадабра")
    assert texts_of(calls) == [texts.get("search-nothing")]
    assert len(inline_buttons(calls[0])) == len(harness.app.content.sections)


async def test_a_sticker_outside_a_dialog_gets_a_hint(harness: BotHarness, texts: Texts) -> None:
    person = harness.person()
    calls = await person.send(
        None,
        sticker={
            "file_id": "s",
            "file_unique_id": "s",
            "type": "regular",
            "width": 1,
            "height": 1,
            "is_animated": False,
            "is_video": False,
        },
    )
    assert texts_of(calls) == [texts.get("fallback-not-understood")]
