"""Where the data files that ship with the package are: catalogs, migrations, strings, SQL.

The repository keeps ``catalogs/`` and ``migrations/`` at its top level; the build maps them into
the package as ``bot.catalogs`` and ``bot.migrations`` (pyproject.toml), and an editable install
maps them likewise, so the code finds every file through ``importlib.resources`` however the
package was installed.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def packaged(package: str) -> Path:
    """The folder of a data package as installed: ``bot.catalogs``, ``bot.migrations``."""
    folder = resources.files(package)
    if not isinstance(folder, Path):  # a zip import: the loaders read real files
        raise RuntimeError(f"{package} must be installed as files, not inside an archive")
    return folder


def read_text(package: str, name: str) -> str:
    """A data file of a package (``read_text("bot.core", "strings.yaml")``)."""
    return resources.files(package).joinpath(name).read_text(encoding="utf-8")
