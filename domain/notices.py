"""Notices to subscribers (SPEC §12): what kinds there are, which houses an outage covers,
how addresses, amounts and dates from the company's files are read, and when a notice is
sent — never in the subscriber's quiet hours unless waiting would make it useless.

Russian words the parsers recognise (чёт/нечёт, корпус, улица, плановое…) are read from
domain/data/notice_words_ru.txt (domain/notice_words.py): code literals carry no Cyrillic
words (tests/test_texts.py), the texts people read live in the Fluent files.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Literal
from zoneinfo import ZoneInfo

from domain import notice_words


class NoticeKind(StrEnum):
    DEBT = "debt"
    PAYMENT_DUE = "payment_due"
    TARIFF = "tariff"
    PLANNED_OUTAGE = "planned_outage"
    OUTAGE_EVENING = "outage_evening"  # the evening-before repeat of a planned outage
    EMERGENCY_OUTAGE = "emergency_outage"
    POWER_RESTORED = "power_restored"
    OUTAGE_CANCELLED = "outage_cancelled"  # a planned outage called off before it began
    RESTRICTION = "restriction"
    CONTRACT = "contract"
    READINGS_REMINDER = "readings_reminder"
    MESSAGE = "message"  # a one-off notice staff compose to a topic's subscribers
    QUESTIONNAIRE = "questionnaire"  # a questionnaire's first question (§19.17-19.18)


class OutageKind(StrEnum):
    PLANNED = "planned"
    EMERGENCY = "emergency"


def _fold(text: str) -> str:
    """Case and ё/е do not matter."""
    return unicodedata.normalize("NFC", text).casefold().replace("ё", "е")


# ---------------------------------------------------------------------------------------
# Houses

MAX_HOUSE_NUMBER = 9999
Parity = Literal["even", "odd"]

# чет, четн, четные; нечет, нечетные (ё is folded to е before the lookup); even, odd.
_EVEN_WORDS = notice_words.words("even")
_ODD_WORDS = notice_words.words("odd")
_RANGE_RE = re.compile(r"^(\d+)\s*[-\u2013\u2014]\s*(\d+)\s*(.*)$")
_SEPARATORS_RE = re.compile(r"[;,]")
# корпус, корп., к. -> к; строение, стр., с. -> с (spaces are already gone).
_BUILDING = notice_words.first_letter("building")
_STRUCTURE = notice_words.first_letter("structure")
_BUILDING_RE = re.compile(notice_words.spellings_pattern("building"))
_STRUCTURE_RE = re.compile(notice_words.spellings_pattern("structure"))
# A normalised house: a number, maybe a letter, maybe "/N" (a corner house), then buildings
# "кN" (корпус) or "сN" (строение).
_HOUSE_RE = re.compile(
    r"^\d{1,4}[^\W\d_]?(?:/\d{1,4}[^\W\d_]?)?"
    rf"(?:[{_BUILDING}{_STRUCTURE}]\d{{1,4}}[^\W\d_]?)*$"
)
_LEADING_NUMBER_RE = re.compile(r"^(\d+)")
# "дом 7", "д. 7", "д7" -> "7".
_HOUSE_PREFIX_RE = re.compile(rf"^(?:{notice_words.spellings_pattern('house')})(?=\d)")
_LEADING_ZEROS_RE = re.compile(r"^0+(?=\d)")
_DIGIT_DASH_LETTER_RE = re.compile(r"(\d)-(?=[^\W\d_])")
# Latin letters that look like Cyrillic ones: "7a" typed in the English layout is "7а".
_LOOKALIKES = str.maketrans(
    {
        "A": "А",
        "B": "В",
        "C": "С",
        "E": "Е",
        "H": "Н",
        "K": "К",
        "M": "М",
        "O": "О",
        "P": "Р",
        "T": "Т",
        "X": "Х",
        "Y": "У",
        "a": "а",
        "c": "с",
        "e": "е",
        "k": "к",
        "o": "о",
        "p": "р",
        "x": "х",
        "y": "у",
    }
)
_BUILDING_LETTERS = frozenset((_BUILDING, _STRUCTURE))  # к, с


class InvalidHouses(ValueError):
    """A houses list that cannot be read; `detail` is the offending part."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"invalid houses: {detail!r}")
        self.detail = detail


