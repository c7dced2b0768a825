"""Data steps: make a dataset's recordings available (generate or download)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from eegstate.io import write_table

logger = logging.getLogger(__name__)


def sha256sum(path: str | Path, chunk_size: int = 1 << 20) -> str:
    """SHA-256 hex digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def simulate_dataset(config: Mapping[str, Any], out_dir: str | Path) -> pd.DataFrame:
    """Generate the simulated cohort of a configuration into ``out_dir``.

    Parameters
    ----------
    config : mapping
        Validated configuration (uses ``simulation``, ``baseline``, ``target``, ``seed``).
    out_dir : str or pathlib.Path
        Destination folder.

    Returns
    -------
    pandas.DataFrame
        The sample table of the cohort.
    """
    from eegstate.simulate import simulate_cohort

    return simulate_cohort(
        Path(out_dir), config["simulation"], config["baseline"], config["target"], config["seed"]
    )


def fetch_eegbci_subject(
    subject: int | str, runs: Sequence[int], data_dir: str | Path | None, manifest_out: str | Path
) -> pd.DataFrame:
    """Make one EEGBCI subject's runs available and write a manifest (path, bytes, sha256).

    Files already present are not downloaded again and never modified.

    Parameters
    ----------
    subject : int or str
        Subject number.
    runs : sequence of int
        Run numbers.
    data_dir : str or pathlib.Path or None
        MNE cache root.
    manifest_out : str or pathlib.Path
        TSV manifest written after the files are verified present.

    Returns
    -------
    pandas.DataFrame
        The manifest.
    """
    from eegstate.datasets.eegbci import fetch_eegbci

    paths = fetch_eegbci(int(subject), runs, data_dir)
    manifest = pd.DataFrame(
        {
            "path": [str(path) for path in paths],
            "bytes": [path.stat().st_size for path in paths],
            "sha256": [sha256sum(path) for path in paths],
        }
    )
    write_table(manifest, manifest_out)
    return manifest
