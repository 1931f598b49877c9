"""Markup: Telegram HTML or plain text for a terminal, and messages cut to Telegram's size."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from bot.core.i18n import Lang, t

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024  # a photo's or a document's caption
ECHO_LIMIT = 100  # at most this much of the person's own text is quoted back


@dataclass(frozen=True)
class Markup:
    """How to mark text up: Telegram HTML, or plain text for a terminal."""

    is_html: bool

    def esc(self, text: str) -> str:
        """Text from users and catalogs, made safe."""
        return html.escape(text, quote=False) if self.is_html else text

    def bold(self, text: str) -> str:
        return f"<b>{self.esc(text)}</b>" if self.is_html else text

    def italic(self, text: str) -> str:
        return f"<i>{self.esc(text)}</i>" if self.is_html else text

    def code(self, text: str) -> str:
        return f"<code>{self.esc(text)}</code>" if self.is_html else text

    def label(self, text: str) -> str:
        """A paragraph's title: bold, or followed by a colon in plain text."""
        return f"<b>{self.esc(text)}</b>" if self.is_html else f"{text}:"

    def quote(self, text: str) -> str:
        if self.is_html:
            return f"<blockquote>{self.esc(text)}</blockquote>"
        return "\n".join(f"> {line}" for line in text.splitlines() or [""])

    def link(self, title: str, url: str) -> str:
        if self.is_html:
            return f'<a href="{html.escape(url, quote=True)}">{self.esc(title)}</a>'
        return f"{title}: {url}"

    def fill(self, key: str, lang: Lang, **marked: str) -> str:
        """Interface string ``key`` with its placeholders filled by already marked-up values."""
        return self.esc(t(key, lang)).format(**marked)


HTML = Markup(is_html=True)
TEXT = Markup(is_html=False)


def one_line(text: str, limit: int = ECHO_LIMIT) -> str:
    """Text on one line, cut with an ellipsis past ``limit`` (how a person's text is quoted),
    never inside a mask ("<secret>": the radar showed "<sec…", a secret's remains to the eye:
    an attack)."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    cut = line[: limit - 1]
    opened = cut.rfind("<")
    if opened > cut.rfind(">") and _MASK.match(line, opened):
        cut = cut[:opened].rstrip()
    return cut + "…"


_MASK = re.compile(r"<[a-z]+>")  # what the masks leave: <secret>, <card>, <email>


def units(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


_TAG = re.compile(r"<[^>]*>")  # HTML.esc escapes every "<" of the text itself


def shown_length(marked: str) -> int:
    """The length Telegram limits a message of HTML ``marked`` to MESSAGE_LIMIT by: its text
    once the tags are parsed, in UTF-16 code units."""
    return units(html.unescape(_TAG.sub("", marked)))


def split_messages(paragraphs: list[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Paragraphs joined into messages of at most ``limit``, split only between paragraphs
    (a paragraph longer than a message is split between its lines, then hard)."""
    # Each character is at most two UTF-16 units: short texts need no counting.
    if sum(map(len, paragraphs)) + 2 * len(paragraphs) <= limit // 2:
        return ["\n\n".join(paragraphs)] if paragraphs else [""]
    pieces: list[str] = []
    for paragraph in paragraphs:
        if units(paragraph) <= limit:
            pieces.append(paragraph)
            continue
        for line in paragraph.split("\n"):
            while units(line) > limit:
                cut = limit
                while units(line[:cut]) > limit:
                    cut -= 1
                pieces.append(line[:cut])
                line = line[cut:]
            pieces.append(line)
    messages: list[str] = []
    current = ""
    for piece in pieces:
        candidate = f"{current}\n\n{piece}" if current else piece
        if units(candidate) <= limit:
            current = candidate
        else:
            messages.append(current)
            current = piece
    if current:
        messages.append(current)
    return messages or [""]
