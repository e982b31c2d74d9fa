from __future__ import annotations

import pytest

from domain.content import ConsentText, ContentLibrary, Section
from domain.errors import ContentSectionNotFound

LIBRARY = ContentLibrary(
    sections=(
        Section(
            id="contacts",
            title="Адреса и часы работы",
            body="Приём с 8 до 17",
            keywords=("адрес", "телефон"),
        ),
        Section(
            id="payment",
            title="Оплата",
            children=(
                Section(
                    id="debt",
                    title="Задолженность",
                    body="Если есть долг",
                    keywords=("долг", "ограничение"),
                ),
            ),
        ),
        Section(
            id="readings",
            title="Показания",
            body="Передайте показания счётчика",
            keywords=("счетчик", "показания"),
        ),
    ),
    consent=ConsentText(version="1", body="..."),
)


def test_search_matches_word_forms_and_yo() -> None:
    assert [s.id for s in LIBRARY.search("счётчика")] == ["readings"]
    assert next(s.id for s in LIBRARY.search("долги по оплате")) == "debt"


def test_keywords_rank_above_body_text() -> None:
    found = LIBRARY.search("адрес приём")
    assert found[0].id == "contacts"


def test_short_or_empty_queries_find_nothing() -> None:
    assert LIBRARY.search("") == []
    assert LIBRARY.search("и в") == []


def test_parent_and_lookup() -> None:
    assert LIBRARY.parent_of("debt") == LIBRARY.get("payment")
    assert LIBRARY.parent_of("payment") is None
    with pytest.raises(ContentSectionNotFound):
        LIBRARY.get("missing")
