from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.accounts import Account, AccountCategory, Address, Meter
from domain.clock import FixedClock
from domain.consent import ConsentDecision, ConsentRecord
from domain.errors import (
    AccountAlreadyLinked,
    AccountNotFound,
    AccountNotLinked,
    ConsentRequired,
    SecondFactorMismatch,
    TooManyAccounts,
    TooManyLinkAttempts,
)
from domain.ids import AccountNumber, UserId
from domain.linking import AttemptPolicy
from services.accounts import AccountService
from tests.fakes import FakeConsents, FakeFailures, FakeLinks, FakeRegistry

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
USER = UserId(7)


def _account(number: str, surname: str) -> Account:
    return Account(
        number=AccountNumber(number),
        full_name=f"{surname} Иван Иванович",
        address=Address("Выкса", "ул. Ленина", "1"),
        category=AccountCategory.HOUSEHOLD,
        meters=(Meter(serial=f"M{number}", digits=6, zones=1),),
    )


@pytest.fixture
def world() -> tuple[AccountService, FakeLinks, FakeFailures, FakeConsents, FixedClock]:
    registry = FakeRegistry(
        [_account("1001", "Иванов"), _account("1002", "Петров"), _account("1003", "Сидоров")]
    )
    links = FakeLinks(registry)
    failures = FakeFailures()
    consents = FakeConsents()
    consents.records.append(ConsentRecord(USER, ConsentDecision.GIVEN, "v1", NOW))
    clock = FixedClock(NOW)
    service = AccountService(
        registry=registry,
        links=links,
        failures=failures,
        consents=consents,
        clock=clock,
        policy=AttemptPolicy(),
        max_accounts=2,
    )
    return service, links, failures, consents, clock


async def test_link_with_surname(world) -> None:  # type: ignore[no-untyped-def]
    service, links, *_ = world
    account = await service.link(USER, number="1001", second_factor="иванов")
    assert account.number == "1001"
    assert [item.account.number for item in await links.linked(USER)] == ["1001"]


async def test_unknown_account_and_wrong_factor_both_count(world) -> None:  # type: ignore[no-untyped-def]
    service, _, failures, *_ = world
    with pytest.raises(AccountNotFound) as unknown:
        await service.link(USER, number="9999", second_factor="Иванов")
    with pytest.raises(SecondFactorMismatch) as wrong:
        await service.link(USER, number="1001", second_factor="Петров")
    assert (unknown.value.attempts_left, wrong.value.attempts_left) == (4, 3)
    assert len(failures.times[USER]) == 2


async def test_fifth_failure_blocks_and_success_later_clears(world) -> None:  # type: ignore[no-untyped-def]
    service, _, failures, _, clock = world
    for _ in range(4):
        with pytest.raises(SecondFactorMismatch):
            await service.link(USER, number="1001", second_factor="x")
    with pytest.raises(TooManyLinkAttempts) as blocked:
        await service.link(USER, number="1001", second_factor="x")
    assert blocked.value.retry_at == NOW + timedelta(hours=1)
    with pytest.raises(TooManyLinkAttempts):
        await service.link(USER, number="1001", second_factor="Иванов")
    clock.advance(timedelta(hours=1))
    await service.link(USER, number="1001", second_factor="Иванов")
    assert USER not in failures.times


async def test_consent_is_required(world) -> None:  # type: ignore[no-untyped-def]
    service, _, _, consents, _ = world
    consents.records.append(ConsentRecord(USER, ConsentDecision.WITHDRAWN, "v1", NOW))
    with pytest.raises(ConsentRequired):
        await service.link(USER, number="1001", second_factor="Иванов")


async def test_already_linked_and_account_limit(world) -> None:  # type: ignore[no-untyped-def]
    service, *_ = world
    await service.link(USER, number="1001", second_factor="Иванов")
    with pytest.raises(AccountAlreadyLinked):
        await service.link(USER, number="1001", second_factor="Иванов")
    await service.link(USER, number="1002", second_factor="M1002")
    with pytest.raises(TooManyAccounts):
        await service.link(USER, number="1003", second_factor="Сидоров")


async def test_unlink(world) -> None:  # type: ignore[no-untyped-def]
    service, links, *_ = world
    await service.link(USER, number="1001", second_factor="Иванов")
    await service.unlink(USER, "1001")
    assert await links.linked(USER) == []
    with pytest.raises(AccountNotLinked):
        await service.unlink(USER, "1001")
