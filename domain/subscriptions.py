"""Subscriptions to notices (SPEC §8; regulation §16.3, §18.7): which topics a person wants,
and the one rule every notice obeys — nobody who withdrew consent, stopped everything,
unsubscribed from the topic or blocked the bot is sent a notice of it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType


class Topic(StrEnum):
    DEBT = "debt"  # задолженность (§18.7)
    PAYMENT_DUE = "payment_due"  # срок оплаты
    TARIFF = "tariff"  # изменение тарифа
    PLANNED_OUTAGE = "planned_outage"  # плановые отключения по моему адресу
    EMERGENCY_OUTAGE = "emergency_outage"  # аварийные отключения
    RESTRICTION = "restriction"  # ограничение режима потребления (§16.3)
    CONTRACT = "contract"  # изменения договора
    READINGS_REMINDER = "readings_reminder"  # напоминание передать показания


# Everything a person is told about at consent: all topics on, because each is about their
# own supply or account; any of them is one tap away from off.
DEFAULTS: Mapping[Topic, bool] = MappingProxyType(dict.fromkeys(Topic, True))


@dataclass(frozen=True, slots=True)
class Preferences:
    """A person's choices. `chosen`: the topics they changed; the rest follow DEFAULTS."""

    chosen: Mapping[Topic, bool] = field(default_factory=dict)
    stopped: bool = False
    blocked: bool = False

    def wants(self, topic: Topic) -> bool:
        return self.chosen.get(topic, DEFAULTS[topic])

    def topics(self) -> dict[Topic, bool]:
        return {topic: self.wants(topic) for topic in Topic}


def may_notify(preferences: Preferences, topic: Topic, *, consent_active: bool) -> bool:
    """The one rule: consent, not stopped, not blocked, subscribed to the topic."""
    return (
        consent_active
        and not preferences.stopped
        and not preferences.blocked
        and preferences.wants(topic)
    )
