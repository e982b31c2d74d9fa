"""Linking a person to their personal accounts, with brute-force protection (SPEC §1)."""

from __future__ import annotations

from datetime import datetime

from domain.accounts import Account, normalize_account_number, second_factor_matches
from domain.clock import Clock
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
from services.ports import AccountLinks, AccountRegistry, Consents, LinkedAccount, LinkFailures


class AccountService:
    def __init__(
        self,
        *,
        registry: AccountRegistry,
        links: AccountLinks,
        failures: LinkFailures,
        consents: Consents,
        clock: Clock,
        policy: AttemptPolicy,
        max_accounts: int = 10,
    ) -> None:
        self._registry = registry
        self._links = links
        self._failures = failures
        self._consents = consents
        self._clock = clock
        self._policy = policy
        self._max_accounts = max_accounts

    async def linked(self, user_id: UserId) -> list[LinkedAccount]:
        return await self._links.linked(user_id)

    async def ensure_may_try(self, user_id: UserId) -> int:
        """Raise if linking is refused now; otherwise return how many attempts are left."""
        await self._require_consent(user_id)
        now = self._clock.now()
        failures = await self._failures.since(user_id, now - self._policy.window)
        retry_at = self._policy.blocked_until(failures, now)
        if retry_at is not None:
            raise TooManyLinkAttempts(retry_at)
        return self._policy.remaining(failures, now)

    @staticmethod
    def parse_number(raw: str) -> AccountNumber:
        return normalize_account_number(raw)

    async def link(self, user_id: UserId, *, number: str, second_factor: str) -> Account:
        """Link the account if the second factor matches.

        A missing account and a wrong second factor are refused alike and both count as a
        failed attempt, so the bot cannot be used to find out which account numbers exist.
        """
        await self.ensure_may_try(user_id)
        account_number = normalize_account_number(number)
        now = self._clock.now()
        linked = await self._links.linked(user_id)
        if any(item.account.number == account_number for item in linked):
            raise AccountAlreadyLinked(account_number)
        if len(linked) >= self._max_accounts:
            raise TooManyAccounts(account_number)
        account = await self._registry.get(account_number)
        if account is None or not second_factor_matches(account, second_factor):
            await self._failures.record(user_id, at=now)
            failures = await self._failures.since(user_id, now - self._policy.window)
            retry_at = self._policy.blocked_until(failures, now)
            if retry_at is not None:
                raise TooManyLinkAttempts(retry_at)
            error = AccountNotFound if account is None else SecondFactorMismatch
            raise error(self._policy.remaining(failures, now))
        await self._links.link(user_id, account, at=now)
        await self._failures.clear(user_id)
        return account

    async def unlink(self, user_id: UserId, number: str) -> None:
        account_number = normalize_account_number(number)
        if not await self._links.unlink(user_id, account_number):
            raise AccountNotLinked(account_number)

    async def attempts_left(self, user_id: UserId, *, now: datetime | None = None) -> int:
        moment = now or self._clock.now()
        failures = await self._failures.since(user_id, moment - self._policy.window)
        return self._policy.remaining(failures, moment)

    async def _require_consent(self, user_id: UserId) -> None:
        record = await self._consents.current(user_id)
        if record is None or not record.is_active:
            raise ConsentRequired()
