"""What another process commits is seen by the running bot on its next update, although the
bot keeps per-process caches (issue 11, point 6; storage/freshness.py). The other process is
stood in for by a second engine over the same database: its own connections, as a process's
would be."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.runner import finish_registry_imports
from bot.settings import Settings
from core.texts import Texts
from domain.clock import FixedClock
from domain.content import ContentLibrary
from services.account_import import StagedAccountImport, parse_registry
from services.csv_import import decode
from storage.account_import import SqlRegistryImports
from storage.engine import create_engine, create_sessionmaker
from storage.models import AccountLinkRow
from tests.fakes import inline_buttons, texts_of
from tests.handlers.conftest import consented
from tests.harness import BotHarness, Person

PETROV_SECOND_METER = (
    "1000000002,Петров Сергей Иванович,Выкса,ул. Островского,7,,+79200000002,,household,"
    "099999999,6,1"
)


async def _linked_to_petrov(harness: BotHarness, texts: Texts) -> Person:
    person = await consented(harness, texts)
    await person.send("/accounts")
    await person.press(texts.get("accounts-link-button"))
    await person.send("1000000002")
    await person.send("Петров")
    return person


async def test_a_meter_added_by_an_import_in_another_process_is_offered_on_the_next_update(
    harness: BotHarness,
    texts: Texts,
    clock: FixedClock,
    settings: Settings,
    registry: None,
    registry_csv: bytes,
) -> None:
    person = await _linked_to_petrov(harness, texts)
    calls = await person.send("/readings")
    assert texts.get("reading-ask-meter") not in texts_of(calls)  # one meter: no choice
    await person.send("/cancel")

    other = create_engine(settings.database.url)  # `reception import accounts`
    try:
        importer = StagedAccountImport(
            imports=SqlRegistryImports(create_sessionmaker(other), clock=clock)
        )
        report = await importer.run(
            registry_csv + b"\n" + PETROV_SECOND_METER.encode(), now=clock.now()
        )
    finally:
        await other.dispose()
    assert report.updated == 4
    assert harness.app.fresh is not None
    await harness.app.fresh.watch.settle()

    calls = await person.send("/readings")
    assert texts_of(calls)[-1] == texts.get("reading-ask-meter")
    labels = [label for call in calls for label, _data in inline_buttons(call)]
    assert any("022345678" in label for label in labels)
    assert any("099999999" in label for label in labels)


async def test_consent_withdrawn_through_a_second_bot_process_is_honoured_at_once(
    harness: BotHarness,
    texts: Texts,
    clock: FixedClock,
    settings: Settings,
    content: ContentLibrary,
    registry: None,
) -> None:
    """A second worker (or `reception console`) with caches of its own: the person withdraws
    consent there, mid-dialog here; this process must neither take the next step nor offer
    readings on the unlinked account."""
    person = await _linked_to_petrov(harness, texts)
    await harness.deliver()  # "account linked", queued here, is not the second process's to send
    await person.send("/readings")  # a dialog under way here, its state cached
    second = await BotHarness.start(settings, clock=clock, texts=texts, content=content)
    try:
        there = second.person(person.user.id)
        await there.send("/mydata")
        await there.press(texts.get("mydata-withdraw-button"))
        await there.press(texts.get("mydata-withdraw-yes"))
        calls = await there.deliver()  # the reply is queued with the withdrawal
        assert texts_of(calls) == [texts.get("mydata-withdrawn", accounts=1, bookings=0)]
    finally:
        await second.close()
    assert harness.app.fresh is not None
    await harness.app.fresh.watch.settle()

    calls = await person.send("12345")  # the reading the dialog here was waiting for
    assert texts.get("reading-ask-photo") not in texts_of(calls)
    calls = await person.send("/readings")
    assert texts_of(calls) == [texts.get("reading-consent-needed")]
    async with harness.app.sessionmaker() as session:
        links = await session.scalar(select(func.count()).select_from(AccountLinkRow))
    assert links == 0


async def test_an_import_killed_while_applying_is_finished_by_the_bot_at_start(
    harness: BotHarness,
    texts: Texts,
    clock: FixedClock,
    settings: Settings,
    registry: None,
    registry_csv: bytes,
) -> None:
    person = await _linked_to_petrov(harness, texts)
    await person.send("/readings")
    await person.send("/cancel")
    other = create_engine(settings.database.url)  # the import that dies after one step
    try:
        store = SqlRegistryImports(create_sessionmaker(other), clock=clock)
        run = await store.begin()
        csv = registry_csv + b"\n" + PETROV_SECOND_METER.encode()
        await store.stage(run, list(parse_registry(decode(csv)).accounts.values()))
        await store.seal(run)
        assert (await store.apply_next(run, limit=1, now=clock.now())).accounts == 1
    finally:
        await other.dispose()

    assert harness.app.fresh is not None
    await harness.app.fresh.watch.settle()
    await harness.app.fresh.refresh()  # the dead import's writes: noticed already
    await person.send("/readings")  # ... and the cache filled again with one meter
    await person.send("/cancel")

    # The bot's own writes are not news to its watch: applying clears the cache itself.
    assert await finish_registry_imports(harness.app) == 3
    calls = await person.send("/readings")
    assert texts_of(calls)[-1] == texts.get("reading-ask-meter")
