"""Install a package with ``eegstate.datasets`` entry points into a folder (no pip, offline).

importlib.metadata finds a distribution through its ``<name>-<version>.dist-info`` folder on
``sys.path``, so a folder holding the package and that metadata, put on ``sys.path`` (or
``PYTHONPATH`` for a subprocess), is an installed plugin.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from eegstate.datasets.registry import ENTRY_POINT_GROUP


def install_plugin(
    site: Path, distribution: str, modules: Mapping[str, str], entry_points: Mapping[str, str]
) -> Path:
    """Write ``modules`` (relative path -> source) and a dist-info declaring ``entry_points``
    (adapter name -> ``module:attribute``) under ``site``; return ``site``."""
    for relative, source in modules.items():
        path = site / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    info = site / f"{distribution}-0.1.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {distribution}\nVersion: 0.1\n", encoding="utf-8"
    )
    lines = [
        f"[{ENTRY_POINT_GROUP}]",
        *(f"{name} = {target}" for name, target in entry_points.items()),
    ]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return site
