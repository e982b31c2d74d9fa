"""Reference content as editable files (SPEC §7): `index.yaml` + Markdown pages + attachments.

Format (see docs/operations.md, "Reference content"):

    sample: true
    consent: {version: "2026-11-01", file: consent.md}
    sections:
      - id: contacts
        title: "Адреса и часы работы"
        page: pages/contacts.md
        keywords: [адрес, часы]
        files: [files/form.rtf]
        children: [...]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from domain.content import ID_RE, ConsentText, ContentLibrary, Section

MAX_TITLE = 40
MAX_PAGE = 3500
# Telegram refuses bot uploads over 50 MB (Bot API sendDocument limits).
MAX_FILE_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ContentProblem:
    where: str
    reason: str  # a text key: content-problem-...
    detail: str = ""


class ContentError(Exception):
    def __init__(self, problems: list[ContentProblem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the content folder")
        self.problems = problems


def check_content(root: Path) -> list[ContentProblem]:
    """Every problem in the folder, not just the first: ids, titles, pages, attachments."""
    problems: list[ContentProblem] = []
    index_path = root / "index.yaml"
    if not index_path.is_file():
        return [ContentProblem(str(index_path), "content-problem-no-index")]
    try:
        index = yaml.safe_load(index_path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        return [ContentProblem(str(index_path), "content-problem-yaml", str(exc)[:200])]
    if not isinstance(index, dict):
        return [ContentProblem(str(index_path), "content-problem-yaml", "not a mapping")]

    consent = index.get("consent")
    if not isinstance(consent, dict) or not consent.get("version") or not consent.get("file"):
        problems.append(ContentProblem("index.yaml: consent", "content-problem-consent"))
    else:
        _check_file(root, str(consent["file"]), "index.yaml: consent", problems, text=True)

    sections = index.get("sections")
    if not isinstance(sections, list) or not sections:
        problems.append(ContentProblem("index.yaml: sections", "content-problem-no-sections"))
        return problems
    seen: set[str] = set()
    _check_sections(root, sections, "sections", seen, problems)
    return problems


def _check_sections(
    root: Path,
    sections: list[Any],
    where: str,
    seen: set[str],
    problems: list[ContentProblem],
) -> None:
    for position, raw in enumerate(sections, start=1):
        place = f"{where}[{position}]"
        if not isinstance(raw, dict):
            problems.append(ContentProblem(place, "content-problem-section"))
            continue
        section_id = str(raw.get("id", ""))
        place = f"{place} ({section_id or '?'})"
        if not ID_RE.match(section_id):
            problems.append(ContentProblem(place, "content-problem-id", section_id))
        elif section_id in seen:
            problems.append(ContentProblem(place, "content-problem-id-duplicate", section_id))
        seen.add(section_id)
        title = str(raw.get("title", "")).strip()
        if not title or len(title) > MAX_TITLE:
            problems.append(ContentProblem(place, "content-problem-title", str(MAX_TITLE)))
        children = raw.get("children") or []
        page = raw.get("page")
        if page:
            _check_file(root, str(page), place, problems, text=True)
        elif not children:
            problems.append(ContentProblem(place, "content-problem-empty"))
        for attachment in raw.get("files") or []:
            _check_file(root, str(attachment), place, problems, text=False)
        if not isinstance(raw.get("keywords") or [], list):
            problems.append(ContentProblem(place, "content-problem-keywords"))
        if children:
            if isinstance(children, list):
                _check_sections(root, children, f"{place}.children", seen, problems)
            else:
                problems.append(ContentProblem(place, "content-problem-section"))


def _check_file(
    root: Path, relative: str, place: str, problems: list[ContentProblem], *, text: bool
) -> None:
    path = (root / relative).resolve()
    if root.resolve() not in path.parents:
        problems.append(ContentProblem(place, "content-problem-outside", relative))
        return
    if not path.is_file():
        problems.append(ContentProblem(place, "content-problem-missing-file", relative))
        return
    if path.stat().st_size > MAX_FILE_BYTES:
        problems.append(ContentProblem(place, "content-problem-too-big", relative))
    if text:
        try:
            body = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            problems.append(ContentProblem(place, "content-problem-encoding", relative))
            return
        if len(body) > MAX_PAGE:
            problems.append(ContentProblem(place, "content-problem-page-long", relative))
        for target in re.findall(r"\]\(([^)]+)\)", body):
            if not re.match(r"^(https?://|mailto:|tel:)", target):
                problems.append(ContentProblem(place, "content-problem-link", target))


def load_content(root: Path) -> ContentLibrary:
    """Load the folder; refuses (with every problem listed) a folder that does not check."""
    problems = check_content(root)
    if problems:
        raise ContentError(problems)
    index = yaml.safe_load((root / "index.yaml").read_text(encoding="utf-8"))
    consent = index["consent"]
    return ContentLibrary(
        sections=tuple(_section(root, raw) for raw in index["sections"]),
        consent=ConsentText(
            version=str(consent["version"]),
            body=(root / str(consent["file"])).read_text(encoding="utf-8").strip(),
        ),
        sample=bool(index.get("sample", False)),
    )


def _section(root: Path, raw: dict[str, Any]) -> Section:
    page = raw.get("page")
    return Section(
        id=str(raw["id"]),
        title=str(raw["title"]).strip(),
        body=(root / str(page)).read_text(encoding="utf-8").strip() if page else "",
        keywords=tuple(str(k) for k in raw.get("keywords") or []),
        files=tuple(str(f) for f in raw.get("files") or []),
        children=tuple(_section(root, child) for child in raw.get("children") or []),
    )
