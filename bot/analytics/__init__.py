"""Lookup analytics: the queued SQLite writer, its migrations, reports and the /stats chart.

Nothing here imports aiogram, and the report modules (reports, schema, queries, days) import
neither aiosqlite nor asyncio, so that ``python -m bot stats`` starts in a few milliseconds.
"""
