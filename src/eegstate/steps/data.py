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


def fetch_dataset_files(
    config: Mapping[str, Any], subject: str | None, manifest_out: str | Path
) -> pd.DataFrame:
    """Workflow fetch step of a downloadable adapter: fetch, verify, write the manifest.

    The manifest (``path, bytes, sha256`` of every file the subject's recordings need) is the
    rule's only output, so Snakemake never owns, and so never deletes, the dataset's files.

    Parameters
    ----------
    config : mapping
        Validated configuration (its ``adapter`` chooses the fetcher).
    subject : str or None
        Subject label, or None for a whole-dataset fetch.
    manifest_out : str or pathlib.Path
        TSV manifest to write.

    Returns
    -------
    pandas.DataFrame
        The manifest.
    """
    from eegstate.datasets.fetch import fetch_dataset, fetch_manifest

    summaries = fetch_dataset(config, [subject] if subject else None, progressbar=False)
    for summary in summaries:
        logger.info("%s", summary.describe())
    return fetch_manifest(summaries, manifest_out)


def extract_sleep_night(
    config: Mapping[str, Any], subject: str, session: str, outputs: Sequence[str | Path]
) -> dict[str, int]:
    """Workflow step: cut one Sleep-EDF night into one recording per state (baseline, target).

    Parameters
    ----------
    config : mapping
        Validated configuration (``data_dir``, ``sleep_physionet``, ``baseline``, ``target``).
    subject, session : str
        Subject label (``00``) and session (night ``1``/``2`` or ``placebo``/``temazepam``).
    outputs : sequence of str or pathlib.Path
        FIF files of the baseline and target recordings, in that order.

    Returns
    -------
    dict
        State -> number of 30-s epochs written.
    """
    from eegstate.datasets.sleep_physionet import extract_stage_recordings, night_files

    params = config["sleep_physionet"]
    psg, hypnogram = night_files(config["data_dir"], params["study"], int(subject), session)
    states = (config["baseline"], config["target"])
    return extract_stage_recordings(
        psg,
        hypnogram,
        params["states"],
        dict(zip(states, outputs, strict=True)),
        wake_margin_min=params["wake_margin_min"],
    )
