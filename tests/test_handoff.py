"""Handoff's pure part: support hours, what a person is told of when to expect an answer, a
topic's name, the context card, and the team's notes with their problems as file:line."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.catalog import Catalog
from bot.handoff.card import CardContext, Recent, context_card
from bot.handoff.conversation import TOPIC_NAME_LIMIT, topic_name
from bot.handoff.hours import SupportHours, expect_answer
from bot.handoff.notes import load_notes, parse_notes

KYIV = ZoneInfo("Europe/Kyiv")


def kyiv(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=KYIV)


WEEKDAYS = SupportHours.parse("mon-fri 09:00-18:00")


@pytest.mark.parametrize(
    ("moment", "is_in"),
    [
        ("2026-12-07 09:00", True),  # a Monday, as the team comes in
        ("2026-12-07 17:59", True),
        ("2026-12-07 18:00", False),
        ("2026-12-05 12:00", False),  # a Saturday
    ],
)
def test_the_team_is_in_during_its_hours(moment: str, is_in: bool) -> None:
    assert WEEKDAYS.is_in(kyiv(moment)) is is_in


def test_when_the_team_is_back() -> None:
    assert WEEKDAYS.back_at(kyiv("2026-12-05 12:00")) == kyiv("2026-12-07 09:00")  # Saturday
    assert WEEKDAYS.back_at(kyiv("2026-12-07 19:30")) == kyiv("2026-12-08 09:00")
    assert WEEKDAYS.back_at(kyiv("2026-12-11 18:00")) == kyiv("2026-12-14 09:00")  # Friday
    assert WEEKDAYS.back_at(kyiv("2026-12-07 07:15")) == kyiv("2026-12-07 09:00")


def test_hours_past_midnight_and_several_spans() -> None:
    nights = SupportHours.parse("sun 22:00-02:00, sat 10:00-14:00")
    assert nights.is_in(kyiv("2026-12-06 23:00"))  # Sunday night
    assert nights.is_in(kyiv("2026-12-07 01:59"))  # into Monday, across the week's end
    assert not nights.is_in(kyiv("2026-12-07 02:00"))
    assert nights.is_in(kyiv("2026-12-05 13:00"))
    assert SupportHours.parse("daily 00:00-24:00").is_in(kyiv("2026-12-09 03:00"))


@pytest.mark.parametrize(
    "wrong", ["", "weekdays", "mon-fri 9-18", "mon-fri 25:00-26:00", "xyz 09:00-10:00"]
)
def test_hours_written_wrongly_say_how_to_write_them(wrong: str) -> None:
    with pytest.raises(ValueError, match=r"e\.g\. mon-fri 09:00-18:00"):
        SupportHours.parse(wrong)


def test_a_person_is_told_when_to_expect_an_answer() -> None:
    saturday = kyiv("2026-12-05 12:00").timestamp()
    monday = kyiv("2026-12-07 12:00").timestamp()
    evening = kyiv("2026-12-07 20:00").timestamp()
    assert expect_answer(None, saturday, KYIV, "en") == ""  # always in: nothing to add
    assert expect_answer(WEEKDAYS, monday, KYIV, "en") == (
        "They usually answer within the working day."
    )
    assert expect_answer(WEEKDAYS, saturday, KYIV, "en") == (
        "The team is away now and back on Monday at 09:00 (Europe/Kyiv): they will answer then."
    )
    assert expect_answer(WEEKDAYS, evening, KYIV, "ru") == (
        "Сейчас команда не работает и вернётся завтра в 09:00 (Europe/Kyiv) — тогда и ответит."
    )
    assert "у понеділок о 09:00" in expect_answer(WEEKDAYS, saturday, KYIV, "uk")


def test_a_topic_is_named_after_the_person_and_the_entry_within_telegrams_limit() -> None:
    assert topic_name("Anna", "GoSMS 1004") == "Anna · GoSMS 1004"
    assert topic_name("  Anna\nMaria ", "GoSMS 1004") == "Anna Maria · GoSMS 1004"
    long = topic_name("A" * 200, "GoSMS 1004")
    assert len(long) == TOPIC_NAME_LIMIT and long.endswith("…")
    # Counted as Telegram counts: an emoji outside the BMP is two (an attack's 70 emoji made a
    # name of 153 such units from a cut at 128 characters).
    emoji = topic_name("😀" * 70, "GoSMS 1004")
    assert len(emoji.encode("utf-16-le")) // 2 <= TOPIC_NAME_LIMIT and emoji.endswith("…")
    assert emoji.startswith("😀" * 60)


@pytest.mark.parametrize(
    ("first_name", "shown"),
    [
        ("   ", "?"),
        ("\u200f", "?"),  # a right-to-left mark alone
        ("\u200b\u200b", "?"),  # zero-width spaces
        ("\u3164", "?"),  # a Hangul filler: a letter that shows as nothing
        ("Anna\u202eevil", "Annaevil"),  # an RTL override would turn the entry's name around
        ("\u2067Anna\u2069", "Anna"),
    ],
)
def test_a_name_with_nothing_visible_or_direction_tricks_is_shown_plainly(
    first_name: str, shown: str
) -> None:
    assert topic_name(first_name, "GoSMS 1004") == f"{shown} · GoSMS 1004"
    card = context_card(
        CardContext(first_name=first_name, user_id=1001, username=None, lang="en",
                    question=None, answered=None, recent=(), notes=None),
        "en", ZoneInfo("UTC"),
    )  # fmt: skip
    assert f'<a href="tg://user?id=1001">{shown}</a>' in card


def test_the_card_escapes_what_people_wrote() -> None:
    card = context_card(
        CardContext(
            first_name="<b>Anna</b>",
            user_id=1001,
            username="anna_k",
            lang="uk",
            question="gosms 1004 & <script>",
            answered="GoSMS 1004 — No devices registered",
            recent=(Recent(0.0, "gosms 1004 & <script>", "found", "GoSMS 1004"),),
            notes="Escalate: <ops@gosms.example>",
        ),
        "en",
        ZoneInfo("UTC"),
    )
    assert '<a href="tg://user?id=1001">&lt;b&gt;Anna&lt;/b&gt;</a> @anna_k' in card
    assert "Language: українська" in card
    assert "<code>gosms 1004 &amp; &lt;script&gt;</code>" in card
    assert "• 00:00 <code>gosms 1004 &amp; &lt;script&gt;</code> → GoSMS 1004" in card
    assert "Escalate: &lt;ops@gosms.example&gt;" in card
    assert "<script>" not in card


def test_notes_are_read_per_entry(catalog: Catalog) -> None:
    text = (
        'gosms:\n  "1004": |\n    Check the device.\n    Then escalate.\n'
        "  1005:\n    - first line\n    - second line\n"
        'notificore:\n  "89": in the 88-89 row\n'
    )
    notes, problems = parse_notes(text, "notes.yaml", catalog)
    assert problems == [] and notes is not None
    assert notes.about("gosms", "1004") == "Check the device.\nThen escalate."
    assert notes.about("gosms", "1005") == "first line\nsecond line"
    assert notes.about("notificore", "88-89") == "in the 88-89 row"
    assert notes.about("gosms", "1006") is None and len(notes) == 3


def test_notes_problems_are_named_as_file_and_line(catalog: Catalog) -> None:
    text = (
        "gosms:\n"  # 1
        '  "1004": fine\n'  # 2
        '  "9999": no such code\n'  # 3
        '  "1004": again\n'  # 4
        '  "1005": ""\n'  # 5
        "twilio:\n"  # 6
        '  "21211": unknown provider\n'  # 7
        "mobizon: [not, codes]\n"  # 8
    )
    notes, problems = parse_notes(text, "notes.yaml", catalog)
    assert notes is None
    assert [str(problem) for problem in problems] == [
        "notes.yaml:3: gosms has no code or name '9999'",
        "notes.yaml:4: gosms 1004: notes on this entry again (first at line 2)",
        "notes.yaml:5: gosms 1005: the notes are empty",
        "notes.yaml:6: no provider 'twilio' in the catalogs (gosms, gupshup, mobizon, notificore,"
        " radist)",
        'notes.yaml:8: mobizon: expected codes, e.g. "1004": notes',
    ]
    _, broken = parse_notes("gosms:\n  1004: [unclosed\n", "notes.yaml", catalog)
    assert [problem.line for problem in broken] == [2]


def test_no_notes_file_is_no_notes(catalog: Catalog, tmp_path: Path) -> None:
    notes, problems = load_notes(None, catalog)
    assert notes is not None and len(notes) == 0 and problems == []
    missing, problems = load_notes(tmp_path / "none.yaml", catalog)
    assert missing is None and "cannot read" in str(problems[0])


def test_notes_that_are_a_folder_too_large_deep_or_an_alias_bomb_are_problems(
    catalog: Catalog, tmp_path: Path
) -> None:
    (tmp_path / "folder").mkdir()
    deep = tmp_path / "deep.yaml"
    deep.write_text("gosms: " + "[" * 100_000 + "]" * 100_000 + "\n")
    huge = tmp_path / "huge.yaml"
    huge.write_text('gosms:\n  "1004": ' + "x" * 1_000_001 + "\n")
    bomb = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for n in range(1, 9):
        bomb.append(
            f"{'abcdefghi'[n]}: &{'abcdefghi'[n]} ["
            + ", ".join(["*" + "abcdefghi"[n - 1]] * 9)
            + "]"
        )
    alias = tmp_path / "bomb.yaml"
    alias.write_text("\n".join(bomb) + '\ngosms:\n  "1004": *i\n')
    said = {}
    for path in (tmp_path / "folder", deep, huge, alias):
        notes, problems = load_notes(path, catalog)
        assert notes is None and problems
        said[path.name] = [str(problem) for problem in problems]
    assert said["folder"] == [f"{tmp_path / 'folder'}: cannot read: not a regular file"]
    assert said["deep.yaml"] == [f"{deep}:1: broken YAML: exceeded maximum nesting depth"]
    assert said["huge.yaml"] == [f"{huge}:1: larger than 1,000,000 bytes"]
    # (said at the line of the anchor the alias names: the node the notes are)
    assert f"{alias}:9: gosms 1004: notes are a text, or a list of lines" in said["bomb.yaml"]


def test_stats_and_the_digest_say_what_handoff_came_to(catalog: Catalog) -> None:
    from dataclasses import replace

    from bot.analytics.paragraphs import stats_paragraphs
    from bot.analytics.reports import HandoffEntry, Report
    from bot.digest.text import digest_text
    from bot.digest.week import Week

    empty = Report.empty(7, now=0.0)
    report = replace(
        empty,
        total=40,
        handoffs=6,
        conversations_open=2,
        first_reply_median=840.0,
        first_reply_p90=7500.0,
        closed_solved=3,
        closed_not_solved=1,
        handoff_entries=[HandoffEntry("gosms", "1004", "No devices", 4, 10, 0.6, "1004")],
    )
    *_, totals, entries = stats_paragraphs(report, "en")
    assert totals == (
        "Handed to a person: 6 (open now 2). First reply: median 14 min, p90 2 h 5 min. "
        "Closed: 👍 3, 👎 1, no verdict 0."
    )
    assert entries == (
        "<b>Answers that sent most people to a person</b>\n"
        "1. <code>gosms 1004</code> No devices — 4 handed over of 10 lookups, 60% resolved "
        "without a person"
    )
    assert not any("Handed" in part for part in stats_paragraphs(empty, "en"))
    digest = digest_text(Week(report, empty, []), catalog, "en", ZoneInfo("UTC"))
    assert (
        "Answers that sent most people to a person\n"
        "1. gosms 1004 No devices registered — 4 handed over of 10 lookups" in digest
    )
