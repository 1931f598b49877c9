"""A Bot API server for end-to-end benchmarks, fast enough never to be what is measured.

    python bench/fast_api.py UPDATES.json

It listens on 127.0.0.1 (a free port), prints ``ready <port>``, and then serves one bot (it
prints ``polling`` when the bot first asks for updates, before handing any out):
``getUpdates`` hands out the file's updates in batches of 100 as long polling asks for them,
every other method is answered at once: a message sent or edited comes back as Telegram returns
it (its text with the HTML parsed into entities, as ``tests/support/fake_telegram.py`` parses
it, and its buttons: reading that reply is part of what an answer costs a bot), any other send a
canned message, the rest ``true``. Only getUpdates' offset and the texts sent are read, each
distinct text and keyboard parsed once. When every update has been confirmed and no reply has
come for ``QUIET`` seconds, it prints one JSON line and exits:

    {"updates": N, "replies": R, "seconds": S, "requests": {"sendMessage": ..., ...}}

``seconds`` runs from the moment the first batch was handed out to the last reply (a request
other than getUpdates), so neither the bot's start nor the quiet wait is counted.

The tests' fake server (tests/support/fake_telegram.py) checks every request as Telegram
would, parses HTML into entities and keeps every call: right for tests, and by itself slower
than the bots it would measure. This one borrows its HTML parser, once per distinct text.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
import time
from collections import Counter
from pathlib import Path

from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.fake_telegram import TelegramError, parse_html

BATCH = 100
QUIET = 1.0  # seconds without a reply, after the last update was confirmed: the run is over
POLL_WAIT = 0.05  # how long an empty getUpdates waits before answering []

ME = {"id": 123456789, "is_bot": True, "first_name": "Bench", "username": "bench_bot"}
_SENT = {
    "message_id": 1,
    "date": 1700000000,
    "chat": {"id": 1, "type": "private", "first_name": "P"},
    "from": ME,
    "text": "ok",
}
_TEXTS = frozenset({"sendMessage", "editMessageText"})  # answered with the message itself
_SENDS = frozenset({"sendPhoto", "sendDocument", "copyMessage"})  # answered with _SENT
_OK_TRUE = b'{"ok":true,"result":true}'
_OK_SENT = json.dumps({"ok": True, "result": _SENT}).encode()
_OK_ME = json.dumps({"ok": True, "result": ME}).encode()
_OK_EMPTY = b'{"ok":true,"result":[]}'


class Server:
    """The state of one run."""

    def __init__(self, updates: list[dict[str, object]]) -> None:
        self.count = len(updates)
        self.last_id = int(updates[-1]["update_id"])  # type: ignore[call-overload]
        first_id = int(updates[0]["update_id"])  # type: ignore[call-overload]
        # Batches encoded once, by the update id they start at.
        self.batches = {
            first_id + start: json.dumps(
                {"ok": True, "result": updates[start : start + BATCH]}
            ).encode()
            for start in range(0, len(updates), BATCH)
        }
        self.first_id = first_id
        self.started: float | None = None
        self.polled = False
        self.last_reply = 0.0
        self.replies = 0
        self.confirmed = False
        self.requests: Counter[str] = Counter()
        self.done = asyncio.Event()
        self.parsed: dict[tuple[str, str, str], dict[str, object]] = {}  # by text, mode, buttons
        self.ids = itertools.count(1)  # the ids of the messages sent

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.requests[method] += 1
        if method == "getUpdates":
            return web.Response(body=await self._updates(request), content_type="application/json")
        await request.read()
        if self.started is not None:
            self.replies += 1
            self.last_reply = time.perf_counter()
        status = 200
        if method in _TEXTS:
            status, body = await self._sent(request)
        elif method in _SENDS:
            body = _OK_SENT
        elif method == "getMe":
            body = _OK_ME
        else:
            body = _OK_TRUE
        return web.Response(status=status, body=body, content_type="application/json")

    async def _sent(self, request: web.Request) -> tuple[int, bytes]:
        """The message a sendMessage or editMessageText made, as Telegram returns it (its status
        and body): 400 for HTML or buttons Telegram could not read, ``true`` for an inline
        message edited."""
        params = await _params(request)
        if "inline_message_id" in params:
            return 200, _OK_TRUE
        text, mode = str(params.get("text", "")), str(params.get("parse_mode", ""))
        markup = params.get("reply_markup")
        markup = markup if isinstance(markup, str) or markup is None else json.dumps(markup)
        key = (text, mode, markup or "")
        message = self.parsed.get(key)
        if message is None:
            try:
                plain, entities = parse_html(text) if mode == "HTML" else (text, [])
                buttons = json.loads(markup) if markup else None
            except TelegramError as exc:
                return 400, json.dumps(exc.payload()).encode()
            except ValueError as exc:  # buttons that are not JSON
                refusal = {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"}
                return 400, json.dumps(refusal).encode()
            message = {"text": plain, **({"entities": entities} if entities else {})}
            if buttons is not None:
                message["reply_markup"] = buttons
            self.parsed[key] = message
        chat = str(params.get("chat_id", "1"))
        chat_id: int | str = int(chat) if chat.lstrip("-").isdigit() else chat  # or "@channel"
        kind = "private" if isinstance(chat_id, int) and chat_id > 0 else "supergroup"
        sent = {
            "message_id": int(str(params.get("message_id", "0")) or 0) or next(self.ids),
            "date": 1700000000,
            "chat": {"id": chat_id, "type": kind},
            "from": ME,
            **message,
        }
        return 200, json.dumps({"ok": True, "result": sent}).encode()

    async def _updates(self, request: web.Request) -> bytes:
        if not self.polled:
            self.polled = True
            print("polling", flush=True)  # the bench reads the bot's CPU time now
            await asyncio.sleep(0.2)  # for the reading to be taken before any update goes out
        form = await _params(request)
        offset = int(str(form.get("offset", "0")) or 0)
        if offset > self.last_id:
            self.confirmed = True
        start = max(offset, self.first_id)
        # Batches start at fixed ids; the bot confirms whole batches, so offset is one of them.
        batch = self.batches.get(start)
        if batch is None:
            await asyncio.sleep(POLL_WAIT)
            return _OK_EMPTY
        if self.started is None:
            self.started = time.perf_counter()
        return batch

    async def watch(self) -> None:
        """Wait for the end: every update confirmed, then no reply for QUIET seconds."""
        while True:
            await asyncio.sleep(0.1)
            if self.confirmed and time.perf_counter() - self.last_reply >= QUIET:
                self.done.set()
                return


async def _params(request: web.Request) -> dict[str, object]:
    """A request's fields: aiogram sends a form; Codebook's session (and the echo tuned as it),
    JSON."""
    if request.content_type == "application/json":
        body = await request.json()
        return body if isinstance(body, dict) else {}
    return dict(await request.post())


async def main(updates: list[dict[str, object]]) -> None:
    server = Server(updates)
    app = web.Application()
    app.router.add_post("/bot{token}/{method}", server.handle)
    app.router.add_get("/bot{token}/{method}", server.handle)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(f"ready {port}", flush=True)
    await server.watch()
    assert server.started is not None
    print(
        json.dumps(
            {
                "updates": server.count,
                "replies": server.replies,
                "seconds": server.last_reply - server.started,
                "requests": dict(server.requests),
            }
        ),
        flush=True,
    )
    await runner.cleanup()


if __name__ == "__main__":
    updates = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    if not updates:
        sys.exit(f"{sys.argv[1]}: no updates to hand out")
    asyncio.run(main(updates))
