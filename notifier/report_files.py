"""The report as files (SPEC §9): XLSX (xlsxwriter in constant-memory mode: table 4.1,
register 4.9 streamed row by row, the indicators, the operational figures, and any extra
section such as the questionnaires'), CSV (the same blocks one after another) and a PNG of
four charts (matplotlib, Agg) sized for a phone screen. Every word comes from the locale
(core/locales/ru/reports.ftl); the numbers from domain/reports.py."""

from __future__ import annotations

import io
import textwrap
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import date
from typing import IO, TYPE_CHECKING, Any

from core.texts import Texts
from domain.appeal_model import AppealKind
from domain.reports import (
    COL_PLANNED,
    COL_TAKEN,
    FORM_NAMES,
    FORMS,
    INDICATOR_NAMES,
    MARK,
    REGISTER_49_COLUMNS,
    REGISTER_49_GROUPS,
    REGISTER_49_TITLE,
    TABLE_41_HEAD,
    TABLE_41_SUBHEAD,
    TABLE_41_TITLE,
    AnswerTimes,
    ExtraTable,
    Figures,
    Indicators,
    Outcome,
    RegisterEntry,
    RegisterRow,
    Report,
    TextKey,
    marks,
    register_cells,
)
from domain.spreadsheet import csv_writer

if TYPE_CHECKING:
    import xlsxwriter
    from xlsxwriter.worksheet import Worksheet

# xlsxwriter and matplotlib are imported when a report is built, not when the bot starts
# (matplotlib alone costs about half a second of start-up).

# A phone screen: 1080 × 1920 pixels (9 × 16 inches at 120 dpi).
PNG_SIZE = (1080, 1920)
_DPI = 120
# Day 0 of Excel's serial dates (as xlsxwriter counts them, after its 1900 leap-year bug).
_EXCEL_EPOCH = date(1899, 12, 30)
_KIND_COLOURS = ("#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b")


class _Words:
    """Texts for the files, looked up once each (a register of a million rows names the same
    few grounds again and again)."""

    def __init__(self, texts: Texts) -> None:
        self._texts = texts
        self._cache: dict[str, str] = {}

    def __call__(self, key: str, **args: Any) -> str:
        if args:
            return self._texts.plain(key, **args)
        if key not in self._cache:
            self._cache[key] = self._texts.plain(key)
        return self._cache[key]

    def named(self, key: str, fallback: str) -> str:
        """A value's name (a kind, a subject, a channel), or the code when the locale has no
        name for it (a value written by an older version)."""
        return self(key) if self._texts.has(key) else fallback


def _kind(words: _Words, code: str) -> str:
    return words.named(f"appeal-kind-{code}", code)


def _subject(words: _Words, code: str) -> str:
    return words.named(f"appeal-subject-{code}", code)


def _form(words: _Words, code: str) -> str:
    return words.named(f"staff-form-{code}", code)


def _ground(words: _Words, code: str) -> str:
    return words.named(f"staff-ground-{code}", code or "—")


def _channel(words: _Words, code: str) -> str:
    return words.named(f"reading-channel-{code.replace('_', '-')}", code)


def _booking(words: _Words, code: str) -> str:
    return words.named(f"report-booking-{code}", code)


def _delivery(words: _Words, code: str) -> str:
    return words.named(f"report-delivery-{code}", code)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%".replace(".", ",")


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:g}".replace(".", ",")


# The figures as (label, now, before) lines, by section: one list for XLSX, CSV and caption.

Line = tuple[str, object, object]


