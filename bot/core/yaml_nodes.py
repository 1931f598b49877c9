"""A catalog file's YAML as a tree of nodes, each with its line: composed without building
what a YAML alias repeats, its duplicate keys, and the line of a value or of a fault."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlAlias(Exception):
    """The file repeats a node through a YAML alias (``*name``); the argument is its line."""


def fault_line(exc: yaml.MarkedYAMLError, text: str) -> int:
    """The line to fix. An unclosed bracket or quote, or a key without its colon, is noticed
    only where the next token starts (often the next line, or the end of the file): the line
    that opened it is the one at fault, or, when nothing but the end of the file was found,
    the last line with anything on it. Elsewhere the problem's own place is."""
    opened = exc.context or ""
    use_context = opened.startswith(("while scanning", "while parsing a flow"))
    mark = (exc.context_mark if use_context else None) or exc.problem_mark or exc.context_mark
    if mark is None:
        return 1
    content = text.rstrip()
    if mark.index >= len(content):
        return content.count("\n") + 1
    return int(mark.line) + 1


def compose(text: str) -> tuple[Any, Any]:
    """The document's node tree and its data; YamlAlias before anything is built from a
    tree that repeats a node (an alias "bomb" expands exponentially when walked)."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is not None and _repeats_a_node(node):
            raise YamlAlias(_first_alias_line(text))
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return node, data


def _repeats_a_node(root: Any) -> bool:
    """Whether some node is reached twice: what an alias does, and nothing else does."""
    seen: set[int] = set()
    waiting = [root]
    while waiting:
        node = waiting.pop()
        if id(node) in seen:
            return True
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            waiting.extend(part for pair in node.value for part in pair)
        elif isinstance(node, yaml.SequenceNode):
            waiting.extend(node.value)
    return False


def _first_alias_line(text: str) -> int:
    """The line of the first alias (parsed again: only a refused file pays for it)."""
    events = yaml.parse(text, Loader=_Loader)
    mark = next((e.start_mark for e in events if isinstance(e, yaml.AliasEvent)), None)
    return int(mark.line) + 1 if mark is not None else 1


def duplicate_keys(root: Any) -> Iterator[tuple[int, str]]:
    """Each key a mapping gives twice, with its line. Walked without recursion: a file may
    nest a thousand levels deep."""
    waiting = [root]
    while waiting:
        node = waiting.pop()
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key, _ in node.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in seen:
                        yield key.start_mark.line + 1, key.value
                    seen.add(key.value)
            waiting.extend(value for _, value in reversed(node.value))
        elif isinstance(node, yaml.SequenceNode):
            waiting.extend(reversed(node.value))


def line_at(node: Any, loc: tuple[int | str, ...]) -> int:
    """The line of the YAML node at a pydantic error location (or of its nearest parent)."""
    line = node.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((kv for kv in node.value if kv[0].value == part), None)
            if match is None:
                break
            line = match[0].start_mark.line + 1
            node = match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return int(line)
