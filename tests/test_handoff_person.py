"""Handoff from the person's side, through ``Dispatcher.feed_update``: what they send while
talking with the team that holds a secret reaches the topic masked (the house rule: a
customer's password never reaches a team chat), and they are told so once."""

from __future__ import annotations

from aiogram.methods import CopyMessage, SendMessage

from tests.support.app import App
from tests.test_handoff_bot import SUPPORT, desk_app, open_conversation

__all__ = ["desk_app"]  # the fixture, shared

SECRET = "my password is Hunter2Secret and card 4111 1111 1111 1111"
TOLD = (
    "Part of your message looked like a password, key or card number: I hid it from the team. "
    "Never send passwords, keys or card numbers here."
)


async def test_a_message_with_a_secret_reaches_the_topic_masked_and_the_person_is_told_once(
    desk_app: App,
) -> None:
    topic = await open_conversation(desk_app)
    masked, told = await desk_app.feed(desk_app.fake.message(SECRET, user_id=1001))
    assert isinstance(masked, SendMessage)
    assert (masked.chat_id, masked.message_thread_id) == (SUPPORT, topic)
    assert masked.text == (
        "my password is &lt;secret&gt; and card &lt;card&gt;\n\n"
        "<i>🔒 The bot hid what looked like a secret in this message.</i>"
    )
    assert isinstance(told, SendMessage) and (told.chat_id, told.text) == (1001, TOLD)
    in_topic = str(desk_app.fake.in_topic(SUPPORT, topic))
    assert "Hunter2Secret" not in in_topic and "4111" not in in_topic
    (again,) = await desk_app.feed(
        desk_app.fake.message("token: abcdefghijklmnopqrstu", user_id=1001)
    )
    assert isinstance(again, SendMessage) and again.chat_id == SUPPORT  # told once
    (plain,) = await desk_app.feed(desk_app.fake.message("phone is online\nstill failing"))
    assert isinstance(plain, CopyMessage) and plain.message_thread_id == topic  # as sent


async def test_a_caption_with_a_secret_is_copied_with_the_caption_masked(desk_app: App) -> None:
    topic = await open_conversation(desk_app)
    copied, told = await desk_app.feed(
        desk_app.fake.message(caption="login anna pass: Hunter2Secret", user_id=1001)
    )
    assert isinstance(copied, CopyMessage) and copied.message_thread_id == topic
    assert copied.caption is not None and "Hunter2Secret" not in copied.caption
    assert "&lt;secret&gt;" in copied.caption
    assert isinstance(told, SendMessage) and told.text == TOLD
    (photo,) = [m for m in desk_app.fake.in_topic(SUPPORT, topic) if "photo" in m]
    assert "Hunter2Secret" not in photo["caption"]


async def test_the_person_is_asked_not_to_send_passwords_when_handed_over(desk_app: App) -> None:
    *_, told = await desk_app.feed(desk_app.fake.message("/human", user_id=1001))
    assert isinstance(told, SendMessage) and told.text.startswith("Your question is with")
    assert "Never send passwords or keys." in told.text
