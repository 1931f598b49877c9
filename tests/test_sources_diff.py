"""`sources diff`: a provider's saved error page against its catalog, on the real pages.

Each page is also tried as saved HTML (rendered here from the seed) and as the text a browser
copies from that HTML (cells parted by tabs, blocks by line breaks)."""

from __future__ import annotations

import html
import io
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from bot.core.catalog import Catalog
from bot.sources import layout, run
from bot.sources.layout import clean
from bot.sources.pages import NAMES
from tests.support.seed_pages import SEEDS

ROOT = Path(__file__).resolve().parents[1]
CATALOGS = ROOT / "catalogs"
NEWER = [*(str(code) for code in range(1009, 1018)), "2006", "2007", "2008", "2009"]
FORMS = ("as saved", "html", "copied")


def diff(provider: str, page: Path, catalogs: Path = CATALOGS) -> tuple[int, str]:
    out = io.StringIO()
    return run(provider, page, catalogs, out), out.getvalue()


def marked(output: str, sign: str) -> list[str]:
    """The labels of the report's lines marked ``sign`` (+ to add, - gone, ~ changed)."""
    return [line.split(":")[0][4:] for line in output.splitlines() if line.startswith(f"  {sign} ")]


# ---------------------------------------------------------------- the page in other forms


def _inline(text: str) -> str:
    text = re.sub(r"!\[([^\]]*)\]\(([^)]*)\)", r'<img alt="\1" src="\2">', text)
    text = re.sub(r"\[([^\]]*)\]\(([^)]*)\)", r'<a href="\2">\1</a>', text)
    text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", text)


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{cell}</th>" for cell in header)
    body = "".join(
        "\n    <tr>" + "".join(f"\n      <td>{cell}</td>" for cell in row) + "\n    </tr>"
        for row in rows
    )
    return f"<table>\n  <thead><tr>{head}</tr></thead>\n  <tbody>{body}\n  </tbody>\n</table>"


def _document(body: list[str]) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="ru">\n<head><meta charset="utf-8"><title>Ошибки</title>\n'
        "<style>td { padding: 0 }</style></head>\n<body>\n"
        '<nav><a href="/">Главная</a></nav>\n'
        "<script>var sample = '<tr><td>1000</td><td>x</td></tr>';</script>\n"
        '<article class="md-content">\n' + "\n".join(body) + "\n</article>\n</body>\n</html>\n"
    )


def markdown_html(text: str) -> str:
    """A Markdown page as a documentation site serves it: tables as HTML tables."""
    lines = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.DOTALL).splitlines()
    body, at = [], 0
    while at < len(lines):
        line = lines[at].strip()
        following = lines[at + 1] if at + 1 < len(lines) else ""
        if "|" in line and re.fullmatch(r"[\s|:-]+", following) and "-" in following:
            split = [[c.strip() for c in row.strip().strip("|").split("|")] for row in lines[at:]]
            width = next((n for n, row in enumerate(lines[at + 2 :]) if "|" not in row), None)
            rows = split[2 : 2 + width] if width is not None else split[2:]
            body.append(_table(split[0], [[_inline(c) for c in row] for row in rows]))
            at += 2 + len(rows)
            continue
        if heading := re.match(r"(#{1,6})\s+(.*)", line):
            level = len(heading.group(1))
            body.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif line.startswith("<"):
            body.append(line)
        elif line:
            body.append(f"<p>{_inline(line)}</p>")
        at += 1
    return _document(body)


def notificore_html(text: str) -> str:
    """Notificore's copied page (each cell on a line, then a line "|") as HTML tables."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    body, at = [], 0
    while at < len(lines):
        if at + 1 < len(lines) and lines[at + 1] == "|":
            cells = []
            while at + 1 < len(lines) and lines[at + 1] == "|":
                cells.append(html.escape(lines[at]))
                at += 2
            width = 2 if cells[0] == "Error Code" else 1
            rows = [cells[n : n + width] for n in range(0, len(cells), width)]
            body.append(_table(rows[0], rows[1:]))
            continue
        heads = at + 1 < len(lines) and lines[at + 2 : at + 3] == ["|"]
        tag = "h3" if heads else "p"
        body.append(f"<{tag}>{html.escape(lines[at])}</{tag}>")
        at += 1
    return _document(body)


def radist_html(text: str) -> str:
    """Radist's copied page as MkDocs serves it: code blocks in a table beside line numbers."""
    lines = text.splitlines()
    body, at, block = [], 0, 0
    while at < len(lines):
        if lines[at].strip().isdigit():
            numbers = []
            while at < len(lines) and lines[at].strip().isdigit():
                numbers.append(lines[at].strip())
                at += 1
            code = lines[at : at + len(numbers)]
            at += len(numbers)
            spans = "".join(
                f'<span id="__span-{block}-{n}"><a id="__codelineno-{block}-{n}"></a>'
                f"{html.escape(line)}\n</span>"
                for n, line in enumerate(code, 1)
            )
            body.append(
                '<div class="highlight"><table class="highlighttable"><tr><td class="linenos">'
                "<div><pre><span></span>"
                + "\n".join(f'<span class="normal">{n}</span>' for n in numbers)
                + f'</pre></div></td><td class="code"><div><pre><span></span><code>{spans}'
                "</code></pre></div></td></tr></table></div>"
            )
            block += 1
        else:
            if lines[at].strip():
                body.append(f"<p>{html.escape(lines[at].strip())}</p>")
            at += 1
    return _document(body)


