"""A known outage at the address of a person who starts a complaint about no power
(domain/known_outage.py): looked up among the open outages of the company's imports."""

from __future__ import annotations

from typing import Protocol

from domain.clock import Clock
from domain.ids import UserId
from domain.known_outage import known_outage
from domain.notice_lifecycle import Outage
from services.ports import AccountLinks


class OpenOutages(Protocol):
    async def outages(self) -> list[Outage]:
        """The open outages, the latest begun first (a bounded page)."""
        ...


class KnownOutages:
    def __init__(self, *, outages: OpenOutages, links: AccountLinks, clock: Clock) -> None:
        self._outages = outages
        self._links = links
        self._clock = clock

    async def at_linked(self, user_id: UserId) -> Outage | None:
        """The outage already begun at the address of one of the person's linked accounts."""
        linked = await self._links.linked(user_id)
        if not linked:
            return None
        addresses = [link.account.address for link in linked]
        return known_outage(
            await self._outages.outages(), now=self._clock.now(), addresses=addresses
        )

    async def at_typed(self, typed: str) -> Outage | None:
        """The outage already begun at an address as the person typed it."""
        if not typed.strip():
            return None
        return known_outage(await self._outages.outages(), now=self._clock.now(), typed=typed)

    async def outage(self, outage_id: int) -> Outage | None:
        return next((o for o in await self._outages.outages() if o.id == outage_id), None)