@dataclass(frozen=True, slots=True)
class HouseRange:
    """Houses numbered `first`..`last`, all of them or only the even or odd ones."""

    first: int
    last: int
    parity: Parity | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.first <= self.last <= MAX_HOUSE_NUMBER:
            raise InvalidHouses(f"{self.first}-{self.last}")
        if self.parity not in (None, "even", "odd"):
            raise InvalidHouses(str(self.parity))
        if self.parity is not None and not any(
            self.has_number(n) for n in (self.first, self.first + 1) if n <= self.last
        ):
            raise InvalidHouses(str(self))

    def has_number(self, number: int) -> bool:
        if not self.first <= number <= self.last:
            return False
        if self.parity == "even":
            return number % 2 == 0
        if self.parity == "odd":
            return number % 2 == 1
        return True

    def __str__(self) -> str:
        text = f"{self.first}-{self.last}"
        return f"{text} {self.parity}" if self.parity else text


@dataclass(frozen=True, slots=True)
class HouseSet:
    """The houses of one street an outage covers. No items: the whole street.

    A range covers a house whose leading number falls within it and has its parity: letter,
    corner and building houses follow their number (7а, 7/2 and 7к2 are in 1-15 and in an
    odd range). An exact item (normalised, see `normalize_house`) covers that house and its
    buildings: "7" covers 7 and 7к2 or 7с1, but neither 7а nor 71.
    """

    items: tuple[HouseRange | str, ...] = ()

    @property
    def whole_street(self) -> bool:
        return not self.items

    def contains(self, house: str) -> bool:
        if self.whole_street:
            return True
        normalized = normalize_house(house)
        if not normalized:
            return False
        leading = _LEADING_NUMBER_RE.match(normalized)
        number = int(leading.group(1)) if leading else None
        for item in self.items:
            if isinstance(item, HouseRange):
                if number is not None and item.has_number(number):
                    return True
            elif normalized == item or _is_building_of(normalized, item):
                return True
        return False

    def __str__(self) -> str:
        return "; ".join(str(item) for item in self.items)


def _is_building_of(house: str, item: str) -> bool:
    rest = house[len(item) :]
    return (
        house.startswith(item)
        and len(rest) >= 2
        and rest[0] in _BUILDING_LETTERS
        and rest[1].isdigit()
    )


def normalize_house(house: str) -> str:
    """A house number as one comparable string: case, spaces, ё/е, a trailing dot, a leading
    "д."/"дом" and the Latin look-alike letters do not matter; "корпус"/"корп"/"к." become
    "к" and "строение"/"стр"/"с." become "с" ("7 корп. 2" -> "7к2"); "7-а" is "7а"."""
    text = unicodedata.normalize("NFC", house).translate(_LOOKALIKES)
    text = "".join(_fold(text).split()).rstrip(".")
    text = _LEADING_ZEROS_RE.sub("", _HOUSE_PREFIX_RE.sub("", text))
    text = _BUILDING_RE.sub(_BUILDING, text)
    text = _STRUCTURE_RE.sub(_STRUCTURE, text)
    return _DIGIT_DASH_LETTER_RE.sub(r"\1", text)


