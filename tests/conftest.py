"""Shared fixtures: the real catalogs, a resolver over them, the providers' own pages."""

from __future__ import annotations

import asyncio
import gc
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, settings

import bot.sources
from bot.core import catalog_files
from bot.core.catalog import Catalog
from bot.core.resolve import Resolver
from tests.support.lookups import Backend
from tests.support.services import drop_made, fresh_postgres, fresh_redis
from tests.support.shipped import shipped_catalog, shipped_once, shipped_resolver

if TYPE_CHECKING:
    # Imported by the fixture that uses it: xdist's controller loads this file and runs no test,
    # and aiogram's types cost it ~3.3 s of CPU (-X importtime) for nothing.
    from tests.support.app import App
    from tests.support.fake_telegram import FakeTelegram

# Property tests judge the code, never the machine's speed: no deadline, no "input generation
# is slow" health check (a busy machine tripped it), and on CI the same examples every run.
settings.register_profile(
    "codebook",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=bool(os.environ.get("CI")),
)
settings.load_profile("codebook")


def pytest_collection_finish(session: pytest.Session) -> None:
    """Set aside what collection loaded (aiogram's models, the catalogs, every test module) so
    that the garbage collector stops walking it: the tests allocate a great deal (YAML, pydantic),
    and each full collection walked that whole heap again, doubling a catalog load's cost."""
    gc.collect()
    gc.freeze()


# The modules whose tests start bot processes (seconds of CPU each: aiogram's types alone are
# most of it), costliest first as measured (CPU per file, children included). The scheduler hands
# them out before everything else, so that the last minutes are many short tests spread over
# both workers, not one worker on an end-to-end test while the other sits idle.
COSTLIEST_FIRST = (
    "test_e2e_stops.py",
    "test_e2e.py",
    "test_e2e_handoff.py",
    "test_e2e_handoff_replicas.py",
    "test_e2e_replicas.py",
    "test_shipping.py",
    "test_cli.py",
    "test_analytics_cli.py",
    "test_radar_replay.py",
    "test_sources_diff.py",
    "test_doctor.py",
)


@pytest.hookimpl(trylast=True)  # (after xdist's own, which makes its controller a dsession)
def pytest_configure(config: pytest.Config) -> None:
    """In xdist's controller, with -n (a new interpreter per worker, "popen"), the workers
    forked from one zygote that has imported aiogram, which forks their bots too."""
    tx = config.getoption("tx")
    if config.pluginmanager.get_plugin("dsession") is not None and tx == ["popen"] * len(tx):
        from tests.support.processes import fork_the_workers

        config.add_cleanup(fork_the_workers(config, tx))


@pytest.hookimpl(optionalhook=True)  # (xdist's hook: none without it)
def pytest_testnodeready(node: object) -> None:
    """In xdist's controller, a worker ready: every worker has been started by then (xdist
    starts them one after another before it hears from any), and has read what pytest's
    rewriting was done ahead into (processes.rewrite_ahead), which can go."""
    from tests.support.processes import forget_rewritten

    forget_rewritten()


@pytest.hookimpl(optionalhook=True)  # (xdist's hook: none without it)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """One worker more than the CPUs: a third of the tests' time is spent waiting on a bot
    process, a server or a timeout, and a third worker fills it (on 2 CPUs, measured
    alternately: 65.5 and 70.2 s with two workers, 61.4 and 61.4 s with three)."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (cpus or 1) + 1


@pytest.hookimpl(optionalhook=True)  # (xdist's hook: none without it)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Each test to whichever worker is free, the tests of a class to one worker: they share
    something costly (test_e2e's bot process). (xdist's loadgroup would do it by marks, but it
    renames nodes in a way pytest 9 ignores; loadscope would keep a whole module on one worker,
    and test_e2e's seven bots of their own would make it the suite's last minute.) The costliest
    go first (COSTLIEST_FIRST), then the rest in xdist's order (the biggest classes first)."""
    from xdist.scheduler import LoadScopeScheduling

    def rank(scope: str) -> int:
        module = scope.split("::", 1)[0].rsplit("/", 1)[-1]
        return COSTLIEST_FIRST.index(module) if module in COSTLIEST_FIRST else len(COSTLIEST_FIRST)

    class ByClass(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module, _, name = nodeid.partition("::")
            in_class = "::" in name.split("[", 1)[0]
            return f"{module}::{name.split('::', 1)[0]}" if in_class else nodeid

        def _assign_work_unit(self, node: Any) -> None:
            # xdist fills its work queue once, then hands out its head: order it here, once.
            if not getattr(self, "_ordered", False):
                self._ordered = True
                ordered = sorted(self.workqueue.items(), key=lambda item: rank(item[0]))
                self.workqueue.clear()
                self.workqueue.update(ordered)
            super()._assign_work_unit(node)

    return ByClass(config, log)


ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CODEBOOK_SHARED", ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The catalogs shipped in ``catalogs/``."""
    return shipped_catalog()


@pytest.fixture(autouse=True)
def _shipped_catalogs_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The commands tests run in process (doctor, lookup, sources diff, the radar's and the
    digest's) each load the catalogs: the shipped ones, which no test changes, are read once per
    worker, as the ``catalog`` fixture is (a load is ~80 ms of CPU, and they asked ~120 times).
    Any other folder is read as the command reads it; a test calling load_catalogs itself, and
    every bot process, reads the files."""
    monkeypatch.setattr(catalog_files, "load_catalogs", shipped_once)
    monkeypatch.setattr(bot.sources, "load_catalogs", shipped_once)


@pytest.fixture(scope="session")
def resolver(catalog: Catalog) -> Resolver:
    """Answers questions from the shipped catalogs (``catalog``)."""
    return shipped_resolver()


@pytest.fixture(scope="session")
def shared() -> Path:
    """The providers' pages the catalogs are built from (../shared beside the checkout)."""
    if not (SHARED / "seeds").is_dir():
        pytest.skip(f"the providers' pages are not at {SHARED} (set CODEBOOK_SHARED)")
    return SHARED


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    """The fake Telegram Bot API on 127.0.0.1, serving while the test runs."""
    from tests.support.fake_telegram import FakeTelegram

    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    """The bot wired as in production, its Bot talking to the fake Bot API in process."""
    from tests.support.app import running_app

    async with running_app(tmp_path) as running:
        yield running


@pytest.fixture(scope="session", autouse=True)
def _drop_made_databases() -> Iterator[None]:
    """The PostgreSQL databases the tests were given are kept for the next test, emptied (see
    fresh_postgres), and dropped here at the end."""
    yield
    asyncio.run(drop_made())


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A fresh PostgreSQL database for the test (see services.py)."""
    async with fresh_postgres() as url:
        yield url


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    """A Redis database for the test alone (see services.py)."""
    async with fresh_redis() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    """Each analytics test runs against SQLite and PostgreSQL alike: a figure cannot drift
    between them."""
    if request.param == "sqlite":
        yield Backend("sqlite", tmp_path)
        return
    async with fresh_postgres() as url:
        yield Backend("postgres", tmp_path, url)
