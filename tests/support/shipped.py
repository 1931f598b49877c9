"""The shipped catalogs (``catalogs/``), which no test changes, read once per process, and the
one resolver over them: a load is ~80 ms of CPU, a resolver's word index ~220 ms, and each worker
built three of them (the ``catalog`` and ``resolver`` fixtures, the apps' Library, test_search's
index) where one serves."""

from __future__ import annotations

from pathlib import Path

from bot.core.catalog import Catalog
from bot.core.catalog_files import Problem, load_catalogs
from bot.core.resolve import Resolver
from tests.support import ROOT

SHIPPED = (ROOT / "catalogs").resolve()
_loaded: dict[tuple[tuple[str, int, int], ...], tuple[Catalog | None, list[Problem]]] = {}
_resolvers: dict[int, Resolver] = {}  # by the id of the catalog it answers from


def shipped_once(folder: str | Path) -> tuple[Catalog | None, list[Problem]]:
    """load_catalogs, the shipped catalogs read once per process (again if a file changes)."""
    if Path(folder).resolve() != SHIPPED:
        return load_catalogs(folder)
    files = tuple(
        (path.name, info.st_mtime_ns, info.st_size)
        for path in sorted(SHIPPED.glob("*.yaml"))
        for info in (path.stat(),)
    )
    if files not in _loaded:
        _loaded.clear()
        _loaded[files] = load_catalogs(folder)
    loaded, problems = _loaded[files]
    return loaded, list(problems)  # a caller may add to its list (check_catalogs does)


def shipped_catalog() -> Catalog:
    loaded, problems = shipped_once(SHIPPED)
    assert loaded is not None, "\n".join(map(str, problems))
    return loaded


def shipped_resolver() -> Resolver:
    """The shipped catalogs' resolver, made once per process (a resolver is never changed, only
    replaced: on reload, or with taught phrases)."""
    catalog = shipped_catalog()
    if id(catalog) not in _resolvers:
        _resolvers.clear()
        _resolvers[id(catalog)] = Resolver(catalog)
    return _resolvers[id(catalog)]
