"""Locate the workflow files (Snakefile, schemas, default configs) shipped with eegstate."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def workflow_root() -> Path:
    """Return the folder that holds ``Snakefile``, ``workflow/`` and ``config/``.

    A regular (wheel) install carries them inside the package as ``eegstate/_workflow``; an
    editable install or a source checkout finds them at the repository root.

    Returns
    -------
    pathlib.Path
        The workflow root.

    Raises
    ------
    FileNotFoundError
        If neither location holds a ``Snakefile``.
    """
    candidates = (_PACKAGE_DIR / "_workflow", _PACKAGE_DIR.parents[1])
    for candidate in candidates:
        if (candidate / "Snakefile").is_file():
            return candidate
    searched = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(
        f"eegstate cannot find its Snakefile (searched {searched}); reinstall the package."
    )


def config_schema_path() -> Path:
    """Return the path of ``workflow/schemas/config.schema.yaml``."""
    return workflow_root() / "workflow" / "schemas" / "config.schema.yaml"


def samples_schema_path() -> Path:
    """Return the path of ``workflow/schemas/samples.schema.yaml``."""
    return workflow_root() / "workflow" / "schemas" / "samples.schema.yaml"


def default_config_path() -> Path:
    """Return the path of the default configuration ``config/config.yaml``."""
    return workflow_root() / "config" / "config.yaml"
