"""Section "Data citation, configuration and software"."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

import numpy as np

from eegstate.report.context import ReportContext
from eegstate.report.inputs import GroupTables
from eegstate.report.templating import render
from eegstate.report.view import Section, Table

KEY = "about"

#: Packages whose versions are listed.
PACKAGES: tuple[str, ...] = ("eegstate", "mne", "numpy", "scipy", "pandas", "matplotlib")


def package_versions() -> dict[str, str]:
    """Versions of eegstate and the main scientific dependencies.

    Returns
    -------
    dict
        Package name -> version string (``"unknown"`` when not importable).
    """
    out: dict[str, str] = {}
    for name in PACKAGES:
        try:
            module = importlib.import_module(name)
            out[name] = str(getattr(module, "__version__", "unknown"))
        except ImportError:
            out[name] = "unknown"
    return out


def _plain_config(value: Any) -> Any:
    """Convert a config to YAML-safe builtins (paths and numpy scalars to plain values)."""
    if isinstance(value, Mapping):
        return {str(k): _plain_config(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return [_plain_config(v) for v in items]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return _plain_config(value.tolist())
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def config_yaml(config: Mapping[str, Any] | None) -> str:
    """Dump the configuration as YAML (key order preserved).

    Parameters
    ----------
    config : mapping or None
        Configuration dictionary.

    Returns
    -------
    str
        YAML text.
    """
    import yaml

    return yaml.safe_dump(
        _plain_config(config or {}), sort_keys=False, allow_unicode=True, default_flow_style=False
    )


def build(tables: GroupTables, ctx: ReportContext) -> Section:
    """Render the citation, configuration and versions.

    Parameters
    ----------
    tables : GroupTables
        ``citation`` is read.
    ctx : ReportContext
        The configuration and package versions shown.

    Returns
    -------
    Section
        The section.
    """
    body = render(
        "sections/about.html.j2",
        citation=tables.citation or "",
        config=config_yaml(ctx.config),
        versions=Table.of(("Package", "Version"), list(ctx.versions.items())),
    )
    return Section(KEY, "Data citation, configuration and software", body)
