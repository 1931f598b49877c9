"""The support desk at work: a person handed to the team gets a forum topic in SUPPORT_CHAT_ID
with a context card first; a request the support chat cannot take now (the bot removed, no
right to manage topics, Telegram away) is kept in the database, the person is told, and it is
posted when the chat works again (a retry every RETRY seconds, and at once when Telegram says
the bot's rights changed). Every replica serves every conversation: they live in the database.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections import Counter
from contextlib import suppress

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramNetworkError

from bot.analytics.privacy import pseudonym
from bot.analytics.writer import LookupLog
from bot.core.answer import Match
from bot.core.catalog import entry_ref
from bot.core.i18n import Lang, language_for, t
from bot.core.library import Library
from bot.core.markup import HTML
from bot.core.render import entry_label
from bot.handoff.conversation import Asked, Conversation, State, in_chat, kept, posted, topic_name
from bot.handoff.hours import expect_answer
from bot.settings import Settings
from bot.store import StorageUnavailable
from bot.telegram.desk_card import card_for
from bot.telegram.desk_idle import close_idle
from bot.telegram.relay import (
    into_topic,
    refused_alone,
    reopen,
    support_problem,
    topic_gone,
    unreachable,
)

logger = logging.getLogger(__name__)

RETRY = 30.0  # seconds between two tries of a kept request
ATTEMPT = 180.0  # a try under way holds its request this long (aiogram waits 60 s a call)
# ...and this long once its card is about to be posted: if the database then fails to mark it
# open, the process that posted it writes that when the database is back (``unrecorded``), and
# no other replica posts a second card meanwhile (found by an attack); one that died with it
# leaves it to another replica after this.
CARD_HOLD = 3600.0
AGAIN = 60.0  # the same request within this long of the card is a second tap: no card again
RELAY_MEMORY = 2 * 86400.0  # relayed update ids kept (Telegram resends within hours)
TOPIC_LABEL = 60  # characters of an entry's label in a topic's name given anew


class SupportDesk:
    """Conversations between people and the support chat, for one bot."""

    def __init__(self, lookups: LookupLog, library: Library, settings: Settings) -> None:
        assert settings.support_chat_id is not None
        self.chat = settings.support_chat_id
        self.lookups = lookups
        self.store = lookups.store
        self.library = library
        self.team: Lang = settings.team_lang
        self.tz = settings.tz
        self.hours = settings.support_hours
        self.signatures = settings.support_signatures
        self.idle_days = settings.support_idle_days
        self.lookups_flush = settings.analytics_flush_interval  # how late another's arrive
        self.problem: str | None = None  # why the support chat failed last; None: it worked
        self.tried = False  # whether this process has tried the support chat yet
        self.live: dict[State, int] = {State.WAITING: 0, State.OPEN: 0}  # as last read
        self.handoffs: Counter[str] = Counter()  # posted | kept, for /metrics
        self.relayed: Counter[str] = Counter()  # to_team | to_person
        self.told_masked: set[int] = set()  # conversations told a secret of theirs was hidden
        # Conversations whose last message to the team ended naming a secret ("мой пароль:"):
        # their next short message is taken for its value (in this process).
        self.secret_named: set[int] = set()
        # Cards posted whose conversation the database could not mark open then: written at
        # the next round instead, and never posted again meanwhile (conversation id: topic,
        # when).
        self.unrecorded: dict[int, tuple[int, float]] = {}
        self._next_prune = 0.0
        self._adopted = False
        self._wake = asyncio.Event()
        # A conversation whose topic is being replaced, to the lock its other messages wait on
        # (held only while someone replaces it or waits).
        self._replacing: weakref.WeakValueDictionary[int, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    @property
    def reachable(self) -> bool:
        """Whether the support chat took this process's last attempt (or none was made)."""
        return self.problem is None

    # A person asks ----------------------------------------------------------------------------

    async def ask(
        self,
        bot: Bot,
        user_id: int,
        name: str,
        username: str | None,
        lang: Lang,
        about: tuple[str, str] | None,
    ) -> tuple[Conversation, Asked]:
        """The person's request about an entry (None: nothing was found): a conversation
        started and posted, or their live one (a new card in its topic when it is open and the
        request is news: not a second tap; a new try when it waits and no try is under way);
        and where it stands. StorageUnavailable when the database cannot be used."""
        await self.lookups.flush()  # the card lists the lookup the request came from
        person = await pseudonym(self.lookups, user_id)
        now = time.time()
        provider, key = about or (None, None)
        started = await self.store.start_conversation(
            person, user_id, provider, key, lang, now, now + ATTEMPT
        )
        if started is not None:
            done = await self.post(bot, started, name, username)
            self.handoffs["posted" if done.state is State.OPEN else "kept"] += 1
            return done, Asked.POSTED if done.state is State.OPEN else Asked.KEPT
        live = await self.store.live_conversation(user_id)
        if live is None:  # closed between the two reads: ask again
            return await self.ask(bot, user_id, name, username, lang, about)
        if live.state is State.OPEN:
            same = about is None or about == (live.provider, live.entry_key)
            if same and now - (live.posted_at or 0.0) < AGAIN:  # a second tap
                return live, Asked.OPEN_ALREADY
            live = await self.post(bot, live, name, username, about=about, again=True)
            return live, Asked.OPEN_ALREADY if live.state is State.OPEN else Asked.KEPT
        if live.retry_at - now > RETRY:  # held by a try under way (another tap, or replica)
            return live, Asked.UNDER_WAY
        if await self.store.claim_retry(live, now + ATTEMPT):
            live = await self.post(bot, live, name, username, about=about)
            return live, Asked.POSTED if live.state is State.OPEN else Asked.KEPT
        return live, Asked.UNDER_WAY

    async def topic_lost(
        self, bot: Bot, conversation: Conversation, name: str, username: str | None
    ) -> Conversation:
        """The conversation's topic was found deleted: a new one with the card, made once for
        all its messages that find it gone at the same time, in this process and in others (an
        attack's five messages sent at once made five topics); the conversation as it then is."""
        gone = in_chat(conversation, self.chat) or 0
        lock = self._replacing.setdefault(conversation.id, asyncio.Lock())
        async with lock:
            now = await self.store.conversation(conversation.id)
            if now is None or now.state is State.CLOSED:
                return conversation if now is None else now
            if (in_chat(now, self.chat) or 0) != gone:
                return now  # replaced already, while this message waited
            return await self.post(bot, now, name, username, lost=True, replacing=gone)

    async def post(
        self,
        bot: Bot,
        conversation: Conversation,
        name: str,
        username: str | None,
        *,
        about: tuple[str, str] | None = None,
        again: bool = False,
        lost: bool = False,
        replacing: int | None = None,
    ) -> Conversation:
        """Post the context card (about the conversation's entry, or ``about``) in the person's
        topic: theirs if it is open, their last one reopened, else a new one (``lost``: theirs
        was deleted); a conversation whose card is in its topic already (kept while open) gets
        a word that it resumes there instead. Open when it worked; kept for a retry (said in
        the log) when the support chat failed."""
        if about is None and conversation.provider and conversation.entry_key:
            about = (conversation.provider, conversation.entry_key)
        try:
            topic = None if lost else await self._topic(bot, conversation)
            resumed = conversation.posted_at is not None and not again and topic is not None
            card = None
            if not resumed:
                card = await card_for(self, conversation, name, username, about, again=again)
            text = HTML.esc(t("handoff_resumed", self.team)) if card is None else card[0]

            async def send(thread: int) -> object:
                if conversation.state is State.WAITING:
                    await self.store.hold_try(conversation.id, time.time() + CARD_HOLD)
                return await bot.send_message(self.chat, text, message_thread_id=thread)

            if not await into_topic(bot, self.chat, topic, send):
                card = card or await card_for(self, conversation, name, username, about)
                topic = await self._new_topic(bot, about, name, card[1])
                # Kept at once: a retry after a failure below posts in it, not in another.
                try:
                    if replacing is None:
                        await self.store.conversation_topic(conversation.id, self.chat, topic)
                    elif not await self.store.replace_topic(
                        conversation.id, self.chat, replacing, topic
                    ):
                        return await self._replaced_elsewhere(bot, conversation, topic)
                except StorageUnavailable:
                    # Not written, the topic would be left empty, a second made at the retry
                    # (found by an attack): it goes.
                    await self._delete_topic(bot, topic)
                    raise
                text = card[0]
                await send(topic)
        except (TelegramAPIError, TelegramNetworkError) as exc:
            if not unreachable(exc):
                raise
            return await self.keep(conversation, exc)
        except asyncio.CancelledError:
            if conversation.state is State.WAITING:
                # Cut off by a stop: no try is under way any more, so the next one (the next
                # start's) need not wait out ATTEMPT; the person is not told twice.
                await asyncio.shield(self._attempt_over(conversation.id))
            raise
        assert topic is not None  # into_topic took it, or a new one was made
        now = time.time()
        try:
            await self.store.conversation_posted(conversation.id, self.chat, topic, now)
        except StorageUnavailable as exc:
            # The card is in the topic: the person is told the team has their request, and the
            # next round writes it (a retry meanwhile would post a second card; an attack
            # found the person told the team could not be reached, then told it had it).
            logger.warning(
                "handoff: conversation %s posted, not yet written (database): %s",
                conversation.id,
                exc,
            )
            self.unrecorded[conversation.id] = (topic, now)
        self._worked()
        return posted(conversation, self.chat, topic, now)

    async def _replaced_elsewhere(
        self, bot: Bot, conversation: Conversation, made: int
    ) -> Conversation:
        """Another replica replaced the lost topic first: the one made here goes, the
        conversation is as that replica left it."""
        await self._delete_topic(bot, made)
        return await self.store.conversation(conversation.id) or conversation

    async def _delete_topic(self, bot: Bot, topic: int) -> None:
        """Delete a topic the bot made in vain (a failure to is no news: it stays empty)."""
        with suppress(TelegramAPIError, TelegramNetworkError):
            await bot.delete_forum_topic(self.chat, topic)

    async def _attempt_over(self, conversation_id: int) -> None:
        try:
            await self.store.conversation_kept(conversation_id, time.time())
        except StorageUnavailable as exc:
            logger.warning(
                "handoff: conversation %s waits out its try (%.0f s): %s",
                conversation_id,
                ATTEMPT,
                exc,
            )

    async def _topic(self, bot: Bot, conversation: Conversation) -> int | None:
        """The topic to post in: the conversation's own (in this support chat), or the person's
        last one there, reopened (None: there is none, or it was deleted)."""
        own = in_chat(conversation, self.chat)
        if own is not None:
            return own
        if conversation.person_key is None:
            return None
        topic = await self.store.last_topic(conversation.person_key, self.chat)
        if topic is None:
            return None
        try:
            await reopen(bot, self.chat, topic)
        except TelegramBadRequest as exc:
            if topic_gone(exc):
                return None
            raise
        return topic

    async def _new_topic(
        self, bot: Bot, about: tuple[str, str] | None, name: str, several: str | None
    ) -> int:
        match = self.entry(about)
        label = entry_label(match) if match else several or t("handoff_topic_nothing", self.team)
        try:
            created = await bot.create_forum_topic(self.chat, topic_name(name, label))
        except TelegramBadRequest as exc:
            if not refused_alone(exc):
                raise
            # The name refused (Telegram counts its length its own way): the person's name
            # goes, the label stays; the card below names them.
            logger.warning("handoff: Telegram refused a topic's name (%s); named anew", exc.message)
            created = await bot.create_forum_topic(self.chat, topic_name("?", label[:TOPIC_LABEL]))
        return created.message_thread_id

    def entry(self, about: tuple[str, str] | None) -> Match | None:
        """The entry ``(provider, key)`` in the catalogs in use, if it still is one."""
        if about is None:
            return None
        found = self.library.resolver.catalog.by_ref.get(entry_ref(*about))
        return Match(*found) if found is not None else None

    async def keep(self, conversation: Conversation, exc: BaseException) -> Conversation:
        """The support chat failed: the conversation waits for a retry (said in the log)."""
        retry_at = time.time() + RETRY
        await self.store.conversation_kept(conversation.id, retry_at)
        reason = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        if self.problem is None:
            kept_for = f"requests are kept and retried every {RETRY:.0f} s"
            logger.warning(
                "support chat %s cannot be reached (%s): %s", self.chat, reason, kept_for
            )
        self.problem, self.tried = reason, True
        logger.info("handoff: conversation %s kept for a retry", conversation.id)
        return kept(conversation, retry_at)

    def _worked(self) -> None:
        if self.problem is not None:
            logger.warning("support chat %s can be reached again", self.chat)
        self.problem, self.tried = None, True

    # What the person is told ------------------------------------------------------------------

    def expect(self, lang: Lang) -> str:
        """When to expect an answer (SUPPORT_HOURS; nothing without them)."""
        return expect_answer(self.hours, time.time(), self.tz, lang)

    # Kept requests ----------------------------------------------------------------------------

    async def run(self, bot: Bot) -> None:
        """Retry kept requests every RETRY seconds (or when woken), until cancelled."""
        while True:
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), RETRY)
            woken = self._wake.is_set()
            self._wake.clear()
            try:
                await self.tick(bot, woken=woken)
            except StorageUnavailable as exc:
                logger.warning("handoff: kept requests not retried now (database): %s", exc)
            except Exception:  # a bug: this round is lost, not the next ones
                logger.exception("handoff: the retry round failed")

    def wake(self) -> None:
        """Retry now: Telegram says the bot's rights in the support chat changed."""
        self._wake.set()

    async def tick(self, bot: Bot, *, woken: bool = False) -> int:
        """One round: the kept requests due (all not under way, when ``woken``) tried, idle
        ones closed, the live conversations counted, old relayed ids forgotten; how many were
        posted."""
        now = time.time()
        if not self._adopted:  # once a process: topics from before migration 0008 kept no chat
            await self.store.adopt_topics(self.chat)
            self._adopted = True
        for conversation_id, (topic, at) in list(self.unrecorded.items()):
            await self.store.conversation_posted(conversation_id, self.chat, topic, at)
            del self.unrecorded[conversation_id]
        due = await self.store.waiting_conversations(now + RETRY if woken else now)
        if not due and self.problem is not None:
            await self.probe(bot)
        done = 0
        for conversation in due:
            if conversation.id in self.unrecorded:
                continue  # posted here; written at the next round
            if not await self.store.claim_retry(conversation, now + ATTEMPT):
                continue  # another replica has it
            try:
                done += await self.retry(bot, conversation)
            except (TelegramAPIError, TelegramNetworkError) as exc:
                # This one's alone: the round goes on with the others (one that raised stopped
                # the round, idle closing and counting with it: found by an attack).
                logger.warning("handoff: conversation %s not posted: %s", conversation.id, exc)
        await close_idle(self, bot)
        self.live = await self.store.live_counts()
        if now >= self._next_prune:
            await self.store.prune_relayed(now - RELAY_MEMORY)
            self._next_prune = now + 3600
        return done

    async def retry(self, bot: Bot, conversation: Conversation) -> bool:
        """Try a kept request again; the person is told once it reached the team."""
        assert conversation.user_id is not None
        name, username = "?", None
        try:
            person = await bot.get_chat(conversation.user_id)
            name, username = person.first_name or "?", person.username
        except TelegramAPIError as exc:
            logger.info("handoff: the person's name is unknown (%s)", exc)
        done = await self.post(bot, conversation, name, username)
        if done.state is not State.OPEN:
            return False
        lang = language_for(conversation.lang)
        text = " ".join(filter(None, (t("handoff_reached", lang), self.expect(lang))))
        try:
            await bot.send_message(conversation.user_id, text)
        except TelegramAPIError as exc:
            logger.warning("handoff: could not tell the person their request arrived: %s", exc)
        return True

    async def probe(self, bot: Bot) -> str | None:
        """Ask Telegram whether the support chat works for the bot now (getChat,
        getChatMember); the problem, or None (and remembered as the chat's state)."""
        try:
            chat = await bot.get_chat(self.chat)
            member = await bot.get_chat_member(self.chat, bot.id)
        except (TelegramAPIError, TelegramNetworkError) as exc:
            problem: str | None = getattr(exc, "message", None) or str(exc)
        else:
            problem = support_problem(bool(chat.is_forum), member, chat.type)
        if problem is None:
            self._worked()
        else:
            if self.problem is None:
                logger.warning("support chat %s: %s", self.chat, problem)
            self.problem, self.tried = problem, True
        return problem
