"""The kinds a lookup is stored with keep their values: the database, `stats`, `export`, the
radar and the metrics read them as text."""

from __future__ import annotations

from bot.analytics.kinds import Channel, LookupOutcome
from bot.analytics.reports import OUTCOMES
from bot.analytics.rollup import Lookup, stored


def test_channels_and_outcomes_are_stored_as_the_text_they_always_were() -> None:
    assert list(Channel) == [
        "private", "group", "command", "deep_link", "alert", "button", "inline",
    ]  # fmt: skip
    assert list(LookupOutcome) == ["found", "several", "not_found", "not_an_error"]
    assert OUTCOMES == ("found", "several", "not_found", "not_an_error")


def test_a_lookup_typed_with_them_is_stored_as_plain_text() -> None:
    lookup = Lookup(1.0, Channel.DEEP_LINK, "private", 1, LookupOutcome.NOT_AN_ERROR, "q", 1.0)
    row = stored(lookup, b"k" * 32)
    assert row is not None
    assert (row.channel, row.outcome) == ("deep_link", "not_an_error")
    assert type(row.channel) is str and type(row.outcome) is str
