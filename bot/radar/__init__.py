"""The incident radar: which errors more people than usual are asking about right now.

Pure, no I/O: ``windows`` counts distinct people per key, ``detect`` tests them against their
baseline, ``alerts`` turns findings into alerts that behave, ``replay`` runs it over history.
The bot's side (SQL, scheduling, Telegram) is in ``bot.telegram.radar``.
"""
