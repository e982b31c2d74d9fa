"""The ПП 55 part of the staff card (notifier/staff_render.py): what is given, what is kept
sealed behind a button, and what the consumer is to send later."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from core.texts import Texts
from domain.appeals import (
    AnswerChannel,
    Appeal,
    AppealId,
    AppealKind,
    AppealStatus,
    QualityComplaintDetails,
    ServiceForm,
    Subject,
)
from domain.pp55 import ApplicantType, Identity, Pp55Item
from notifier.staff_render import StaffButton, StaffCb, identity_text, render_card

ZONE = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)


def _appeal(pp55: QualityComplaintDetails) -> Appeal:
    return Appeal(
        id=AppealId(7),
        number="ВЭ-2026-00007",
        user_id=None,
        kind=AppealKind.COMPLAINT,
        subject=Subject.POWER_QUALITY,
        form=ServiceForm.INTERNET,
        status=AppealStatus.REGISTERED,
        registered_at=NOW,
        due_at=NOW,
        text="Третий день мигает свет по вечерам.",
        full_name="Иванова Мария Петровна",
        address="",
        answer_channel=AnswerChannel.CHAT,
        pp55=pp55,
    )


def _card(texts: Texts, pp55: QualityComplaintDetails) -> tuple[str, list[str]]:
    view = render_card(
        _appeal(pp55), texts, zone=ZONE, now=NOW, executor=None, earlier={}, attachments=0
    )
    assert view.markup is not None
    data = [b.callback_data or "" for row in view.markup.inline_keyboard for b in row]
    return view.text, data


def test_pp55_card_shows_missing_items_for_staff_to_ask(texts: Texts) -> None:
    pp55 = QualityComplaintDetails(
        applicant=ApplicantType.PERSON,
        device_address="Выкса, ул. Ленина, 12",
        phone="+79200000001",
        demand="Проверить напряжение",
        identity_items=frozenset({Pp55Item.PASSPORT}),
    )
    text, buttons = _card(texts, pp55)
    assert "+79200000001" in text and "Проверить напряжение" in text
    assert "Потребитель пришлёт позже: время нарушения, номер договора" in text
    assert texts.plain("pp55-item-passport") not in text.split("пришлёт позже")[1]
    identity = StaffCb(action=StaffButton.IDENTITY, appeal=7).pack()
    assert identity in buttons


def test_152fz_card_never_shows_identity_data_and_has_no_button_without_it(
    texts: Texts,
) -> None:
    pp55 = QualityComplaintDetails(
        applicant=ApplicantType.PERSON,
        identity=Identity(passport_series="4510", passport_number="123456"),
    )
    text, buttons = _card(texts, pp55)
    assert "123456" not in text and "🔒" in text
    plain = QualityComplaintDetails(applicant=ApplicantType.BUSINESS, company="ООО «Ромашка»")
    text, buttons = _card(texts, plain)
    assert not any(b.startswith("sa:identity") for b in buttons)
    assert "ООО «Ромашка»" in text


def test_152fz_identity_alert_fits_telegram_limit(texts: Texts) -> None:
    identity = Identity(
        passport_series="4510",
        passport_number="123456",
        birth_date=date(1956, 3, 12),
        birth_place="с. Новая Деревня " * 20,
    )
    alert = identity_text(identity, texts)
    assert "4510 123456" in alert and "12.03.1956" in alert
    assert len(alert) <= 200
