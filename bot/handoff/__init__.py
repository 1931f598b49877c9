"""Handoff to the support team, the pure part: a conversation's states and what each event does
to it, the support hours, the context card's text, and the team's notes. The Telegram side is
bot/telegram/desk.py and the handoff and support routers; the database's, bot/store/."""
