"""``python -m bot sources diff PROVIDER FILE``: a saved copy of a provider's error page against
its catalog (bot/sources/)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The command's grammar."""
    sources = commands.add_parser("sources", help="the providers' own pages against the catalogs")
    diff = sources.add_subparsers(dest="action", required=True).add_parser(
        "diff", help="a saved copy of a provider's error page against its catalog"
    )
    diff.add_argument("provider", help="the provider's slug, e.g. gosms")
    diff.add_argument("file", help="the page saved as HTML, or the text or Markdown copied")
    diff.add_argument("--catalogs", help="catalog folder (default: CATALOGS_DIR)")
    diff.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """0 agree, 1 differ, 2 unreadable."""
    from bot.cli.environment import catalog_settings as settings
    from bot.sources import run as diff

    folder = args.catalogs or settings().catalogs_dir
    return diff(args.provider, Path(args.file), folder, sys.stdout)
