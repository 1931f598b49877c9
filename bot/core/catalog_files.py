"""Catalog files: YAML -> validated provider catalogs, every problem named as ``file:line``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.core.catalog import ASKED_LENGTH, Catalog, CatalogFile, Entry, ProviderCatalog
from bot.core.i18n import LANGUAGES
from bot.core.text import alias_key
from bot.core.wording import findings, interface_files
from bot.core.yaml_nodes import (
    YamlAlias,
    compose,
    duplicate_keys,
    fault_line,
    line_at,
    merge_line,
)
from bot.files import NotRegular, TooLarge, read_at_most

# The largest catalog file read (the largest shipped is under 200 kB): a reload of this much
# stays short, and a file that is not a catalog (a device, a dump) is refused unread.
MAX_CATALOG_BYTES = 1_000_000


@dataclass(frozen=True)
class Problem:
    """Something wrong in a catalog file, at a line."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


class CatalogError(Exception):
    """The catalogs did not load; ``problems`` says where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


def parse_catalog(text: str, filename: str) -> tuple[CatalogFile | None, list[Problem]]:
    """Validate one catalog file's text; the problems name ``filename:line``."""
    try:
        node, data = compose(text)
    except YamlAlias as exc:
        why = "a YAML alias (*name) repeats an anchor: a catalog writes every value out"
        return None, [Problem(filename, exc.args[0], why)]
    except yaml.MarkedYAMLError as exc:
        return None, [
            Problem(filename, fault_line(exc, text), f"broken YAML: {exc.problem or exc.context}")
        ]
    except yaml.reader.ReaderError as exc:  # a character YAML refuses (a NUL, a control)
        line, why = text.count("\n", 0, exc.position) + 1, str(exc).splitlines()[0]
        return None, [Problem(filename, line, f"broken YAML: {why}")]
    except yaml.YAMLError as exc:
        return None, [Problem(filename, 1, f"broken YAML: {str(exc).splitlines()[0]}")]
    if node is None:
        return None, [Problem(filename, 1, "the file is empty")]
    if (merged := merge_line(text)) is not None:
        why = "a YAML merge key (<<) takes values from elsewhere: a catalog writes every value out"
        return None, [Problem(filename, merged, why)]
    problems = [
        Problem(filename, line, f"duplicate key {key!r}") for line, key in duplicate_keys(node)
    ]
    if not isinstance(data, dict):
        return None, [Problem(filename, node.start_mark.line + 1, "expected provider: and errors:")]
    try:
        catalog = CatalogFile.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        inner = {tuple(e["loc"][:i]) for e in errors for i in range(1, len(e["loc"]))}
        for error in errors:
            # pydantic counts only the valid items against a minimum length: not a problem of
            # its own when the items themselves are wrong.
            if error["type"] == "too_short" and tuple(error["loc"]) in inner:
                continue
            line = line_at(node, error["loc"])
            problems.append(Problem(filename, line, _describe(error)))
        return None, sorted(problems, key=lambda p: p.line)
    problems.extend(_entry_problems(catalog, node, filename))
    return (None if problems else catalog), sorted(problems, key=lambda p: p.line)


def catalog_paths(folder: Path) -> list[Path]:
    """The catalog files in ``folder``: its ``*.yaml``, but for hidden ones (an editor's lock
    file, ``.#gosms.yaml``, stopped every start while someone had a catalog open)."""
    return sorted(path for path in folder.glob("*.yaml") if not path.name.startswith("."))