def copied(page: str) -> str:
    """The text a browser copies from an HTML page: cells parted by tabs, blocks by lines."""
    text = re.sub(r"(?is)<(script|style|head)\b.*?</\1\s*>", "", page)
    text = re.sub(r"(?i)</t([dh])>\s*<t([dh])\b", r"</t\1>\t<t\2", text)
    blocks = r"p|div|h[1-6]|li|tr|pre|table|thead|tbody|ul|ol|nav|article|figure"
    text = re.sub(rf"(?i)<br\s*/?>|</?({blocks})\b[^>]*>", "\n", text)
    text = re.sub(r"<[^>]+>", "", text)
    return "\n".join(line.strip(" ") for line in html.unescape(text).splitlines())


RENDER: dict[str, Callable[[str], str]] = {
    "gosms": markdown_html,
    "notificore": notificore_html,
    "radist": radist_html,
    "mobizon": markdown_html,
    "gupshup": markdown_html,
}


def forms(provider: str, text: str, folder: Path) -> dict[str, Path]:
    """The page as saved (Markdown or text), as HTML, and as text copied from that HTML."""
    folder.mkdir(parents=True, exist_ok=True)
    page = RENDER[provider](text)
    paths = {
        "as saved": folder / f"{provider}.md",
        "html": folder / f"{provider}.html",
        "copied": folder / f"{provider}.txt",
    }
    paths["as saved"].write_text(text, encoding="utf-8")
    paths["html"].write_text(page, encoding="utf-8")
    paths["copied"].write_text(copied(page), encoding="utf-8")
    return paths


def seed(shared: Path, provider: str) -> str:
    return (shared / "seeds" / SEEDS[provider]).read_text(encoding="utf-8")


def newer_gosms(shared: Path) -> str:
    return (shared / "sources" / "gosms-code-error-current.md").read_text(encoding="utf-8")


def page_codes(markdown: str) -> list[str]:
    return re.findall(r"<kbd>(\d+)</kbd> \|", markdown)


