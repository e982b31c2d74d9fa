"""Consent versions in the onboarding service (152-ФЗ ст. 9): consent is to the text read."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from domain.clock import FixedClock
from domain.consent import text_digest
from domain.ids import UserId
from services.onboarding import OnboardingService
from tests.fakes import (
    FakeConsentArchive,
    FakeConsents,
    FakeDialogs,
    FakeLinks,
    FakePeople,
    FakeRegistry,
)

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
USER = UserId(7)


def _service(
    consents: FakeConsents, archive: FakeConsentArchive, *, version: str, text: str
) -> OnboardingService:
    return OnboardingService(
        consents=consents,
        links=FakeLinks(FakeRegistry()),
        people=FakePeople(),
        dialogs=FakeDialogs(),
        clock=FixedClock(NOW),
        consent_version=version,
        consent_text=text,
        archive=archive,
    )


async def test_152fz_st9_consent_to_an_earlier_version_asks_again() -> None:
    consents, archive = FakeConsents(), FakeConsentArchive()
    old = _service(consents, archive, version="v1", text="Текст 1")
    await old.give_consent(USER)
    new = _service(consents, archive, version="v2", text="Текст 2")
    assert not await new.has_consent(USER)
    assert await new.asks_renewal(USER)
    await new.give_consent(USER)
    assert await new.has_consent(USER) and not await new.asks_renewal(USER)
    assert [record.text_version for record in await consents.history(USER)] == ["v1", "v2"]
    assert set(archive.texts) == {"v1", "v2"}


async def test_152fz_st9_ch3_a_text_changed_under_the_same_version_keeps_the_first(
    caplog: pytest.LogCaptureFixture,
) -> None:
    consents, archive = FakeConsents(), FakeConsentArchive()
    await _service(consents, archive, version="v1", text="Первый").give_consent(USER)
    with caplog.at_level(logging.WARNING):
        await _service(consents, archive, version="v1", text="Другой").decline(UserId(8))
    assert archive.texts["v1"] == ("Первый", text_digest("Первый"))
    assert "changed without a new version" in caplog.text
