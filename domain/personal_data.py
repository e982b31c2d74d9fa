"""What is stored about a person besides their consent, accounts and contacts, as /mydata
shows it (152-ФЗ ст. 14): their appeals, readings, bookings and notice settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from domain.subscriptions import Preferences


@dataclass(frozen=True, slots=True)
class StoredAppeal:
    number: str
    kind: str
    status: str
    registered_at: datetime


@dataclass(frozen=True, slots=True)
class StoredReading:
    account_number: str
    meter_serial: str
    period: str
    submitted_at: datetime
    values_milli: tuple[int, ...]  # per tariff zone, kWh in thousandths


@dataclass(frozen=True, slots=True)
class StoredBooking:
    number: str
    starts_at: datetime
    topic: str
    status: str
    full_name: str
    phone: str


@dataclass(frozen=True, slots=True)
class PersonalRecords:
    appeals: list[StoredAppeal] = field(default_factory=list)
    readings: list[StoredReading] = field(default_factory=list)
    bookings: list[StoredBooking] = field(default_factory=list)
    notices: Preferences = field(default_factory=Preferences)
