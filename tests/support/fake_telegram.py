"""A fake Telegram Bot API for every test that needs Telegram.

End to end, the real bot process is started with ``TELEGRAM_API_URL=fake.base_url`` and
``BOT_TOKEN=fake.token``; aiogram then calls ``{base_url}/bot{token}/{method}`` over real HTTP,
as it would call api.telegram.org. In process, a Bot made by ``fake_session.bot_for(fake)``
hands the same requests to the same object without HTTP (the handler tests, the digest's).
A test pushes updates in (``fake.push(fake.message("/start"))``), or feeds the updates the fake
builds to a dispatcher, and asserts on the requests the bot made
(``await fake.wait_for("sendMessage")``, ``fake.calls("sendMessage")``).

What it does like the real Bot API:

* parameters come as a query string, an urlencoded form or multipart (aiogram sends every value
  as a string: numbers and booleans JSON-encoded, objects such as ``reply_markup`` as JSON);
  the fake decodes JSON objects and arrays, the integer fields it knows (``chat_id``,
  ``message_id``, ``offset`` …) and the boolean ones; everything else stays a string;
* uploaded files (``attach://`` references included) become ``{"filename", "content",
  "content_type"}`` in the recorded parameters;
* ``getUpdates`` long-polls: ``offset`` confirms updates below it (a negative one keeps the last
  updates), ``timeout`` waits, ``limit`` caps, ``allowed_updates`` is remembered across calls and
  filters; a newer ``getUpdates`` terminates a waiting one with 409 Conflict;
  ``deleteWebhook(drop_pending_updates=True)`` drops the queue;
* with ``strict=True`` (the default) it rejects what Telegram rejects and a fake could easily
  let through: HTML that Telegram cannot parse (``<br>``, an unescaped ``<``, unclosed or
  mismatched tags), texts over 4096 and captions over 1024 characters after parsing (in
  UTF-16 code units, as Telegram counts them: an emoji outside the BMP is two), empty texts,
  callback data over 64 bytes, malformed bot commands, duplicate inline result ids, and an
  edit that changes nothing ("message is not modified"). The answer is the 400
  ``{"ok": false, ...}`` Telegram gives, so aiogram raises ``TelegramBadRequest``; a chat the
  bot may not write to (``forbid``, ``block``) gets 403, queued failures (``fail_next``) their
  own;
* forum supergroups (``forum``): topics made, closed, reopened and deleted, messages copied
  into them, the bot's rights in the chat and the update saying they changed (fake_forum.py).

Sent messages come back as Telegram returns them: HTML tags parsed into ``entities``, ids
counting up per chat, inline keyboards echoed. A callback on a message the bot sent carries that
message (its text and keyboard), as Telegram's would.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import itertools
import json
import mimetypes
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeVar

from aiohttp import BodyPartReader, web

from tests.support.fake_forum import (
    BLOCKED,
    ICON_COLORS,
    THREAD_NOT_FOUND,
    TOPIC_CLOSED,
    TOPIC_NAME_LIMIT,
    TOPIC_NOT_MODIFIED,
    Forum,
    ForumError,
    Topic,
    bot_member,
    chat_full_info,
    copied_content,
    rights_update,
)

__all__ = ["TOKEN", "Call", "FakeTelegram", "decode_params", "parse_html", "utf16_len"]

TOKEN = "123456789:AAFakeTokenForCodebookEndToEndTests0"

GROUP_CHAT_ID = -987654321
SUPERGROUP_CHAT_ID = -1001987654321
CHANNEL_CHAT_ID = -1001122334455

Request = TypeVar("Request")

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
INLINE_RESULTS_LIMIT = 50

# Parameters whose values are integers (chat_id may also be "@username") or booleans.
INT_FIELDS = frozenset(
    {
        "chat_id",
        "cache_time",
        "direct_messages_topic_id",
        "duration",
        "from_chat_id",
        "height",
        "limit",
        "max_connections",
        "message_id",
        "message_thread_id",
        "offset",
        "reply_to_message_id",
        "sender_chat_id",
        "timeout",
        "until_date",
        "user_id",
        "width",
    }
)
# Read as they come, as the Bot API reads a string field: a text may start with "[" or "{".
TEXT_FIELDS = frozenset(
    {"caption", "description", "name", "query", "short_description", "text", "title"}
)
BOOL_FIELDS = frozenset(
    {
        "allow_paid_broadcast",
        "allow_sending_without_reply",
        "disable_content_type_detection",
        "disable_notification",
        "disable_web_page_preview",
        "drop_pending_updates",
        "has_spoiler",
        "is_personal",
        "protect_content",
        "show_alert",
        "show_caption_above_media",
        "supports_streaming",
    }
)
# What getUpdates delivers when allowed_updates is empty (or was never given).
DEFAULT_UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)
# Methods answered with a Message (beyond the ones handled one by one).
MESSAGE_METHODS = frozenset(
    {
        "forwardmessage",
        "sendanimation",
        "sendaudio",
        "sendcontact",
        "senddice",
        "sendlocation",
        "sendpoll",
        "sendsticker",
        "sendvenue",
        "sendvideo",
        "sendvideonote",
        "sendvoice",
    }
)
UPLOAD_FIELDS = (
    "animation",
    "audio",
    "document",
    "photo",
    "sticker",
    "video",
    "video_note",
    "voice",
)
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running",
    429: "Too Many Requests: retry after {retry_after}",
    502: "Bad Gateway",
}


@dataclass
class Call:
    """One request the bot made: the method as named in the URL, its decoded parameters, and
    when it arrived (``time.monotonic()``)."""

    method: str
    params: dict[str, Any]
    at: float
    result: Any = None  # what the fake answered (set once it has)
    request: Any = None  # the aiogram method, when it came through FakeSession (in process)
    refused: str | None = None  # the error's description, when the fake answered with one
    content_type: str | None = None  # the body's, when it came over HTTP


class TelegramError(Exception):
    """Answered as ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(
        self, error_code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad_request(description: str) -> TelegramError:
    return TelegramError(400, f"Bad Request: {description}")


# --- text: entities, HTML -------------------------------------------------------------------


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's entity offsets."""
    return len(text.encode("utf-16-le")) // 2


_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![A-Za-z0-9_])")
_MENTION = re.compile(r"(?<![\w@/])@[A-Za-z][A-Za-z0-9_]{3,31}(?![A-Za-z0-9_])")


