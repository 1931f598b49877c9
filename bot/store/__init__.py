"""The only place that talks to a database: SQLite (aiosqlite) or PostgreSQL (asyncpg), the
migrations and the schema's version, and the named queries both answer."""
