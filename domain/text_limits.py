"""Telegram's length limits on what the bot sends, and the one rule that keeps texts under them.

Telegram takes a message text of 1–4096 characters and a caption of 0–1024, counted after
entity parsing (https://core.telegram.org/bots/api#sendmessage): what the reader sees, so
HTML tags count nothing and `&amp;` counts one. We count conservatively in UTF-16 code units
(an emoji outside the Basic Multilingual Plane counts two), which is how Telegram measures
entity offsets. Every text the bot sends is Telegram HTML (the bot's default parse mode).

`split_html` cuts a text that is too long into parts that each fit, in order: between
paragraphs if it can, else between lines, sentences or words, and only outside tags and
entities (never inside `<b>…</b>` or `&amp;`). Only an element that alone is longer than a
part is cut inside: its open tags are closed at the end of the part and opened again at the
start of the next, so every part is valid HTML on its own. `shorten` cuts a plain text (not
yet escaped) to a length, for a place that cannot take parts (the staff card is edited in
place).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache

MESSAGE_MAX = 4096
CAPTION_MAX = 1024

# A tag, an entity, a run of ordinary characters, or a stray "<" or "&" (shown as is).
_TOKEN = re.compile(
    r"(?P<tag><[^<>]*>)"
    r"|(?P<entity>&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{0,31});)"
    r"|(?P<text>[^<&]+)"
    r"|(?P<stray>[<&])"
)
_TAG_NAME = re.compile(r"</?\s*([A-Za-z][A-Za-z0-9-]*)")
_SENTENCE_END = frozenset(".!?…;:")


def units(text: str) -> int:
    """The length of a plain text in UTF-16 code units."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


@dataclass(frozen=True, slots=True)
class _Atom:
    """One character as the reader sees it (or a zero-length tag), with its HTML source."""

    source: str
    units: int
    tag: str | None = None  # the tag's name, for a tag
    closing: bool = False


@lru_cache(maxsize=4096)
def _char(char: str) -> _Atom:
    """One visible character (atoms are immutable: the same one serves every occurrence)."""
    return _Atom(char, 2 if ord(char) > 0xFFFF else 1)


def _atoms(text: str) -> list[_Atom]:
    atoms: list[_Atom] = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        source = match.group()
        if kind == "tag":
            name = _TAG_NAME.match(source)
            if name is None or source.endswith("/>"):
                atoms.append(_Atom(source, 0))  # nothing to close: treated as an empty tag
            else:
                atoms.append(
                    _Atom(source, 0, tag=name.group(1).lower(), closing=source.startswith("</"))
                )
        elif kind == "entity":
            atoms.append(_Atom(source, units(html.unescape(source))))
        else:
            atoms.extend(map(_char, source))
    return atoms


def visible_length(text: str) -> int:
    """How long Telegram counts an HTML text: tags nothing, an entity one character."""
    if "<" not in text and "&" not in text:
        return units(text)
    return _measure(text)


def _measure(text: str) -> int:
    total = 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind == "tag":
            continue
        source = match.group()
        total += units(html.unescape(source) if kind == "entity" else source)
    return total


def fits(text: str, limit: int = MESSAGE_MAX) -> bool:
    # The source is never shorter than what is shown, and a character is at most two units.
    if len(text) * 2 <= limit or units(text) <= limit:
        return True
    return _measure(text) <= limit


def _break_score(atoms: list[_Atom], index: int) -> int:
    """How good a place to cut is just before `atoms[index]`: after a paragraph (4), a line
    (3), a sentence (2), a word (1), or anywhere else (0)."""
    before = atoms[index - 1].source
    if before == "\n":
        return 4 if index >= 2 and atoms[index - 2].source == "\n" else 3
    if before.isspace():
        earlier = atoms[index - 2].source if index >= 2 else ""
        return 2 if earlier in _SENTENCE_END else 1
    return 0