def load_catalogs(folder: str | Path) -> tuple[Catalog | None, list[Problem]]:
    """Load and check every ``*.yaml`` in ``folder``; a catalog only when nothing is wrong."""
    folder = Path(folder)
    if not folder.is_dir():
        said = "a file, not a folder: give the catalogs' folder" if folder.exists() else ""
        return None, [Problem(str(folder), 0, said or "no such folder")]
    paths = catalog_paths(folder)
    misnamed = [
        Problem(str(path), 0, f"catalogs are read from *.yaml files only: name it {path.stem}.yaml")
        for path in sorted(folder.iterdir())
        if path.suffix.lower() in (".yml", ".yaml") and path.suffix != ".yaml"
        and not path.name.startswith(".")
    ]  # fmt: skip
    if misnamed:
        return None, misnamed
    if not paths:
        return None, [Problem(str(folder), 0, "no catalog files (*.yaml) here")]
    problems: list[Problem] = []
    files: list[tuple[str, CatalogFile, Any]] = []
    for path in paths:
        name = str(path)
        try:
            text = read_at_most(path, MAX_CATALOG_BYTES).decode("utf-8")
        except TooLarge:
            why = f"larger than {MAX_CATALOG_BYTES:,} bytes: too large for a catalog"
            problems.append(Problem(name, 1, why))
            continue
        except NotRegular:  # a FIFO would hold the reload until someone wrote to it
            problems.append(Problem(name, 0, "not a regular file"))
            continue
        except UnicodeDecodeError as exc:  # (its byte's offset said nothing to an admin)
            line = exc.object[: exc.start].count(b"\n") + 1
            problems.append(Problem(name, line, "not UTF-8 text: save the file as UTF-8"))
            continue
        except OSError as exc:
            problems.append(Problem(name, 0, f"cannot read: {exc}"))
            continue
        data, found = parse_catalog(text, name)
        problems.extend(found)
        if data is not None:
            if data.provider.slug != path.stem:
                problems.append(
                    Problem(name, 2, f"slug {data.provider.slug!r} differs from the file name")
                )
            files.append((name, data, text))
    problems.extend(_alias_problems(files))
    if problems:
        return None, problems
    return Catalog(ProviderCatalog.build(data) for _, data, _ in files), []


def check_catalogs(folder: str | Path) -> tuple[Catalog | None, list[Problem]]:
    """What ``python -m bot check`` says: ``load_catalogs``' problems, and then each word of the
    catalogs' texts and the interface's strings that breaks the wording rules (bot.core.wording:
    Ukrainian's apostrophe, the glossary); the catalog only when nothing is wrong."""
    catalog, problems = load_catalogs(folder)
    # A file load_catalogs refused is not read again: it may be too large, or an alias bomb
    # that walking its texts would expand.
    refused = {problem.file for problem in problems}
    paths = catalog_paths(Path(folder)) if Path(folder).is_dir() else []
    for path, stem in [*((p, p.stem) for p in paths), *((p, p.stem) for p in interface_files())]:
        if str(path) in refused:
            continue
        try:
            text = read_at_most(path, MAX_CATALOG_BYTES).decode("utf-8")
        except (OSError, TooLarge, NotRegular, UnicodeDecodeError):
            continue  # named by load_catalogs
        problems.extend(Problem(str(path), line, what) for line, what in findings(text, stem))
    return (catalog if not problems else None), problems


