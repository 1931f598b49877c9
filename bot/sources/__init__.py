"""``sources diff``: a provider's saved error page against its catalog.

``run`` reads the page (saved HTML, or copied text or Markdown), finds the provider's errors
on it, and prints what the catalog's keeper must do. It returns the exit status: 0 when page
and catalog agree, 1 when they differ, 2 when the page (or the catalogs) cannot be read.
"""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from bot.core.catalog_files import load_catalogs
from bot.sources.diff import compare, report
from bot.sources.layout import PageError, read_page
from bot.sources.pages import NAMES, PARSERS, NotThisPage, parse, whose

__all__ = ["run"]


def run(provider: str, file: Path, catalogs: Path, out: TextIO) -> int:
    """Compare ``file``, a saved copy of ``provider``'s error page, with its catalog in
    ``catalogs``; print what differs to ``out`` and return the exit status (0, 1 or 2)."""
    slug = provider.strip().lower()
    if slug not in PARSERS:
        return _fail(out, f"unknown provider {provider!r}: one of {', '.join(sorted(PARSERS))}")
    try:
        page = read_page(file)
        rows = parse(slug, page)
    except PageError as exc:
        return _fail(out, str(exc))
    except NotThisPage as exc:
        others = [NAMES[other] for other in whose(page) if other != slug]
        hint = f" (it looks like {others[0]}'s page)" if others else ""
        return _fail(out, f"{file} is not {NAMES[slug]}'s error page: {exc}{hint}")
    loaded, problems = load_catalogs(catalogs)  # after the page: the slower of the two
    if loaded is None:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return _fail(out, f"the catalogs do not load: {problems[0]}{more}")
    if slug not in loaded.providers:
        return _fail(out, f"no catalog for {slug} in {catalogs}")
    diff = compare(rows, loaded.providers[slug])
    report(diff, out)
    return 0 if diff.agree else 1


def _fail(out: TextIO, why: str) -> int:
    print(f"error: {why}", file=out)
    return 2
