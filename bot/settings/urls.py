"""The URL settings (DATABASE_URL, REDIS_URL, WEBHOOK_URL, TELEGRAM_API_URL): whether one can be
used, in a line that never repeats it, and any URL with its secrets masked for output."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlsplit

# Each URL setting's schemes, and how its URL is written.
SCHEMES = {
    # (placeholders in <>: as a URL, its password was masked in doctor's hint, "user:***@")
    "database_url": (
        ("postgresql", "postgres"),
        "postgresql://<user>:<password>@<host>:<port>/<database>",
    ),
    "redis_url": (("redis", "rediss", "unix"), "redis://host:port/number (or rediss://, unix://)"),
    "webhook_url": (("https", "http"), "https://host/path"),
    "telegram_api_url": (("https", "http"), "http://host:port of a Bot API server"),
}
ENCODE = "a password's special characters are written percent-encoded: # as %23, @ as %40, / as %2F"
MASK = "***"
# A query parameter or a key=value pair whose value is a secret (password=, sslpassword=, pwd=,
# api_key=, token=, secret=).
SECRET_NAME = r"[\w.-]*(?:pass|pwd|secret|token|key|auth)[\w.-]*"
# A URL in a sentence, without the punctuation that ends the sentence ("cannot reach URL: ...").
_URL = re.compile(r"\b([a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>]+?)([.,:;)\]]*(?:[\s'\"<>]|$))")
_QUERY_SECRET = re.compile(rf"(?i)([?&;]{SECRET_NAME}=)[^&#;\s]*")
_KEY_VALUE = re.compile(
    r"(?i)\b((?:ssl)?pass(?:word|wd)?|pwd)(\s*=\s*)(?!\*\*\*)('(?:[^'\\]|\\.)*'|[^\s&'\"]+)"
)
# Any bot's token, alone or in a Bot API path (/bot123:AAH...), where "bot" is kept.
_TOKEN = re.compile(r"((?<![\w:])bot|(?<![\w:]))\d{3,20}:[A-Za-z0-9_-]{30,}(?![\w-])")


def url_problem(url: str, setting: str) -> str | None:
    """What makes ``url`` unusable as ``setting`` (a key of SCHEMES), in words that never
    repeat it; None if it parses as the library that reads it will (asyncpg, redis, aiohttp)."""
    schemes, shape = SCHEMES[setting]
    scheme = url.partition("://")[0].lower()
    if "://" not in url or scheme not in schemes:
        return f"use {shape}"
    if any(char.isspace() for char in url):
        return "has a space or a line break inside: paste the URL as one piece"
    if "#" in url:
        return f"has a # (the URL would end there; {ENCODE})"
    try:
        parts = urlsplit(url)
        parse_qsl(parts.query, strict_parsing=bool(parts.query))
    except ValueError:
        return f"does not parse as a URL: its host or its query ({ENCODE})"
    if parts.netloc.count("@") > 1:
        return f"has more than one @ before the host ({ENCODE})"
    if scheme == "unix":
        return None if parts.path else "a unix:// URL needs the socket's path"
    hosts = parts.netloc.rpartition("@")[2]
    for host in hosts.split(",") if scheme.startswith("postgres") else [hosts]:
        address, port = _host_and_port(host)
        if port and not (port.isascii() and port.isdigit() and 0 < int(port) < 65536):
            return f"has a port that is not a number from 1 to 65535 ({ENCODE})"
        if not address and scheme in ("http", "https"):
            return "has no host"
    return None


def _host_and_port(host: str) -> tuple[str, str]:
    if host.startswith("["):  # an IPv6 address, [::1]:5432
        address, _, rest = host.partition("]")
        return address[1:], rest.removeprefix(":") if rest else ""
    address, _, port = host.partition(":")
    return address, port


def mask_urls(text: str) -> str:
    """``text`` with the secrets of every URL in it masked: the password of its userinfo (all of
    a userinfo without a colon), secret-named query parameters, key=value passwords (a libpq
    DSN's) and bot tokens. Names, hosts and paths are kept."""
    text = _URL.sub(lambda match: _masked(match[1]) + match[2], text)
    text = _KEY_VALUE.sub(lambda m: f"{m[1]}{m[2]}{MASK}", text)
    return _TOKEN.sub(r"\1<redacted>", text)


def _masked(url: str) -> str:
    # The userinfo ends at the last @: a password may hold an unencoded @ or /, and a path's
    # rare @ only costs a host hidden too.
    scheme, _, rest = url.partition("://")
    userinfo, at, place = rest.rpartition("@")
    if at:
        user, colon, _ = userinfo.partition(":")
        rest = (f"{user}:{MASK}@" if colon and "/" not in user else f"{MASK}@") + place
    return _QUERY_SECRET.sub(rf"\g<1>{MASK}", f"{scheme}://{rest}")


def url_secrets(url: str | None) -> list[str]:
    """The secrets a URL holds, as written and decoded: its password (the userinfo's, or a
    secret-named query parameter's)."""
    if not url:
        return []
    found = []
    userinfo = url.partition("://")[2].rpartition("@")[0]
    if userinfo:
        user, colon, password = userinfo.partition(":")
        found.append(password if colon and "/" not in user else userinfo)
    found += [m.group()[len(m[1]) :] for m in _QUERY_SECRET.finditer(url)]
    return [s for secret in found for s in dict.fromkeys((secret, unquote(secret))) if s]
