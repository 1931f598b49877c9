"""`python -m bot check` names every problem in a catalog as file:line: what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.__main__ import main
from bot.core.catalog import Catalog
from bot.core.catalog_files import MAX_CATALOG_BYTES, load_catalogs
from bot.core.yaml_nodes import YamlAlias, compose

GOOD_ENTRY = """\
  - code: "{code}"
    title: {{ru: Заголовок, en: Title, uk: Заголовок}}
    description: {{ru: Описание, en: Description, uk: Опис}}
    steps:
      - {{ru: Сделайте, en: Do it, uk: Зробіть}}
    original: "Original"
"""

PROVIDER = """\
provider:
  slug: {slug}
  name: {name}
  about: {{ru: Шлюз, en: Gateway, uk: Шлюз}}
  aliases: [{aliases}]
  docs_url: https://example.org/
  error_paths: [error]
errors:
"""


def write(folder: Path, slug: str, body: str, *, name: str = "", aliases: str = "") -> Path:
    path = folder / f"{slug}.yaml"
    path.write_text(PROVIDER.format(slug=slug, name=name or slug.title(), aliases=aliases) + body)
    return path


def problems_in(folder: Path) -> list[str]:
    catalog, problems = load_catalogs(folder)
    assert catalog is None
    return [str(p) for p in problems]


def test_a_valid_folder_loads(tmp_path: Path) -> None:
    write(tmp_path, "acme", GOOD_ENTRY.format(code="1") + GOOD_ENTRY.format(code="2-3"))
    catalog, problems = load_catalogs(tmp_path)
    assert problems == [] and catalog is not None
    assert catalog.providers["acme"].find("3").code == "2-3"


def test_an_editors_lock_file_is_no_catalog_and_a_yml_is_named(tmp_path: Path) -> None:
    """Emacs keeps ``.#acme.yaml`` (a dangling link) while the file is open: it stopped every
    start; ``acme.yml`` was skipped without a word (found by an attack, 2026-12-07)."""
    write(tmp_path, "acme", GOOD_ENTRY.format(code="1"))
    (tmp_path / ".#acme.yaml").symlink_to("user@host.1234:1700000000")
    catalog, problems = load_catalogs(tmp_path)
    assert problems == [] and catalog is not None
    (tmp_path / "other.yml").write_text(GOOD_ENTRY.format(code="2"))
    assert problems_in(tmp_path) == [
        f"{tmp_path / 'other.yml'}: catalogs are read from *.yaml files only: name it other.yaml"
    ]


def test_broken_yaml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "acme", GOOD_ENTRY.format(code="1") + "  - code: [unclosed\n")
    assert problems_in(tmp_path) == [f"{path}:15: broken YAML: did not find expected ',' or ']'"]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("a: 1\nb: [x, y\nc: 3\n", 2),  # an unclosed bracket, noticed a line later
        ("a: 1\nb\nc: 3\n", 2),  # a key without its colon
        ('a: "open\nb: 2\n', 1),  # an unclosed quote, noticed at the end of the file
        ("a:\n  b: 1\n c: 2\n", 3),  # a line indented wrong
        ("a: 1\n- x\n", 2),  # a list item inside a mapping
        ("a:\n\tb: 1\n", 2),  # a tab
        ("a: b: c\n", 1),
        ("a: 1\nb: [\n\n", 2),  # nothing after the bracket but the end of the file
    ],
)
def test_broken_yaml_names_the_line_to_fix(tmp_path: Path, text: str, line: int) -> None:
    (tmp_path / "acme.yaml").write_text(text)
    [problem] = problems_in(tmp_path)
    assert problem.startswith(f"{tmp_path / 'acme.yaml'}:{line}: broken YAML: ")


def test_unknown_and_missing_fields_name_their_lines(tmp_path: Path) -> None:
    body = (
        GOOD_ENTRY.format(code="1")
        + """\
  - code: "2"
    colour: red
    description: {ru: Описание, en: Description, uk: Опис}
    steps:
      - {ru: Сделайте, uk: Зробіть}
    original: "x"
