"""The store's methods for handoff (migrations 0007, 0008), written once over the named queries both
databases answer: conversations with the support team, the updates already relayed, and the
lookups a context card lists. A mixin of NamedQueries' three ways to run a query."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any

from bot.handoff.conversation import Conversation, State, Verdict

WAITING_BATCH = 50  # waiting conversations one retry takes


class ConversationQueries(ABC):
    """Conversations and relayed updates, over the named queries."""

    @abstractmethod
    async def _rows(self, name: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """The rows of the named query."""

    @abstractmethod
    async def _change(self, name: str, params: Mapping[str, Any]) -> int:
        """The named statement in a transaction of its own; how many rows it changed."""

    async def start_conversation(
        self,
        person_key: int | None,
        user_id: int,
        provider: str | None,
        entry_key: str | None,
        lang: str,
        now: float,
        hold: float,
    ) -> Conversation | None:
        """A new conversation, waiting for its topic, which the caller is trying to reach
        until ``hold`` (no retry takes it before); None if the person has a live one (it may
        have been started just now, through another replica)."""
        params = {
            "person": person_key, "user_id": user_id, "provider": provider, "entry": entry_key,
            "lang": lang, "now": now, "hold": hold,
        }  # fmt: skip
        rows = await self._rows("start_conversation", params)
        return _conversation(rows[0]) if rows else None

    async def live_conversation(self, user_id: int) -> Conversation | None:
        """The person's waiting or open conversation, if any."""
        rows = await self._rows("live_conversation", {"user_id": user_id})
        return _conversation(rows[0]) if rows else None

    async def conversation(self, conversation_id: int) -> Conversation | None:
        """The conversation with that id (a verdict's button names it)."""
        rows = await self._rows("conversation", {"id": conversation_id})
        return _conversation(rows[0]) if rows else None

    async def topic_conversation(self, chat_id: int, topic_id: int) -> Conversation | None:
        """The latest conversation held in that topic of the support chat ``chat_id``."""
        rows = await self._rows("topic_conversation", {"chat": chat_id, "topic": topic_id})
        return _conversation(rows[0]) if rows else None

    async def last_topic(self, person_key: int, chat_id: int) -> int | None:
        """The topic in ``chat_id`` of the person's latest conversation that had one there (to
        reopen it)."""
        rows = await self._rows("last_topic", {"person": person_key, "chat": chat_id})
        return int(rows[0][0]) if rows else None

    async def waiting_conversations(self, before: float) -> list[Conversation]:
        """Conversations still waiting for the support chat that a retry may take at
        ``before`` (their ``retry_at`` is no later), the oldest first."""
        params = {"before": before, "limit": WAITING_BATCH}
        return [_conversation(row) for row in await self._rows("waiting_conversations", params)]

    async def claim_retry(self, conversation: Conversation, hold: float) -> bool:
        """Whether this process tries the waiting conversation now (of several replicas that
        read it, one does); no other retry takes it before ``hold``."""
        params = {"id": conversation.id, "seen": conversation.retry_at, "hold": hold}
        return await self._change("claim_retry", params) == 1

    async def hold_try(self, conversation_id: int, hold: float) -> None:
        """No other retry takes the waiting conversation before ``hold``."""
        await self._change("hold_try", {"id": conversation_id, "hold": hold})

    async def conversation_topic(self, conversation_id: int, chat_id: int, topic_id: int) -> None:
        """The conversation's topic is made (``topic_id`` in ``chat_id``), its card not posted
        yet: a retry posts it there."""
        params = {"id": conversation_id, "chat": chat_id, "topic": topic_id}
        await self._change("conversation_topic", params)

    async def replace_topic(
        self, conversation_id: int, chat_id: int, gone: int, topic_id: int
    ) -> bool:
        """Whether ``topic_id`` (in ``chat_id``) replaces the conversation's topic ``gone``
        (0: none there), which another process may have replaced first."""
        params = {"id": conversation_id, "chat": chat_id, "gone": gone, "topic": topic_id}
        return await self._change("replace_topic", params) == 1

    async def conversation_posted(
        self, conversation_id: int, chat_id: int, topic_id: int, now: float
    ) -> None:
        """The card is in ``topic_id`` of ``chat_id``: the conversation is open."""
        params = {"id": conversation_id, "chat": chat_id, "topic": topic_id, "now": now}
        await self._change("conversation_posted", params)

    async def topic_closed(self, conversation_id: int, closed: bool) -> None:
        """Staff closed the conversation's topic in Telegram (``closed``), or it was reopened."""
        await self._change("topic_closed", {"id": conversation_id, "closed": int(closed)})

    async def conversation_kept(self, conversation_id: int, retry_at: float) -> None:
        """The support chat failed: the conversation waits for a retry from ``retry_at``."""
        await self._change("conversation_kept", {"id": conversation_id, "retry_at": retry_at})

    async def conversation_replied(self, conversation_id: int, now: float) -> bool:
        """The team wrote to the person; True if this was their first reply."""
        return await self._change("conversation_replied", {"id": conversation_id, "now": now}) == 1

    async def conversation_active(self, conversation_id: int, now: float) -> None:
        """A message was relayed either way at ``now``."""
        await self._change("conversation_active", {"id": conversation_id, "now": now})

    async def idle_conversations(self, before: float) -> list[Conversation]:
        """Open conversations with no message either way since ``before`` (a batch)."""
        params = {"before": before, "limit": WAITING_BATCH}
        return [_conversation(row) for row in await self._rows("idle_conversations", params)]

    async def close_conversation(self, conversation_id: int, now: float) -> bool:
        """Close it (the raw id goes); False if it was closed already."""
        return await self._change("close_conversation", {"id": conversation_id, "now": now}) == 1

    async def close_idle_conversation(
        self, conversation_id: int, before: float, now: float
    ) -> bool:
        """Close it if it is open and no message was relayed since ``before``; False if not."""
        params = {"id": conversation_id, "before": before, "now": now}
        return await self._change("close_idle_conversation", params) == 1

    async def adopt_topics(self, chat_id: int) -> int:
        """Take the topics that kept no chat (from before migration 0008) to be in ``chat_id``."""
        return await self._change("adopt_topics", {"chat": chat_id})

    async def conversation_verdict(
        self, conversation_id: int, person_key: int, verdict: Verdict
    ) -> bool:
        """Keep the person's verdict on their closed conversation (the first press only);
        False if it is not theirs, not closed, or has its verdict already."""
        params = {"id": conversation_id, "person": person_key, "verdict": verdict.value}
        return await self._change("conversation_verdict", params) == 1

    async def live_counts(self) -> dict[State, int]:
        """How many conversations are waiting and open now."""
        found = {State(state): int(count) for state, count in await self._rows("live_counts", {})}
        return {State.WAITING: found.get(State.WAITING, 0), State.OPEN: found.get(State.OPEN, 0)}

    async def claim_relay(self, update_id: int, now: float) -> bool:
        """Whether the update is relayed by this call (False: it was, or is being, already)."""
        return await self._change("claim_relay", {"update_id": update_id, "at": now}) == 1

    async def release_relay(self, update_id: int) -> None:
        """The relay failed: a delivery of the update again may try again."""
        await self._change("release_relay", {"update_id": update_id})

    async def prune_relayed(self, before: float) -> int:
        """Forget the relayed updates from before ``before`` (Telegram resends within hours)."""
        return await self._change("prune_relayed", {"at": before})

    async def recent_lookups(
        self, person_key: int, since: float, until: float, limit: int
    ) -> list[tuple[float, str, str, str | None, str | None]]:
        """The person's last lookups in ``(since, until]``, newest first: (at, query as stored,
        outcome, provider, entry key)."""
        params = {"person": person_key, "since": since, "until": until, "limit": limit}
        return [
            (float(at), str(query), str(outcome), provider, entry)
            for at, query, outcome, provider, entry in await self._rows("recent_lookups", params)
        ]


def _conversation(row: tuple[Any, ...]) -> Conversation:
    (id_, person, user, topic, state, provider, entry, lang, opened, posted, replied, closed,
     verdict, retry_at, topic_chat, last_at, topic_closed) = row  # fmt: skip
    return Conversation(
        id=int(id_),
        person_key=person,
        user_id=user,
        topic_id=topic,
        state=State(state),
        provider=provider,
        entry_key=entry,
        lang=lang,
        opened_at=opened,
        posted_at=posted,
        first_reply_at=replied,
        closed_at=closed,
        verdict=Verdict(verdict) if verdict else None,
        retry_at=retry_at,
        topic_chat_id=topic_chat,
        last_at=last_at,
        topic_closed=bool(topic_closed),
    )