@pytest.fixture
def older_catalogs(tmp_path: Path) -> Path:
    """Today's catalogs with GoSMS cut back to its older page: the 13 newer codes removed."""
    folder = tmp_path / "catalogs"
    shutil.copytree(CATALOGS, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    path = folder / "gosms.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["errors"] = [entry for entry in data["errors"] if entry["code"] not in NEWER]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


# ---------------------------------------------------------------- the seed pages


@pytest.mark.parametrize("provider", ["notificore", "radist", "mobizon", "gupshup"])
def test_each_seed_page_agrees_with_its_catalog(shared: Path, provider: str) -> None:
    """(As HTML and as copied text too: see test_html_and_copied_text_give_the_same_result.)"""
    status, output = diff(provider, shared / "seeds" / SEEDS[provider])
    assert (status, output.count("\n")) == (0, 1), output
    assert "the catalog and the page agree" in output


@pytest.mark.parametrize("form", FORMS)
def test_the_newer_gosms_page_agrees_with_the_catalog(
    shared: Path, tmp_path: Path, form: str
) -> None:
    status, output = diff("gosms", forms("gosms", newer_gosms(shared), tmp_path)[form])
    assert status == 0, output
    assert output == "GoSMS: the catalog and the page agree (28 errors).\n"


def test_the_newer_gosms_page_adds_exactly_the_13_codes(shared: Path) -> None:
    older, newer = page_codes(seed(shared, "gosms")), page_codes(newer_gosms(shared))
    assert [code for code in newer if code not in older] == NEWER
    assert set(older) < set(newer)


@pytest.mark.parametrize("form", FORMS)
def test_the_older_gosms_page_has_lost_only_the_newer_codes(
    shared: Path, tmp_path: Path, form: str
) -> None:
    """The catalog follows the newer page: against the older one, exactly the 13 codes the
    newer page added are "no longer on the page", and nothing is missing or reworded."""
    status, output = diff("gosms", forms("gosms", seed(shared, "gosms"), tmp_path)[form])
    assert status == 1
    assert marked(output, "-") == NEWER
    assert marked(output, "+") == marked(output, "~") == []
    assert "0 to add, 13 gone from the page, 0 changed." in output


@pytest.mark.parametrize("form", FORMS)
def test_the_newer_page_lists_the_13_codes_a_cut_back_catalog_lacks(
    shared: Path, tmp_path: Path, older_catalogs: Path, form: str
) -> None:
    page = forms("gosms", newer_gosms(shared), tmp_path / "pages")[form]
    status, output = diff("gosms", page, older_catalogs)
    assert status == 1
    assert marked(output, "+") == NEWER
    assert marked(output, "-") == marked(output, "~") == []
    assert "  + 1017: Вы указываете to_sim но не указали device_id, мы не сможем" in output
    assert "GoSMS: 28 errors on the page, 15 in the catalog." in output


def test_the_older_page_agrees_with_the_cut_back_catalog(
    shared: Path, tmp_path: Path, older_catalogs: Path
) -> None:
    page = forms("gosms", seed(shared, "gosms"), tmp_path)["html"]
    status, output = diff("gosms", page, older_catalogs)
    assert (status, output) == (0, "GoSMS: the catalog and the page agree (15 errors).\n")


# ---------------------------------------------------------------- changed wording

EDITS = [
    (
        "gosms",
        "Неверно указан номер телефона в поле phone_number.",
        "Номер телефона в поле phone_number указан в неверном формате.",
        "2001",
    ),
    ("notificore", "invalid originator", "invalid sender name", "25"),
    ("radist", '"message": "not paid"', '"message": "payment required"', "NOT_PAID (10)"),
    ("mobizon", "Помилка доступу до зазначеного методу API.", "Немає доступу до методу.", "9"),
    ("gupshup", "Низкий баланс кошелька", "Недостаточно средств", "1003"),
]


@pytest.mark.parametrize(("provider", "old", "new", "label"), EDITS)
@pytest.mark.parametrize("form", FORMS)
def test_a_reworded_row_is_reported_with_old_and_new(
    shared: Path, tmp_path: Path, provider: str, old: str, new: str, label: str, form: str
) -> None:
    text = newer_gosms(shared) if provider == "gosms" else seed(shared, provider)
    assert text.count(old) == 1
    status, output = diff(provider, forms(provider, text.replace(old, new), tmp_path)[form])
    assert status == 1
    assert marked(output, "+") == marked(output, "-") == []
    changes = [line for line in output.splitlines() if line.startswith("  ~ ")]
    assert len(changes) == 1 and changes[0].startswith(f"  ~ {label}"), output
    assert changes[0].endswith(", wording")
    old_text, new_text = (o.removeprefix('"message": "').rstrip('"') for o in (old, new))
    catalog_line, page_line = (line.strip() for line in output.splitlines()[-4:-2])
    assert catalog_line.startswith("catalog: ") and old_text in catalog_line
    assert page_line.startswith("page:    ") and new_text in page_line
    assert old_text not in page_line


def test_a_renumbered_radist_error_is_reported_by_its_name(shared: Path, tmp_path: Path) -> None:
    text = seed(shared, "radist").replace(
        '"10": {\n    "name": "NOT_PAID"', '"12": {\n    "name": "NOT_PAID"'
    )
    status, output = diff("radist", forms("radist", text, tmp_path)["html"])
    assert status == 1
    assert "  ~ NOT_PAID (10), code\n      catalog: 10\n      page:    12\n" in output


def test_a_reworded_notificore_api_2_text_is_one_gone_and_one_new(
    shared: Path, tmp_path: Path
) -> None:
    """API 2.0 errors have no code: their text is what identifies them."""
    text = seed(shared, "notificore").replace("Empty groups", "Empty contact groups")
    status, output = diff("notificore", forms("notificore", text, tmp_path)["copied"])
    assert status == 1
    assert len(marked(output, "+")) == len(marked(output, "-")) == 1
    assert marked(output, "~") == []
    assert "  + SMS Errors: Empty contact groups" in output
    assert "  - SMS errors: Empty groups" in output


# ---------------------------------------------------------------- one page, three forms


@pytest.mark.parametrize("provider", list(SEEDS))
def test_html_and_copied_text_give_the_same_result(
    shared: Path, tmp_path: Path, provider: str
) -> None:
    text = seed(shared, provider)
    results = {form: diff(provider, path) for form, path in forms(provider, text, tmp_path).items()}
    assert results["html"] == results["copied"] == results["as saved"]


def test_a_copied_cell_that_holds_a_list_stays_one_cell(shared: Path, tmp_path: Path) -> None:
    """Mobizon's code 8 holds a bulleted list: the copy breaks it over several lines."""
    page = forms("mobizon", seed(shared, "mobizon"), tmp_path)["copied"]
    assert "\nНеправильно вказані дані для входу;" in page.read_text(encoding="utf-8")
    assert diff("mobizon", page)[0] == 0


# ---------------------------------------------------------------- pages that are not pages


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("provider", list(SEEDS))
def test_another_providers_page_is_refused(
    catalog: Catalog, shared: Path, tmp_path: Path, provider: str, form: str
) -> None:
    name = {slug: pc.provider.name for slug, pc in catalog.providers.items()}
    for other in (other for other in SEEDS if other != provider):
        page = forms(other, seed(shared, other), tmp_path / other)[form]
        status, output = diff(provider, page)
        assert status == 2
        assert output.count("\n") == 1 and output.startswith("error: "), output
        assert f"is not {name[provider]}'s error page" in output
        assert output.endswith(f"(it looks like {name[other]}'s page)\n")


def test_the_error_messages_name_providers_as_the_catalogs_do(catalog: Catalog) -> None:
    assert {slug: pc.provider.name for slug, pc in catalog.providers.items()} == NAMES


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text("  \n\n", encoding="utf-8")
    assert diff("gosms", tmp_path / "page.html") == (2, f"error: {tmp_path}/page.html is empty\n")


def test_a_binary_file_is_refused(tmp_path: Path) -> None:
    page = tmp_path / "page.png"
    page.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    status, output = diff("gosms", page)
    assert (status, output) == (2, f"error: {page} is not a text or HTML file (binary content)\n")


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    status, output = diff("radist", tmp_path / "nowhere.html")
    assert (status, output) == (2, f"error: {tmp_path}/nowhere.html: no such file\n")


def test_a_folder_is_refused(tmp_path: Path) -> None:
    status, output = diff("mobizon", tmp_path)
    assert (status, output) == (2, f"error: {tmp_path} is a folder, not a saved page\n")


def test_a_page_with_no_table_is_refused(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text("<html><body><h1>Коды ошибок</h1><p>Скоро здесь.</p></body></html>")
    status, output = diff("gosms", page)
    assert status == 2
    assert output == (
        f"error: {page} is not GoSMS's error page: "
        'no table headed "Код | Описание" with codes in it\n'
    )


def test_an_unknown_provider_is_refused(tmp_path: Path) -> None:
    status, output = diff("twilio", tmp_path / "page.html")
    assert status == 2 and output.startswith("error: unknown provider 'twilio'")


def test_page_text_in_windows_1251_is_read(shared: Path, tmp_path: Path) -> None:
    page = tmp_path / "gosms.html"
    rendered = markdown_html(newer_gosms(shared)).replace(
        'charset="utf-8"', 'charset="windows-1251"'
    )
    page.write_bytes(rendered.encode("cp1251"))
    assert diff("gosms", page)[0] == 0


# ---------------------------------------------------------------- wording, markup removed


@pytest.mark.parametrize(
    ("source", "plain"),
    [
        ("[Неизвестная ошибка](#1000)", "Неизвестная ошибка"),
        ("В полі `data`   представлена", "В полі data представлена"),
        ("<sup><strong>500</strong></sup>", "500"),
        (
            "коли: <ul><li> Неправильно;</li><li>Коли</li></ul> Більш",
            "коли: Неправильно; Коли Більш",
        ),
        ("user&#8217;s &amp; <kbd>id</kbd>.", "user’s & id."),
        ("![img](a.png) **API**\u00a0ключ", "API ключ"),
    ],
)
def test_markup_is_removed_before_wording_is_compared(source: str, plain: str) -> None:
    assert clean(source) == plain


def test_a_file_larger_than_its_size_says_is_refused_after_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A /proc file's size is 0 whatever it holds: what is read is counted, not what stat says.
    monkeypatch.setattr(layout, "MAX_BYTES", 100)
    page = Path("/proc/self/status")
    assert page.stat().st_size == 0 and len(page.read_bytes()) > 100
    assert diff("gosms", page) == (2, f"error: {page} is too large to be an error page\n")


def test_an_endless_device_is_refused_unread() -> None:
    assert diff("gosms", Path("/dev/zero")) == (2, "error: /dev/zero: not a regular file\n")
