"""The one place text is cleaned and folded."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.core.text import alias_key, clean, fold, gap_key


def test_clean_removes_the_invisible_and_blanks_control_characters() -> None:
    assert clean("10\u200d04 go\u200bsms\ufeff") == "1004 gosms"
    assert clean("a\x00b\x1bc") == "a b c"
    assert clean("line\nnext\ttab") == "line\nnext\ttab"
    assert clean("line\nnext\ttab", lines=False) == "line next tab"
    assert clean("\u202eevil\u202c \ud800x") == "evil x"  # an override, a lone surrogate


def test_fold_is_as_long_as_the_text_it_folds() -> None:
    assert fold("Ёлка ЗВ’ЯЗОК Госмс") == "елка зв'язок госмс"
    assert fold("İstanbul gosms") == "istanbul gosms"  # "İ".lower() alone is two characters
    assert fold("привʼязати прив‘язати прив´язати") == "прив'язати прив'язати прив'язати"


@given(st.text())
def test_fold_keeps_positions_for_any_text(text: str) -> None:
    assert len(fold(text)) == len(text)


def test_names_and_gaps_compare_folded() -> None:
    assert alias_key("Go_SMS") == alias_key("go-sms") == alias_key("GO  sms") == "go sms"
    assert alias_key("Радіст Онлайн") == "радіст онлайн"
    assert gap_key("  «Где ЁЖИК?!» ") == "где ежик"
    assert gap_key("зв’язок") == gap_key("зв'язок")