def parse_houses(text: str) -> HouseSet:
    """Read "1-15; 2-20 чёт; 7а, 9к2": items separated by ";" or ",", each a range "A-B"
    (an en or em dash too) maybe followed by even/odd (чет, чётные, нечет, нечётные…), or an
    exact house. Blank text is the whole street; empty items between separators are
    skipped. Raises InvalidHouses with the part that cannot be read."""
    items: list[HouseRange | str] = []
    for raw in _SEPARATORS_RE.split(text):
        part = " ".join(raw.split())
        if not part:
            continue
        item = _parse_item(part)
        if item not in items:
            items.append(item)
    return HouseSet(tuple(items))


def _parse_item(part: str) -> HouseRange | str:
    matched = _RANGE_RE.match(part)
    if matched is not None:
        first, last, word = matched.groups()
        parity: Parity | None = None
        if word:
            folded = _fold(word).strip("(). ")
            if folded in _EVEN_WORDS:
                parity = "even"
            elif folded in _ODD_WORDS:
                parity = "odd"
            else:
                raise InvalidHouses(part)
        if len(first) > 4 or len(last) > 4:
            raise InvalidHouses(part)
        try:
            return HouseRange(int(first), int(last), parity)
        except InvalidHouses:
            raise InvalidHouses(part) from None
    house = normalize_house(part)
    if not _HOUSE_RE.match(house) or house.startswith("0"):
        raise InvalidHouses(part)
    return house


# ---------------------------------------------------------------------------------------
# Places

# Settlement types: г, город, с, село, д, деревня, п, пос, поселок, рп, пгт.
# Street types: ул, улица, пер, переулок, пр, пр-т, пр-кт, просп, проспект, пл, площадь,
# б-р, бульвар, ш, шоссе, проезд, мкр, микрорайон, наб, набережная, туп, тупик.
_PLACE_TYPES = notice_words.words("settlement") | notice_words.words("street")
# "р.п." / "р. п." (рабочий посёлок) is one word, рп, before the dots go.
_RP = notice_words.word("dotted")
_RP_DOTTED_RE = re.compile(notice_words.dotted_pattern(_RP))
_PLACE_PUNCTUATION_RE = re.compile(r"[.,;:\"'()\xab\xbb\u201c\u201d\u201e]")


def normalize_place(text: str) -> str:
    """A settlement or street name as one comparable string: case, ё/е, punctuation, extra
    spaces and type words anywhere ("г.", "ул.", "улица", "пр-т"…) do not matter, so
    "ул. Ленина", "Ленина" and "улица ленина" are one street. Numbers stay ("1-я Заводская").
    A name made only of type words ("Проезд") is kept whole."""
    folded = _RP_DOTTED_RE.sub(f" {_RP} ", _fold(text))
    tokens = _PLACE_PUNCTUATION_RE.sub(" ", folded).split()
    kept = [token for token in tokens if token not in _PLACE_TYPES]
    return " ".join(kept or tokens)


PLACE_KEY_LENGTH = 300

# Street types and their spellings, the canonical one first: ул, улица; пер, переулок;
# пр-т, пр, пр-кт, просп, проспект; пл, площадь; б-р, бульвар; ш, шоссе; проезд;
# мкр, микрорайон; наб, набережная; туп, тупик.
_STREET_TYPES = {
    word: spellings[0] for spellings in notice_words.word_lines("street") for word in spellings
}
_DEFAULT_STREET_TYPE = notice_words.word("unnamed")  # a street without a type is an улица


def normalize_street(text: str) -> str:
    """A street as one comparable string that keeps its type: "ул. Ленина", "улица Ленина"
    and "Ленина" (no type: an улица) are one street, "пер. Ленина" is another; "Шиморское
    шоссе" is "ш. Шиморское". Case, ё/е and punctuation do not matter."""
    tokens = _PLACE_PUNCTUATION_RE.sub(" ", _fold(text)).split()
    types = [_STREET_TYPES[token] for token in tokens if token in _STREET_TYPES]
    name = [token for token in tokens if token not in _STREET_TYPES] or tokens
    return " ".join([types[0] if types else _DEFAULT_STREET_TYPE, *name])


