"""Each provider's error page -> its errors: what identifies each one, and the wording.

One small parser a provider, all reading the same ``Page`` (see ``layout``), so each accepts
the page saved as HTML and as copied text or Markdown alike.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.sources.layout import Page, clean, squash
from bot.sources.tables import tables

# What follows the last table on Notificore's help-centre page: where a one-column table
# copied as plain lines ends.
NOTIFICORE_ENDS = frozenset({"Была ли статья полезна?", "Was this article helpful?"})

_CODE = re.compile(r"\d{1,9}(-\d{1,9})?")
_RADIST_JSON = re.compile(r'\{\s*"\d+"\s*:\s*\{')


@dataclass(frozen=True)
class Row:
    """One error as a page (or a catalog) gives it."""

    key: str  # what page and catalog are matched by: a code, an error name, or section/text
    label: str  # how the report names it
    text: str  # the provider's own wording, markup removed
    code: str | None = None  # Radist: the code that goes with the error name


class NotThisPage(Exception):
    """The page reads as text but holds no table of this provider's errors."""


def code_of(cell: str) -> str | None:
    """A code cell as the catalogs write codes: "21", "88-89" (any dash, no spaces)."""
    code = re.sub(r"\s", "", cell).replace("–", "-").replace("—", "-")
    return code if _CODE.fullmatch(code) else None


def section_key(name: str) -> str:
    """A section name as page and catalog both give it: "SMS Errors" for the page's
    heading, "API 2.0 · SMS errors" for the catalog's section."""
    name = re.sub(r"^api\s*\d+(\.\d+)?\s*[·:—-]?\s*", "", squash(name).casefold())
    return re.sub(r"\s*\berrors?$", "", name)


def gosms(page: Page) -> list[Row]:
    """Tables headed "Код | Описание": a code and its description (a link to the solution)."""
    found = tables(page.lines, [("Код", "Описание")])
    return _coded(row for table in found for row in table.rows)


def mobizon(page: Page) -> list[Row]:
    """The table headed "Код | Опис" (Ukrainian): a code and its description."""
    found = tables(page.lines, [("Код", "Опис")])
    return _coded(row for table in found for row in table.rows)


def notificore(page: Page) -> list[Row]:
    """API 1.0: tables "Error Code | Error Description", one a section; API 2.0: one-column
    tables "Error Description", whose texts (they have no codes) count within their section."""
    headers = [("Error Code", "Error Description"), ("Error Description",)]
    rows = []
    for table in tables(page.lines, headers, ends=NOTIFICORE_ENDS):
        if len(table.header) == 2:
            rows += [
                Row(row.key, f"{row.key} ({table.heading})", row.text) for row in _coded(table.rows)
            ]
        else:
            section = section_key(table.heading)
            rows += [
                Row(f"{section}/{cells[0]}", f"{table.heading}: {cells[0]}", cells[0])
                for cells in table.rows
                if len(cells) == 1 and cells[0]
            ]
    return rows


def radist(page: Page) -> list[Row]:
    """The JSON object of every error: {"code": {"name": ..., "message": ...}}, keyed by name."""
    decoder = json.JSONDecoder()
    for start in _RADIST_JSON.finditer(page.text):
        try:
            data, _ = decoder.raw_decode(page.text, start.start())
        except ValueError:
            continue
        rows = [
            Row(error["name"], f"{error['name']} ({code})", squash(error["message"]), code)
            for code, error in data.items()
            if code.isdigit()
            and isinstance(error, dict)
            and isinstance(error.get("name"), str)
            and isinstance(error.get("message"), str)
        ]
        if rows:
            return rows
    return []


def gupshup(page: Page) -> list[Row]:
    """Rows of three cells: code, error, meaning / action; the wording is "error — meaning"
    (the table's header row is hidden on the page, so it is not looked for)."""
    return [
        Row(code, code, f"{line.cells[1]} — {line.cells[2]}")
        for line in page.lines
        if line.table and len(line.cells) == 3 and (code := code_of(line.cells[0]))
    ]


def _coded(rows: Iterable[tuple[str, ...]]) -> list[Row]:
    return [
        Row(code, code, cells[1])
        for cells in rows
        if len(cells) == 2 and (code := code_of(cells[0]))
    ]


PARSERS: dict[str, Callable[[Page], list[Row]]] = {
    "gosms": gosms,
    "notificore": notificore,
    "radist": radist,
    "mobizon": mobizon,
    "gupshup": gupshup,
}

NAMES = {  # as the error messages name them, before (or without) the catalogs
    "gosms": "GoSMS",
    "notificore": "Notificore",
    "radist": "Radist.Online",
    "mobizon": "Mobizon",
    "gupshup": "Gupshup",
}

LOOKED_FOR = {
    "gosms": 'no table headed "Код | Описание" with codes in it',
    "notificore": 'no table headed "Error Code | Error Description" or "Error Description"',
    "radist": 'no JSON list of errors ({"1": {"name": ..., "message": ...}})',
    "mobizon": 'no table headed "Код | Опис" with codes in it',
    "gupshup": "no table of code | error | meaning rows",
}


def parse(provider: str, page: Page) -> list[Row]:
    """The provider's errors on the page, each once (the first time it is listed).
    NotThisPage when the page holds none."""
    rows: dict[str, Row] = {}
    for row in PARSERS[provider](page):
        rows.setdefault(row.key, row)
    if not rows:
        raise NotThisPage(LOOKED_FOR[provider])
    return list(rows.values())


def whose(page: Page) -> list[str]:
    """The providers whose error table the page holds."""
    return [slug for slug, parser in PARSERS.items() if parser(page)]


def wording(text: str) -> str:
    """A catalog's ``original`` as the page parsers give the provider's wording."""
    return clean(text)