def _figure_sections(report: Report, words: _Words) -> list[tuple[str, list[Line]]]:
    now, before = report.figures, report.figures_before
    times, times_before = report.answer_times, report.answer_times_before
    facts = report.facts

    def tally(
        now_map: Mapping[str, int], before_map: Mapping[str, int], name: Callable[[str], str]
    ) -> list[Line]:
        keys = list(now_map) + [key for key in before_map if key not in now_map]
        return [(name(key), now_map.get(key, 0), before_map.get(key, 0)) for key in keys]

    def single(values: Mapping[str, int], name: Callable[[str], str]) -> list[Line]:
        return [(name(key), count, None) for key, count in values.items()]

    def outcome_lines(f: Figures, b: Figures, t: AnswerTimes, tb: AnswerTimes) -> list[Line]:
        return [
            (words("report-fig-total"), f.total, b.total),
            (words("report-fig-on-time"), f.on_time, b.on_time),
            (words("report-fig-late"), f.late, b.late),
            (words("report-fig-unanswered"), f.unanswered, b.unanswered),
            (words("report-fig-open"), f.open, b.open),
            (words("report-fig-overdue"), f.overdue_now, b.overdue_now),
            (words("report-fig-answer-mean"), t.mean_days, tb.mean_days),
            (words("report-fig-answer-median"), t.median_days, tb.median_days),
            (words("report-fig-answer-max"), t.max_days, tb.max_days),
            (words("report-fig-extended"), f.extended, b.extended),
            (words("report-fig-forwarded"), f.forwarded, b.forwarded),
            (words("report-fig-reopened"), f.reopened, b.reopened),
            (words("report-fig-contracts"), f.contracts, b.contracts),
        ]

    satisfaction: list[Line] = [
        (words("report-fig-rated"), now.rated, before.rated),
        (words("report-fig-mean-rating"), now.mean_rating, before.mean_rating),
        (
            words("report-fig-resolved"),
            _percent(now.resolved_share),
            _percent(before.resolved_share),
        ),
        (
            words("report-fig-surveyed"),
            _percent(now.surveyed_share),
            _percent(before.surveyed_share),
        ),
    ]
    return [
        (words("report-sec-outcomes"), outcome_lines(now, before, times, times_before)),
        (words("report-sec-kind"), tally(now.by_kind, before.by_kind, lambda k: _kind(words, k))),
        (
            words("report-sec-subject"),
            tally(now.by_subject, before.by_subject, lambda k: _subject(words, k)),
        ),
        (words("report-sec-form"), tally(now.by_form, before.by_form, lambda k: _form(words, k))),
        (
            words("report-sec-refused"),
            tally(now.refused_by_ground, before.refused_by_ground, lambda k: _ground(words, k)),
        ),
        (
            words("report-sec-department"),
            single(facts.by_department, lambda k: k or words("report-none")),
        ),
        (
            words("report-sec-executor"),
            single(facts.by_executor, lambda k: k or words("report-none")),
        ),
        (words("report-sec-satisfaction"), satisfaction),
        (
            words("report-sec-readings-channel"),
            single(facts.readings_by_channel, lambda k: _channel(words, k)),
        ),
        (words("report-sec-readings-window"), single(facts.readings_by_window, lambda k: k)),
        (words("report-sec-bookings"), single(facts.bookings, lambda k: _booking(words, k))),
        (words("report-sec-notices"), single(facts.notices, lambda k: _delivery(words, k))),
    ]


def _indicator_lines(report: Report, words: _Words) -> list[tuple[str, str, object, object]]:
    def value(indicators: Indicators, name: str) -> float | None:
        result: float | None = getattr(indicators, name)
        return result

    return [
        (
            words(f"report-indicator-{name}"),
            words(f"report-formula-{name}"),
            value(report.indicators, name),
            value(report.indicators_before, name),
        )
        for name, _ in INDICATOR_NAMES
    ]


def figure_sections(report: Report, texts: Texts) -> list[tuple[str, list[Line]]]:
    """The operational figures as the XLSX and the CSV show them: (section, lines of
    (label, this period, the period before)); for the web desk's reports page."""
    return _figure_sections(report, _Words(texts))


def indicator_lines(report: Report, texts: Texts) -> list[tuple[str, str, object, object]]:
    """The four indicators as (name, formula, this period, the period before)."""
    return _indicator_lines(report, _Words(texts))


def percent(value: float | None) -> str:
    """A share as the files show it: `93,5%`, or a dash."""
    return _percent(value)


