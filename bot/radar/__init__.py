"""The incident radar: which errors more people than usual are asking about right now.

The statistic and the state machine are pure (no I/O, no clock of their own): ``windows``
counts distinct people per key, ``detect`` (with ``tail``) tests them against their baseline,
``alerts`` turns findings into alerts that behave, ``reading`` says what a pass reads,
``replay`` runs passes over rows in memory, ``names`` says a key in words. Reading history is
not pure: the radar's rows, alerts and lease are read and kept through the store (bot/store/),
``history`` reads an export's CSV or the database for ``python -m bot radar --replay``, and the
bot's side (scheduling, Telegram) is ``bot.telegram.radar``.
"""
