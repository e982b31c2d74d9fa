"""A per-process read cache for what only the bot process itself writes about a person:
consent, linked accounts, contacts, failed link attempts.

Every update reads some of these (is there consent? which accounts?), and each query costs
more than the rest of the update. The cache is exact for this process's own writes: a write
invalidates the entry at once and again after its commit (so a concurrent reader cannot
leave the pre-commit value behind). What other processes commit (an import, the console, a
second worker) is noticed before the next update (storage/freshness.py), and then `reset`
drops everything; a read that began before a reset does not put its value back (`epoch`).
It also knows, from a scan at start, which people have any rows of each kind, so a
newcomer's reads need no query at all; a reset forgets that too, and the scan is made again
once other processes have been quiet for a while (storage/freshness.py). With several
workers (REDIS_URL set) the bot runs without it (bot/factory.py).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Any, Final

from sqlalchemy import select

from storage.models import AccountLinkRow, ConsentRow, LinkFailureRow, PersonRow
from storage.uow import LazyConnection, UnitOfWork

MISSING: Final = object()

_OWNERS = {
    "consent": ConsentRow.user_id,
    "links": AccountLinkRow.user_id,
    "contacts": PersonRow.user_id,
    "failures": LinkFailureRow.user_id,
}


class PersonCache:
    def __init__(self, capacity: int = 100_000) -> None:
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._capacity = capacity
        # kind -> ids of people who may have rows of that kind; None until scanned.
        self._owners: dict[str, set[int]] | None = None
        # Who this process wrote rows for while `_owners` is unknown (a scan may not see
        # them yet): added to the next scan's result.
        self._written_unscanned: set[tuple[str, int]] = set()
        # Moves on every reset or clear: a value read from the database before it moved may
        # be older than what is stored now, so it is not kept.
        self.epoch = 0
        self._resets = 0

    async def warm_up(self, connection: LazyConnection) -> bool:
        """Scan who has rows of each kind. False if a reset came during the scan: what it
        found may be out of date, and `surely_empty` stays off."""
        resets = self._resets
        owners = {}
        for kind, column in _OWNERS.items():
            owners[kind] = set(await connection.scalars(select(column).distinct()))
        if resets != self._resets:
            return False
        for kind, user_id in self._written_unscanned:
            owners[kind].add(user_id)
        self._written_unscanned = set()
        self._owners = owners
        return True

    def get(self, uow: UnitOfWork, key: tuple[str, int]) -> Any:
        if key in uow.touched:
            return MISSING  # written in this unit of work: read the connection, not the cache
        value = self._entries.get(key, MISSING)
        if value is not MISSING:
            self._entries.move_to_end(key)
        return value

    def surely_empty(self, key: tuple[str, int]) -> bool:
        """True when the person has no rows of this kind at all (known since start)."""
        owners = self._owners
        return owners is not None and key[1] not in owners[key[0]]

    def put(self, uow: UnitOfWork, key: tuple[str, int], value: Any, *, epoch: int) -> None:
        """Keep a value read from the database; `epoch` is the cache's epoch before the read."""
        if key in uow.touched or epoch != self.epoch:
            return
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self._capacity:
            self._entries.popitem(last=False)

    def written(self, uow: UnitOfWork, key: tuple[str, int], value: Any = MISSING) -> None:
        """`key` was written; `value`, if known, is what a read will return after commit."""
        uow.touched.add(key)
        self._entries.pop(key, None)
        self._add_owner(key)

        def settle() -> None:
            self._entries.pop(key, None)
            if value is not MISSING:
                self._entries[key] = value
            self._add_owner(key)  # a scan begun before the commit may have missed the row

        uow.after_commit(settle)

    def _add_owner(self, key: tuple[str, int]) -> None:
        if self._owners is not None:
            self._owners[key[0]].add(key[1])
        else:
            self._written_unscanned.add(key)

    def clear(self) -> None:
        """Forget every entry (what an import changes is embedded in many)."""
        self._entries.clear()
        self.epoch += 1

    def reset(self) -> None:
        """Another process wrote: forget every entry, and who has rows of each kind."""
        self.clear()
        self._owners = None
        self._written_unscanned = set()
        self._resets += 1
