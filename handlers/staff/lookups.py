"""The card's look-ups (issue 15): «Другие обращения» lists the appellant's other appeals (the
same Telegram user or account: number, date, status, subject) and «Показания» the account's
latest readings (date, meter, values, channel; the last 6), posted in the appeal's thread.
Any staff member who sees the card may press them, as for the card itself; the look is
audited. Only what the task needs is shown: no names, addresses, contacts or identity data."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.types import CallbackQuery

from app.services import Services
from core.config import AppConfig
from core.texts import Texts
from domain.appeals import Appeal
from domain.readings import Reading, format_value, zone_name_key
from domain.staff import StaffMember
from handlers.staff.replies import post
from notifier.staff_render import StaffButton, StaffCb

OTHERS_SHOWN = 10
READINGS_SHOWN = 6


def _day(appeal: Appeal | Reading, zone: ZoneInfo) -> str:
    moment = appeal.registered_at if isinstance(appeal, Appeal) else appeal.submitted_at
    return moment.astimezone(zone).strftime("%d.%m.%Y")


def others_text(appeal: Appeal, others: Sequence[Appeal], texts: Texts, zone: ZoneInfo) -> str:
    if not others:
        return texts.get("staff-others-none", number=appeal.number)
    lines = [texts.get("staff-others-title", number=appeal.number, count=len(others))]
    lines += [
        texts.get(
            "staff-others-line",
            number=other.number,
            date=_day(other, zone),
            status=texts.plain(f"appeal-status-{other.status.value}"),
            subject=texts.plain(f"appeal-subject-{other.subject.value}"),
        )
        for other in others
    ]
    return "\n".join(lines)


def _values(reading: Reading, texts: Texts) -> str:
    zones = len(reading.values)
    return "; ".join(
        f"{texts.plain(zone_name_key(zones, value.zone))} {format_value(value.value_milli)}"
        for value in sorted(reading.values, key=lambda value: value.zone)
    )


def readings_text(
    appeal: Appeal, readings: Sequence[Reading], texts: Texts, zone: ZoneInfo
) -> str:
    account = appeal.account_number
    if not account:
        return texts.get("staff-readings-no-account", number=appeal.number)
    if not readings:
        return texts.get("staff-readings-none", number=appeal.number, account=account)
    lines = [
        texts.get(
            "staff-readings-title", number=appeal.number, account=account, count=len(readings)
        )
    ]
    lines += [
        texts.get(
            "staff-readings-line",
            date=_day(reading, zone),
            serial=reading.meter_serial,
            values=_values(reading, texts),
            channel=texts.plain(f"reading-channel-{reading.channel.value.replace('_', '-')}"),
        )
        for reading in readings
    ]
    return "\n".join(lines)


async def on_others(
    callback: CallbackQuery,
    callback_data: StaffCb,
    services: Services,
    texts: Texts,
    config: AppConfig,
    staff: StaffMember,
) -> None:
    appeal, others = await services.staff_desk.other_appeals(
        staff, callback_data.appeal, limit=OTHERS_SHOWN
    )
    post(services, callback_data.appeal, others_text(appeal, others, texts, config.zone))
    await callback.answer(texts.get("staff-done"))


async def on_readings(
    callback: CallbackQuery,
    callback_data: StaffCb,
    services: Services,
    texts: Texts,
    config: AppConfig,
    staff: StaffMember,
) -> None:
    appeal, readings = await services.staff_desk.account_readings(
        staff, callback_data.appeal, limit=READINGS_SHOWN
    )
    post(services, callback_data.appeal, readings_text(appeal, readings, texts, config.zone))
    await callback.answer(texts.get("staff-done"))


def build_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_others, StaffCb.filter(F.action == StaffButton.OTHERS))
    router.callback_query.register(on_readings, StaffCb.filter(F.action == StaffButton.READINGS))
    return router
