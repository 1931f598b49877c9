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
    tree that repeats a node (an alias "bomb" expands exponentially when walked); a value
    YAML reads but cannot make (a 30th of February, an integer of 5,000 digits) is a
    ConstructorError at its line, as any other broken YAML is."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        try:
            return node, _plain_data(node)
        except (_NotPlain, ValueError, OverflowError):
            pass  # built as PyYAML builds it, below, after the look for aliases
        if _repeats_a_node(node):
            raise YamlAlias(_first_alias_line(text))
        try:
            return node, loader.construct_document(node)
        except (ValueError, OverflowError) as exc:
            raise _unmade(node, exc) from None
    finally:
        loader.dispose()


_STR, _MAP, _SEQ = (f"tag:yaml.org,2002:{name}" for name in ("str", "map", "seq"))
_SCALARS = {
    tag: yaml.constructor.SafeConstructor.yaml_constructors[tag]
    for name in ("null", "bool", "int", "float", "binary", "timestamp")
    for tag in (f"tag:yaml.org,2002:{name}",)
}


def _unmade(root: Any, exc: Exception) -> yaml.constructor.ConstructorError:
    """The first value (in the file's order) that cannot be made, as a ConstructorError at
    its line; ``exc`` where none is found."""
    constructor = yaml.constructor.SafeConstructor()
    waiting = [root]
    while waiting:
        node = waiting.pop()
        if isinstance(node, yaml.ScalarNode) and node.tag in _SCALARS:
            try:
                _SCALARS[node.tag](constructor, node)
            except (ValueError, OverflowError) as found:
                return yaml.constructor.ConstructorError(None, None, str(found), node.start_mark)
        elif isinstance(node, yaml.MappingNode):
            waiting.extend(part for pair in reversed(node.value) for part in reversed(pair))
        elif isinstance(node, yaml.SequenceNode):
            waiting.extend(reversed(node.value))
    return yaml.constructor.ConstructorError(None, None, str(exc), root.start_mark)


class _NotPlain(Exception):
    """The tree holds what _plain_data leaves to PyYAML: an explicit or unknown tag, a merge
    key (<<), a key that is not a scalar, or a node reached twice (an alias)."""


def _plain_data(root: Any) -> Any:
    """The data of a tree of plain maps, lists and scalars, as PyYAML's SafeConstructor builds
    it (the last of two equal keys wins), in one walk without recursion. A catalog is such a
    tree: built here in 11 ms where SafeConstructor, after a walk to find aliases, took 37
    (the shipped catalogs, measured); anything else raises _NotPlain."""
    constructor = yaml.constructor.SafeConstructor()

    def scalar(node: Any) -> Any:
        if node.tag == _STR:
            return node.value
        if node.tag not in _SCALARS:
            raise _NotPlain
        return _SCALARS[node.tag](constructor, node)

    seen: set[int] = set()
    top: list[Any] = [None]
    waiting: list[tuple[Any, Any, Any]] = [(top, 0, root)]
    while waiting:
        into, at, node = waiting.pop()
        if id(node) in seen:
            raise _NotPlain
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            into[at] = scalar(node)
        elif isinstance(node, yaml.MappingNode) and node.tag == _MAP:
            made: dict[Any, Any] = {}
            values = []
            for key, value in node.value:
                if not isinstance(key, yaml.ScalarNode) or id(key) in seen:
                    raise _NotPlain
                seen.add(id(key))
                name = scalar(key)
                made[name] = None
                values.append((made, name, value))
            waiting.extend(reversed(values))  # the last of equal keys is filled in last
            into[at] = made
        elif isinstance(node, yaml.SequenceNode) and node.tag == _SEQ:
            items: list[Any] = [None] * len(node.value)
            waiting.extend((items, index, item) for index, item in enumerate(node.value))
            into[at] = items
        else:
            raise _NotPlain
    return top[0]


def merge_line(text: str) -> int | None:
    """The line of the first merge key (``<<:``) of a document compose took (one without
    aliases), if any: PyYAML applies it, and removes it from the tree it builds from, so that
    an entry took values written elsewhere ("<<: {severity: info}" made an error "not an
    error" and passed as valid: found by an attack)."""
    if "<<" not in text:
        return None
    loader = _Loader(text)
    try:
        waiting = [loader.get_single_node()]
    finally:
        loader.dispose()
    while waiting:
        node = waiting.pop()
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.tag == "tag:yaml.org,2002:merge":
                    return int(key.start_mark.line) + 1
                waiting.append(value)
        elif isinstance(node, yaml.SequenceNode):
            waiting.extend(node.value)
    return None


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
