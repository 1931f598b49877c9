"""Answer -> Telegram HTML messages (each at most 4096 characters) or plain text for the CLI."""

from __future__ import annotations

from collections.abc import Callable

from bot.core.answer import (
    Answer,
    Assumed,
    Dropped,
    FromPayload,
    InRange,
    Match,
    Missing,
    Note,
    OnlyProvider,
    Outcome,
    UnknownProvider,
)
from bot.core.catalog import Catalog, Provider, ProviderCatalog
from bot.core.i18n import Lang, counted, t, t_list
from bot.core.markup import HTML, Markup, one_line, split_messages
from bot.core.query import MAX_CODES


def entry_label(match: Match) -> str:
    """A short name for an entry: ``GoSMS 1004`` (buttons, lists)."""
    provider = match.catalog.provider.name
    entry = match.entry
    if entry.code is not None:
        return f"{provider} {entry.code}"
    if entry.name is not None:
        return f"{provider} {entry.name}"
    return f"{provider}: {one_line(entry.title.en, 40)}"


def entry_heading(match: Match, lang: Lang) -> str:
    """``GoSMS 1004 — No devices registered``: one plain line (inline results, candidate lists)."""
    entry = match.entry
    if entry.code is None and entry.name is None:
        return f"{match.catalog.provider.name} — {entry.title.get(lang)}"
    return f"{entry_label(match)} — {entry.title.get(lang)}"


def render(
    answer: Answer,
    lang: Lang,
    m: Markup = HTML,
    *,
    buttons: bool = True,
    quote: Callable[[str], str] = one_line,
) -> list[str]:
    """The answer as messages; ``buttons`` says whether the reply offers buttons to pick from;
    ``quote``: how the person's own words are quoted back ("Nothing in the catalogs matches
    “...”"): on one line, and in Telegram their secrets hidden (the bot said a colleague's card
    or password back into a group: found by an attack)."""
    parts = [m.italic(_note(note, answer, lang)) for note in answer.notes]
    if answer.outcome is Outcome.HELP:
        parts.extend(help_paragraphs(answer.known, lang, m))
    elif answer.outcome is Outcome.PROVIDER and answer.provider is not None:
        parts.extend(card_paragraphs(answer.provider, lang, m))
    for match in answer.matches:
        parts.extend(entry_paragraphs(match, lang, m))
    if answer.candidates:
        parts.append(_candidates(answer, lang, m, buttons, quote))
    for missing in answer.missing:
        parts.append(_missing(missing, answer, lang, m))
    if answer.outcome is Outcome.NOT_FOUND and not answer.missing:
        parts.append(_nothing_found(answer, lang, m, quote))
    return split_messages(parts)


def entry_paragraphs(match: Match, lang: Lang, m: Markup) -> list[str]:
    """One entry in full: heading, section, description, steps, original wording, links."""
    entry, provider = match.entry, match.catalog.provider
    heading = [m.bold(_entry_title(match, lang))]
    if entry.name is not None:
        heading.append(m.code(entry.name))
    if entry.section is not None:
        section = entry.section.get(lang)
        heading.append(m.italic(section) if m.is_html else f"{t('section', lang)}: {section}")
    if not entry.is_error:
        heading.append(m.italic(t("not_an_error", lang)))
    steps = "\n".join(f"{n}. {m.esc(step.get(lang))}" for n, step in enumerate(entry.steps, 1))
    wording = t("wording", lang).format(provider=provider.name)
    links = [m.link(link.title, link.url) for link in entry.links]
    links.extend(_docs_link(provider, lang, m))
    parts = [
        "\n".join(heading),
        m.esc(entry.description.get(lang)),
        f"{m.label(t('what_to_do', lang))}\n{steps}",
        f"{m.label(wording)}\n{m.quote(entry.original)}",
    ]
    if links:
        parts.append(("📖 " + " · ".join(links)) if m.is_html else "\n".join(links))
    return parts


def _docs_link(provider: Provider, lang: Lang, m: Markup) -> list[str]:
    """The provider's documentation as a link, or nothing where its pages give no address."""
    if provider.docs_url is None:
        return []
    return [m.link(t("docs", lang).format(provider=provider.name), provider.docs_url)]


def _entry_title(match: Match, lang: Lang) -> str:
    entry, provider = match.entry, match.catalog.provider
    mark = "ℹ️ " if not entry.is_error else ""
    if entry.code is not None:
        return f"{mark}{provider.name} · {entry.code} — {entry.title.get(lang)}"
    return f"{mark}{provider.name} — {entry.title.get(lang)}"


def card_paragraphs(pc: ProviderCatalog, lang: Lang, m: Markup) -> list[str]:
    """A provider's card: what it is, its errors by section, docs, examples."""
    provider = pc.provider
    head = f"{m.bold(provider.name)} — {m.esc(provider.about.get(lang))}"
    counts = [m.fill("card_errors", lang, count=str(len(pc.entries)))]
    for section, count in pc.sections():
        if section is not None:
            counts.append(f"• {m.esc(section.get(lang))}: {count}")
    examples = [f"{provider.slug} {code}" for code in _example_codes(pc)]
    return [
        head,
        "\n".join(counts),
        f"{m.esc(t('card_examples', lang))}: " + ", ".join(m.code(e) for e in examples),
        *_docs_link(provider, lang, m),
    ]


