"""Reference information (SPEC §7): a tree of sections with pages, attachments and keywords."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from domain.errors import ContentSectionNotFound

_WORD_RE = re.compile(r"[0-9a-zа-я]+")
# Russian words change their endings (счётчик, счётчика, счётчики): comparing the first
# letters is a crude stemmer, but enough to find a section by a word in any case.
_STEM = 5


@dataclass(frozen=True, slots=True)
class Section:
    id: str
    title: str
    body: str = ""
    keywords: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    children: tuple[Section, ...] = ()


@dataclass(frozen=True, slots=True)
class ConsentText:
    version: str
    body: str


def _words(text: str) -> list[str]:
    return _WORD_RE.findall(text.casefold().replace("ё", "е"))


def _stem(word: str) -> str:
    return word[:_STEM]


@dataclass(slots=True)
class ContentLibrary:
    sections: tuple[Section, ...]
    consent: ConsentText
    sample: bool = False
    _by_id: dict[str, Section] = field(init=False, default_factory=dict)
    _parent: dict[str, str | None] = field(init=False, default_factory=dict)
    _index: dict[str, tuple[set[str], set[str], set[str]]] = field(
        init=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        for section, parent in self._walk(self.sections, None):
            self._by_id[section.id] = section
            self._parent[section.id] = parent
            self._index[section.id] = (
                {_stem(w) for kw in section.keywords for w in _words(kw)},
                {_stem(w) for w in _words(section.title)},
                {_stem(w) for w in _words(section.body)},
            )

    @staticmethod
    def _walk(
        sections: tuple[Section, ...], parent: str | None
    ) -> Iterator[tuple[Section, str | None]]:
        for section in sections:
            yield section, parent
            yield from ContentLibrary._walk(section.children, section.id)

    def get(self, section_id: str) -> Section:
        try:
            return self._by_id[section_id]
        except KeyError:
            raise ContentSectionNotFound(section_id) from None

    def parent_of(self, section_id: str) -> Section | None:
        parent = self._parent.get(section_id)
        return self._by_id[parent] if parent else None

    def all_sections(self) -> list[Section]:
        return list(self._by_id.values())

    def search(self, query: str, *, limit: int = 5) -> list[Section]:
        """Sections ranked by how well they match the query words: keywords weigh most."""
        stems = {_stem(w) for w in _words(query) if len(w) >= 3}
        if not stems:
            return []
        scored: list[tuple[int, int, Section]] = []
        for order, (section_id, (keywords, title, body)) in enumerate(self._index.items()):
            score = 0
            for stem in stems:
                score += 5 * (stem in keywords) + 3 * (stem in title) + (stem in body)
            if score:
                scored.append((-score, order, self._by_id[section_id]))
        scored.sort(key=lambda item: (item[0], item[1]))
        return [section for _, _, section in scored[:limit]]