def split_html(text: str, limit: int = MESSAGE_MAX) -> list[str]:
    """The text in parts of at most `limit` visible characters each (see the module's
    docstring); a text that fits is returned whole, as the only part."""
    if limit < 2:
        raise ValueError("a part must hold at least two characters")
    if fits(text, limit):
        return [text]
    atoms = _atoms(text)
    # The tags open before each atom: depth[i] for a cut just before atoms[i].
    depth: list[int] = []
    stack: list[str] = []
    for atom in atoms:
        depth.append(len(stack))
        if atom.tag is not None:
            if not atom.closing:
                stack.append(atom.tag)
            elif atom.tag in stack:
                del stack[len(stack) - 1 - stack[::-1].index(atom.tag)]
    depth.append(len(stack))

    parts: list[str] = []
    open_tags: list[_Atom] = []  # tags open where the current part starts
    start = 0
    while start < len(atoms):
        end, used = start, 0
        while end < len(atoms) and used + atoms[end].units <= limit:
            used += atoms[end].units
            end += 1
        if end < len(atoms):
            end = _best_cut(atoms, depth, start, end, limit)
        piece_atoms = atoms[start:end]
        body = "".join(atom.source for atom in piece_atoms)
        # Tags still open at the cut are closed here and opened again in the next part.
        still_open = _open_after(open_tags, piece_atoms)
        closing = "".join(f"</{atom.tag}>" for atom in reversed(still_open))
        opening = "".join(atom.source for atom in open_tags)
        piece = f"{opening}{body}{closing}"
        if any(atom.units and not atom.source.isspace() for atom in piece_atoms):
            parts.append(piece.strip() if not open_tags and not still_open else piece)
        open_tags = still_open
        start = end
        # Whitespace at the start of a part is not shown; it is dropped with the cut.
        while start < len(atoms) and atoms[start].units and atoms[start].source.isspace():
            start += 1
    return parts or [text]


def _best_cut(atoms: list[_Atom], depth: list[int], start: int, end: int, limit: int) -> int:
    """Where to end a part that could go up to `end` (exclusive): outside tags if at all
    possible, then preferably in the part's second half, at the best kind of break, as late
    as possible among equals."""
    best, best_key = end, (-1, -1, -1, -1)
    used = 0
    floor = limit // 2
    for index in range(start + 1, end + 1):
        used += atoms[index - 1].units
        if index < len(atoms) and atoms[index].tag is not None and atoms[index].closing:
            continue  # a closing tag belongs with what it closes
        if atoms[index - 1].tag is not None and not atoms[index - 1].closing:
            continue  # an opening tag belongs with what it opens
        if used == 0:
            continue
        key = (
            1 if depth[index] == 0 else 0,
            1 if used >= floor else 0,
            _break_score(atoms, index),
            index,
        )
        if key > best_key:
            best, best_key = index, key
    # Zero-length closing tags right after the cut still fit in this part.
    while best < len(atoms) and atoms[best].units == 0 and atoms[best].closing:
        best += 1
    return best


def _open_after(open_tags: list[_Atom], piece: list[_Atom]) -> list[_Atom]:
    stack = list(open_tags)
    for atom in piece:
        if atom.tag is None:
            continue
        if not atom.closing:
            stack.append(atom)
            continue
        for position in range(len(stack) - 1, -1, -1):
            if stack[position].tag == atom.tag:
                del stack[position]
                break
    return stack


def shorten(text: str, limit: int) -> str:
    """A plain text (before HTML escaping) cut to at most `limit` UTF-16 code units, at a
    word's end when there is one in the last fifth; the text itself if it fits."""
    if units(text) <= limit:
        return text
    cut, used = 0, 0
    for char in text:
        size = units(char)
        if used + size > limit:
            break
        used += size
        cut += 1
    head = text[:cut]
    space = max(head.rfind(" "), head.rfind("\n"))
    if space >= cut * 4 // 5:
        head = head[:space]
    return head.rstrip()
