"""Secrets in pasted markup and command lines: YAML block values, XML elements, a URL's
user:password and curl's ``-u user:password``."""

from __future__ import annotations

import re

from bot.analytics.named_secrets import MASKED, names_secret

# A YAML key at the end of its line, maybe with a block scalar's indicator ("password: |",
# "auth:"): its value is the lines below indented deeper (and, for a list, "- " items level with
# it). Only the line structure says where such a value ends, so this is read before the lines
# are joined.
_BLOCK_HEAD = re.compile(
    r"(?<![^\s{,])(?P<key>[\"']?-*[^\W\d][\w.-]*+[\"']?)[ \t]*(?P<colon>:)"
    r"[ \t]*(?P<indicator>[|>][-+1-9]{0,2})?[ \t]*(?:#.*)?$"
)
# An element and what it holds: named by its tag (<password>, <wsse:Password Type="...">) or by
# its name attribute (<string name="password">, <add key="ApiKey" value="..."/>). What it holds
# runs to its closing tag, or is one word when none follows.
_ELEMENT = re.compile(
    r"<(?P<tag>(?:[\w.-]++:)?+(?P<name>[^\W\d][\w.-]*+))(?P<attributes>\s[^<>]*+)?>"
    r"(?P<content><!\[CDATA\[(?:[^\]]|\](?!\]>))*+(?:\]\]>)?"
    r"|[^<]*+(?=</(?P=tag)\s*>)|[^\s<]++)?",
    re.IGNORECASE,
)
_NAMING_ATTRIBUTE = re.compile(
    r"(?<![\w-])(?:name|key|id|field|type)\s*=\s*[\"']([^\"'<>]*)[\"']"
)  # <input type="password" value="...">
_VALUE_ATTRIBUTE = re.compile(r"((?<![\w-])value\s*=\s*)([\"'])[^\"'<>]*\2?", re.IGNORECASE)
# A URL's user information (https://anna:hunter2@host/): up to its last @ before the path.
_USERINFO = re.compile(r"(?<![\w+.-])([a-z][a-z0-9+.-]*+://)[^\s/?#]*@", re.IGNORECASE)
# ...and without its scheme ("anna:hunter2@host.com", "//anna:x@host"), which an e-mail address
# (kept in a message to the team) never has: a colon before its @.
_BARE_USERINFO = re.compile(
    r"(?:(?<=//)|(?<![\w.+/:-]))(?!(?:e-?mail|mailto|mail|почта|пошта|contact|from|to|reply-to|cc)"
    r":)[\w.+-]++:[^\s/@:]++@(?=[\w-]++(?:\.[\w-]++)+)",
    re.IGNORECASE,
)  # ("Email:anna@x.com", a contact card's line, is an address after its label)
# An address and its password after it: "anna@x.com:Hunter2x", "anna@x.com / Hunter2x".
_ADDRESS_THEN_PASSWORD = re.compile(
    r"((?<![\w.+-])[\w.+-]++@[\w-]++(?:\.[\w-]++)+\s*(?::|\s/\s|\s\|\s)\s*)(?![\w.+-]*@)(\S+)"
)
# curl's user:password (-u, --user, -U and --proxy-user for the proxy's), attached or not.
_CURL_USER = re.compile(
    r"(?<!\S)(-u|--user|-U|--proxy-user)(\s+|=|(?=[^\s-]))(\"[^\"]*\"?|'[^']*'?|[^\s\"']\S*)"
)
_MASKED = re.compile(MASKED)
# A command line's option that names a secret, its value after a space ("--password hunter2",
# "--auth anna:x"; "--password=x" is named_secrets' to read); a password glued to mysql's -p,
# sshpass's -p with or without a space.
_OPTION_VALUE = r"(\"[^\"\n]*\"?|'[^'\n]*'?|\S+)"  # quoted whole, spaces and all
_SECRET_OPTION = re.compile(rf"(?<!\S)(--?[A-Za-z][\w-]*)(\s+)(?!-){_OPTION_VALUE}")
_P_OPTION = re.compile(
    rf"(?<![\w-])((?:mysql\w*|mariadb\w*)\b[^\n|;&]*?\s-p)(?=\S){_OPTION_VALUE}"
    rf"|(?<![\w-])(sshpass\b[^\n|;&]*?\s-p\s*){_OPTION_VALUE}",
    re.IGNORECASE,
)


