"""What an alert is about, as people type it: ``GoSMS 1004`` and its title, a provider's name,
or the unanswered questions (shared by the alerts, /radar, the digest and the replay)."""

from __future__ import annotations

from typing import NamedTuple

from bot.core.catalog import Catalog, Entry, entry_ref
from bot.core.i18n import Lang, t
from bot.radar.windows import Key


class Named(NamedTuple):
    """A key in words: ``name`` as typed (``GoSMS 1004``), ``title`` ('' when it has none),
    ``code`` (the entry's code or name, '' for providers and the unanswered), ``entry`` (the
    catalog entry, when it is still in the catalogs)."""

    name: str
    title: str
    code: str
    entry: Entry | None


def named(key: Key, catalog: Catalog, lang: Lang) -> Named:
    """``key`` in words, from the catalogs in use (a key since removed keeps its raw name)."""
    if key.kind == "unanswered":
        return Named(t("radar_unanswered", lang), "", "", None)
    pc = catalog.providers.get(key.provider)
    provider = pc.provider.name if pc is not None else key.provider
    if key.kind == "provider":
        return Named(provider, "", "", None)
    found = catalog.by_ref.get(entry_ref(key.provider, key.entry))
    if found is None:
        return Named(f"{provider} {key.entry}", "", key.entry, None)
    entry = found[1]
    code = entry.code or entry.name or key.entry
    return Named(f"{provider} {code}", entry.title.get(lang), code, entry)
