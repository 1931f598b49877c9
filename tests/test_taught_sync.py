"""Every process sharing a database answers what was taught through any of them: each looks at
the database's counter of changes (migration 0006) and reads the phrases again when it moved,
or when the last read failed (a database down at start-up and back later). The looks are
driven here, never slept."""

from __future__ import annotations

import asyncio
import logging
import shutil
import threading
import time
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

import bot.core.library
from bot.analytics.writer import LookupLog
from bot.core.library import Library
from bot.core.resolve import Resolver
from bot.store.postgres import PostgresStore
from bot.telegram.taught import POLL_INTERVAL, TaughtPhrases
from tests.support.clock import HANG, DrivenClock
from tests.support.lookups import Backend
from tests.support.services import outage
from tests.support.shipped import shipped_resolver

ROOT = Path(__file__).resolve().parents[1]
PHRASE = "смс с телефона так и не ушли"  # a question, as bot.core.text.phrase_key keeps it


def found(library: Library, text: str = PHRASE.upper() + "?") -> list[tuple[str, str]]:
    return [(m.slug, m.entry.key) for m in library.resolver.answer(text).matches]


async def replica(backend: Backend, stack: AsyncExitStack) -> tuple[LookupLog, TaughtPhrases]:
    """A process's lookup log on the shared database, and its taught phrases read once."""
    lookups = backend.log()
    await lookups.start()
    stack.push_async_callback(lookups.close)
    taught = TaughtPhrases(lookups.store, Library(ROOT / "catalogs", resolver=shipped_resolver()))
    assert await taught.refresh()
    return lookups, taught


async def test_what_one_process_teaches_or_takes_back_the_other_answers(backend: Backend) -> None:
    async with AsyncExitStack() as stack:
        here, ours = await replica(backend, stack)
        _, theirs = await replica(backend, stack)
        untaught = theirs.library.resolver
        await theirs.poll()
        assert theirs.library.resolver is untaught  # nothing changed: nothing read again

        await here.store.teach(PHRASE, "gosms", "1015", time.time())
        assert await ours.refresh()
        await theirs.poll()
        assert found(theirs.library) == [("gosms", "1015")]

        taught = theirs.library.resolver
        await theirs.poll()
        assert theirs.library.resolver is taught

        await here.store.forget(PHRASE)
        await theirs.poll()
        assert found(theirs.library) != [("gosms", "1015")]
        assert theirs.library.taught == {}


async def test_the_poller_looks_once_every_interval(tmp_path: Path) -> None:
    backend, clock = Backend("sqlite", tmp_path), DrivenClock(0.0)
    async with AsyncExitStack() as stack:
        here, _ = await replica(backend, stack)
        _, theirs = await replica(backend, stack)
        polling = asyncio.create_task(theirs.run(sleep=clock.sleep))
        stack.push_async_callback(cancelled, polling)
        await clock.asleep()
        await here.store.teach(PHRASE, "gosms", "1015", time.time())
        assert found(theirs.library) != [("gosms", "1015")]
        clock.advance(POLL_INTERVAL)
        await clock.asleep()  # it has looked, and sleeps again
        assert found(theirs.library) == [("gosms", "1015")]
        assert clock.slept == [POLL_INTERVAL, POLL_INTERVAL]


async def cancelled(task: asyncio.Task[None]) -> None:
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_phrases_are_read_once_postgres_is_back(
    postgres_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with AsyncExitStack() as stack:
        keeper = LookupLog(PostgresStore(postgres_url, tmp_path / "keeper.pending"), secret=b"k")
        await keeper.start()
        stack.push_async_callback(keeper.close)
        await keeper.store.teach(PHRASE, "gosms", "1015", time.time())
        line = await stack.enter_async_context(outage(postgres_url))
        await line.cut()  # down when the process starts
        lookups = LookupLog(PostgresStore(line.url, tmp_path / "bot.pending"), secret=b"k")
        await lookups.start()
        stack.push_async_callback(lookups.close)
        taught = TaughtPhrases(
            lookups.store, Library(ROOT / "catalogs", resolver=shipped_resolver())
        )
        with caplog.at_level(logging.WARNING, logger="bot.telegram.taught"):
            assert not await taught.refresh()
            await taught.poll()
            await taught.poll()
            assert found(taught.library) != [("gosms", "1015")]  # answering all the same
            await line.restore()
            await taught.poll()
            assert found(taught.library) == [("gosms", "1015")]
            await taught.poll()
        said = [r.getMessage() for r in caplog.records if r.name == "bot.telegram.taught"]
        assert len(said) == 2
        assert said[0].startswith("taught phrases could not be read")
        assert said[1] == "taught phrases read again (1)"

        await line.cut()  # down again: what was read goes on answering
        await taught.poll()
        assert found(taught.library) == [("gosms", "1015")]


def test_a_phrase_taught_while_the_catalogs_reload_is_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    library = Library(ROOT / "catalogs")
    indexing, taught = threading.Event(), threading.Event()

    class Indexing(Resolver):
        @property
        def searcher(self):  # type: ignore[no-untyped-def]
            indexing.set()  # the reload's thread builds the new word index...
            assert taught.wait(HANG)  # ...while the loop takes a phrase in
            return super().searcher

    monkeypatch.setattr(bot.core.library, "Resolver", Indexing)
    reloading = threading.Thread(target=library.reload)
    reloading.start()
    assert indexing.wait(HANG)
    library.use_taught([(PHRASE, "gosms", "1015")])
    taught.set()
    reloading.join(HANG)
    assert found(library) == [("gosms", "1015")]


def test_a_library_given_a_resolver_answers_with_it_and_reloads_from_its_folder(
    tmp_path: Path, resolver: Resolver
) -> None:
    shutil.copytree(ROOT / "catalogs", tmp_path / "catalogs")
    library = Library(tmp_path / "catalogs", resolver=resolver)  # as the tests' apps start
    assert library.resolver is resolver
    (tmp_path / "catalogs" / "gosms.yaml").unlink()
    assert library.reload().removed == ["GoSMS"]
    assert "gosms" not in library.resolver.catalog.providers
    assert "gosms" in resolver.catalog.providers  # the one given is not changed
