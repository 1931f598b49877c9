"""What the tests share: the fake Bot API, the bot wired in process and as a process, the
PostgreSQL and Redis services, lookups and timelines to feed the radar, the providers' pages."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the checkout
