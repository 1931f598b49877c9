"""The radar at work: a pass every RADAR_INTERVAL over the lookup log, alerts in ALERT_CHAT_IDS
edited as a wave grows and closed when it is over, and what /radar and the mute button read.

Each pass first takes the radar's lease in the database (Store.take_lease): of several processes
sharing one database, only the holder counts and sends, and the alerts' state lives in the
database, so a restart or a new holder carries on the same messages instead of sending again.
A failing database skips passes (said once) and never touches answering.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.i18n import Lang, counted, t
from bot.core.library import Library
from bot.core.markup import HTML, one_line
from bot.radar.alerts import Alert, Edit, Resolve, Send, advance, message_refs, with_refs
from bot.radar.detect import Finding, detect, windows_for
from bot.radar.names import named
from bot.radar.reading import phrasings, spans
from bot.radar.windows import Key, Seen
from bot.settings import Settings
from bot.store import StorageUnavailable, Store
from bot.telegram.keyboards import ALERT_LINK

logger = logging.getLogger(__name__)

LEASE_PASSES = 3  # the lease outlives this many intervals: a holder that stops is replaced
MUTE_FOR = 86400.0  # the mute button's 24 hours
DEEP_LINK = re.compile(r"[A-Za-z0-9_-]{1,64}")  # what Telegram allows after ?start=


class Mute(CallbackData, prefix="m1"):
    """Mute this alert's key for 24 hours (admins)."""

    ref: str


def alert_ref(alert: Alert) -> str:
    """An alert's short reference for its button: when it started and a digest of its key."""
    digest = hashlib.blake2s("/".join(alert.key).encode(), digest_size=4).hexdigest()
    return f"{int(alert.since)}.{digest}"