def place_key(settlement: str, street: str) -> str:
    """One comparable key for a settlement (normalize_place) and a street
    (normalize_street), stored with every account so that the accounts of a street are
    found by an index."""
    return f"{normalize_place(settlement)}|{normalize_street(street)}"[:PLACE_KEY_LENGTH]


# ---------------------------------------------------------------------------------------
# Amounts and dates

MAX_AMOUNT = Decimal("99999999.99")
_CENT = Decimal("0.01")
_AMOUNT_RE = re.compile(r"^(\d{1,3}(?:\s\d{3})+|\d+)(?:[.,](\d{1,2}))?$")
_SPACES_RE = re.compile(r"[\s\xa0\u202f\u2009]")
_ISO_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_RU_DATE_RE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_CLOCK = r"(\d{1,2}:\d{2}(?::\d{2})?)"
_DATETIME_RE = re.compile(
    rf"^(\d{{4}}-\d{{2}}-\d{{2}})(?:T|\s+){_CLOCK}$|^(\d{{1,2}}\.\d{{1,2}}\.\d{{4}})\s+{_CLOCK}$"
)


def parse_amount(text: str) -> Decimal:
    """Rubles as billing exports write them: "1234.50", "1 234,50" (a space or a no-break
    space between thousands), "1234" -> Decimal with two places. Negative, empty, more than
    two decimals, letters or more than 99 999 999.99 -> ValueError."""
    cleaned = _SPACES_RE.sub(" ", text.strip())
    matched = _AMOUNT_RE.match(cleaned)
    if matched is None:
        raise ValueError(f"invalid amount: {text!r}")
    whole, cents = matched.groups()
    value = Decimal(whole.replace(" ", "") + "." + (cents or "0"))
    if value > MAX_AMOUNT:
        raise ValueError(f"amount too large: {text!r}")
    return value.quantize(_CENT)


def parse_date(text: str) -> date:
    """`YYYY-MM-DD` or `DD.MM.YYYY` (a one-digit day or month too), else ValueError."""
    cleaned = text.strip()
    iso = _ISO_DATE_RE.match(cleaned)
    if iso is not None:
        year, month, day = (int(g) for g in iso.groups())
    else:
        ru = _RU_DATE_RE.match(cleaned)
        if ru is None:
            raise ValueError(f"invalid date: {text!r}")
        day, month, year = (int(g) for g in ru.groups())
    return date(year, month, day)  # ValueError for 31.02


def parse_local_datetime(text: str, zone: ZoneInfo) -> datetime:
    """`YYYY-MM-DD HH:MM` (or with "T"), `DD.MM.YYYY HH:MM`, seconds allowed, read in `zone`
    -> an aware datetime in UTC. Else ValueError."""
    matched = _DATETIME_RE.match(text.strip())
    if matched is None:
        raise ValueError(f"invalid date and time: {text!r}")
    day_text, clock_text = (g for g in matched.groups() if g is not None)
    clock = _TIME_RE.match(clock_text)
    if clock is None:  # pragma: no cover - the pattern above has matched it
        raise ValueError(f"invalid date and time: {text!r}")
    hour, minute, second = int(clock.group(1)), int(clock.group(2)), int(clock.group(3) or 0)
    day = parse_date(day_text)
    local = datetime.combine(day, time(hour, minute, second), tzinfo=zone)  # ValueError: 25:00
    return local.astimezone(UTC)


# ---------------------------------------------------------------------------------------
# Quiet hours and schedules

_QUIET_RE = re.compile(r"^(\d{1,2}):(\d{2})\s*[-\u2013\u2014]\s*(\d{1,2}):(\d{2})$")
EVENING_MIN_GAP = timedelta(hours=2)