def _dotted(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


_PATTERN_HINTS = {
    "code": 'a code is a quoted string of digits, or a range like "88-89"',
    "name": "a name is upper case letters, digits and underscores, e.g. NOT_FOUND",
    "aliases": "a name is upper case letters, digits and underscores, e.g. NOT_FOUND",
    "slug": "a slug is lower case letters, digits and underscores",
    "url": "a URL starts with http:// or https://",
    "docs_url": "a URL starts with http:// or https://",
    "error_paths": "a path is dotted keys, e.g. errors.code",
    "name_paths": "a path is dotted keys, e.g. errors.name",
}


def _describe(error: Any) -> str:
    loc = tuple(error["loc"])
    where = _dotted(loc)
    field_name = next((p for p in reversed(loc) if isinstance(p, str)), "")
    kind = error["type"]
    if kind == "missing":
        return f"missing field {where!r}"
    if kind == "extra_forbidden" and loc[-2:-1] == ("asked",):
        return f"{_dotted(loc[:-1])}: {loc[-1]!r} is not a language (ru, en, uk)"
    if kind == "extra_forbidden":
        return f"unknown field {where!r}"
    if kind == "string_too_short":
        return f"{where} is empty"
    if kind == "string_too_long":
        return f"{where} is longer than {ASKED_LENGTH} characters ({len(error['input'])})"
    if kind == "model_type" and field_name == "asked":
        return f"{where}: phrasings per language, e.g. asked: {{ru: [...], en: [...], uk: [...]}}"
    if kind == "tuple_type" and loc[-2:-1] == ("asked",):
        return f'{where}: a list of phrasings, e.g. {field_name}: ["...", "..."]'
    if kind == "too_short":
        return f"{where} needs at least one item"
    if kind == "string_pattern_mismatch":
        return f"{where}: {error['input']!r} is not valid ({_PATTERN_HINTS.get(field_name, '')})"
    if kind == "string_type" and field_name == "code":
        return f'{where}: write the code as a quoted string, e.g. code: "{error["input"]}"'
    return f"{where}: {error['msg']}"


def _entry_problems(catalog: CatalogFile, node: Any, filename: str) -> Iterator[Problem]:
    """Duplicate codes, names and keys within one provider, bad or overlapping ranges, and a
    phrasing an entry's ``asked`` gives twice."""
    seen_keys: dict[str, int] = {}
    seen_names: dict[str, int] = {}
    spans: list[tuple[int, int, int]] = []
    for index, entry in enumerate(catalog.errors):
        line = line_at(node, ("errors", index))
        if entry.code is None and entry.name is None and entry.section is None:
            yield Problem(filename, line, "an entry without code or name needs a section")
        key = entry.key
        if key in seen_keys:
            what = "code" if entry.code else "name" if entry.name else "section and original"
            yield Problem(
                filename, line, f"duplicate {what} {key!r} (first at line {seen_keys[key]})"
            )
        seen_keys.setdefault(key, line)
        yield from _asked_problems(entry, node, index, filename)
        for name in (entry.name, *entry.aliases):
            if name and name in seen_names and seen_names[name] != line:
                yield Problem(
                    filename, line, f"duplicate name {name!r} (first at line {seen_names[name]})"
                )
            if name:
                seen_names.setdefault(name, line)
        bounds = entry.bounds
        if bounds:
            if bounds[0] > bounds[1] or (bounds[0] == bounds[1] and "-" in (entry.code or "")):
                yield Problem(
                    filename,
                    line_at(node, ("errors", index, "code")),
                    f"bad range {entry.code!r}: the first code must be the smaller",
                )
                continue
            for low, high, other in spans:
                single = bounds[0] == bounds[1] and low == high  # a duplicate, named above
                if not single and bounds[0] <= high and low <= bounds[1]:
                    yield Problem(
                        filename, line, f"code {entry.code!r} overlaps the code at line {other}"
                    )
            spans.append((*bounds, line))


def _asked_problems(entry: Entry, node: Any, index: int, filename: str) -> Iterator[Problem]:
    """A phrasing said twice in one entry (in any language, case and spacing aside)."""
    if entry.asked is None:
        return
    seen: set[str] = set()
    for lang in LANGUAGES:
        for at, phrasing in enumerate(getattr(entry.asked, lang)):
            said = " ".join(phrasing.casefold().split())
            if said in seen:
                line = line_at(node, ("errors", index, "asked", lang, at))
                yield Problem(filename, line, f"asked.{lang}: {phrasing!r} is given twice")
            seen.add(said)


def _alias_problems(files: list[tuple[str, CatalogFile, Any]]) -> Iterator[Problem]:
    """A slug or alias may name one provider only; the problem says where the other one names
    it, which may be the file just edited (the later file alone was blamed: an attack)."""
    owner: dict[str, tuple[str, str, int]] = {}  # alias's key: the provider, its file and line
    for filename, data, text in files:
        provider = data.provider
        for alias in sorted({provider.slug, provider.name, *provider.aliases}):
            key, line = alias_key(alias), _text_line(text, alias)
            if key in owner and owner[key][0] != provider.slug:
                slug, where, at = owner[key]
                said = f"alias {alias!r} already names {slug!r} ({Path(where).name}:{at})"
                yield Problem(filename, line, said)
            owner.setdefault(key, (provider.slug, filename, line))


def _text_line(text: str, needle: str) -> int:
    at = text.find(needle)
    return text.count("\n", 0, at) + 1 if at >= 0 else 1
