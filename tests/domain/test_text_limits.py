"""Telegram's text limits: what counts, and how an over-long HTML text is cut into parts."""

from __future__ import annotations

import html
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.text_limits import CAPTION_MAX, MESSAGE_MAX, fits, shorten, split_html, units
from domain.text_limits import visible_length as length

_TAG = re.compile(r"<[^<>]*>")


def _shown(text: str) -> str:
    return html.unescape(_TAG.sub("", text))


def _balanced(text: str) -> bool:
    stack: list[str] = []
    for tag in _TAG.findall(text):
        name = re.match(r"</?([a-z-]+)", tag)
        assert name is not None
        if tag.startswith("</"):
            if not stack or stack.pop() != name.group(1):
                return False
        else:
            stack.append(name.group(1))
    return not stack


def _no_broken_entity(text: str) -> bool:
    return all(
        re.match(r"&(#[0-9]+|#x[0-9a-f]+|[a-z]+);", text[i:], re.IGNORECASE)
        for i, char in enumerate(text)
        if char == "&"
    )


def test_tags_count_nothing_and_an_entity_counts_one() -> None:
    assert length("<b>№ 1</b> &amp; <i>2</i>") == len("№ 1 & 2")
    assert length('<a href="https://example.com/very/long">ссылка</a>') == len("ссылка")


def test_a_character_outside_the_basic_plane_counts_two() -> None:
    assert units("🙂") == 2
    assert length("🙂&#128512;") == 4
    assert not fits("🙂" * 2049)
    assert fits("🙂" * 2048)


def test_a_text_that_fits_is_one_part_unchanged() -> None:
    text = "<b>Ответ</b>\n\n" + "а" * (MESSAGE_MAX - len("Ответ\n\n"))
    assert split_html(text) == [text]


def test_parts_are_cut_between_paragraphs_when_possible() -> None:
    first = "Первый абзац. " * 200
    second = "Второй абзац. " * 200
    parts = split_html(f"<b>Заголовок</b>\n\n{first.strip()}\n\n{second.strip()}")
    assert len(parts) == 2
    assert parts[0].endswith("Первый абзац.")
    assert parts[1].startswith("Второй абзац.")


def test_a_cut_never_falls_inside_a_tag_or_an_entity() -> None:
    text = ("слово &amp; <b>жирное</b> " * 600).strip()
    parts = split_html(text)
    assert len(parts) > 1
    for part in parts:
        assert length(part) <= MESSAGE_MAX
        assert _balanced(part)
        assert _no_broken_entity(part)
        assert "<b>жирное</b>" in part


def test_an_element_longer_than_a_part_is_closed_and_reopened() -> None:
    text = "Начало\n<blockquote>" + "цитата " * 1500 + "</blockquote>\nконец"
    parts = split_html(text)
    assert len(parts) >= 3
    assert parts[0] == "Начало"  # cut outside the quote where it can be
    for part in parts[1:-1]:
        assert part.startswith("<blockquote>") and part.endswith("</blockquote>")
        assert _balanced(part)
    assert parts[-1].endswith("конец")


def test_a_caption_limit_is_a_limit_like_any_other() -> None:
    parts = split_html("подпись " * 300, CAPTION_MAX)
    assert all(length(part) <= CAPTION_MAX for part in parts)
    assert len(parts) == 3


def test_shorten_cuts_a_plain_text_at_a_word() -> None:
    assert shorten("короткий", 100) == "короткий"
    cut = shorten("слово " * 100, 50)
    assert units(cut) <= 50 and cut.endswith("слово")
    assert units(shorten("🙂" * 30, 9)) == 8


_pieces = st.one_of(
    st.text(alphabet="абв xyz\n.🙂", min_size=1, max_size=60),
    st.sampled_from(["&amp;", "&lt;", "&#128512;", "\n\n", ". "]),
    st.text(alphabet="слово ", min_size=1, max_size=30).map(lambda t: f"<b>{t}</b>"),
    st.text(alphabet="ab c", min_size=1, max_size=300).map(lambda t: f"<i>x{t}</i>"),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_pieces, min_size=1, max_size=80), st.integers(min_value=20, max_value=400))
def test_every_part_fits_is_valid_html_and_nothing_visible_is_lost(
    pieces: list[str], limit: int
) -> None:
    text = "".join(pieces)
    parts = split_html(text, limit)
    for part in parts:
        assert length(part) <= limit
        assert _balanced(part)
        assert _no_broken_entity(part)
    # Only whitespace at the cuts may go.
    assert re.sub(r"\s", "", "".join(_shown(p) for p in parts)) == re.sub(r"\s", "", _shown(text))
