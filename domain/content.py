"""Reference information (SPEC §7): a tree of sections with pages, attachments and keywords."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace

from domain.content_truth import fill
from domain.errors import ContentSectionNotFound

# A reference section's id: its folder name, and what a button carries (core/callback_fields).
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,23}$")

_WORD_RE = re.compile(r"[0-9a-zа-я]+")
# Russian words change their endings (счётчик, счётчика, долг, долги): two words are taken
# for the same when they share their first five letters, or the shorter one (at least four
# letters) begins the longer. A crude stemmer, but enough to find a section by a word in
# any case.
_STEM = 5
_MIN = 4


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


def _similar(query: str, word: str) -> bool:
    if query == word:
        return True
    shorter, longer = sorted((query, word), key=len)
    if len(shorter) < _MIN:
        return False
    return longer.startswith(shorter[:_STEM])


class _Words:
    """A section's words, bucketed by their first letters for quick similarity look-ups."""

    def __init__(self, words: list[str]) -> None:
        self._buckets: dict[str, set[str]] = {}
        for word in words:
            self._buckets.setdefault(word[:3], set()).add(word)

    def has(self, query: str) -> bool:
        return any(_similar(query, word) for word in self._buckets.get(query[:3], ()))


@dataclass(slots=True, eq=False)
class ContentLibrary:
    sections: tuple[Section, ...]
    consent: ConsentText
    sample: bool = False
    _by_id: dict[str, Section] = field(init=False, default_factory=dict)
    _parent: dict[str, str | None] = field(init=False, default_factory=dict)
    _index: dict[str, tuple[_Words, _Words, _Words]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        for section, parent in self._walk(self.sections, None):
            self._by_id[section.id] = section
            self._parent[section.id] = parent
            self._index[section.id] = (
                _Words([w for kw in section.keywords for w in _words(kw)]),
                _Words(_words(section.title)),
                _Words(_words(section.body)),
            )

    @staticmethod
    def _walk(
        sections: tuple[Section, ...], parent: str | None
    ) -> Iterator[tuple[Section, str | None]]:
        for section in sections:
            yield section, parent
            yield from ContentLibrary._walk(section.children, section.id)

    def filled(self, values: Mapping[str, str]) -> ContentLibrary:
        """The same library with the pages' `{{placeholders}}` filled (domain/content_truth.py):
        the office hours from the settings, not typed twice."""

        def page(section: Section) -> Section:
            return replace(
                section,
                body=fill(section.body, values),
                children=tuple(page(child) for child in section.children),
            )

        return ContentLibrary(
            sections=tuple(page(section) for section in self.sections),
            consent=self.consent,
            sample=self.sample,
        )

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
        queries = {w for w in _words(query) if len(w) >= 3}
        if not queries:
            return []
        scored: list[tuple[int, int, Section]] = []
        for order, (section_id, (keywords, title, body)) in enumerate(self._index.items()):
            score = 0
            for word in queries:
                score += 5 * keywords.has(word) + 3 * title.has(word) + body.has(word)
            if score:
                scored.append((-score, order, self._by_id[section_id]))
        scored.sort(key=lambda item: (item[0], item[1]))
        return [section for _, _, section in scored[:limit]]