# XLSX ---------------------------------------------------------------------------------------


async def write_xlsx(
    report: Report,
    register: AsyncIterator[Sequence[RegisterRow]],
    target: str | IO[bytes],
    texts: Texts,
) -> int:
    """The report as one workbook; `register` is read once, page by page (constant memory).
    Returns the register's row count."""
    import xlsxwriter

    words = _Words(texts)
    book = xlsxwriter.Workbook(
        target,
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
    )
    try:
        styles = _styles(book)
        _table_sheet(book, report, words, styles)
        count = await _register_sheet(book, report, register, words, styles)
        _indicator_sheet(book, report, words, styles)
        _figures_sheet(book, report, words, styles)
        for extra in report.extra:
            _extra_sheet(book, extra, styles)
    finally:
        book.close()
    return count


def _styles(book: xlsxwriter.Workbook) -> dict[str, Any]:
    head = {"bold": True, "text_wrap": True, "valign": "vcenter", "align": "center", "border": 1}
    return {
        "title": book.add_format({"bold": True, "font_size": 13}),
        "head": book.add_format({**head, "bg_color": "#DDEBF7"}),
        "text": book.add_format({"text_wrap": True, "valign": "top", "border": 1}),
        "bold": book.add_format({"bold": True, "text_wrap": True, "border": 1}),
        "int": book.add_format({"num_format": "0", "border": 1}),
        "dec": book.add_format({"num_format": "0.0", "border": 1}),
        "pct": book.add_format({"num_format": "0.0%", "border": 1}),
        "date": book.add_format({"num_format": "dd.mm.yyyy", "border": 1}),
        "time": book.add_format({"num_format": "hh:mm", "border": 1}),
        "cell": book.add_format({"border": 1}),
        "mark": book.add_format({"num_format": "0", "align": "center", "border": 1}),
        "section": book.add_format({"bold": True, "bg_color": "#F2F2F2"}),
    }


def _sheet_name(words: _Words, key: str) -> str:
    return words(key)[:31]


def _table_sheet(
    book: xlsxwriter.Workbook, report: Report, words: _Words, styles: dict[str, Any]
) -> None:
    sheet = book.add_worksheet(_sheet_name(words, "report-sheet-table"))
    sheet.set_column(0, 0, 7)
    sheet.set_column(1, 1, 58)
    sheet.set_column(2, 1 + 3 * len(FORMS), 13)
    sheet.write_string(0, 0, words(TABLE_41_TITLE), styles["title"])
    sheet.write_string(
        1,
        0,
        words(
            "report-table-years",
            before=report.year_before.label,
            now=report.period.label,
        ),
    )
    sheet.set_row(3, 62)
    sheet.write_string(3, 0, words(TABLE_41_HEAD[0]), styles["head"])
    sheet.write_string(3, 1, words(TABLE_41_HEAD[1]), styles["head"])
    for index, form in enumerate(FORMS):
        first = 2 + 3 * index
        sheet.merge_range(3, first, 3, first + 2, words(FORM_NAMES[form]), styles["head"])
    sheet.set_row(4, 48)
    sheet.write_blank(4, 0, None, styles["head"])
    sheet.write_blank(4, 1, None, styles["head"])
    for index in range(len(FORMS)):
        for offset, key in enumerate(TABLE_41_SUBHEAD):
            sheet.write_string(4, 2 + 3 * index + offset, words(key), styles["head"])
    for row_index, (row, cells) in enumerate(report.table.rows, start=5):
        top = "." not in row.number
        sheet.write_string(row_index, 0, row.number, styles["bold" if top else "text"])
        sheet.write_string(row_index, 1, words(row.title), styles["bold" if top else "text"])
        for index, cell in enumerate(cells):
            col = 2 + 3 * index
            sheet.write_number(row_index, col, cell.before, styles["int"])
            sheet.write_number(row_index, col + 1, cell.now, styles["int"])
            change = cell.change
            if change is None:
                sheet.write_string(row_index, col + 2, "—", styles["cell"])
            else:
                sheet.write_number(row_index, col + 2, change, styles["dec"])
    sheet.freeze_panes(5, 2)


