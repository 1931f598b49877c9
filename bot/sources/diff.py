"""A provider's page against its catalog: what the keeper must add, remove or reword."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TextIO

from bot.core.catalog import Entry, ProviderCatalog
from bot.sources.pages import Row, section_key, wording


@dataclass(frozen=True)
class Change:
    """An error both list, whose wording (or, at Radist, code) the page changed."""

    label: str
    field: str  # "wording" or "code"
    old: str  # the catalog's
    new: str  # the page's


@dataclass(frozen=True)
class Diff:
    """Where a catalog and its provider's page disagree."""

    provider: str  # the provider's name, as the report gives it
    on_page: int
    in_catalog: int
    missing: tuple[Row, ...]  # on the page, not in the catalog
    gone: tuple[Row, ...]  # in the catalog, no longer on the page
    changed: tuple[Change, ...]

    @property
    def agree(self) -> bool:
        """True when the keeper has nothing to do."""
        return not (self.missing or self.gone or self.changed)


def entry_row(slug: str, entry: Entry) -> Row:
    """A catalog entry as the provider's page parser would give it."""
    text = wording(entry.original)
    section = entry.section.en if entry.section else ""
    heading = section.split("·")[-1].strip()  # "API 1.0 · SMS errors" -> "SMS errors"
    if slug == "radist" and entry.name:
        return Row(entry.name, f"{entry.name} ({entry.code})", text, entry.code)
    if entry.code is not None:
        # Notificore repeats wordings across sections (21, 41, 61): its page rows name theirs.
        label = f"{entry.code} ({heading})" if slug == "notificore" and heading else entry.code
        return Row(entry.code, label, text)
    return Row(f"{section_key(section)}/{text}", f"{heading}: {text}", text)


def compare(page: list[Row], catalog: ProviderCatalog) -> Diff:
    """What differs between the page's errors and the catalog's entries."""
    slug = catalog.provider.slug
    listed: dict[str, Row] = {}
    for entry in catalog.entries:
        row = entry_row(slug, entry)
        listed.setdefault(row.key, row)
    shown = {row.key: row for row in page}
    changed = []
    for row in page:
        old = listed.get(row.key)
        if old is None:
            continue
        if old.text != row.text:
            changed.append(Change(old.label, "wording", old.text, row.text))
        if row.code is not None and old.code != row.code:
            changed.append(Change(old.label, "code", old.code or "none", row.code))
    return Diff(
        provider=catalog.provider.name,
        on_page=len(shown),
        in_catalog=len(catalog.entries),
        missing=tuple(row for row in page if row.key not in listed),
        gone=tuple(row for key, row in listed.items() if key not in shown),
        changed=tuple(changed),
    )


def report(diff: Diff, out: TextIO) -> None:
    """What the keeper must do, one line an error."""
    if diff.agree:
        print(f"{diff.provider}: the catalog and the page agree ({diff.on_page} errors).", file=out)
        return
    print(
        f"{diff.provider}: {diff.on_page} errors on the page, {diff.in_catalog} in the catalog.",
        file=out,
    )
    if diff.missing:
        print(f"\nOn the page, missing from the catalog ({len(diff.missing)}): add them", file=out)
        for row in diff.missing:
            print(f"  + {row.label}: {row.text}", file=out)
    if diff.gone:
        print(f"\nIn the catalog, no longer on the page ({len(diff.gone)}): check them", file=out)
        for row in diff.gone:
            print(f"  - {row.label}: {row.text}", file=out)
    if diff.changed:
        print(f"\nChanged on the page ({len(diff.changed)}): update the catalog", file=out)
        for change in diff.changed:
            print(f"  ~ {change.label}, {change.field}", file=out)
            print(f"      catalog: {change.old}", file=out)
            print(f"      page:    {change.new}", file=out)
    print(
        f"\n{len(diff.missing)} to add, {len(diff.gone)} gone from the page, "
        f"{len(diff.changed)} changed.",
        file=out,
    )
