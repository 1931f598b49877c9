"""Read the providers' own error pages (../shared) into (code, wording) rows, independently of
the catalogs, so tests can hold the catalogs to them."""

from __future__ import annotations

import html
import itertools
import json
import re
from pathlib import Path

SEEDS = {
    "gosms": "000_c19a6ad7dc82121b.txt",
    "notificore": "001_f92366e716212c34.txt",
    "radist": "002_1784025b214184c0.txt",
    "mobizon": "003_afc7ba4f1c83daa9.txt",
    "gupshup": "004_ba3dd14961c7b9f4.txt",
}


def squash(text: str) -> str:
    """Whitespace collapsed, HTML tags, markdown links and backticks dropped."""
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = html.unescape(text).replace("`", "")
    return " ".join(text.split())


def gosms(shared: Path) -> dict[str, str]:
    """Code -> table line, from the seed page and the newer page (which wins)."""
    rows: dict[str, str] = {}
    newer = shared / "sources" / "gosms-code-error-current.md"
    for page in (shared / "seeds" / SEEDS["gosms"], newer):
        for code, text in re.findall(r"<kbd>(\d+)</kbd> \| \[(.+?)\]\(#", page.read_text()):
            rows[code] = text
    return rows


def notificore(shared: Path) -> tuple[dict[str, str], list[str]]:
    """API 1.0 code -> text, and the API 2.0 texts (which have no code)."""
    text = (shared / "seeds" / SEEDS["notificore"]).read_text()
    v1, v2 = text.split("Errors for API 2.0")
    cells = [c.strip() for c in v1.split("|")]
    coded = {}
    lines = [line.strip() for line in "\n".join(cells).splitlines() if line.strip()]
    for first, second in itertools.pairwise(lines):
        if re.fullmatch(r"\d+(-\d+)?", first) and not re.fullmatch(r"\d+", second):
            coded[first] = second
    v2 = v2.split("Была ли статья полезна?")[0]
    uncoded = [
        line.strip()
        for line in v2.splitlines()
        if line.strip()
        and line.strip() != "|"
        and not line.strip().endswith("Errors")
        and line.strip() != "Error Description"
    ]
    return coded, uncoded


def radist(shared: Path) -> dict[str, tuple[str, str]]:
    """Code -> (error_name, message)."""
    text = (shared / "seeds" / SEEDS["radist"]).read_text()
    start = text.index('{\n  "1"')
    end = text.index("\n}\n", start) + 2
    data = json.loads(text[start:end])
    return {code: (row["name"], row["message"]) for code, row in data.items()}


def mobizon(shared: Path) -> dict[str, str]:
    """Code -> description."""
    text = (shared / "seeds" / SEEDS["mobizon"]).read_text()
    pattern = r'data-anchor="api-code-(\d+)">\d+</span>\s*\|\s*(.+)'
    return {code: squash(desc) for code, desc in re.findall(pattern, text)}


def gupshup(shared: Path) -> dict[str, str]:
    """Code -> "error — meaning / action"."""
    text = (shared / "seeds" / SEEDS["gupshup"]).read_text()
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", text)
    return {
        squash(code): f"{squash(name)} — {squash(meaning)}"
        for code, name, meaning in rows
        if squash(code).isdigit()
    }


def every_code(shared: Path) -> list[tuple[str, str]]:
    """(provider slug, code) for every code on every page."""
    pairs = [("gosms", c) for c in gosms(shared)]
    pairs += [("notificore", c) for c in notificore(shared)[0]]
    pairs += [("radist", c) for c in radist(shared)]
    pairs += [("mobizon", c) for c in mobizon(shared)]
    pairs += [("gupshup", c) for c in gupshup(shared)]
    return pairs


def entry_counts(shared: Path) -> dict[str, int]:
    """How many entries each provider's catalog must hold: every code on its pages, and every
    Notificore API 2.0 error, which has no code."""
    counts: dict[str, int] = {}
    for slug, _ in every_code(shared):
        counts[slug] = counts.get(slug, 0) + 1
    counts["notificore"] += len(notificore(shared)[1])
    return counts
