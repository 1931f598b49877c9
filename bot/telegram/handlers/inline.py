"""Inline mode: ``@Bot gosms 1004`` in any chat offers the answers to send."""

from __future__ import annotations

import re
from contextlib import nullcontext

from aiogram import Router
from aiogram.types import (
    InlineQuery,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InlineQueryResultUnion,
    InputTextMessageContent,
)

from bot.analytics.kinds import Channel
from bot.core.answer import Answer, Match, Outcome
from bot.core.i18n import Lang, t
from bot.core.library import Library
from bot.core.markup import HTML, one_line, split_messages
from bot.core.render import card_paragraphs, entry_heading, render
from bot.telegram.handlers import Done, Handled
from bot.telegram.keyboards import answer_keyboard, ref_of
from bot.telegram.replies import Replies, analytics_outcome
from bot.telegram.services import Services

MAX_RESULTS = 10
_DEEP_LINK = re.compile(r"[A-Za-z0-9_-]{1,64}")  # what Telegram takes as a start parameter
# Telegram may reuse results this long, for the asker alone (is_personal): they are written in
# the asker's language, and shared, a Russian asker's were shown to the next English one.
CACHE_SECONDS = 60


async def inline_query(
    query: InlineQuery, library: Library, services: Services, replies: Replies, lang: Lang
) -> Handled:
    """Up to ten answers; an empty query offers the most looked-up codes."""
    text = query.query.strip()
    if not text:
        matches = await services.top.matches(library.resolver.catalog)
        results: list[InlineQueryResultUnion] = [_article(m, lang) for m in matches[:MAX_RESULTS]]
        await query.answer(results, cache_time=CACHE_SECONDS, is_personal=True)
        return Done.TOP
    answer = library.resolver.answer(text)
    results = _results(answer, lang)
    button = None
    lacking = next((m for m in answer.missing if m.catalog is not None), None)
    if lacking is not None and lacking.catalog is not None and not answer.matches:
        # Above the nearest codes, that the one asked is none (a fourth attack: a tap on them
        # sent another entry as if it were the answer); pressed, the private chat's answer.
        said = t("inline_no_code", lang).format(
            provider=lacking.catalog.provider.name, code=lacking.code
        )
        link = f"{lacking.catalog.provider.slug}_{lacking.code}"
        button = InlineQueryResultsButton(
            text=said[:64], start_parameter=link if _DEEP_LINK.fullmatch(link) else "help"
        )
    elif not results:
        button = InlineQueryResultsButton(text=t("inline_nothing", lang), start_parameter="help")
    # Telegram sends a query per keystroke: only questions that found something are counted,
    # so half-typed words do not fill the list of gaps.
    counted = answer.outcome is not Outcome.NOT_FOUND and answer.outcome is not Outcome.HELP
    chat = query.chat_type or "unknown"
    with replies.recording(answer, Channel.INLINE, chat, text) if counted else nullcontext():
        await query.answer(results, cache_time=CACHE_SECONDS, is_personal=True, button=button)
    return analytics_outcome(answer)


def _results(answer: Answer, lang: Lang) -> list[InlineQueryResultUnion]:
    if answer.matches or answer.candidates:
        shown = (*answer.matches, *answer.candidates)[:MAX_RESULTS]
        return [_article(match, lang) for match in shown]
    # A code the provider lacks: its nearest codes, as a private chat offers them ("gosms 9999"
    # showed nothing but "Nothing found": an attack).
    near: dict[str, Match] = {}
    for missing in answer.missing:
        if (catalog := missing.catalog) is None:
            continue
        for code in missing.nearest:
            if (entry := catalog.find(code)) is not None:
                match = Match(catalog, entry)
                near.setdefault(ref_of(match), match)
    if near:
        nearest: list[InlineQueryResultUnion] = [_article(m, lang) for m in near.values()]
        return nearest[:MAX_RESULTS]
    if answer.outcome is Outcome.PROVIDER and answer.provider is not None:
        provider = answer.provider.provider
        body = split_messages(card_paragraphs(answer.provider, lang, HTML))[0]
        return [
            InlineQueryResultArticle(
                id=f"card-{provider.slug}",
                title=provider.name,
                description=provider.about.get(lang),
                input_message_content=InputTextMessageContent(message_text=body),
            )
        ]
    return []


def _article(match: Match, lang: Lang) -> InlineQueryResultArticle:
    """One entry as an inline result: its full answer is the message sent."""
    single = Answer.showing(match)
    entry = match.entry
    return InlineQueryResultArticle(
        id=ref_of(match),
        title=entry_heading(match, lang),
        description=one_line(entry.description.get(lang), 120),
        input_message_content=InputTextMessageContent(message_text=render(single, lang)[0]),
        reply_markup=answer_keyboard(single, lang),
    )


def create_router() -> Router:
    """This module's handlers, in the order they are tried."""
    router = Router(name=__name__)
    router.inline_query.register(inline_query)
    return router
