"""What the fake Bot API (fake_telegram.py, whose FakeTelegram answers the calls with these)
knows of forum supergroups, as Telegram answers them: ``createForumTopic``, ``closeForumTopic``,
``reopenForumTopic``, ``getChat``, ``getChatMember``, ``copyMessage`` and ``message_thread_id``
on messages; the bot's rights in a chat (removed, no right to manage topics), topics deleted by
staff; and Telegram's word for a person who blocked the bot (FakeTelegram.block).

The shapes follow the Bot API: a topic's id is the id of the service message that opened it
(``forum_topic_created``); a message in a topic carries ``message_thread_id`` and
``is_topic_message``; ``getChat`` answers a ChatFullInfo, ``getChatMember`` a ChatMember of the
bot's status. The refusals are Telegram's words: "Forbidden: bot was kicked from the supergroup
chat", "Bad Request: not enough rights to create a topic", "Bad Request: message thread not
found", "Bad Request: TOPIC_ID_INVALID", "Bad Request: TOPIC_NOT_MODIFIED", "Bad Request:
TOPIC_CLOSED" (a message into a closed topic from a bot that may not manage topics; an admin that
may is let through, as Telegram's apps let such admins write there), "Forbidden: bot was blocked
by the user".
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

TOPIC_NAME_LIMIT = 128
ICON_COLORS = (0x6FB9F0, 0xFFD67E, 0xCB86DB, 0x8EEE98, 0xFF93B2, 0xFB6F5F)
KICKED = "Forbidden: bot was kicked from the supergroup chat"
NO_RIGHTS = "Bad Request: not enough rights to create a topic"
NO_MANAGE = "Bad Request: not enough rights to manage topics"
THREAD_NOT_FOUND = "Bad Request: message thread not found"
TOPIC_INVALID = "Bad Request: TOPIC_ID_INVALID"
TOPIC_NOT_MODIFIED = "Bad Request: TOPIC_NOT_MODIFIED"
TOPIC_CLOSED = "Bad Request: TOPIC_CLOSED"
BLOCKED = "Forbidden: bot was blocked by the user"
ADMIN_RIGHTS = (
    "can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages",
    "can_manage_video_chats", "can_restrict_members", "can_promote_members", "can_change_info",
    "can_invite_users", "can_post_stories", "can_edit_stories", "can_delete_stories",
    "can_send_welcome_messages", "can_pin_messages",
)  # fmt: skip


class ForumError(Exception):
    """Answered as Telegram's ``{"ok": false, ...}`` (the fake turns it into its TelegramError)."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


@dataclass
class Topic:
    name: str
    icon_color: int
    closed: bool = False
    deleted: bool = False


@dataclass
class Forum:
    """A supergroup and the bot's standing in it."""

    chat_id: int
    title: str
    is_forum: bool = True
    kind: str = "supergroup"  # the chat's type: "channel" for a channel given as the support chat
    bot_status: str = "administrator"  # administrator | member | left | kicked
    can_manage_topics: bool = True
    topics: dict[int, Topic] = field(default_factory=dict)

    @property
    def chat(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.chat_id, "type": self.kind, "title": self.title}
        if self.is_forum:
            chat["is_forum"] = True
        return chat

    def check_present(self) -> None:
        if self.bot_status in ("left", "kicked"):
            raise ForumError(403, KICKED)

    def check_manages(self, creating: bool) -> None:
        self.check_present()
        if self.bot_status != "administrator" or not self.can_manage_topics:
            raise ForumError(400, NO_RIGHTS if creating else NO_MANAGE)

    def live_topic(self, thread: int) -> Topic:
        topic = self.topics.get(thread)
        if topic is None or topic.deleted:
            raise ForumError(400, TOPIC_INVALID)
        return topic


def chat_full_info(chat: dict[str, Any]) -> dict[str, Any]:
    """getChat's answer for a chat the fake knows."""
    return {
        **chat,
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
            "premium_subscription": False, "gifts_from_channels": False,
        },
    }  # fmt: skip


def bot_member(forum: Forum, bot_user: dict[str, Any]) -> dict[str, Any]:
    """getChatMember's answer about the bot in ``forum``."""
    if forum.bot_status == "administrator":
        rights = {name: name not in ("can_be_edited", "is_anonymous") for name in ADMIN_RIGHTS}
        return {
            "status": "administrator", "user": bot_user, **rights,
            "can_manage_topics": forum.can_manage_topics,
        }  # fmt: skip
    if forum.bot_status == "kicked":
        return {"status": "kicked", "user": bot_user, "until_date": 0}
    return {"status": forum.bot_status, "user": bot_user}


def rights_update(forum: Forum, bot_user: dict[str, Any], by: dict[str, Any]) -> dict[str, Any]:
    """A ``my_chat_member`` update: the bot's status in ``forum`` has just changed to what it is."""
    old = {"status": "member", "user": bot_user}
    return {
        "chat": forum.chat,
        "from": by,
        "date": int(time.time()),
        "old_chat_member": old,
        "new_chat_member": bot_member(forum, bot_user),
    }


def copied_content(original: dict[str, Any]) -> dict[str, Any]:
    """What copyMessage carries over of a message: its content, not who sent it or where."""
    kept = (
        "text", "entities", "photo", "caption", "caption_entities", "document", "voice",
        "video", "audio", "animation", "sticker", "video_note", "location", "contact",
    )  # fmt: skip
    return {key: original[key] for key in kept if key in original}