def _example_codes(pc: ProviderCatalog) -> list[str]:
    """A code from each of the first sections (or the first two codes)."""
    seen: dict[object, str] = {}
    for entry in pc.entries:
        if entry.code is not None and entry.is_error and entry.section not in seen:
            seen[entry.section] = entry.code
    codes = list(seen.values())[:3]
    if len(codes) < 2:
        codes = [e.code for e in pc.entries if e.code is not None and e.is_error][:2]
    return codes


def providers_paragraphs(catalog: Catalog, lang: Lang, m: Markup) -> list[str]:
    """Every provider with its number of errors and its docs link (/providers)."""
    lines = [m.bold(t("providers_title", lang))]
    for pc in catalog:
        provider = pc.provider
        lines.append(
            f"• {m.bold(provider.name)} ({m.code(provider.slug)}) — "
            f"{m.esc(counted('n_errors', lang, len(pc.entries)))} — "
            f"{m.esc(provider.about.get(lang))}"
            + "".join(f" — {link}" for link in _docs_link(provider, lang, m))
        )
    return ["\n".join(lines)]


def help_paragraphs(
    names: tuple[str, ...], lang: Lang, m: Markup, bot_username: str = ""
) -> list[str]:
    """Every form of question the bot understands, with examples (/help)."""
    forms = [
        f"• {m.code(_in_language(form['example'], lang))} — {m.esc(form[lang])}"
        for form in t_list("help_forms")
    ]
    parts = [
        m.fill("help_intro", lang, providers=m.esc(", ".join(names))),
        f"{m.label(t('help_forms_title', lang))}\n" + "\n".join(forms),
        m.esc(t("help_commands", lang)),
    ]
    if bot_username:
        parts.append(m.fill("help_groups", lang, bot=m.esc(bot_username)))
    return parts


def _note(note: Note, answer: Answer, lang: Lang) -> str:
    match note:
        case Assumed(typed, provider):
            return t("note_assumed", lang).format(typed=one_line(typed), provider=provider)
        case FromPayload(provider, path, value):
            return t("note_payload", lang).format(provider=provider, path=path, value=value)
        case OnlyProvider(code, provider):
            return t("note_only_provider", lang).format(code=code, provider=provider)
        case InRange(code, row):
            return t("note_range", lang).format(code=code, row=row)
        case Dropped(count):
            limit = counted("n_codes", lang, MAX_CODES)
            return counted("note_dropped", lang, count, limit=limit)
        case UnknownProvider(typed):
            providers = ", ".join(answer.known)
            return t("unknown_provider", lang).format(typed=one_line(typed), providers=providers)


def _candidates(
    answer: Answer, lang: Lang, m: Markup, buttons: bool, quote: Callable[[str], str]
) -> str:
    if answer.searched:
        # Its words as asked, "не" and "not" in (the words searched leave them out: "не
        # доставлено" was quoted "доставлено"), and nothing else: not the numbers, which may
        # be a card's or a phone's (quoting the whole text said them back in a group: both
        # found by attacks).
        said = " ".join(answer.query.words) or answer.searched
        head = m.fill("several_search", lang, text=m.esc(quote(said)))
    elif answer.query.codes:
        head = m.fill("several_code", lang, code=m.esc(answer.query.codes[0][0]))
    else:
        head = m.esc(t("several_payload", lang))
    lines = [f"• {m.esc(entry_heading(c, lang))}" for c in answer.candidates]
    if buttons:
        tail = m.esc(t("pick_button", lang))
    else:
        tail = m.fill("pick_text", lang, example=m.code(_ask_for(answer.candidates[0])))
    return "\n".join([head, *lines, "", tail])


def _ask_for(match: Match) -> str:
    entry = match.entry
    key = entry.code or entry.name or entry.title.en
    return f"{match.catalog.provider.slug} {key}"


def _missing(missing: Missing, answer: Answer, lang: Lang, m: Markup) -> str:
    code = m.esc(one_line(missing.code))
    if missing.catalog is None:
        return m.fill(
            "missing_everywhere", lang, code=code, providers=m.esc(", ".join(answer.known))
        )
    provider = missing.catalog.provider
    lines = [m.fill("missing_at_provider", lang, provider=m.esc(provider.name), code=code)]
    if missing.nearest:
        lines.append(
            m.fill(
                "nearest_codes",
                lang,
                provider=m.esc(provider.name),
                codes=", ".join(m.code(c) for c in missing.nearest),
            )
        )
    lines.extend(_docs_link(provider, lang, m))
    return "\n".join(lines)


def _nothing_found(answer: Answer, lang: Lang, m: Markup, quote: Callable[[str], str]) -> str:
    if any(isinstance(note, UnknownProvider) for note in answer.notes):
        return m.fill("try_instead", lang, examples=_examples(m, lang))
    text = m.esc(quote(answer.query.text))
    if answer.provider is not None:
        head = m.fill(
            "nothing_found_at", lang, provider=m.esc(answer.provider.provider.name), text=text
        )
    else:
        head = m.fill("nothing_found", lang, text=text)
    return head + "\n" + m.fill("try_instead", lang, examples=_examples(m, lang))


def _examples(m: Markup, lang: Lang) -> str:
    """A code with its provider, a bare code, and a symptom in the reader's language."""
    return ", ".join(m.code(e) for e in ("gosms 1004", "1004", t("symptom_example", lang)))


def _in_language(example: str | dict[str, str], lang: Lang) -> str:
    """A help example: the same in every language (a code), or one per language (words)."""
    return example if isinstance(example, str) else example[lang]