"""
    )
    path = write(tmp_path, "acme", body)
    assert problems_in(tmp_path) == [
        f"{path}:15: missing field 'errors[1].title'",
        f"{path}:16: unknown field 'errors[1].colour'",
        f"{path}:19: missing field 'errors[1].steps[0].en'",
    ]


def test_empty_text_and_empty_steps(tmp_path: Path) -> None:
    body = (
        GOOD_ENTRY.format(code="1")
        .replace("Title", "' '")
        .replace("    steps:\n      - {ru: Сделайте, en: Do it, uk: Зробіть}\n", "    steps: []\n")
    )
    path = write(tmp_path, "acme", body)
    assert problems_in(tmp_path) == [
        f"{path}:10: errors[0].title.en is empty",
        f"{path}:12: errors[0].steps needs at least one item",
    ]


def test_every_text_needs_russian_english_and_ukrainian(tmp_path: Path) -> None:
    body = GOOD_ENTRY.format(code="1").replace(", uk: Опис}", "}")
    path = write(tmp_path, "acme", body)
    assert problems_in(tmp_path) == [f"{path}:11: missing field 'errors[0].description.uk'"]


def test_an_unquoted_code_is_refused_with_the_fix(tmp_path: Path) -> None:
    path = write(tmp_path, "acme", GOOD_ENTRY.format(code="1").replace('"1"', "0012"))
    # YAML reads 0012 as the octal number 10: only a quoted code means what it says.
    assert problems_in(tmp_path) == [
        f'{path}:9: errors[0].code: write the code as a quoted string, e.g. code: "10"'
    ]


def test_duplicate_codes_names_and_keys(tmp_path: Path) -> None:
    body = (
        GOOD_ENTRY.format(code="1")
        + GOOD_ENTRY.format(code="1")
        + GOOD_ENTRY.format(code="2").replace(
            '    original: "Original"\n', '    original: "Original"\n    original: "Again"\n'
        )
    )
    path = write(tmp_path, "acme", body)
    assert problems_in(tmp_path) == [
        f"{path}:15: duplicate code '1' (first at line 9)",
        f"{path}:27: duplicate key 'original'",
    ]


def test_duplicate_symbolic_names(tmp_path: Path) -> None:
    first = GOOD_ENTRY.format(code="1").replace("    title", "    name: NOT_FOUND\n    title", 1)
    second = GOOD_ENTRY.format(code="2").replace("    title", "    name: NOT_FOUND\n    title", 1)
    path = write(tmp_path, "acme", first + second)
    assert problems_in(tmp_path) == [f"{path}:16: duplicate name 'NOT_FOUND' (first at line 9)"]


def test_bad_and_overlapping_ranges(tmp_path: Path) -> None:
    body = (
        GOOD_ENTRY.format(code="89-88")
        + GOOD_ENTRY.format(code="10-20")
        + GOOD_ENTRY.format(code="15")
    )
    path = write(tmp_path, "acme", body)
    assert problems_in(tmp_path) == [
        f"{path}:9: bad range '89-88': the first code must be the smaller",
        f"{path}:21: code '15' overlaps the code at line 15",
    ]


def test_an_alias_names_one_provider_only(tmp_path: Path) -> None:
    write(tmp_path, "acme", GOOD_ENTRY.format(code="1"), aliases="acme sms")
    path = write(tmp_path, "zeta", GOOD_ENTRY.format(code="1"), aliases="Acme-SMS")
    assert problems_in(tmp_path) == [
        f"{path}:5: alias 'Acme-SMS' already names 'acme' (acme.yaml:5)"  # where, as well
    ]


def test_slug_must_match_the_file_name(tmp_path: Path) -> None:
    path = write(tmp_path, "acme", GOOD_ENTRY.format(code="1"))
    path.rename(tmp_path / "other.yaml")
    assert problems_in(tmp_path) == [
        f"{tmp_path / 'other.yaml'}:2: slug 'acme' differs from the file name"
    ]


def test_empty_file_and_missing_folder(tmp_path: Path) -> None:
    (tmp_path / "acme.yaml").write_text("")
    assert problems_in(tmp_path) == [f"{tmp_path / 'acme.yaml'}:1: the file is empty"]
    assert problems_in(tmp_path / "nowhere") == [f"{tmp_path / 'nowhere'}: no such folder"]
    # A file given for the folder was "no such folder" (found by an attack).
    assert problems_in(tmp_path / "acme.yaml") == [
        f"{tmp_path / 'acme.yaml'}: a file, not a folder: give the catalogs' folder"
    ]


def test_a_catalog_that_is_not_utf8_is_named_by_its_line(tmp_path: Path) -> None:
    """It was "cannot read: 'utf-8' codec can't decode byte 0xe9 in position 212" (an attack)."""
    path = write(tmp_path, "acme", GOOD_ENTRY.format(code="1"))
    path.write_bytes(path.read_bytes().replace(b"Original", b"Orig\xe9"))  # in cp1252
    assert problems_in(tmp_path) == [f"{path}:14: not UTF-8 text: save the file as UTF-8"]


def test_a_yaml_merge_key_is_refused_at_its_line(tmp_path: Path) -> None:
    """``<<: {severity: info}`` made an entry "not an error" and passed as valid (an attack)."""
    entry = GOOD_ENTRY.format(code="1").replace(
        "    original:", "    <<: {severity: info}\n    original:"
    )
    path = write(tmp_path, "acme", entry)
    assert problems_in(tmp_path) == [
        f"{path}:14: a YAML merge key (<<) takes values from elsewhere: a catalog writes every "
        "value out"
    ]


def alias_bomb(levels: int) -> str:
    """A catalog whose errors hold 9**levels strings through nested aliases."""
    lines = ["provider: {slug: acme}", 'a0: &a0 ["lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels + 1):
        lines.append(f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 9)}]")
    return "\n".join([*lines, f"errors: [*a{levels}]", ""])


@pytest.mark.parametrize("levels", [2, 12])
def test_a_yaml_alias_bomb_is_one_problem_at_its_first_alias(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], levels: int
) -> None:
    (tmp_path / "acme.yaml").write_text(alias_bomb(levels))
    assert main(["check", str(tmp_path)]) == 1
    assert capsys.readouterr().out == (
        f"{tmp_path / 'acme.yaml'}:3: a YAML alias (*name) repeats an anchor: "
        "a catalog writes every value out\n"
    )


def test_an_alias_between_entries_is_refused_too(tmp_path: Path) -> None:
    entry = GOOD_ENTRY.format(code="1").replace("title: {", "title: &same {")
    other = GOOD_ENTRY.format(code="2").replace(
        "title: {ru: Заголовок, en: Title, uk: Заголовок}", "title: *same"
    )
    path = write(tmp_path, "acme", entry + other)
    assert problems_in(tmp_path) == [
        f"{path}:16: a YAML alias (*name) repeats an anchor: a catalog writes every value out"
    ]


def test_a_catalog_file_over_the_size_bound_is_refused_unparsed(tmp_path: Path) -> None:
    path = write(tmp_path, "acme", GOOD_ENTRY.format(code="1"))
    padding = MAX_CATALOG_BYTES + 1 - path.stat().st_size
    path.write_text(path.read_text() + "#" * (padding - 1) + "\n")
    assert path.stat().st_size == MAX_CATALOG_BYTES + 1
    assert problems_in(tmp_path) == [
        f"{path}:1: larger than {MAX_CATALOG_BYTES:,} bytes: too large for a catalog"
    ]
    path.write_text(path.read_text()[:-2] + "\n")  # one byte less: within the bound
    assert load_catalogs(tmp_path)[1] == []


def test_check_command_exit_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "acme", GOOD_ENTRY.format(code="1"))
    assert main(["check", str(tmp_path)]) == 0
    assert "all valid" in capsys.readouterr().out
    (tmp_path / "acme.yaml").write_text("provider: [\n")
    assert main(["check", str(tmp_path)]) == 1
    assert f"{tmp_path / 'acme.yaml'}:1: broken YAML" in capsys.readouterr().out


def test_the_shipped_catalogs_pass(catalog: Catalog, capsys: pytest.CaptureFixture[str]) -> None:
    root = Path(__file__).resolve().parents[1]
    assert main(["check", str(root / "catalogs")]) == 0
    out = capsys.readouterr().out
    assert f"5 providers, {catalog.entry_count()} entries, all valid" in out


ASKED = """\
    asked:
      ru: ["смс не уходят, пишет что нет устройств", "телефон отключился от сервиса"]
      en: ["texts stuck, it says no devices"]
      uk: ["смс не йдуть, пише що немає пристроїв"]