def register_header(words: Callable[[str], str]) -> tuple[list[str], list[str]]:
    """The register's two header rows: each group's title over its first column, and each
    column's title (empty under a one-column group)."""
    groups: list[str] = []
    columns: list[str] = []
    for group, titles in REGISTER_49_GROUPS:
        for index, title in enumerate(titles):
            groups.append(words(group) if index == 0 else "")
            columns.append(words(title) if title else "")
    return groups, columns


async def _register_sheet(
    book: xlsxwriter.Workbook,
    report: Report,
    register: AsyncIterator[Sequence[RegisterRow]],
    words: _Words,
    styles: dict[str, Any],
) -> int:
    sheet = book.add_worksheet(_sheet_name(words, "report-sheet-register"))
    widths = [6, 14, 11, 7] + [11] * (REGISTER_49_COLUMNS - 6) + [40, 40]
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    sheet.write_string(0, 0, words(REGISTER_49_TITLE), styles["title"])
    sheet.write_string(1, 0, words("report-period", period=report.period.label))
    sheet.set_row(2, 48)
    col = 0
    for group, titles in REGISTER_49_GROUPS:
        if len(titles) > 1:
            sheet.merge_range(2, col, 2, col + len(titles) - 1, words(group), styles["head"])
        else:
            sheet.write_string(2, col, words(group), styles["head"])
        col += len(titles)
    sheet.set_row(3, 150)
    _, columns = register_header(words)
    for col, title in enumerate(columns):
        if title:
            sheet.write_string(3, col, title, styles["head"])
        else:
            sheet.write_blank(3, col, None, styles["head"])
    sheet.freeze_panes(4, 2)
    row = 4
    date_style, time_style, mark_style = styles["date"], styles["time"], styles["mark"]
    write_number, write_string = sheet.write_number, sheet.write_string
    # Per combination of form, category and outcome, the marked cells with their words
    # looked up (a few thousand combinations; a million rows).
    combos: dict[tuple[str, str, str, str, str | None], list[tuple[int, str | None]]] = {}
    for_excel = _EXCEL_EPOCH.toordinal()
    async for page in register:
        for number, day, second, form, kind, subject, outcome, ground, taken, planned in page:
            # № п/п is the row's place: the register starts on the sheet's fifth row.
            write_number(row, 0, row - 3)
            write_string(row, 1, number)
            # Excel's serial date and day fraction, the cells write_datetime would make,
            # from the local day and second the database computed.
            write_number(row, 2, day - for_excel, date_style)
            write_number(row, 3, second / 86400.0, time_style)
            key = (form, kind, subject, outcome, ground)
            cells = combos.get(key)
            if cells is None:
                cells = combos[key] = [
                    (col, words(value) if isinstance(value, TextKey) else None)
                    for col, value in marks(form, kind, subject, Outcome(outcome), ground)
                ]
            for col, text in cells:
                if text is None:
                    write_number(row, col, MARK, mark_style)
                else:
                    write_string(row, col, text)
            if taken:
                write_string(row, COL_TAKEN, taken)
            if planned:
                write_string(row, COL_PLANNED, planned)
            row += 1
    return row - 4