class Radar:
    """The radar's passes and messages for one bot."""

    def __init__(self, store: Store, library: Library, settings: Settings, holder: str) -> None:
        self.store = store
        self.library = library
        self.chats = settings.alert_chat_ids
        self.lang: Lang = settings.team_lang
        self.tz = settings.tz
        self.holder = holder
        self.settings = settings.radar
        self.interval = self.settings.interval
        self.bot_username: str | None = None  # set at start (getMe), for the answer's link
        self._failing = False

    @property
    def on(self) -> bool:
        """Whether alerts are sent (ALERT_CHAT_IDS is set)."""
        return bool(self.chats)

    async def run(
        self,
        bot: Bot,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        """Passes on the clock's grid (every interval from midnight UTC), until cancelled.
        ``clock`` and ``sleep`` are the wall clock's: a test drives both."""
        while True:
            now = clock()
            at = (now // self.interval + 1) * self.interval
            await sleep(at - now)
            try:
                touched = await self.tick(bot, at)
            except Exception:  # Telegram unreachable, a bug: this pass is lost, not the radar
                logger.exception("radar: the pass failed; the next one runs as usual")
            else:
                logger.debug("radar: the pass at %d is done, %d message(s) touched", at, touched)

    async def stop(self) -> None:
        """Give the lease up, so that a process starting now, or another sharing the database,
        carries on at its next pass instead of a few passes later."""
        try:
            await self.store.release_lease("radar", self.holder)
        except StorageUnavailable as exc:
            logger.warning("radar: the lease was not given up (it expires by itself): %s", exc)

    async def findings(self, now: float) -> list[Finding]:
        """What is above its usual in the window ending at ``now``, most improbable first."""
        rows: list[Seen] = []
        for start, end in spans(now, self.settings):
            rows += await self.store.radar_rows(start, end)
        current, baselines = windows_for(
            rows, now, self.settings.window, self.settings.baseline_days,
            self.settings.baseline_reach,
        )  # fmt: skip
        return detect(current, baselines, self.settings)

    async def tick(self, bot: Bot, now: float | None = None) -> int:
        """One pass: alerts sent, edited or closed; how many messages it touched."""
        now = time.time() if now is None else now
        try:
            lease = LEASE_PASSES * self.interval
            if not await self.store.take_lease("radar", self.holder, lease, now):
                return 0
            if self.bot_username is None:
                self.bot_username = (await bot.me()).username
            found = await self.findings(now)
            alerts, actions = advance(await self.store.open_alerts(now), found, now, self.settings)
            shown = [action.alert.key for action in actions if not isinstance(action, Resolve)]
            window = await self.store.radar_queries(now - self.settings.window, now)
            asked = phrasings(window, shown)
            touched = 0
            for action in actions:
                alert = action.alert
                if isinstance(action, Send):
                    await self.store.save_alerts([alert])  # first: a crash now must not send twice
                    refs = await self._send(bot, alert, asked.get(alert.key, []))
                    alerts[alert.key] = replace(alert, messages=with_refs(refs))
                    touched += len(refs)
                elif isinstance(action, Edit):
                    touched += await self._edit(bot, alert, asked.get(alert.key, []), mute=True)
                else:
                    await self.store.save_alerts([alert])
                    touched += await self._edit(bot, alert, [], mute=False)
            await self.store.save_alerts(alerts.values())
        except StorageUnavailable as exc:
            if not self._failing:
                logger.warning("radar: passes skipped while the database fails: %s", exc)
            self._failing = True
            return 0
        if self._failing:
            logger.warning("radar: the database answers again; passes go on")
            self._failing = False
        return touched

    # Messages ----------------------------------------------------------------------------------

    def text(self, alert: Alert, asked: list[tuple[str, int]], muted_by: str = "") -> str:
        """An alert as its message shows it now."""
        lang, name = self.lang, named(alert.key, self.library.resolver.catalog, self.lang)
        what = {"provider": "radar_provider_wave", "unanswered": "radar_unanswered_wave"}
        title = name.title if alert.kind == "entry" else t(what[alert.kind], lang)
        head = "✅" if alert.resolved_at is not None else "🚨"
        lines = [f"{head} {HTML.bold(name.name)}" + (f" — {HTML.esc(title)}" if title else "")]
        minutes = round(self.settings.window / 60)
        people = t("radar_people", lang).format(
            people=counted("n_people", lang, alert.people),
            minutes=minutes,
            usual=usual(alert.usual),
        )
        peak = counted("n_people", lang, alert.peak)
        since = t("radar_since", lang).format(time=self.clock(alert.since), peak=peak)
        lines += [HTML.esc(people), HTML.esc(since)]
        if asked:
            lines.append(HTML.esc(t("radar_asked", lang)))
            lines += [f"• {HTML.code(one_line(query, 80))} — {n}" for query, n in asked]
        if alert.resolved_at is not None:
            lines.append(HTML.fill("radar_resolved", lang, time=self.clock(alert.resolved_at)))
        elif alert.muted_until is not None and muted_by:
            until = self.clock(alert.muted_until)
            lines.append(HTML.fill("radar_muted", lang, time=until, who=HTML.esc(muted_by)))
        return "\n".join(lines)

    def keyboard(self, alert: Alert, mute: bool) -> InlineKeyboardMarkup | None:
        """The answer (a link that opens it in a private chat) and, while it may, the mute."""
        rows: list[list[InlineKeyboardButton]] = []
        name = named(alert.key, self.library.resolver.catalog, self.lang)
        username = self.bot_username
        payload = f"{ALERT_LINK}{alert.provider}_{name.code}"
        if name.entry is not None and username and DEEP_LINK.fullmatch(payload):
            url = f"https://t.me/{username}?start={payload}"
            rows.append([InlineKeyboardButton(text=t("button_radar_answer", self.lang), url=url)])
        if mute:
            text, data = t("button_radar_mute", self.lang), Mute(ref=alert_ref(alert)).pack()
            rows.append([InlineKeyboardButton(text=text, callback_data=data)])
        return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None

    def clock(self, at: float) -> str:
        """A time as the team reads it: ``09:40 EET``, with the date unless it is today."""
        moment = datetime.fromtimestamp(at, self.tz)
        today = datetime.now(self.tz).date() == moment.date()
        return moment.strftime("%H:%M %Z" if today else "%d.%m %H:%M %Z")

    async def _send(
        self, bot: Bot, alert: Alert, asked: list[tuple[str, int]]
    ) -> list[tuple[int, int]]:
        refs = []
        text, markup = self.text(alert, asked), self.keyboard(alert, mute=True)
        for chat in self.chats:
            try:
                sent = await bot.send_message(chat, text, reply_markup=markup)
            except TelegramAPIError as exc:
                logger.warning("radar: cannot send an alert to chat %s: %s", chat, exc)
                continue
            refs.append((chat, sent.message_id))
        return refs

    async def _edit(
        self, bot: Bot, alert: Alert, asked: list[tuple[str, int]], mute: bool, muted_by: str = ""
    ) -> int:
        """Edit every message of ``alert``; how many were edited."""
        text, markup = self.text(alert, asked, muted_by), self.keyboard(alert, mute=mute)
        edited = 0
        for chat, message in message_refs(alert):
            try:
                await bot.edit_message_text(
                    text=text, chat_id=chat, message_id=message, reply_markup=markup
                )
            except TelegramBadRequest as exc:
                if "not modified" not in exc.message:
                    logger.warning("radar: cannot edit alert %s in chat %s: %s", message, chat, exc)
                continue
            except TelegramAPIError as exc:
                logger.warning("radar: cannot edit alert %s in chat %s: %s", message, chat, exc)
                continue
            edited += 1
        return edited

    async def muted(self, bot: Bot, alert: Alert, by: str) -> None:
        """Show in the alert's messages that ``by`` muted it (no phrasings: they are the
        window's at the last pass, and the next edit, if any, shows them again)."""
        await self._edit(bot, alert, [], mute=False, muted_by=by)


def usual(figure: float) -> str:
    """The usual figure as people read it: ``1.3``, or ``0`` when next to nothing."""
    return f"{figure:.1f}" if figure >= 0.05 else "0"


def find_alert(alerts: dict[Key, Alert], ref: str) -> Alert | None:
    """The open alert a mute button refers to."""
    return next((alert for alert in alerts.values() if alert_ref(alert) == ref), None)
