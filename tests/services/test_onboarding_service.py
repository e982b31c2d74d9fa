from __future__ import annotations

from datetime import UTC, datetime

from domain.accounts import Account, AccountCategory, Address
from domain.clock import FixedClock
from domain.consent import ConsentDecision
from domain.ids import AccountNumber, UserId
from services.onboarding import OnboardingService
from services.ports import Contacts
from tests.fakes import FakeConsents, FakeDialogs, FakeLinks, FakePeople, FakeRegistry

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
USER = UserId(7)


def _service() -> tuple[OnboardingService, FakeConsents, FakeLinks, FakePeople, FakeDialogs]:
    registry = FakeRegistry(
        [
            Account(
                AccountNumber("1001"),
                "Иванов И. И.",
                Address("Выкса", "Ленина", "1"),
                AccountCategory.HOUSEHOLD,
            )
        ]
    )
    consents, links, people, dialogs = (
        FakeConsents(),
        FakeLinks(registry),
        FakePeople(),
        FakeDialogs(),
    )
    service = OnboardingService(
        consents=consents,
        links=links,
        people=people,
        dialogs=dialogs,
        clock=FixedClock(NOW),
        consent_version="2026-11-01",
    )
    return service, consents, links, people, dialogs


async def test_consent_record_keeps_version_time_and_user() -> None:
    service, *_ = _service()
    assert not await service.has_consent(USER)
    record = await service.give_consent(USER)
    assert (record.user_id, record.text_version, record.decided_at) == (USER, "2026-11-01", NOW)
    assert await service.has_consent(USER)


async def test_declining_after_consent_is_a_withdrawal() -> None:
    service, *_ = _service()
    assert (await service.decline(USER)).decision is ConsentDecision.DECLINED
    await service.give_consent(USER)
    assert (await service.decline(USER)).decision is ConsentDecision.WITHDRAWN


async def test_withdrawal_unlinks_deletes_contacts_and_dialogs_and_keeps_history() -> None:
    service, consents, links, people, dialogs = _service()
    await service.give_consent(USER)
    await links.link(USER, links.registry.accounts[AccountNumber("1001")], at=NOW)
    people.contacts_by_user[USER] = Contacts("Иванов", "+79200000000", None)
    dialogs.with_state.add(USER)
    result = await service.withdraw(USER)
    assert (result.accounts_unlinked, result.contacts_deleted) == (1, True)
    data = await service.my_data(USER)
    assert data.accounts == [] and data.contacts is None and not data.has_dialog_state
    assert [r.decision for r in consents.records] == [
        ConsentDecision.GIVEN,
        ConsentDecision.WITHDRAWN,
    ]