def _indicator_sheet(
    book: xlsxwriter.Workbook, report: Report, words: _Words, styles: dict[str, Any]
) -> None:
    sheet = book.add_worksheet(_sheet_name(words, "report-sheet-indicators"))
    sheet.set_column(0, 0, 42)
    sheet.set_column(1, 1, 70)
    sheet.set_column(2, 4, 16)
    sheet.write_string(0, 0, words("report-sheet-indicators"), styles["title"])
    head = (
        words("report-head-indicator"),
        words("report-head-formula"),
        report.period.label,
        report.previous.label,
        words("report-head-delta"),
    )
    sheet.set_row(2, 32)
    for col, title in enumerate(head):
        sheet.write_string(2, col, title, styles["head"])
    for row, (name, formula, now, before) in enumerate(_indicator_lines(report, words), 3):
        sheet.write_string(row, 0, name, styles["bold"])
        sheet.write_string(row, 1, formula, styles["text"])
        for col, value in ((2, now), (3, before)):
            if isinstance(value, float):
                sheet.write_number(row, col, value, styles["pct"])
            else:
                sheet.write_string(row, col, "—", styles["cell"])
        if isinstance(now, float) and isinstance(before, float):
            sheet.write_number(row, 4, round((now - before) * 100, 1), styles["dec"])
        else:
            sheet.write_string(row, 4, "—", styles["cell"])
    sheet.freeze_panes(3, 1)


def _figures_sheet(
    book: xlsxwriter.Workbook, report: Report, words: _Words, styles: dict[str, Any]
) -> None:
    sheet = book.add_worksheet(_sheet_name(words, "report-sheet-figures"))
    sheet.set_column(0, 0, 52)
    sheet.set_column(1, 2, 16)
    sheet.write_string(0, 0, words("report-sheet-figures"), styles["title"])
    for col, title in enumerate(
        (words("report-head-figure"), report.period.label, report.previous.label)
    ):
        sheet.write_string(2, col, title, styles["head"])
    row = 3
    for section, lines in _figure_sections(report, words):
        sheet.write_string(row, 0, section, styles["section"])
        row += 1
        if not lines:
            sheet.write_string(row, 0, words("report-none"), styles["text"])
            row += 1
        for label, now, before in lines:
            sheet.write_string(row, 0, label, styles["text"])
            for col, value in ((1, now), (2, before)):
                if isinstance(value, int | float):
                    sheet.write_number(row, col, value, styles["cell"])
                elif value is None:
                    sheet.write_blank(row, col, None, styles["cell"])
                else:
                    sheet.write_string(row, col, str(value), styles["cell"])
            row += 1
    sheet.freeze_panes(3, 1)


def _extra_sheet(book: xlsxwriter.Workbook, extra: ExtraTable, styles: dict[str, Any]) -> None:
    sheet: Worksheet = book.add_worksheet(extra.title[:31])
    sheet.set_column(0, max(len(extra.header) - 1, 0), 24)
    sheet.write_string(0, 0, extra.title, styles["title"])
    for col, title in enumerate(extra.header):
        sheet.write_string(2, col, title, styles["head"])
    for row, values in enumerate(extra.rows, 3):
        for col, value in enumerate(values):
            if isinstance(value, int | float) and not isinstance(value, bool):
                sheet.write_number(row, col, value, styles["cell"])
            else:
                sheet.write_string(row, col, "" if value is None else str(value), styles["text"])
    sheet.freeze_panes(3, 0)


# CSV ----------------------------------------------------------------------------------------


