"""Consent to personal-data processing and the person's own data (SPEC §1, 152-ФЗ)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from domain.clock import Clock
from domain.consent import (
    ConsentDecision,
    ConsentRecord,
    asks_renewal,
    is_current,
    text_digest,
)
from domain.ids import UserId
from domain.personal_data import PersonalRecords
from services.ports import (
    AccountLinks,
    ConsentArchive,
    ConsentLog,
    Contacts,
    DialogStates,
    LinkedAccount,
    People,
    PersonalRecordsReader,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PersonalData:
    """Everything stored about a person, for /mydata."""

    consent: ConsentRecord | None
    consent_history: list[ConsentRecord]
    accounts: list[LinkedAccount]
    contacts: Contacts | None
    has_dialog_state: bool
    records: PersonalRecords


@dataclass(frozen=True, slots=True)
class Withdrawal:
    accounts_unlinked: int
    contacts_deleted: bool
    record: ConsentRecord


class OnboardingService:
    def __init__(
        self,
        *,
        consents: ConsentLog,
        links: AccountLinks,
        people: People,
        dialogs: DialogStates,
        clock: Clock,
        consent_version: str,
        consent_text: str = "",
        archive: ConsentArchive | None = None,
        records: PersonalRecordsReader | None = None,
    ) -> None:
        self._records = records
        self._consents = consents
        self._archive = archive
        self._text = consent_text
        self._links = links
        self._people = people
        self._dialogs = dialogs
        self._clock = clock
        self._version = consent_version

    async def consent(self, user_id: UserId) -> ConsentRecord | None:
        return await self._consents.current(user_id)

    async def has_consent(self, user_id: UserId) -> bool:
        """Consent given to the current text (152-ФЗ ст. 9 ч. 1: to what the person read)."""
        return is_current(await self._consents.current(user_id), self._version)

    async def asks_renewal(self, user_id: UserId) -> bool:
        """Consent given to an earlier text: the person is asked the new one."""
        return asks_renewal(await self._consents.current(user_id), self._version)

    async def give_consent(self, user_id: UserId) -> ConsentRecord:
        record = ConsentRecord(user_id, ConsentDecision.GIVEN, self._version, self._clock.now())
        await self._keep_text()
        await self._consents.record(record)
        return record

    async def _keep_text(self) -> None:
        """The text of the version decided on is archived with the first decision on it."""
        if self._archive is None or not self._text:
            return
        digest = text_digest(self._text)
        stored = await self._archive.keep(
            version=self._version, body=self._text, digest=digest, at=self._clock.now()
        )
        if stored != digest:
            # A changed text must get a new version: the archive keeps the first one.
            logger.warning(
                "consent text of version %s changed without a new version", self._version
            )

    async def decline(self, user_id: UserId) -> ConsentRecord:
        current = await self._consents.current(user_id)
        decision = (
            ConsentDecision.WITHDRAWN
            if current is not None and current.is_active
            else ConsentDecision.DECLINED
        )
        record = ConsentRecord(user_id, decision, self._version, self._clock.now())
        await self._keep_text()
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
            consent_history=await self._consents.history(user_id),
            accounts=await self._links.linked(user_id),
            contacts=await self._people.contacts(user_id),
            has_dialog_state=await self._dialogs.has_any(user_id),
            records=(
                await self._records.records(user_id)
                if self._records is not None
                else PersonalRecords()
            ),
        )
