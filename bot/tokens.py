"""What a bot token from @BotFather looks like, said in words that never repeat it."""

from __future__ import annotations

import re

SECRET_MIN = 20  # characters of a token's secret part we accept; @BotFather's have 35


def token_problem(token: str) -> str | None:
    """What is wrong with a bot token, in words that never repeat it; None if it looks right.

    A token is the bot's numeric id, a colon and a secret of letters, digits, ``_`` and ``-``
    (``123456789:AAH...``, the secret 35 characters long).
    """
    if not token:
        return "is empty: put the token @BotFather gave you in BOT_TOKEN (or in .env)"
    if any(char.isspace() for char in token):
        return "has a space or a line break inside: paste the token as one piece"
    if token[:3].lower() == "bot" and ":" in token:
        return "starts with 'bot': leave that out (it belongs to the API's URL, not the token)"
    if token.count(":") != 1:
        return (
            "has no colon: a token is the bot's id (digits), a colon, then the secret part"
            if ":" not in token
            else "has more than one colon: a token has exactly one, after the bot's id"
        )
    bot_id, secret = token.split(":")
    if not bot_id:
        return "has nothing before the colon, where the bot's id (digits) belongs"
    if not (bot_id.isascii() and bot_id.isdigit()):
        return "has something other than digits before the colon, where the bot's id belongs"
    if len(bot_id) > 20:
        return "has a bot id of more than 20 digits before the colon"
    if not re.fullmatch(r"[A-Za-z0-9_-]*", secret):
        return "has a character other than letters, digits, _ and - after the colon"
    if len(secret) < SECRET_MIN:
        return (
            f"has a secret part of only {len(secret)} characters after the colon (@BotFather's "
            "are 35): copy the whole token"
        )
    return None