async def write_csv(
    report: Report,
    register: AsyncIterator[Sequence[RegisterRow]],
    stream: IO[str],
    texts: Texts,
) -> int:
    """Table 4.1, the indicators, the figures, the extra sections and register 4.9, one block
    after another with an empty line between, spreadsheet-safe (domain/spreadsheet.py).
    Returns the register's row count."""
    words = _Words(texts)
    writer = csv_writer(stream, lineterminator="\r\n")
    writer.writerow([words(TABLE_41_TITLE), report.period.label])
    head = [words(TABLE_41_HEAD[0]), words(TABLE_41_HEAD[1])]
    for form in FORMS:
        name = words(FORM_NAMES[form])
        head += [f"{name}: {words(key)}" for key in TABLE_41_SUBHEAD]
    writer.writerow(head)
    for row, cells in report.table.rows:
        line: list[object] = [row.number, words(row.title)]
        for cell in cells:
            line += [cell.before, cell.now, "" if cell.change is None else cell.change]
        writer.writerow(line)
    writer.writerow([])
    writer.writerow(
        [
            words("report-head-indicator"),
            words("report-head-formula"),
            report.period.label,
            report.previous.label,
        ]
    )
    for name, formula, now, before in _indicator_lines(report, words):
        writer.writerow(
            [name, formula, "" if now is None else now, "" if before is None else before]
        )
    writer.writerow([])
    writer.writerow([words("report-head-figure"), report.period.label, report.previous.label])
    for section, lines in _figure_sections(report, words):
        writer.writerow([section])
        for label, now, before in lines:
            writer.writerow([label, "" if now is None else now, "" if before is None else before])
    for extra in report.extra:
        writer.writerow([])
        writer.writerow([extra.title])
        writer.writerow(extra.header)
        writer.writerows(extra.rows)
    writer.writerow([])
    writer.writerow([words(REGISTER_49_TITLE)])
    groups, columns = register_header(words)
    writer.writerow(groups)
    writer.writerow(columns)
    count = 0
    async for page in register:
        for entry in page:
            count += 1
            values: list[object] = [""] * REGISTER_49_COLUMNS
            values[0] = count
            for col, value in register_cells(RegisterEntry.named(entry)).items():
                if isinstance(value, TextKey):
                    values[col] = words(value)
                elif col == 2 and hasattr(value, "strftime"):
                    values[col] = value.strftime("%d.%m.%Y")
                elif col == 3 and hasattr(value, "strftime"):
                    values[col] = value.strftime("%H:%M")
                else:
                    values[col] = value
            writer.writerow(values)
    return count


# PNG ----------------------------------------------------------------------------------------


def _month_labels(report: Report, words: _Words) -> list[str]:
    months = [figure.month for figure in report.trend]
    several_years = len({m.year for m in months}) > 1
    labels = []
    for m in months:
        name = words(f"report-month-{m.month}")
        labels.append(f"{name}\n{m.year % 100:02d}" if several_years else name)
    return labels


