"""The weekly digest: what the week's lookups say (week), said as chat paragraphs or plain
text (text), and when it is due (schedule); no aiogram here: ``python -m bot digest`` prints
the same text the chats get, and bot/telegram/digest.py sends it."""