"""


def test_how_people_ask_is_read_per_language(tmp_path: Path) -> None:
    write(tmp_path, "acme", GOOD_ENTRY.format(code="1") + ASKED + GOOD_ENTRY.format(code="2"))
    catalog, problems = load_catalogs(tmp_path)
    assert problems == [] and catalog is not None
    first, second = catalog.providers["acme"].entries
    assert first.asked is not None and first.asked.en == ("texts stuck, it says no devices",)
    assert len(first.asked.phrasings()) == 4
    assert second.asked is None


@pytest.mark.parametrize(
    ("asked", "line", "problem"),
    [
        ('    asked: "смс не уходят"\n', 15, "errors[0].asked: phrasings per language, e.g. "),
        ("    asked:\n      ru: смс не уходят\n", 16, "errors[0].asked.ru: a list of phrasings"),
        ("    asked:\n      de: [SMS kommen nicht an]\n", 16, "errors[0].asked: 'de' is not a "),
        ('    asked:\n      uk: ["  "]\n', 16, "errors[0].asked.uk[0] is empty"),
        (f'    asked:\n      en: ["{"x" * 201}"]\n', 16, "errors[0].asked.en[0] is longer than "),
        (
            "    asked:\n      ru: [нет устройств, ещё]\n      uk:\n        - ЕЩЁ\n",
            18,
            "asked.uk: 'ЕЩЁ' is given twice",
        ),
    ],
)
def test_how_people_ask_is_checked(tmp_path: Path, asked: str, line: int, problem: str) -> None:
    path = write(tmp_path, "acme", GOOD_ENTRY.format(code="1") + asked)
    (found,) = problems_in(tmp_path)
    assert found.startswith(f"{path}:{line}: {problem}"), found


def test_a_catalog_that_is_an_endless_device_is_refused_unread(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, "acme", GOOD_ENTRY.format(code="1"))
    (tmp_path / "zz.yaml").symlink_to("/dev/zero")  # followed: a device, never read
    assert main(["check", str(tmp_path)]) == 1
    assert capsys.readouterr().out == f"{tmp_path / 'zz.yaml'}: not a regular file\n"


def test_a_mapping_nested_a_thousand_deep_is_named_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deep = "{a: " * 996 + "1" + "}" * 996  # libyaml itself refuses a thousand levels
    path = write(tmp_path, "acme", GOOD_ENTRY.format(code="1"))
    path.write_text(path.read_text() + f"  - {{code: '2', extra: {deep}}}\n")
    assert main(["check", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "unknown field 'errors[1].extra'" in out and "Traceback" not in out


def test_a_nul_byte_is_one_problem_at_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "acme", GOOD_ENTRY.format(code="1"))
    lines = path.read_text().splitlines(keepends=True)
    lines[2] = lines[2].replace(":", ":\x00", 1)
    path.write_text("".join(lines))
    assert main(["check", str(tmp_path)]) == 1
    assert capsys.readouterr().out == (
        f"{path}:3: broken YAML: unacceptable character #x0000: control characters are not "
        "allowed\n"
    )


def same(a: object, b: object) -> bool:
    """Equal all the way down, in the same types and the same order (1, 1.0 and True are ==)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict) and isinstance(b, dict):
        return len(a) == len(b) and all(
            same(ka, kb) and same(va, vb)
            for (ka, va), (kb, vb) in zip(a.items(), b.items(), strict=True)
        )
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float) and a != a:
        return b != b  # NaN
    return a == b


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(path.read_text(encoding="utf-8"), id=path.name)
        for path in sorted((Path(__file__).parents[1] / "catalogs").glob("*.yaml"))
    ]
    + [
        "a: 1\nb: [0x1f, 0o17, 1_000, -2, +3, 1.5e3, .inf, -.nan, ~, null, yes, No, true]\n",
        "when: 2024-05-10\nat: 2024-05-10 12:00:00+02:00\nbytes: !!binary aGVsbG8=\n",
        "dup: 1\nother: [x]\ndup: {second: wins}\n",
        "1004: int key\n3.5: float key\ntrue: bool key\n~: null key\n'1004': str key\n",
        "1: int first\n1.0: then a float\ntrue: then a bool\n",
        "base: &b {x: 1, y: 2}\nmerged: {<<: *b, y: 3}\n",
        "merged: {<<: {x: 1, y: 2}, y: 3}\n",
        "explicit: !!str 12\nset: !!set {a, b}\nomap: !!omap [{a: 1}, {b: 2}]\n",
        "a: !!set foo\n",
        "a: !!omap foo\n",
        "a: !!pairs foo\n",
        "? !!set x\n: a set tag on a key\n",
        "a: !custom x\n",
        "a: !!python/name:os.system x\n",
        "? [a, b]\n: a list as a key\n",
        "deep: " + "[" * 300 + "]" * 300 + "\n",
        "quoted: ['1', \"2\", '3.0', 'true']\nempty:\nblock: |\n  two\n  lines\n",
        "",
        "- just\n- a\n- list\n",
        "plain scalar\n",
    ],
)
def test_a_file_is_read_into_the_data_pyyaml_gives(text: str) -> None:
    """compose builds a plain tree in one walk of its own; whatever it holds, the data is what
    PyYAML's safe loader gives, in the same types and order (or the same refusal)."""

    def where_and_why(exc: yaml.MarkedYAMLError) -> tuple[object, ...]:
        mark = exc.problem_mark
        return exc.context, exc.problem, mark and (mark.line, mark.column)

    try:
        expected = yaml.load(text, Loader=yaml.SafeLoader)
    except yaml.constructor.ConstructorError as refused:
        with pytest.raises(yaml.constructor.ConstructorError) as raised:
            compose(text)
        assert where_and_why(raised.value) == where_and_why(refused)
        return
    try:
        node, data = compose(text)
    except YamlAlias:
        assert "*" in text  # an alias is refused, whatever it repeats
        return
    assert same(data, expected)
    assert (node is None) == (expected is None and not text.strip())


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("2001-02-30", "day is out of range for month"),
        ("2001-13-01", "month must be in 1..12"),
        ("1" * 5000, "Exceeds the limit (4300 digits) for integer string conversion"),
    ],
)
def test_a_value_yaml_cannot_make_is_a_problem_at_its_line(
    tmp_path: Path, value: str, why: str
) -> None:
    body = GOOD_ENTRY.format(code="1") + f"    shortname: {value}\n"
    path = write(tmp_path, "acme", body)
    line = path.read_text().splitlines().index(f"    shortname: {value}") + 1
    assert problems_in(tmp_path)[0].startswith(f"{path}:{line}: broken YAML: {why[:40]}")


def test_an_alias_is_refused_before_a_value_that_cannot_be_made(tmp_path: Path) -> None:
    body = GOOD_ENTRY.format(code="1").replace('original: "Original"', "original: &o x")
    body += GOOD_ENTRY.format(code="2").replace('original: "Original"', "original: *o")
    path = write(tmp_path, "acme", body + "    shortname: 2001-02-30\n")
    line = path.read_text().splitlines().index("    original: *o") + 1
    assert problems_in(tmp_path) == [
        f"{path}:{line}: a YAML alias (*name) repeats an anchor: a catalog writes every value out"
    ]
