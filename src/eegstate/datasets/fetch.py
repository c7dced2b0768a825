"""One entry point for downloading any dataset: ``eegstate fetch`` and the workflow's fetch rules.

Each downloadable adapter has its own fetcher (MNE's for EEGBCI; pooch with MNE's pinned SHA-1
for Sleep-EDF; the mirror or a manual step for Farnes et al.; openneuro-py for OpenNeuro); this
module picks it from the configuration and returns what each did.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pooch import file_hash

from eegstate.datasets.download import ChecksumError, FetchSummary

logger = logging.getLogger(__name__)

#: Adapters with something to download.
DOWNLOADABLE: tuple[str, ...] = ("eegbci", "sleep-physionet", "farnes-ketamine", "openneuro")


def _fetch_eegbci(config: Mapping[str, Any], subjects: Sequence[Any] | None) -> list[FetchSummary]:
    from eegstate.datasets.eegbci import (
        eegbci_data_dir,
        eegbci_path,
        eegbci_subjects,
        fetch_eegbci,
    )

    root = eegbci_data_dir(config["data_dir"])
    runs = [config["eegbci"]["runs"][config[role]] for role in ("baseline", "target")]
    checksums = _eegbci_checksums()
    summaries = []
    for subject in eegbci_subjects(subjects):
        summary = FetchSummary(f"eegbci subject {subject}", root)
        before = {run: eegbci_path(root, subject, run).is_file() for run in runs}
        for run, path in zip(runs, fetch_eegbci(subject, runs, config["data_dir"]), strict=True):
            if not before[run]:
                summary.add(path, "downloaded")  # verified by MNE's fetcher (pooch)
                continue
            expected = checksums.get(f"{path.parent.name}/{path.name}")
            if expected is None:
                summary.add(path, "present")
            elif file_hash(str(path)) == expected:
                summary.add(path, "verified")
            else:
                raise ChecksumError(
                    f"{path} does not match MNE's published SHA-256; delete it and fetch again"
                )
        summaries.append(summary)
    return summaries


def _eegbci_checksums() -> dict[str, str]:
    """SHA-256 of every EEGBCI file, from the registry MNE ships (``SNNN/SNNNRMM.edf``)."""
    from importlib.resources import files

    text = files("mne").joinpath("data", "eegbci_checksums.txt").read_text()
    return dict(line.split()[:2] for line in text.splitlines() if line.strip())


def _fetch_sleep(
    config: Mapping[str, Any], subjects: Sequence[Any] | None, progressbar: bool
) -> list[FetchSummary]:
    from eegstate.datasets.sleep_physionet import fetch_sleep_subject, selected_records

    params = config["sleep_physionet"]
    chosen = sorted(set(selected_records(params, subjects)["subject"]))
    return [
        fetch_sleep_subject(subject, params, config["data_dir"], progressbar=progressbar)
        for subject in chosen
    ]


def fetch_dataset(
    config: Mapping[str, Any],
    subjects: Sequence[Any] | None = None,
    *,
    progressbar: bool = True,
) -> list[FetchSummary]:
    """Download (or verify) the data of a configuration.

    Parameters
    ----------
    config : mapping
        Validated configuration; ``adapter`` chooses the dataset, ``data_dir`` where it goes.
    subjects : sequence, optional
        Subjects to fetch (default: the config's ``subjects``; see each adapter).
    progressbar : bool
        Show progress bars.

    Returns
    -------
    list of FetchSummary
        One per subject (or one for the whole dataset).

    Raises
    ------
    ValueError
        For adapters that read local files only.
    """
    adapter = config["adapter"]
    subjects = subjects if subjects else config["subjects"]
    if adapter == "eegbci":
        return _fetch_eegbci(config, subjects)
    if adapter == "sleep-physionet":
        return _fetch_sleep(config, subjects, progressbar)
    if adapter == "farnes-ketamine":
        from eegstate.datasets.farnes import fetch_farnes

        return [fetch_farnes(config["data_dir"])]
    if adapter == "openneuro":
        from eegstate.datasets.openneuro import fetch_openneuro

        if not subjects:
            raise ValueError("OpenNeuro: name the subjects to fetch (--subjects or 'subjects')")
        labels = [str(subject).removeprefix("sub-") for subject in subjects]
        return [fetch_openneuro(config, labels)]
    raise ValueError(
        f"adapter {adapter!r} reads local files: nothing to fetch (downloadable: "
        f"{', '.join(DOWNLOADABLE)})"
    )


def fetch_manifest(summaries: Sequence[FetchSummary], out: str | Path) -> Any:
    """Write the workflow's fetch manifest (``path, bytes, sha256``) of the fetched files."""
    from eegstate.datasets.download import manifest_table
    from eegstate.io import write_table

    manifest = manifest_table(path for summary in summaries for path in summary.files)
    write_table(manifest, out)
    return manifest
