"""/radar (admins): what is above its usual right now; and the alerts' mute button (admins)."""

from __future__ import annotations

import time

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.core.i18n import Lang, counted, t
from bot.core.markup import HTML, one_line
from bot.radar.names import named
from bot.settings import Settings
from bot.store import StorageUnavailable
from bot.telegram.filters import IsAdmin, LooksLikeCommand
from bot.telegram.handlers import Done, Handled
from bot.telegram.private import report_chat
from bot.telegram.radar import MUTE_FOR, Mute, find_alert, usual
from bot.telegram.services import Services

MAX_LINES = 20


async def radar_now(message: Message, services: Services, bot: Bot, lang: Lang) -> Handled:
    """Every key above its usual in the current window, most improbable first."""
    radar = services.radar
    found = await radar.findings(time.time())
    chat = await report_chat(message, bot, lang)
    if chat is None:
        return Done.REPORT_BLOCKED
    minutes = round(radar.settings.window / 60)
    catalog = radar.library.resolver.catalog
    if found:
        lines = [HTML.bold(t("radar_now_title", lang).format(minutes=minutes))]
        for finding in found[:MAX_LINES]:
            name = named(finding.key, catalog, lang)
            people = t("radar_people", lang).format(
                people=counted("n_people", lang, finding.people),
                minutes=minutes,
                usual=usual(finding.usual),
            )
            line = f"{HTML.bold(name.name)} — {HTML.esc(people)}"
            lines.append(
                line + (f" 🚨 {HTML.esc(t('radar_now_alert', lang))}" if finding.spike else "")
            )
    else:
        lines = [HTML.esc(t("radar_now_none", lang).format(minutes=minutes))]
    if not radar.on:
        lines.append(HTML.esc(t("radar_off", lang)))
    await bot.send_message(chat, "\n".join(lines))
    return Done.RADAR


async def mute(
    callback: CallbackQuery,
    callback_data: Mute,
    services: Services,
    settings: Settings,
    bot: Bot,
    lang: Lang,
) -> Handled:
    """Mute an alert's key for 24 hours: its messages say so and lose the button."""
    store = services.store
    if callback.from_user.id not in settings.admin_ids:
        await callback.answer(t("radar_mute_admins", lang), show_alert=True)
        return Done.REFUSED
    now = time.time()
    try:
        alert = find_alert(await store.open_alerts(now), callback_data.ref)
        if alert is None or alert.resolved_at is not None:
            await callback.answer(t("radar_mute_gone", lang))
            return Done.MUTE_GONE
        alert = await store.mute(alert.key, now + MUTE_FOR, now)
    except StorageUnavailable as exc:
        text = t("analytics_unavailable", lang).format(reason=exc)
        await callback.answer(one_line(text, 200), show_alert=True)
        return Done.UNAVAILABLE
    await services.radar.muted(bot, alert, callback.from_user.full_name)
    await callback.answer(t("radar_mute_done", lang))
    return Done.MUTED


def create_router() -> Router:
    """This module's handlers (non-admins' /radar is refused with the other admin commands)."""
    router = Router(name=__name__)
    router.message.register(
        radar_now, Command("radar", ignore_case=True), LooksLikeCommand(), IsAdmin()
    )
    router.callback_query.register(mute, Mute.filter())
    return router