@dataclass(frozen=True, slots=True)
class QuietHours:
    """Local hours without notices, [start, end); the window may wrap midnight (21:00-09:00).
    start == end: never quiet."""

    start: time
    end: time

    def contains(self, local: time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def parse_quiet_hours(text: str) -> QuietHours | None:
    """ "21:00-09:00" -> QuietHours; "" or "off" -> None (no quiet hours); else ValueError."""
    cleaned = text.strip()
    if not cleaned or cleaned.casefold() == "off":
        return None
    matched = _QUIET_RE.match(cleaned)
    if matched is None:
        raise ValueError(f"invalid quiet hours: {text!r}")
    h1, m1, h2, m2 = (int(g) for g in matched.groups())
    return QuietHours(time(h1, m1), time(h2, m2))  # ValueError for 24:00 or 09:60


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")


def out_of_quiet_hours(at: datetime, quiet: QuietHours | None, zone: ZoneInfo) -> datetime:
    """`at` itself when it is not in the quiet hours (local time in `zone`), else the next
    moment the quiet hours end (today or tomorrow), in UTC."""
    _require_aware(at, "at")
    if quiet is None:
        return at
    local = at.astimezone(zone)
    if not quiet.contains(local.time().replace(tzinfo=None)):
        return at
    end = datetime.combine(local.date(), quiet.end, tzinfo=zone)
    if end <= local:
        end = datetime.combine(local.date() + timedelta(days=1), quiet.end, tzinfo=zone)
    return end.astimezone(UTC)


def planned_outage_sends(
    starts_at: datetime,
    *,
    now: datetime,
    days_ahead: int,
    evening_hour: int,
    zone: ZoneInfo,
    quiet: QuietHours | None,
) -> list[tuple[NoticeKind, datetime]]:
    """When to tell the subscribers of a planned outage, in UTC.

    The first notice goes `days_ahead` days before the outage (or now, if that is past),
    moved out of the quiet hours unless that would bring it to or after the start — the
    notice must come before the outage. The repeat goes at `evening_hour`:00 local on the
    day before the outage's local date, if that is after now, before the start and at least
    two hours after the first notice. An outage already begun: nothing to send."""
    _require_aware(starts_at, "starts_at")
    _require_aware(now, "now")
    if days_ahead < 1:
        raise ValueError("days_ahead must be at least 1")
    if not 0 <= evening_hour <= 23:
        raise ValueError("evening_hour must be 0..23")
    if now >= starts_at:
        return []
    earliest = max(now, starts_at - timedelta(days=days_ahead))
    first = out_of_quiet_hours(earliest, quiet, zone)
    if first >= starts_at:
        first = earliest
    first = first.astimezone(UTC)
    sends: list[tuple[NoticeKind, datetime]] = [(NoticeKind.PLANNED_OUTAGE, first)]
    eve = starts_at.astimezone(zone).date() - timedelta(days=1)
    evening = datetime.combine(eve, time(evening_hour), tzinfo=zone).astimezone(UTC)
    if evening >= first + EVENING_MIN_GAP and now < evening < starts_at:
        sends.append((NoticeKind.OUTAGE_EVENING, evening))
    return sends


def payment_due_send(
    due_date: date,
    *,
    now: datetime,
    days_before: int,
    send_hour: int,
    zone: ZoneInfo,
    after: datetime,
) -> datetime | None:
    """When to remind of a payment due date: `send_hour`:00 local, `days_before` days before
    `due_date`, in UTC. None when that moment is not after both now and `after` (the debt
    notice's own send time, which already states the date) — so also when the reminder's day
    has passed though the due date has not, and when the due date itself has passed."""
    _require_aware(now, "now")
    _require_aware(after, "after")
    if days_before < 0:
        raise ValueError("days_before must not be negative")
    if not 0 <= send_hour <= 23:
        raise ValueError("send_hour must be 0..23")
    moment = datetime.combine(
        due_date - timedelta(days=days_before), time(send_hour), tzinfo=zone
    ).astimezone(UTC)
    if moment <= now or moment <= after:
        return None
    return moment
