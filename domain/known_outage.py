"""A known outage at a person's address (issue 15): a complaint about no power at an address
where an outage from the company's imports (domain/notices.py, storage: outages) is open and
has begun is told of it before the first question, and the appeal is marked as linked to it
for staff (a screening flag, domain/screening.py).

An address is matched as the notice fan-out matches it (`place_key`, `parse_houses`): the
linked account's settlement, street and house exactly; a typed address «Выкса, ул. Садовая,
3, кв. 5» by its comma-separated parts — one part is the outage's street (its house may
follow in the same part, «ул. Садовая 3», or be the next part), and the settlement, when
written before the street, must be the outage's."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime

from domain.accounts import Address
from domain.notice_lifecycle import Outage, OutageStatus
from domain.notices import (
    InvalidHouses,
    normalize_house,
    normalize_place,
    normalize_street,
    parse_houses,
    place_key,
)

_STREET_AND_HOUSE = re.compile(r"^(.*?\S)\s+(\d{1,4}\S*(?:\s+\S{1,6}\s*\d{1,4})?)$")
_HOUSE = re.compile(r"^\d")


def _houses_contain(outage: Outage, house: str) -> bool:
    try:
        return parse_houses(outage.houses).contains(house)
    except InvalidHouses:  # stored as imported: cannot happen, but never a crash here
        return False


def covers_address(outage: Outage, address: Address) -> bool:
    """The outage's street and houses include a linked account's address."""
    same_street = place_key(address.settlement, address.street) == place_key(
        outage.settlement, outage.street
    )
    return same_street and _houses_contain(outage, address.house)


def covers_typed(outage: Outage, typed: str) -> bool:
    """The outage covers an address as a person typed it (see the module's docstring)."""
    parts = [" ".join(part.split()) for part in typed.split(",")]
    parts = [part for part in parts if part]
    street = normalize_street(outage.street)
    for index, part in enumerate(parts):
        house = ""
        name = part
        if normalize_street(part) != street:
            joined = _STREET_AND_HOUSE.match(part)
            if joined is None or normalize_street(joined.group(1)) != street:
                continue
            name, house = joined.group(1), joined.group(2)
        following = parts[index + 1] if index + 1 < len(parts) else ""
        if not house and _HOUSE.match(normalize_house(following)):
            house = following
        before = parts[:index]
        if before and outage.settlement:
            settlement = normalize_place(outage.settlement)
            if all(normalize_place(word) != settlement for word in before):
                continue
        if name and house and _houses_contain(outage, house):
            return True
    return False


def known_outage(
    outages: Iterable[Outage],
    *,
    now: datetime,
    addresses: Sequence[Address] = (),
    typed: str = "",
) -> Outage | None:
    """The open outage already begun that covers one of `addresses` or the `typed` one; the
    latest begun when several do."""
    found = [
        outage
        for outage in outages
        if outage.status is OutageStatus.OPEN
        and outage.starts_at <= now
        and (
            any(covers_address(outage, address) for address in addresses)
            or (typed and covers_typed(outage, typed))
        )
    ]
    return max(found, key=lambda outage: outage.starts_at, default=None)
