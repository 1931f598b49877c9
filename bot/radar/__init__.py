"""The incident radar: which errors more people than usual are asking about right now.

Pure, no I/O: ``windows`` counts distinct people per key, ``detect`` tests them against their
baseline, ``alerts`` turns findings into alerts that behave, ``reading`` says what a pass reads,
``replay`` runs it over history. ``history`` is the replay command's (an export's CSV, and the
text it prints); the alerts' tables are bot/store's, the passes and messages bot.telegram.radar's.
"""