def text_entities(text: str) -> list[dict[str, Any]]:
    """The entities Telegram attaches to a user's text: a leading /command, @mentions."""
    found: list[dict[str, Any]] = []
    command = _COMMAND.match(text)
    if command:
        found.append({"offset": 0, "length": utf16_len(command.group()), "type": "bot_command"})
    for mention in _MENTION.finditer(text):
        found.append(
            {
                "offset": utf16_len(text[: mention.start()]),
                "length": utf16_len(mention.group()),
                "type": "mention",
            }
        )
    return found


_HTML_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "tg-time",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_SIMPLE_ENTITIES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "code": "code",
    "pre": "pre",
}
_HTML_ENTITY = re.compile(r"&(?:#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]+));")
_NAME_TOKEN = re.compile(r"[A-Za-z0-9.-]")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def _decode_entity(match: re.Match[str]) -> str | None:
    decimal, hexadecimal, name = match.groups()
    if name is not None:
        return _NAMED_ENTITIES.get(name)
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
        return chr(code)
    return None


def _unescape(value: str) -> str:
    return _HTML_ENTITY.sub(lambda m: _decode_entity(m) or m.group(), value)


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Telegram's ``parse_mode=HTML``: the plain text and its entities.

    Follows the Bot API server's parser (tdlib): only Telegram's tags, ``&lt; &gt; &amp; &quot;``
    and numeric entities; a ``<`` that does not open a supported tag is an error, a stray ``&`` or
    ``>`` is text. Raises the 400 Telegram answers ("can't parse entities: ...").
    """

    def fail(reason: str) -> TelegramError:
        return _bad_request(f"can't parse entities: {reason}")

    def offset(index: int) -> int:
        return len(text[:index].encode())

    out: list[str] = []
    position = 0  # UTF-16 offset in the output
    stack: list[tuple[str, dict[str, str], int]] = []
    entities: list[dict[str, Any]] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "&":
            match = _HTML_ENTITY.match(text, i)
            decoded = _decode_entity(match) if match else None
            if match and decoded:
                out.append(decoded)
                position += utf16_len(decoded)
                i = match.end()
                continue
        if char != "<":
            out.append(char)
            position += 2 if ord(char) > 0xFFFF else 1
            i += 1
            continue
        begin = i
        i += 1
        if i < n and text[i] == "/":  # an end tag
            if not stack:
                raise fail(f"Unexpected end tag at byte offset {offset(begin)}")
            j = i + 1
            while j < n and not text[j].isspace() and text[j] != ">":
                j += 1
            name = text[i + 1 : j]
            while j < n and text[j].isspace():
                j += 1
            if j >= n or text[j] != ">":
                raise fail(f"Unclosed end tag at byte offset {offset(begin)}")
            tag, attributes, start = stack.pop()
            if name and name.lower() != tag:
                raise fail(
                    f'Unmatched end tag at byte offset {offset(begin)}, expected "</{tag}>", '
                    f'found "</{name}>"'
                )
            parent = stack[-1] if stack else None
            entity = _entity(tag, attributes, start, position - start, parent)
            if entity is not None:
                entities.append(entity)
            i = j + 1
            continue
        j = i
        while j < n and not text[j].isspace() and text[j] != ">":
            j += 1
        if j >= n:
            raise fail(f"Unclosed start tag at byte offset {offset(begin)}")
        tag = text[i:j].lower()
        if tag not in _HTML_TAGS:
            raise fail(f'Unsupported start tag "{tag}" at byte offset {offset(begin)}')
        attributes: dict[str, str] = {}
        i = j
        while True:
            while i < n and text[i].isspace():
                i += 1
            if i >= n:
                raise fail(f"Unclosed start tag at byte offset {offset(begin)}")
            if text[i] == ">":
                i += 1
                break
            j = i
            while j < n and not text[j].isspace() and text[j] not in "=>":
                j += 1
            name = text[i:j].lower()
            if not name:
                raise fail(
                    f'Empty attribute name in the tag "{tag}" at byte offset {offset(begin)}'
                )
            i = j
            while i < n and text[i].isspace():
                i += 1
            value = ""
            if i < n and text[i] == "=":
                i += 1
                while i < n and text[i].isspace():
                    i += 1
                if i >= n:
                    raise fail(f"Unclosed start tag at byte offset {offset(begin)}")
                if text[i] in "'\"":
                    end = text.find(text[i], i + 1)
                    if end < 0:
                        raise fail(f"Unclosed start tag at byte offset {offset(begin)}")
                    value = _unescape(text[i + 1 : end])
                    i = end + 1
                else:
                    j = i
                    while j < n and _NAME_TOKEN.match(text[j]):
                        j += 1
                    if j < n and not text[j].isspace() and text[j] != ">":
                        raise fail(f"Unexpected end of name token at byte offset {offset(j)}")
                    value = text[i:j].lower()
                    i = j
            attributes.setdefault(name, value)
        if tag == "span" and attributes.get("class") != "tg-spoiler":
            raise fail(f'Tag "span" must have class "tg-spoiler" at byte offset {offset(begin)}')
        stack.append((tag, attributes, position))
    if stack:
        raise fail(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _entity(
    tag: str,
    attributes: dict[str, str],
    start: int,
    length: int,
    parent: tuple[str, dict[str, str], int] | None,
) -> dict[str, Any] | None:
    if length <= 0:
        return None
    entity: dict[str, Any] = {"offset": start, "length": length}
    if tag == "code" and parent is not None and parent[0] == "pre":
        language = attributes.get("class", "")
        if language.startswith("language-"):
            parent[1]["language"] = language.removeprefix("language-")
        return None
    if tag in _SIMPLE_ENTITIES:
        entity["type"] = _SIMPLE_ENTITIES[tag]
        if tag == "pre" and attributes.get("language"):
            entity["language"] = attributes["language"]
    elif tag == "a":
        if not attributes.get("href"):
            return None
        entity.update(type="text_link", url=attributes["href"])
    elif tag == "blockquote":
        entity["type"] = "expandable_blockquote" if "expandable" in attributes else "blockquote"
    elif tag == "tg-emoji":
        if not attributes.get("emoji-id"):
            return None
        entity.update(type="custom_emoji", custom_emoji_id=attributes["emoji-id"])
    elif tag == "tg-time":
        if not attributes.get("unix", "").isdigit():
            return None
        entity.update(type="date_time", unix_time=int(attributes["unix"]))
        if attributes.get("format"):
            entity["date_time_format"] = attributes["format"]
    else:
        return None
    return entity


def _inline_keyboard(markup: Any) -> dict[str, Any] | None:
    if isinstance(markup, dict) and isinstance(markup.get("inline_keyboard"), list):
        return markup
    return None


def _check_keyboard(markup: Any) -> None:
    keyboard = _inline_keyboard(markup)
    if keyboard is None:
        return
    for row in keyboard["inline_keyboard"]:
        for button in row if isinstance(row, list) else ():
            if not isinstance(button, dict):
                continue
            if not button.get("text"):
                raise _bad_request("text buttons are unallowed in the inline keyboard")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= CALLBACK_DATA_LIMIT:
                raise _bad_request("BUTTON_DATA_INVALID")


# --- parameters -----------------------------------------------------------------------------


def _decode_value(key: str, value: str) -> Any:
    if value[:1] in ("{", "[") and key not in TEXT_FIELDS:
        with contextlib.suppress(ValueError):
            return json.loads(value)
    if key in INT_FIELDS and re.fullmatch(r"-?\d+", value):
        return int(value)
    if key in BOOL_FIELDS and value in ("true", "false"):
        return value == "true"
    return value


def _attach(value: Any, files: dict[str, dict[str, Any]]) -> Any:
    """Replace ``attach://name`` references with the uploaded files they name."""
    if isinstance(value, str) and value.startswith("attach://"):
        name = value.removeprefix("attach://")
        return files.pop(name, value)
    if isinstance(value, dict):
        return {key: _attach(item, files) for key, item in value.items()}
    if isinstance(value, list):
        return [_attach(item, files) for item in value]
    return value


