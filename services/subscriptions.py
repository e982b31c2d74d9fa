"""Subscriptions (SPEC §8): the person's toggles, "stop all", and the check every notice
passes before it is queued."""

from __future__ import annotations

from collections.abc import Iterable

from domain.clock import Clock
from domain.errors import ConsentRequired
from domain.ids import UserId
from domain.subscriptions import Preferences, Topic, may_notify
from services.ports import Consents, SubscriptionStore


class SubscriptionService:
    def __init__(self, *, store: SubscriptionStore, consents: Consents, clock: Clock) -> None:
        self._store = store
        self._consents = consents
        self._clock = clock

    async def _require_consent(self, user_id: UserId) -> None:
        record = await self._consents.current(user_id)
        if record is None or not record.is_active:
            raise ConsentRequired()

    async def preferences(self, user_id: UserId) -> Preferences:
        await self._require_consent(user_id)
        return await self._store.get(user_id)

    async def toggle(self, user_id: UserId, topic: Topic) -> Preferences:
        """One tap: the topic on if it was off, off if it was on. Turning a topic on also
        resumes a "stop all"."""
        await self._require_consent(user_id)
        current = await self._store.get(user_id)
        enable = current.stopped or not current.wants(topic)
        now = self._clock.now()
        await self._store.set_topic(user_id, topic, enable, at=now)
        if enable and current.stopped:
            await self._store.set_stopped(user_id, False, at=now)
        if current.blocked:  # they are writing to the bot again: it is not blocked any more
            await self._store.clear_blocked(user_id, at=now)
        return await self._store.get(user_id)

    async def enable(self, user_id: UserId, topics: Iterable[Topic]) -> Preferences:
        """The topics on (an offer accepted: «Сообщать об отключениях»), resuming a "stop
        all" as turning one on in /settings does."""
        await self._require_consent(user_id)
        current = await self._store.get(user_id)
        now = self._clock.now()
        for topic in topics:
            if current.stopped or not current.wants(topic):
                await self._store.set_topic(user_id, topic, True, at=now)
        if current.stopped:
            await self._store.set_stopped(user_id, False, at=now)
        if current.blocked:
            await self._store.clear_blocked(user_id, at=now)
        return await self._store.get(user_id)

    async def stop_all(self, user_id: UserId) -> Preferences:
        """Always honoured: no notice of any topic until the person turns one on again."""
        await self._store.set_stopped(user_id, True, at=self._clock.now())
        return await self._store.get(user_id)

    async def resume(self, user_id: UserId) -> Preferences:
        await self._require_consent(user_id)
        now = self._clock.now()
        await self._store.set_stopped(user_id, False, at=now)
        await self._store.clear_blocked(user_id, at=now)
        return await self._store.get(user_id)

    async def forget(self, user_id: UserId) -> None:
        """Consent withdrawn: the choices are deleted; without consent nothing is sent anyway."""
        await self._store.forget(user_id)

    async def blocked(self, user_id: UserId) -> None:
        """Telegram answered 403: the person blocked the bot. Nothing more is sent."""
        await self._store.mark_blocked(user_id, at=self._clock.now())

    async def may_notify(self, user_id: UserId, topic: Topic) -> bool:
        record = await self._consents.current(user_id)
        active = record is not None and record.is_active
        return may_notify(await self._store.get(user_id), topic, consent_active=active)
