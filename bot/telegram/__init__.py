"""The bot on Telegram (aiogram): the app, polling or webhook, with its handlers, filters,
middlewares and keyboards; the radar's and the digest's sending; /healthz and /metrics."""