def mask_blocks(text: str) -> str:
    """``text`` with the value of every secret-named YAML key that its lines below hold masked
    ("password: |" and its indented lines become "password: <secret>")."""
    if "\n" not in text:
        return text
    lines = text.split("\n")
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        head = _BLOCK_HEAD.search(line)
        if head is None or not names_secret(head["key"].strip("\"'")):
            out.append(line)
            continue
        indent = _indent(line)
        end = index
        while end < len(lines) and _continues(lines[end], indent, list_too=not head["indicator"]):
            end += 1
        while end > index and not lines[end - 1].strip():
            end -= 1  # blank lines after it are not part of it
        if end == index and not head["indicator"]:
            out.append(line)  # "password:" and nothing below: the value is on the next line
            continue
        out.append(line[: head.end("colon")] + " <secret>")
        index = end
    return "\n".join(out)


def mask_credentials(text: str) -> str:
    """``text`` with a URL's user information, curl's user:password and what secret-named XML
    elements hold replaced."""
    text = _ELEMENT.sub(_element, text)  # first: what is masked later reads as an element
    text = _USERINFO.sub(r"\1<secret>@", text)
    if "@" in text:
        text = _BARE_USERINFO.sub("<secret>@", text)
        text = _ADDRESS_THEN_PASSWORD.sub(r"\1<secret>", text)
    text = _CURL_USER.sub(_curl_user, text)
    if "-" in text:
        text = _P_OPTION.sub(_p_option, text)
        text = _SECRET_OPTION.sub(_secret_option, text)
    return text


_NAMES_A_FILE = re.compile(r"file|path|dir", re.IGNORECASE)


def _p_option(match: re.Match[str]) -> str:
    return f"{match[1] or match[3]}<secret>"


def _secret_option(match: re.Match[str]) -> str:
    option, space, value = match.groups()
    name = option.lstrip("-")
    if not names_secret(name) or _MASKED.fullmatch(value) or _NAMES_A_FILE.search(name):
        return match.group()  # "--key-file /etc/ssl/key.pem" names where a secret is
    return f"{option}{space}<secret>"


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _continues(line: str, indent: int, *, list_too: bool) -> bool:
    """Whether ``line`` belongs to the value of a key indented by ``indent``."""
    if not line.strip() or _indent(line) > indent:
        return True
    return list_too and _indent(line) == indent and line[indent:].startswith("- ")


def _curl_user(match: re.Match[str]) -> str:
    option, separator, value = match.groups()
    if ":" not in value or _MASKED.fullmatch(value):
        return match.group()  # a user name alone, or -u of another command ("sudo -u root")
    quote = value[0] if value[0] in "\"'" else ""
    closed = quote and len(value) > 1 and value.endswith(quote)
    return f"{option}{separator}{quote}<secret>{quote if closed else ''}"


def _element(match: re.Match[str]) -> str:
    content = match["content"] or ""
    if (
        match["attributes"] is None
        and _MASKED.fullmatch(f"<{match['tag']}>")
        and not any(char.isalnum() for char in content)
    ):  # a mask of ours with a mark after it ("**<secret>**", "<secret>,"), no element
        return match.group()
    attributes = match["attributes"] or ""
    named = any(names_secret(name) for name in _NAMING_ATTRIBUTE.findall(attributes))
    if not (named or names_secret(match["name"])):
        return match.group()
    if named:
        attributes = _VALUE_ATTRIBUTE.sub(r"\1\2<secret>\2", attributes)
    if attributes.rstrip().endswith("/") or not content.strip() or _MASKED.fullmatch(content):
        return f"<{match['tag']}{attributes}>{content}"  # what follows <x/> is not its content
    return f"<{match['tag']}{attributes}><secret>"
