"""What a person sees of a rendered answer, once its markup is checked against the tags
the bot may use."""

from __future__ import annotations

from html.parser import HTMLParser

ALLOWED_TAGS = {"b", "i", "code", "blockquote", "a"}


class TagChecker(HTMLParser):
    """Fails on tags Telegram does not know and on tags left open or closed out of order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        assert tag in ALLOWED_TAGS, tag
        if tag == "a":
            assert [name for name, _ in attrs] == ["href"]
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open.pop() == tag, tag

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def check_html(message: str) -> str:
    """The text a person sees, after checking the markup is what Telegram accepts."""
    checker = TagChecker()
    checker.feed(message)
    checker.close()
    assert checker.open == []
    return "".join(checker.text)
