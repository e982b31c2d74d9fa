"""Consent to personal-data processing and the person's own data (SPEC §1, 152-ФЗ)."""

from __future__ import annotations

from dataclasses import dataclass

from domain.clock import Clock
from domain.consent import ConsentDecision, ConsentRecord
from domain.ids import UserId
from services.ports import AccountLinks, Consents, Contacts, DialogStates, LinkedAccount, People


@dataclass(frozen=True, slots=True)
class PersonalData:
    """Everything stored about a person, for /mydata."""

    consent: ConsentRecord | None
    accounts: list[LinkedAccount]
    contacts: Contacts | None
    has_dialog_state: bool


@dataclass(frozen=True, slots=True)
class Withdrawal:
    accounts_unlinked: int
    contacts_deleted: bool
    record: ConsentRecord


class OnboardingService:
    def __init__(
        self,
        *,
        consents: Consents,
        links: AccountLinks,
        people: People,
        dialogs: DialogStates,
        clock: Clock,
        consent_version: str,
    ) -> None:
        self._consents = consents
        self._links = links
        self._people = people
        self._dialogs = dialogs
        self._clock = clock
        self._version = consent_version

    async def consent(self, user_id: UserId) -> ConsentRecord | None:
        return await self._consents.current(user_id)

    async def has_consent(self, user_id: UserId) -> bool:
        record = await self._consents.current(user_id)
        return record is not None and record.is_active

    async def give_consent(self, user_id: UserId) -> ConsentRecord:
        record = ConsentRecord(user_id, ConsentDecision.GIVEN, self._version, self._clock.now())
        await self._consents.record(record)
        return record

    async def decline(self, user_id: UserId) -> ConsentRecord:
        current = await self._consents.current(user_id)
        decision = (
            ConsentDecision.WITHDRAWN
            if current is not None and current.is_active
            else ConsentDecision.DECLINED
        )
        record = ConsentRecord(user_id, decision, self._version, self._clock.now())
        await self._consents.record(record)
        return record

    async def withdraw(self, user_id: UserId) -> Withdrawal:
        """Stop processing: unlink accounts, delete contacts and unfinished dialogs.

        The consent history itself is kept: it proves when consent was given and withdrawn.
        """
        unlinked = await self._links.unlink_all(user_id)
        deleted = await self._people.delete_contacts(user_id)
        await self._dialogs.erase(user_id)
        record = ConsentRecord(
            user_id, ConsentDecision.WITHDRAWN, self._version, self._clock.now()
        )
        await self._consents.record(record)
        return Withdrawal(accounts_unlinked=unlinked, contacts_deleted=deleted, record=record)

    async def my_data(self, user_id: UserId) -> PersonalData:
        return PersonalData(
            consent=await self._consents.current(user_id),
            accounts=await self._links.linked(user_id),
            contacts=await self._people.contacts(user_id),
            has_dialog_state=await self._dialogs.has_any(user_id),
        )
