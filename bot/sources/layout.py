"""A saved error page -> lines of text and table rows, whatever form it was saved in.

A page comes as saved HTML, or as the text or Markdown a browser copies: Markdown pipe tables,
HTML tables inside Markdown, rows of tab-separated cells (a copied table), or one cell a line
with a line of just ``|`` after each cell (how Notificore's help centre copies). Every form
becomes the same ``Line``s, so each provider's parser reads one layout.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from bot.files import NotRegular, TooLarge, read_at_most

MAX_BYTES = 20_000_000  # a saved page larger than this is not an error page

# Tags that start a new line in a browser (the rest run inline, like <kbd>, <a>, <span>).
_BLOCKS = (
    "address article aside blockquote body br caption dd details div dl dt figcaption figure "
    "footer form h1 h2 h3 h4 h5 h6 head header hr html li main nav ol p pre section summary "
    "table tbody td tfoot th thead title tr ul"
)
BLOCK_TAGS = frozenset(_BLOCKS.split())
SKIPPED_TAGS = frozenset({"script", "style", "noscript", "template", "svg"})

_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)\b[^>]*>")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_STRONG = re.compile(r"\*\*(.+?)\*\*")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u00ad\ufeff"))
_HTML_PAGE = re.compile(r"<!doctype\s+html|<html\b|<body\b", re.IGNORECASE)
_HTML_TABLE = re.compile(r"<table\b.*?</table\s*>", re.IGNORECASE | re.DOTALL)
_MD_RULE = re.compile(r"^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?$")
_MD_HEADING = re.compile(r"^#{1,6}\s+")


class PageError(Exception):
    """The file cannot be read as a page at all; the message says why."""


@dataclass(frozen=True)
class Line:
    """A line of the page: a table row's cells, or one piece of running text."""

    cells: tuple[str, ...]
    table: bool = False

    @property
    def text(self) -> str:
        """The cells as one string."""
        return " ".join(self.cells)


@dataclass(frozen=True)
class Page:
    """A page's plain text and its lines."""

    text: str
    lines: tuple[Line, ...]


def squash(text: str) -> str:
    """Whitespace collapsed, invisible characters dropped, Unicode in one (NFC) form."""
    return " ".join(unicodedata.normalize("NFC", text.translate(_INVISIBLE)).split())


def clean(text: str) -> str:
    """Plain wording from Markdown or HTML source: images dropped; links, tags, entities,
    backticks and ``**`` bold reduced to their text; whitespace collapsed. A block tag
    (``<li>``, ``<br>``) parts words, an inline one (``<kbd>``, ``<a>``) does not."""
    text = _LINK.sub(r"\1", _IMAGE.sub("", text))
    text = _TAG.sub(lambda m: " " if m.group(1).lower() in BLOCK_TAGS else "", text)
    text = _STRONG.sub(r"\1", html.unescape(text).replace("`", ""))
    return squash(text)


def read_page(path: Path) -> Page:
    """The page saved at ``path``; PageError when it is missing, empty, binary or not text."""
    try:
        if path.is_dir():
            raise PageError(f"{path} is a folder, not a saved page")
        data = read_at_most(path, MAX_BYTES)
    except TooLarge:
        raise PageError(f"{path} is too large to be an error page") from None
    except NotRegular as exc:  # a FIFO, a device: never read
        raise PageError(str(exc)) from None
    except FileNotFoundError:
        raise PageError(f"{path}: no such file") from None
    except OSError as exc:
        raise PageError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    text = _decode(data, path)
    if not squash(text):
        raise PageError(f"{path} is empty")
    return parse_page(text)


def _decode(data: bytes, path: Path) -> str:
    for bom, codec in ((b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                break
    if b"\x00" in data:
        raise PageError(f"{path} is not a text or HTML file (binary content)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    declared = re.search(rb"""charset=["']?([A-Za-z0-9_-]+)""", data[:4096])
    if declared:
        try:
            return data.decode(declared.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            pass
    raise PageError(f"{path} is not a text or HTML file (not UTF-8 text)")


def parse_page(text: str) -> Page:
    """Lines of a page given as HTML, or as copied text or Markdown."""
    if _HTML_PAGE.search(text[:65536]) or (text.lstrip().startswith("<") and "</" in text):
        lines = _html_lines(text)
        return Page("\n".join(line.text for line in lines), tuple(lines))
    lines = []
    at = 0
    for table in _HTML_TABLE.finditer(text):  # HTML tables inside Markdown (GitBook's pages)
        lines += _text_lines(text[at : table.start()])
        lines += _html_lines(table.group())
        at = table.end()
    lines += _text_lines(text[at:])
    return Page(text, tuple(lines))


def _text_lines(text: str) -> list[Line]:
    lines: list[Line] = []
    for raw in text.splitlines():
        stripped = raw.strip()
        if not stripped or _MD_RULE.match(stripped):  # blank, a table's rule, front matter
            continue
        if stripped == "|":  # one cell a line: the line before was a table cell
            if lines and len(lines[-1].cells) == 1:
                lines[-1] = Line(lines[-1].cells, table=True)
        elif "|" in stripped:
            cells = re.split(r"(?<!\\)\|", stripped.removeprefix("|").removesuffix("|"))
            lines.append(Line(tuple(clean(c.replace("\\|", "|")) for c in cells), table=True))
        elif "\t" in stripped:
            lines.append(Line(tuple(clean(c) for c in stripped.split("\t")), table=True))
        elif plain := clean(_MD_HEADING.sub("", stripped)):
            lines.append(Line((plain,)))
    return lines


def _html_lines(text: str) -> list[Line]:
    parser = _HtmlLines()
    parser.feed(text)
    parser.close()
    return parser.lines


class _HtmlLines(HTMLParser):
    """Table rows as cells; any other block of text as a line of its own."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[Line] = []
        self._text: list[str] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._pre = 0
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED_TAGS:
            self._skip += 1
        elif tag == "tr":
            self._end_row()
            self._flush()
            self._row = []
        elif tag in ("td", "th"):
            self._end_cell()
            self._row = [] if self._row is None else self._row
            self._cell = []
        elif tag in BLOCK_TAGS:
            self._break()
            if tag == "pre" and self._cell is None:
                self._pre += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in ("td", "th"):
            self._end_cell()
        elif tag in ("tr", "table"):
            self._end_row()
        elif tag in BLOCK_TAGS:
            self._break()
            if tag == "pre":
                self._pre = max(0, self._pre - 1)

    def handle_data(self, data: str) -> None:
        if not self._skip:
            (self._cell if self._cell is not None else self._text).append(data)

    def close(self) -> None:
        super().close()
        self._end_row()
        self._flush()

    def _break(self) -> None:
        if self._cell is not None:
            self._cell.append(" ")  # a block inside a cell parts words, as a browser shows it
        else:
            self._flush()

    def _flush(self) -> None:
        text = "".join(self._text)
        self._text.clear()
        parts: Iterable[str] = text.splitlines() if self._pre else (text,)
        self.lines += [Line((squash(p).replace("`", ""),)) for p in parts if squash(p)]

    def _end_cell(self) -> None:
        if self._cell is not None and self._row is not None:
            self._row.append(squash("".join(self._cell)).replace("`", ""))
        self._cell = None

    def _end_row(self) -> None:
        self._end_cell()
        if self._row:
            self.lines.append(Line(tuple(self._row), table=True))
        self._row = None