def render_png(report: Report, texts: Texts) -> bytes:
    """Four charts one under another, for a phone: appeals per month by kind, the share
    answered on time per month, the most frequent subjects, the mean rating per month."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    words = _Words(texts)
    figure = Figure(figsize=(PNG_SIZE[0] / _DPI, PNG_SIZE[1] / _DPI), dpi=_DPI)
    FigureCanvasAgg(figure)  # the Agg backend, no display and no global pyplot state
    figure.set_layout_engine("constrained")
    figure.suptitle(
        words("report-chart-title", period=report.period.label), fontsize=17, fontweight="bold"
    )
    kinds_axis, on_time_axis, subjects_axis, rating_axis = figure.subplots(
        4, 1, gridspec_kw={"height_ratios": [1.25, 1, 1.1, 1]}
    )
    labels = _month_labels(report, words)
    positions = list(range(len(labels)))
    font = 11

    # 1. Appeals per month by kind: stacked bars, the legend above.
    bottom = [0] * len(labels)
    for colour, kind in zip(_KIND_COLOURS, AppealKind, strict=True):
        counts = [figure_.by_kind.get(kind.value, 0) for figure_ in report.trend]
        if not any(counts):
            continue
        kinds_axis.bar(
            positions,
            counts,
            bottom=bottom,
            color=colour,
            label=_short(_kind(words, kind.value), 30),
        )
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    kinds_axis.set_title(words("report-chart-kinds"), fontsize=14, loc="left")
    _months_axis(kinds_axis, positions, labels, font)
    if any(bottom):
        # Headroom above the tallest bar for the legend, inside the chart: nothing overlaps.
        kinds_axis.set_ylim(0, max(bottom) * 1.5)
        kinds_axis.legend(fontsize=10, ncol=2, loc="upper left", frameon=False)
    else:
        _no_data(kinds_axis, words)
    kinds_axis.yaxis.set_major_locator(MaxNLocator(integer=True))

    # 2. Share answered on time per month.
    shares = [figure_.on_time_share for figure_ in report.trend]
    values = [share * 100 if share is not None else 0 for share in shares]
    bars = on_time_axis.bar(positions, values, color="#2ca02c")
    on_time_axis.set_ylim(0, 118)
    for bar, share in zip(bars, shares, strict=True):
        if share is not None:
            on_time_axis.annotate(
                f"{share * 100:.0f}",
                (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                ha="center",
                va="bottom",
                fontsize=10,
                xytext=(0, 2),
                textcoords="offset points",
            )
    on_time_axis.set_title(words("report-chart-on-time"), fontsize=14, loc="left")
    _months_axis(on_time_axis, positions, labels, font)
    if all(share is None for share in shares):
        _no_data(on_time_axis, words)

    # 3. Most frequent subjects, the largest on top.
    top = list(report.figures.by_subject.items())[:6]
    names = [textwrap.fill(_subject(words, code), 26) for code, _ in top][::-1]
    counts = [count for _, count in top][::-1]
    subjects_axis.barh(range(len(counts)), counts, color="#1f77b4")
    subjects_axis.set_yticks(range(len(counts)), names, fontsize=font)
    for index, count in enumerate(counts):
        subjects_axis.annotate(
            str(count),
            (count, index),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=10,
        )
    subjects_axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    if counts:
        subjects_axis.set_xlim(0, max(counts) * 1.18)
    else:
        _no_data(subjects_axis, words)
    subjects_axis.set_title(
        words("report-chart-subjects", period=report.period.label), fontsize=14, loc="left"
    )
    subjects_axis.tick_params(axis="x", labelsize=10)

    # 4. Satisfaction: the mean rating per month (1–5).
    ratings = [figure_.mean_rating for figure_ in report.trend]
    rated_x = [x for x, rating in zip(positions, ratings, strict=True) if rating is not None]
    rated_y = [rating for rating in ratings if rating is not None]
    rating_axis.plot(rated_x, rated_y, marker="o", color="#ff7f0e", linewidth=2.5)
    rating_axis.set_ylim(1, 5.4)
    rating_axis.set_yticks([1, 2, 3, 4, 5])
    rating_axis.set_title(words("report-chart-satisfaction"), fontsize=14, loc="left")
    _months_axis(rating_axis, positions, labels, font)
    rating_axis.grid(axis="y", alpha=0.3)
    if not rated_y:
        _no_data(rating_axis, words)

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=_DPI)
    return buffer.getvalue()


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _months_axis(axis: Any, positions: list[int], labels: list[str], font: int) -> None:
    axis.set_xticks(positions, labels, fontsize=font if len(labels) <= 12 else 8)
    axis.set_xlim(-0.6, max(len(labels) - 0.4, 0.6))
    axis.tick_params(axis="y", labelsize=10)
    axis.spines[["top", "right"]].set_visible(False)


def _no_data(axis: Any, words: _Words) -> None:
    axis.text(
        0.5,
        0.5,
        words("report-chart-no-data"),
        transform=axis.transAxes,
        ha="center",
        va="center",
        fontsize=13,
        color="#888888",
    )


# The caption under the picture in the staff chat -------------------------------------------


def caption(report: Report, texts: Texts) -> str:
    """The key figures, within Telegram's 1024 characters of a caption."""
    now, before = report.figures, report.figures_before
    return texts.get(
        "report-caption",
        period=report.period.label,
        previous=report.previous.label,
        total=now.total,
        total_before=before.total,
        on_time=now.on_time,
        late=now.late,
        unanswered=now.unanswered,
        open=now.open,
        overdue=now.overdue_now,
        performance=_percent(report.indicators.performance),
        performance_before=_percent(report.indicators_before.performance),
        availability=_percent(report.indicators.availability),
        feedback=_percent(report.indicators.feedback),
        rating=_number(now.mean_rating),
        mean_days=_number(report.answer_times.mean_days),
    )


def file_name(report: Report, extension: str) -> str:
    """`report-2026-11.xlsx`; a custom range as `report-2026-01-01_2026-03-31.xlsx`."""
    return f"report-{report.period.label.replace('..', '_')}.{extension}"