async def _read_params(request: web.Request) -> dict[str, Any]:
    raw: dict[str, Any] = dict(request.query)
    files: dict[str, dict[str, Any]] = {}
    if request.content_type.startswith("multipart/"):
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader) or part.name is None:
                continue
            if part.filename is not None:
                files[part.name] = {
                    "filename": part.filename,
                    "content": bytes(await part.read(decode=True)),
                    "content_type": part.headers.get("Content-Type", "application/octet-stream"),
                }
            else:
                raw[part.name] = await part.text()
    elif request.content_type == "application/json" and request.can_read_body:
        body = await request.json()
        if isinstance(body, dict):  # a string read as a form's field is, as the Bot API does
            raw.update(body)
    elif request.can_read_body:
        raw.update((key, value) for key, value in (await request.post()).items())
    return decode_params(raw, files)


def decode_params(raw: dict[str, Any], files: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A request's parameters as the fake records them, from the form's string values and its
    uploaded files (``{"filename", "content", "content_type"}`` by field name)."""
    params = {
        key: _decode_value(key, value) if isinstance(value, str) else value
        for key, value in raw.items()
    }
    params = _attach(params, files)
    params.update(files)  # files sent under their own field name, not through attach://
    return params


def _now() -> int:
    return int(time.time())


def _update_type(update: dict[str, Any]) -> str | None:
    return next((key for key in update if key != "update_id"), None)


# --- the server -----------------------------------------------------------------------------


class FakeTelegram:
    """A Telegram Bot API stand-in on 127.0.0.1; see the module's docstring."""

    def __init__(
        self,
        token: str = TOKEN,
        username: str = "codebook_test_bot",
        bot_id: int = 123456789,
        *,
        strict: bool = True,
    ) -> None:
        self.token = token
        self.username = username
        self.bot_id = bot_id
        self.strict = strict
        self.supports_inline = True  # what getMe says of inline mode (/setinline at @BotFather)
        self.webhook_url = ""  # set by setWebhook, cleared by deleteWebhook
        self.webhook_error: tuple[int, str] | None = None  # (unix time, message) of the last
        # failed delivery, as getWebhookInfo reports it
        self.requests: list[Call] = []
        self.errors: list[BaseException] = []  # the fake's own failures (answered with 500)
        self.base_url = ""
        self._runner: web.AppRunner | None = None
        self._queue: list[dict[str, Any]] = []  # unconfirmed updates, by update_id
        self._allowed_updates: frozenset[str] = DEFAULT_UPDATE_TYPES
        self._next_update_id = 700_000_001
        self._last_pushed = 0
        self._message_ids: dict[int | str, int] = {}
        self._messages: dict[tuple[int | str, int], dict[str, Any]] = {}
        self._chats: dict[int | str, dict[str, Any]] = {}
        self._failures: dict[str | tuple[str, Any], list[TelegramError]] = {}
        self._forbidden: dict[int | str, str] = {}  # chat -> the 403 every call to it gets
        self._held: list[tuple[str, Callable[[dict[str, Any]], bool], asyncio.Event]] = []
        self._commands: dict[tuple[str, str], list[Any]] = {}
        self._descriptions: dict[tuple[str, str], str] = {}
        self._ids = itertools.count(1)
        self._poll_generation = 0
        self._closing = False
        self._updates_arrived = asyncio.Event()
        self._request_recorded = asyncio.Event()
        self.forums: dict[int, Forum] = {}  # supergroups with topics (support/fake_forum.py)

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Serve on 127.0.0.1, on a free port."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}"
        self._closing = False

    async def stop(self) -> None:
        """Answer waiting getUpdates with [] and shut the server down."""
        self._closing = True
        self._wake_pollers()
        for _, _, release in self._held:
            release.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    # --- what tests use ----------------------------------------------------------------------

    def calls(self, method: str) -> list[Call]:
        """The calls of ``method`` (case-insensitive, as Telegram's method names are)."""
        wanted = method.lower()
        return [call for call in self.requests if call.method.lower() == wanted]

    def requests_of(self, kind: type[Request]) -> list[Request]:
        """The requests of one aiogram type (``SendMessage``) made in process, in order."""
        return [call.request for call in self.requests if isinstance(call.request, kind)]

    async def wait_for(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 60,
        *,
        since: int = 0,
    ) -> Call:
        """The first call of ``method`` (matching ``predicate``) among ``requests[since:]``,
        waiting up to ``timeout`` seconds for it. Pass ``since=len(fake.requests)`` to ignore
        the calls made before now."""
        wanted = method.lower()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        seen = since
        while True:
            for call in self.requests[seen:]:
                if call.method.lower() == wanted and (predicate is None or predicate(call)):
                    return call
            seen = max(seen, len(self.requests))
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(self._describe_miss(method, predicate, timeout, since))
            event = self._request_recorded
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    def push(self, update: dict[str, Any]) -> int:
        """Queue an update for getUpdates; returns its update_id.

        The update_id is assigned if missing, and reassigned if it is not above every one pushed
        before (Telegram's only grow, and an offset would drop a lower one unseen)."""
        update = dict(update)
        update_id = update.get("update_id")
        if not isinstance(update_id, int) or update_id <= self._last_pushed:
            update_id = self._new_update_id()
        update["update_id"] = self._last_pushed = update_id
        self._next_update_id = max(self._next_update_id, update_id + 1)
        keys = [queued["update_id"] for queued in self._queue]
        self._queue.insert(bisect.bisect_right(keys, update["update_id"]), update)
        self._wake_pollers()
        return update["update_id"]

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by a getUpdates offset."""
        return list(self._queue)

    def fail_next(
        self,
        method: str,
        error_code: int = 500,
        description: str | None = None,
        retry_after: int | None = None,
        *,
        chat_id: int | None = None,
    ) -> None:
        """Answer the next call of ``method`` (to ``chat_id`` only, if given) with this error
        (queued: call again for the call after). ``retry_after`` adds
        ``parameters.retry_after``, as flood control (429) does."""
        if description is None and error_code == 429 and retry_after is None:
            description = "Too Many Requests"
        if description is None:
            template = DEFAULT_DESCRIPTIONS.get(error_code, "Internal Server Error")
            description = template.format(retry_after=retry_after)
        parameters = {"retry_after": retry_after} if retry_after is not None else None
        failure = TelegramError(error_code, description, parameters)
        key = method.lower() if chat_id is None else (method.lower(), chat_id)
        self._failures.setdefault(key, []).append(failure)

    def forbid(self, chat_id: int) -> None:
        """Refuse every call to ``chat_id`` with 403, as Telegram refuses a person who never
        pressed Start (the bot cannot write first) or a group the bot was removed from."""
        self._forbidden[chat_id] = (
            "Forbidden: bot can't initiate conversation with a user"
            if chat_id > 0
            else "Forbidden: bot was kicked from the group chat"
        )

    def block(self, user_id: int) -> None:
        """The person blocks the bot: every call to them gets Telegram's 403 saying so."""
        self._forbidden[user_id] = BLOCKED

    def hold(
        self, method: str, when: Callable[[dict[str, Any]], bool] = lambda p: True
    ) -> asyncio.Event:
        """Answer calls of ``method`` whose params match ``when`` only once the event returned
        is set (a slow network to one chat, for as long as the test says)."""
        release = asyncio.Event()
        self._held.append((method.lower(), when, release))
        return release

    def sent(self, chat_id: int | str) -> list[dict[str, Any]]:
        """The messages the bot has in a chat now (sent, as edited; not deleted), in order."""
        return [
            message
            for (chat, _), message in sorted(self._messages.items(), key=lambda kv: kv[0][1])
            if chat == chat_id and message.get("from", {}).get("id") == self.bot_id
        ]

    def delete(self, update: dict[str, Any]) -> None:
        """The message of ``update`` deleted in its chat (by its author, or a moderator): a
        reply to it fails, unless it may go without the reply, as Telegram's does."""
        message = update["message"]
        del self._messages[(message["chat"]["id"], message["message_id"])]

    def forum(self, chat_id: int, title: str = "Support", **standing: Any) -> Forum:
        """A forum supergroup where the bot is an admin allowed to manage topics (``standing``
        says otherwise: ``is_forum``, ``bot_status``, ``can_manage_topics``)."""
        forum = self.forums[chat_id] = Forum(chat_id, title, **standing)
        self._chats[chat_id] = forum.chat
        return forum

    def set_bot_rights(self, chat_id: int, **standing: Any) -> dict[str, Any]:
        """Change the bot's standing in a forum (``bot_status``, ``can_manage_topics``); the
        ``my_chat_member`` update Telegram sends about it, to push."""
        forum = self.forums[chat_id]
        for name, value in standing.items():
            setattr(forum, name, value)
        by = self._user(1, "Owner", "en")
        update = rights_update(forum, self._bot_user(), by)
        return {"update_id": self._new_update_id(), "my_chat_member": update}

    def topic(self, chat_id: int, name: str = "Anna · GoSMS 1004") -> int:
        """A topic in a forum, opened as the bot opens one (createForumTopic); its thread id."""
        return int(self._create_topic(self.forums[chat_id], name)["message_thread_id"])

    def delete_topic(self, chat_id: int, thread: int) -> None:
        """A staff member deletes a topic, messages and all."""
        self.forums[chat_id].topics[thread].deleted = True

    def close_topic(self, chat_id: int, thread: int, user_id: int = 3001) -> dict[str, Any]:
        """A staff member closes a topic in Telegram (not with /close): the update with the
        ``forum_topic_closed`` service message the bot then gets."""
        self.forums[chat_id].topics[thread].closed = True
        update = self.message(
            "", chat_type="supergroup", chat_id=chat_id, user_id=user_id, first_name="Olga",
            thread=thread,
        )  # fmt: skip
        del update["message"]["text"]
        update["message"]["forum_topic_closed"] = {}
        return update

    def in_topic(self, chat_id: int, thread: int) -> list[dict[str, Any]]:
        """The messages the bot has in a topic now, in order."""
        return [m for m in self.sent(chat_id) if m.get("message_thread_id") == thread]

    # --- update builders ---------------------------------------------------------------------
    # Each returns a complete Update (update_id included), for push() or Dispatcher.feed_update.

    def message(
        self,
        text: str | None = None,
        *,
        chat_type: str = "private",
        user_id: int = 1001,
        chat_id: int | None = None,
        language_code: str | None = "en",
        reply_to_bot: bool = False,
        caption: str | None = None,
        sticker: bool = False,
        first_name: str = "Anna",
        thread: int | None = None,
    ) -> dict[str, Any]:
        """An update with a person's message (a channel post for ``chat_type="channel"``);
        ``thread``: in that topic of a forum."""
        if sum((text is not None, caption is not None, sticker)) != 1:
            raise ValueError("give exactly one of text, caption (a photo) or sticker")
        user = self._user(user_id, first_name, language_code)
        chat = self._chat(chat_type, chat_id, user)
        replied = self._bot_message_to_reply(chat) if reply_to_bot else None
        message: dict[str, Any] = {
            "message_id": self._new_message_id(chat["id"]),
            "from": user,
            "chat": chat,
            "date": _now(),
        }
        if chat_type == "channel":
            del message["from"]
            message["sender_chat"] = chat
        if replied is not None:
            message["reply_to_message"] = replied
        if thread is not None:
            message.update(message_thread_id=thread, is_topic_message=True)
        if text is not None:
            message["text"] = text
            if entities := text_entities(text):
                message["entities"] = entities
        elif caption is not None:
            number = next(self._ids)
            message["photo"] = [
                self._photo_size(number, 90, 90, 1_500),
                self._photo_size(number, 1280, 960, 120_000),
            ]
            message["caption"] = caption
            if entities := text_entities(caption):
                message["caption_entities"] = entities
        else:
            number = next(self._ids)
            message["sticker"] = {
                "file_id": f"CAACAgIAAxkBAAI{number:06d}",
                "file_unique_id": f"AgADsticker{number}",
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": "👍",
                "file_size": 24_000,
            }
        self._messages[(chat["id"], message["message_id"])] = message
        kind = "channel_post" if chat_type == "channel" else "message"
        return {"update_id": self._new_update_id(), kind: message}

    def callback(
        self,
        data: str,
        *,
        message_id: int,
        chat_id: int,
        user_id: int = 1001,
        language_code: str | None = "en",
        message_text: str | None = None,
        first_name: str = "Anna",
    ) -> dict[str, Any]:
        """An update with a press of an inline button under message ``message_id``: the message
        the bot sent there (unless ``message_text`` is given), else a bot's message with
        ``message_text`` or "..."."""
        user = self._user(user_id, first_name, language_code)
        stored = self._messages.get((chat_id, message_id))
        if stored is not None and message_text is None and stored.get("from") == self._bot_user():
            message = dict(stored)
        else:
            message = {
                "message_id": message_id,
                "from": self._bot_user(),
                "chat": self._known_chat(chat_id, user),
                "date": _now(),
                "text": "..." if message_text is None else message_text,
            }
        return {
            "update_id": self._new_update_id(),
            "callback_query": {
                "id": str(4_300_000_000_000_000_000 + next(self._ids)),
                "from": user,
                "message": message,
                "chat_instance": str(abs(chat_id) * 1_000_003 % 2**63),
                "data": data,
            },
        }

    def inline(
        self,
        query: str,
        *,
        user_id: int = 1001,
        language_code: str | None = "en",
        chat_type: str | None = "sender",
        first_name: str = "Anna",
    ) -> dict[str, Any]:
        """An update with an inline query (``@bot query`` typed in a chat of ``chat_type``)."""
        inline_query: dict[str, Any] = {
            "id": str(5_100_000_000_000_000_000 + next(self._ids)),
            "from": self._user(user_id, first_name, language_code),
            "query": query,
            "offset": "",
        }
        if chat_type is not None:
            inline_query["chat_type"] = chat_type
        return {"update_id": self._new_update_id(), "inline_query": inline_query}

    # --- HTTP --------------------------------------------------------------------------------

    async def _not_found(self, request: web.Request) -> web.Response:
        return web.json_response(
            {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
        )

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        try:
            params = await _read_params(request)
        except Exception as error:  # a malformed request, answered as Telegram would
            return web.json_response(
                _bad_request(f"can't parse request: {error}").payload(), status=400
            )
        method = request.match_info["method"]
        status, body = await self.respond(method, params, content_type=request.content_type)
        return web.json_response(body, status=status)

    async def respond(
        self,
        method: str,
        params: dict[str, Any],
        request: Any = None,
        content_type: str | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """Record a call of ``method`` with its decoded ``params`` and answer it as Telegram
        would: the HTTP status and the JSON body. The server and FakeSession both come here."""
        call = Call(method, params, time.monotonic(), request=request, content_type=content_type)
        self.requests.append(call)
        self._request_recorded.set()
        self._request_recorded = asyncio.Event()
        try:
            failures = self._failures.get((method.lower(), params.get("chat_id"))) or (
                self._failures.get(method.lower())
            )
            if failures:
                raise failures.pop(0)
            if params.get("chat_id") in self._forbidden:
                raise TelegramError(403, self._forbidden[params["chat_id"]])
            for held, when, release in self._held:
                if held == method.lower() and when(params):
                    await release.wait()
            result = call.result = await self._answer(method.lower(), params)
        except TelegramError as error:
            call.refused = error.description
            return error.error_code, error.payload()
        except Exception as error:  # a bug in the fake, shown by wait_for
            self.errors.append(error)
            call.refused = f"Internal Server Error: fake Telegram failed: {error!r}"
            return 500, {"ok": False, "error_code": 500, "description": call.refused}
        return 200, {"ok": True, "result": result}

    async def _answer(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getme":
            return {
                **self._bot_user(),
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": self.supports_inline,
                "can_connect_to_business": False,
                "has_main_web_app": False,
            }
        if method == "getupdates":
            return await self._get_updates(params)
        if method == "deletewebhook":
            if params.get("drop_pending_updates") is True:
                self._queue.clear()
            self.webhook_url = ""
            return True
        if method == "setwebhook":
            self.webhook_url = str(params.get("url", ""))
            return True
        if method == "getwebhookinfo":
            info: dict[str, Any] = {
                "url": self.webhook_url,
                "has_custom_certificate": False,
                "pending_update_count": len(self._queue),
            }
            if self.webhook_error is not None:
                info["last_error_date"], info["last_error_message"] = self.webhook_error
            return info
        if method == "sendmessage":
            text, entities = self._text(params, "text", TEXT_LIMIT)
            return self._send(params, text=text, **({"entities": entities} if entities else {}))
        if method == "editmessagetext":
            return self._edit_text(params)
        if method == "editmessagereplymarkup":
            return self._edit_markup(params)
        if method in ("senddocument", "sendphoto") or method in MESSAGE_METHODS:
            return self._send_media(method, params)
        if method == "sendmediagroup":
            return [
                self._send(params, **self._media_stub(str(item.get("type")), item.get("media")))
                for item in params.get("media") or []
            ]
        if method == "copymessage":
            return {"message_id": self._copy(params)["message_id"]}
        if method in (
            "createforumtopic",
            "closeforumtopic",
            "reopenforumtopic",
            "deleteforumtopic",
        ):
            return self._topic_call(method, params)
        if method == "getchat":
            return self._get_chat(params)
        if method == "getchatmember":
            return self._get_chat_member(params)
        if method == "deletemessage":
            self._messages.pop((params.get("chat_id"), params.get("message_id")), None)
            return True
        if method == "answerinlinequery":
            self._check_inline_results(params.get("results"))
            return True
        if method == "setmycommands":
            self._check_commands(params.get("commands"))
            self._commands[self._scope_key(params)] = params.get("commands") or []
            return True
        if method == "deletemycommands":
            self._commands.pop(self._scope_key(params), None)
            return True
        if method == "getmycommands":
            return self._commands.get(self._scope_key(params), [])
        if method in ("setmydescription", "setmyshortdescription"):
            field = "short_description" if "short" in method else "description"
            self._descriptions[(field, str(params.get("language_code", "")))] = str(
                params.get(field, "")
            )
            return True
        if method in ("getmydescription", "getmyshortdescription"):
            field = "short_description" if "short" in method else "description"
            return {
                field: self._descriptions.get((field, str(params.get("language_code", ""))), "")
            }
        return True

    # --- getUpdates --------------------------------------------------------------------------

    def _wake_pollers(self) -> None:
        self._updates_arrived.set()
        self._updates_arrived = asyncio.Event()

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = params.get("offset")
        limit = params.get("limit")
        limit = limit if isinstance(limit, int) and 1 <= limit <= 100 else 100
        timeout = params.get("timeout")
        timeout = timeout if isinstance(timeout, int) and timeout > 0 else 0
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(allowed) or DEFAULT_UPDATE_TYPES
        if isinstance(offset, int) and offset > 0:
            self._queue = [update for update in self._queue if update["update_id"] >= offset]
        elif isinstance(offset, int) and offset < 0:
            self._queue = self._queue[offset:]
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake_pollers()  # an older getUpdates still waiting ends with 409 Conflict
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if self._closing:
                return []
            if generation != self._poll_generation:
                raise TelegramError(409, DEFAULT_DESCRIPTIONS[409])
            self._queue = [u for u in self._queue if _update_type(u) in self._allowed_updates]
            if self._queue:
                return self._queue[:limit]
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            event = self._updates_arrived
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    # --- messages ----------------------------------------------------------------------------

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Codebook",
            "username": self.username,
        }

    @staticmethod
    def _user(user_id: int, first_name: str, language_code: str | None) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code is not None:
            user["language_code"] = language_code
        return user

    def _chat(self, chat_type: str, chat_id: int | None, user: dict[str, Any]) -> dict[str, Any]:
        if chat_id in self.forums:
            return self.forums[chat_id].chat
        if chat_type == "private":
            chat = {"id": user["id"] if chat_id is None else chat_id, "type": "private"}
            chat["first_name"] = user["first_name"]
        elif chat_type in ("group", "supergroup", "channel"):
            default = {
                "group": GROUP_CHAT_ID,
                "supergroup": SUPERGROUP_CHAT_ID,
                "channel": CHANNEL_CHAT_ID,
            }[chat_type]
            chat = {"id": default if chat_id is None else chat_id, "type": chat_type}
            chat["title"] = (
                "Codebook Test Channel" if chat_type == "channel" else "Codebook Testers"
            )
        else:
            raise ValueError(f"unknown chat type {chat_type!r}")
        self._chats[chat["id"]] = chat
        return chat

    def _known_chat(self, chat_id: int | str, user: dict[str, Any] | None = None) -> dict[str, Any]:
        if chat_id in self._chats:
            return self._chats[chat_id]
        if isinstance(chat_id, str):  # "@channelusername"
            return {"id": CHANNEL_CHAT_ID, "type": "channel", "title": chat_id, "username": chat_id}
        if chat_id > 0:
            name = user["first_name"] if user and user["id"] == chat_id else "User"
            return {"id": chat_id, "type": "private", "first_name": name}
        kind = "supergroup" if str(chat_id).startswith("-100") else "group"
        return {"id": chat_id, "type": kind, "title": "Codebook Testers"}

    def _new_update_id(self) -> int:
        self._next_update_id += 1
        return self._next_update_id - 1

    def _new_message_id(self, chat_id: int | str) -> int:
        self._message_ids[chat_id] = self._message_ids.get(chat_id, 0) + 1
        return self._message_ids[chat_id]

    def _bot_message_to_reply(self, chat: dict[str, Any]) -> dict[str, Any]:
        sent = self.sent(chat["id"])
        if sent:
            message = dict(sent[-1])
            message.pop("reply_to_message", None)
            return message
        message = {
            "message_id": self._new_message_id(chat["id"]),
            "from": self._bot_user(),
            "chat": chat,
            "date": _now() - 60,
            "text": "...",
        }
        self._messages[(chat["id"], message["message_id"])] = message
        return message

    def _text(self, params: dict[str, Any], key: str, limit: int) -> tuple[str, list[Any]]:
        """The text as Telegram stores it, and its entities; raises Telegram's 400s."""
        raw = params.get(key)
        text = "" if raw is None else str(raw)
        entities = params.get("caption_entities" if key == "caption" else "entities")
        if str(params.get("parse_mode", "")).lower() == "html":
            try:
                text, entities = parse_html(text)
            except TelegramError:
                if self.strict:
                    raise  # else the text goes out as sent
        if not isinstance(entities, list):
            entities = []
        if self.strict:
            if key == "text" and not text.strip():
                raise _bad_request("message text is empty")
            if utf16_len(text) > limit:  # Telegram counts UTF-16 code units, as in entities
                raise _bad_request(
                    "message is too long" if key == "text" else "message caption is too long"
                )
        return text, entities

    def _send(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _bad_request("chat_id is empty")
        self._check_reachable(chat_id, params.get("message_thread_id"))
        markup = params.get("reply_markup")
        if self.strict:
            _check_keyboard(markup)
        chat = self._known_chat(chat_id)
        message: dict[str, Any] = {
            "message_id": self._new_message_id(chat["id"]),
            "from": self._bot_user(),
            "chat": chat,
            "date": _now(),
        }
        if isinstance(params.get("message_thread_id"), int):
            message["message_thread_id"] = params["message_thread_id"]
            if chat["id"] in self.forums:
                message["is_topic_message"] = True
        reply = params.get("reply_parameters")
        reply_id = reply.get("message_id") if isinstance(reply, dict) else None
        reply_id = reply_id or params.get("reply_to_message_id")
        replied = self._messages.get((chat["id"], reply_id)) if reply_id else None
        without = reply.get("allow_sending_without_reply") if isinstance(reply, dict) else None
        without = without or params.get("allow_sending_without_reply")
        if reply_id and replied is None and not without:
            raise _bad_request("message to be replied not found")
        if replied is not None:
            message["reply_to_message"] = {
                key: value for key, value in replied.items() if key != "reply_to_message"
            }
        message.update(content)
        if _inline_keyboard(markup):
            message["reply_markup"] = markup
        self._messages[(chat["id"], message["message_id"])] = message
        return message

    # --- forums (fake_forum.py) ------------------------------------------------------------

    def _check_reachable(self, chat_id: Any, thread: Any) -> None:
        """Telegram's refusal of a message to ``chat_id`` (in topic ``thread``), if any."""
        forum = self.forums.get(chat_id) if isinstance(chat_id, int) else None
        if forum is None:
            return
        try:
            forum.check_present()
        except ForumError as error:
            raise TelegramError(error.code, error.description) from None
        topic = forum.topics.get(thread) if isinstance(thread, int) else None
        if isinstance(thread, int) and (topic is None or topic.deleted):
            raise TelegramError(400, THREAD_NOT_FOUND)
        manages = forum.bot_status == "administrator" and forum.can_manage_topics
        if topic is not None and topic.closed and not manages:
            raise TelegramError(400, TOPIC_CLOSED)

    def _copy(self, params: dict[str, Any]) -> dict[str, Any]:
        original = self._messages.get((params.get("from_chat_id"), params.get("message_id")))
        if original is None:
            raise _bad_request("message to copy not found")
        content = copied_content(original)
        if "caption" in params:
            caption, entities = self._text(params, "caption", CAPTION_LIMIT)
            content.pop("caption_entities", None)
            content["caption"] = caption
            if entities:
                content["caption_entities"] = entities
        return self._send(params, **content)

    def _topic_call(self, method: str, params: dict[str, Any]) -> Any:
        forum = self.forums.get(params.get("chat_id"))  # type: ignore[arg-type]
        if forum is None or not forum.is_forum:
            raise _bad_request("the chat is not a forum" if forum else "chat not found")
        try:
            forum.check_manages(creating=method == "createforumtopic")
            if method == "createforumtopic":
                return self._create_topic(forum, str(params.get("name", "")))
            topic = forum.live_topic(int(params.get("message_thread_id", 0)))
            if method == "deleteforumtopic":
                topic.deleted = True
                return True
            closing = method == "closeforumtopic"
            if topic.closed == closing:
                raise ForumError(400, TOPIC_NOT_MODIFIED)
            topic.closed = closing
            return True
        except ForumError as error:
            raise TelegramError(error.code, error.description) from None

    def _create_topic(self, forum: Forum, name: str) -> dict[str, Any]:
        """A new topic, opened by its service message; the ForumTopic createForumTopic answers."""
        if not 1 <= len(name.encode("utf-16-le")) // 2 <= TOPIC_NAME_LIMIT:  # as Telegram counts
            raise _bad_request("TOPIC_TITLE_EMPTY" if not name else "TOPIC_TITLE_TOO_LONG")
        color = ICON_COLORS[len(forum.topics) % len(ICON_COLORS)]
        created = self._send(
            {"chat_id": forum.chat_id}, forum_topic_created={"name": name, "icon_color": color}
        )
        thread = created["message_id"]
        forum.topics[thread] = Topic(name, color)
        created.update(message_thread_id=thread, is_topic_message=True)
        return {"message_thread_id": thread, "name": name, "icon_color": color}

    def _get_chat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = params.get("chat_id")
        forum = self.forums.get(chat_id)  # type: ignore[arg-type]
        if forum is not None:
            if forum.bot_status in ("left", "kicked"):
                raise TelegramError(400, "Bad Request: chat not found")
            return chat_full_info(forum.chat)
        chat = self._chats.get(chat_id)  # type: ignore[arg-type]
        if chat is None:
            raise _bad_request("chat not found")
        return chat_full_info(chat)

    def _get_chat_member(self, params: dict[str, Any]) -> dict[str, Any]:
        forum = self.forums.get(params.get("chat_id"))  # type: ignore[arg-type]
        if forum is None:
            raise _bad_request("chat not found")
        if params.get("user_id") != self.bot_id:
            user = self._user(int(params.get("user_id", 0)), "User", None)
            return {"status": "member", "user": user}
        return bot_member(forum, self._bot_user())

    def _photo_size(self, number: int, width: int, height: int, size: int) -> dict[str, Any]:
        return {
            "file_id": f"AgACAgIAAxkBAAI{number:06d}{width}",
            "file_unique_id": f"AQAD{number}{width}",
            "width": width,
            "height": height,
            "file_size": size,
        }

    def _media_stub(self, kind: str, upload: Any) -> dict[str, Any]:
        """What a message carries for a sent photo, document, …: file ids and the file's size.
        ``upload`` is the uploaded file ({"filename", "content", …}) or a file_id / URL."""
        number = next(self._ids)
        size = len(upload["content"]) if isinstance(upload, dict) else 4_096
        name = upload["filename"] if isinstance(upload, dict) else f"file{number}"
        stub: dict[str, Any] = {
            "file_id": f"BQACAgIAAxkBAAI{number:06d}",
            "file_unique_id": f"AgAD{number}",
            "file_size": size,
        }
        if kind == "photo":
            small = self._photo_size(number, 90, 90, min(size, 1_500))
            return {"photo": [small, self._photo_size(number, 1280, 960, size)]}
        if kind == "document":
            stub["file_name"] = name
            stub["mime_type"] = mimetypes.guess_type(name)[0] or "application/octet-stream"
            return {"document": stub}
        if kind in ("audio", "video", "voice", "animation", "video_note"):
            stub["duration"] = 1
            if kind == "video_note":
                stub["length"] = 320
            elif kind in ("video", "animation"):
                stub.update(width=320, height=320)
            return {kind: stub}
        if kind == "sticker":
            stub.update(type="regular", width=512, height=512, is_animated=False, is_video=False)
            return {"sticker": stub}
        return {}

    def _send_media(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        kind = method.removeprefix("send")
        kind = {"videonote": "video_note"}.get(kind, kind)
        if method in ("senddocument", "sendphoto") or kind in UPLOAD_FIELDS:
            if params.get(kind) in (None, ""):
                raise _bad_request(f"there is no {kind} in the request")
            content = self._media_stub(kind, params[kind])
        else:
            content = {}
        if "caption" in params:
            caption, entities = self._text(params, "caption", CAPTION_LIMIT)
            content["caption"] = caption
            if entities:
                content["caption_entities"] = entities
        return self._send(params, **content)

    def _target(self, params: dict[str, Any]) -> tuple[tuple[Any, Any], dict[str, Any] | None]:
        if params.get("chat_id") is None or params.get("message_id") is None:
            raise _bad_request("message identifier is not specified")
        key = (params["chat_id"], params["message_id"])
        return key, self._messages.get(key)

    def _edit_text(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        text, entities = self._text(params, "text", TEXT_LIMIT)
        markup = params.get("reply_markup")
        if self.strict:
            _check_keyboard(markup)
        if params.get("inline_message_id"):
            return True
        key, stored = self._target(params)
        if stored is not None and "text" not in stored and self.strict:
            raise _bad_request("there is no text in the message to edit")
        if (
            stored is not None
            and self.strict
            and stored.get("text") == text
            and stored.get("entities", []) == entities
            and stored.get("reply_markup") == _inline_keyboard(markup)
        ):
            raise _bad_request(NOT_MODIFIED)
        message = dict(stored) if stored is not None else self._stub_for(key)
        message.update(text=text, edit_date=_now())
        message.pop("entities", None)
        if entities:
            message["entities"] = entities
        message.pop("reply_markup", None)
        if _inline_keyboard(markup):
            message["reply_markup"] = markup
        self._messages[key] = message
        return message

    def _edit_markup(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        markup = params.get("reply_markup")
        if self.strict:
            _check_keyboard(markup)
        if params.get("inline_message_id"):
            return True
        key, stored = self._target(params)
        if (
            stored is not None
            and self.strict
            and stored.get("reply_markup") == _inline_keyboard(markup)
        ):
            raise _bad_request(NOT_MODIFIED)
        message = dict(stored) if stored is not None else self._stub_for(key)
        message["edit_date"] = _now()
        message.pop("reply_markup", None)
        if _inline_keyboard(markup):
            message["reply_markup"] = markup
        self._messages[key] = message
        return message

    def _stub_for(self, key: tuple[Any, Any]) -> dict[str, Any]:
        return {
            "message_id": key[1],
            "from": self._bot_user(),
            "chat": self._known_chat(key[0]),
            "date": _now() - 60,
        }

    # --- other checks ------------------------------------------------------------------------

    def _check_inline_results(self, results: Any) -> None:
        if not self.strict or not isinstance(results, list):
            return
        if len(results) > INLINE_RESULTS_LIMIT:
            raise _bad_request("RESULTS_TOO_MUCH")
        ids: set[str] = set()
        for result in results:
            if not isinstance(result, dict):
                continue
            result_id = str(result.get("id", ""))
            if not 1 <= len(result_id.encode()) <= CALLBACK_DATA_LIMIT:
                raise _bad_request("RESULT_ID_INVALID")
            if result_id in ids:
                raise _bad_request("RESULT_ID_DUPLICATE")
            ids.add(result_id)
            _check_keyboard(result.get("reply_markup"))
            content = result.get("input_message_content")
            if isinstance(content, dict) and "message_text" in content:
                self._text(
                    {"text": content["message_text"], "parse_mode": content.get("parse_mode")},
                    "text",
                    TEXT_LIMIT,
                )

    def _check_commands(self, commands: Any) -> None:
        if not self.strict:
            return
        if not isinstance(commands, list):
            raise _bad_request("commands must be a JSON-serialized array")
        if len(commands) > 100:
            raise _bad_request("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            name = str(command.get("command", "")) if isinstance(command, dict) else ""
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name.removeprefix("/")):
                raise _bad_request("BOT_COMMAND_INVALID")
            description = str(command.get("description", ""))
            if not 1 <= len(description) <= 256:
                raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")

    @staticmethod
    def _scope_key(params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code", ""))

    # --- diagnostics -------------------------------------------------------------------------

    def _describe_miss(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None,
        timeout: float,
        since: int,
    ) -> str:
        names: list[str] = []
        for name, group in itertools.groupby(call.method for call in self.requests[since:]):
            count = len(list(group))
            names.append(name if count == 1 else f"{name}×{count}")
        lines = [
            f"no {method} call{' matching the predicate' if predicate else ''} within "
            f"{timeout:g}s; the bot called: {', '.join(names) or 'nothing'}"
        ]
        lines += [
            f"  {call.method}: {_short(call.params)}"
            for call in self.requests[since:]
            if call.method.lower() == method.lower()
        ]
        lines += [f"  the fake failed: {error!r}" for error in self.errors]
        return "\n".join(lines)


def _short(params: dict[str, Any], limit: int = 300) -> str:
    shown = {
        key: {**value, "content": f"<{len(value['content'])} bytes>"}
        if isinstance(value, dict) and isinstance(value.get("content"), bytes)
        else value
        for key, value in params.items()
    }
    text = repr(shown)
    return text if len(text) <= limit else text[: limit - 1] + "…"
