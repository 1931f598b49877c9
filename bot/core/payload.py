"""A pasted API response or log line: the codes and names standing where each provider's API
puts them (``error_paths``, ``name_paths`` in the catalogs)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any, NamedTuple

from bot.core.text import normalise_code

_JSON_START = 20  # at most this many "{" tried as the start of a pasted JSON object

Path = tuple[str, tuple[str, ...], bool]  # (provider slug, keys, whether it holds a name)


class PayloadHit(NamedTuple):
    """A code or name found in a pasted API response at one of a provider's paths."""

    slug: str
    path: str
    value: str
    is_name: bool = False
    loose: bool = False  # read from broken JSON or a log line, not from a parsed object


def read_payload(text: str, paths: Sequence[Path]) -> tuple[PayloadHit, ...] | None:
    """Codes found at the providers' paths in a pasted JSON response or log line; None when
    the text holds neither JSON nor a key the paths name."""
    documents = _json_objects(text)
    loose = not documents
    if loose:
        documents = [_loose_pairs(text)]
    hits: list[PayloadHit] = []
    for slug, path, is_name in paths:
        for document in documents:
            for value in _values_at(document, path):
                hit = _payload_value(value, is_name)
                if hit is not None:
                    found = PayloadHit(slug, ".".join(path), hit, is_name, loose)
                    if found not in hits:
                        hits.append(found)
    if loose and not hits:
        return None
    return tuple(hits)


def _json_objects(text: str) -> list[Any]:
    """Every JSON object that parses, starting at one of the first few "{"."""
    decoder = json.JSONDecoder()
    found = []
    at = text.find("{")
    tries = 0
    while at >= 0 and tries < _JSON_START:
        tries += 1
        try:
            value, end = decoder.raw_decode(text, at)
        except (ValueError, RecursionError):
            at = text.find("{", at + 1)
            continue
        if isinstance(value, dict):
            found.append(value)
        at = text.find("{", end)
    return found


_LOOSE = re.compile(r"""(\{)|(\})|["']?([A-Za-z_][\w-]*)["']?\s*[:=]\s*(?:(\{)|["']?([\w.-]+))""")


def _loose_pairs(text: str) -> dict[str, Any]:
    """Keys and values of broken or cut JSON, or of a log line (``error_code=10005``), nested
    by the braces the text shows."""
    root: dict[str, Any] = {}
    stack = [root]
    for match in _LOOSE.finditer(text):
        bare_open, close, key, opens, value = match.groups()
        if bare_open:
            stack.append(stack[-1])
        elif close:
            if len(stack) > 1:
                stack.pop()
        elif opens:
            child: dict[str, Any] = {}
            stack[-1].setdefault(key, child)
            stack.append(child)
        else:
            stack[-1].setdefault(key, value)
    return root


def _values_at(document: Any, path: tuple[str, ...], depth: int = 0) -> list[Any]:
    """Values at ``path`` below any object in the document (lists walked through)."""
    if depth > 20:
        return []
    found = []
    if isinstance(document, dict):
        value = _follow(document, path)
        if value is not None:
            found.append(value)
        for child in document.values():
            if isinstance(child, dict | list):
                found.extend(_values_at(child, path, depth + 1))
    elif isinstance(document, list):
        for child in document[:100]:
            found.extend(_values_at(child, path, depth + 1))
    return found


def _follow(document: dict[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = document
    for key in path:
        if isinstance(node, list) and node:
            node = node[0]
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _payload_value(value: Any, is_name: bool) -> str | None:
    if is_name:
        if isinstance(value, str) and re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{1,80}", value):
            return value.upper()
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value >= 0:
        return str(value)
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 18:
        return normalise_code(value.strip())
    return None
