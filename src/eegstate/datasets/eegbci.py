"""PhysioNet EEG Motor Movement/Imagery (EEGBCI) resting runs.

Runs R01 (one minute resting, eyes open) and R02 (eyes closed) of 109 subjects, 64 channels,
160 Hz, EDF+. Read through :func:`mne.datasets.eegbci.load_data`, which keeps MNE's cache layout
``<data_dir>/MNE-eegbci-data/files/eegmmidb/1.0.0/SNNN/SNNNRMM.edf`` and downloads only missing
files. Licence: Open Data Commons Attribution 1.0. Cite Schalk et al. 2004 (IEEE TBME
51:1034) and Goldberger et al. 2000 (Circulation 101:e215).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from eegstate.datasets.base import (
    PHYSIONET,
    DatasetAdapter,
    DatasetInfo,
    PreparationJob,
    state_label_problems,
    subject_fetch_job,
    subject_manifest,
)

if TYPE_CHECKING:
    from eegstate.datasets.download import FetchSummary

logger = logging.getLogger(__name__)

DEFAULT_SUBJECTS: tuple[int, ...] = tuple(range(1, 11))


def eegbci_data_dir(data_dir: str | Path | None) -> Path:
    """Root of MNE's EEGBCI cache: ``data_dir`` or MNE's configured default (``~/mne_data``)."""
    if data_dir:
        return Path(data_dir).expanduser().resolve()
    import mne

    configured = mne.get_config("MNE_DATASETS_EEGBCI_PATH") or mne.get_config("MNE_DATA")
    return Path(configured or Path.home() / "mne_data").expanduser().resolve()


def eegbci_path(data_dir: Path, subject: int, run: int) -> Path:
    """Path of one EEGBCI run in MNE's cache layout."""
    return (
        data_dir
        / "MNE-eegbci-data"
        / "files"
        / "eegmmidb"
        / "1.0.0"
        / f"S{subject:03d}"
        / f"S{subject:03d}R{run:02d}.edf"
    )


def eegbci_subjects(subjects: Sequence[Any] | None) -> list[int]:
    """Validate subject numbers (1-109); ``None`` means subjects 1-10."""
    if subjects is None:
        return list(DEFAULT_SUBJECTS)
    numbers = []
    for subject in subjects:
        try:
            number = int(str(subject).lstrip("Ss"))
        except ValueError as err:
            raise ValueError(
                f"option 'subjects': {subject!r} is not an EEGBCI subject number"
            ) from err
        if not 1 <= number <= 109:
            raise ValueError(f"option 'subjects': EEGBCI subjects are 1-109, got {number}")
        numbers.append(number)
    return sorted(set(numbers))


def plan_eegbci(config: Mapping[str, Any]) -> pd.DataFrame:
    """Recordings of the configured EEGBCI subjects and runs (no download).

    Parameters
    ----------
    config : mapping
        Validated configuration; uses ``data_dir``, ``subjects``, ``eegbci.runs``, ``baseline``
        and ``target``.

    Returns
    -------
    pandas.DataFrame
        Columns ``subject, session, state, path, eyes, task``. Subjects are labelled with three
        digits (``002``).
    """
    data_dir = eegbci_data_dir(config["data_dir"])
    runs = config["eegbci"]["runs"]
    rows = []
    for subject in eegbci_subjects(config["subjects"]):
        for state in (config["baseline"], config["target"]):
            rows.append(
                {
                    "subject": f"{subject:03d}",
                    "session": "",
                    "state": state,
                    "path": str(eegbci_path(data_dir, subject, runs[state])),
                    "eyes": "",
                    "task": "",
                }
            )
    return pd.DataFrame(rows)


def fetch_eegbci(subject: int, runs: Sequence[int], data_dir: str | Path | None) -> list[Path]:
    """Make the runs of one subject available locally, downloading only missing files.

    Parameters
    ----------
    subject : int
        Subject number (1-109).
    runs : sequence of int
        Run numbers.
    data_dir : str or pathlib.Path or None
        Cache root (see :func:`eegbci_data_dir`).

    Returns
    -------
    list of pathlib.Path
        The local files.
    """
    import mne

    root = eegbci_data_dir(data_dir)
    expected = [eegbci_path(root, subject, run) for run in runs]
    missing = [path for path in expected if not path.is_file()]
    if missing:
        logger.info("downloading EEGBCI subject %d runs %s into %s", subject, list(runs), root)
        root.mkdir(parents=True, exist_ok=True)
        try:
            mne.datasets.eegbci.load_data(subject, list(runs), path=str(root), update_path=False)
        except Exception as err:  # network and HTTP errors come in many types
            raise FileNotFoundError(
                f"EEGBCI subject {subject}: could not download {', '.join(map(str, missing))} "
                f"({type(err).__name__}: {err}). Check the network connection, or copy the "
                f"files into {root} in MNE's cache layout, or leave subject {subject} out of "
                "'subjects'."
            ) from err
    still_missing = [str(path) for path in expected if not path.is_file()]
    if still_missing:
        raise FileNotFoundError(
            f"EEGBCI files not available after download: {', '.join(still_missing)}"
        )
    return expected


def standardize_eegbci(raw: Any) -> Any:
    """Rename EEGBCI channels to 10-10 names (``Fc5.`` → ``FC5``) in place."""
    import mne

    mne.datasets.eegbci.standardize(raw)
    return raw


def eegbci_checksums() -> dict[str, str]:
    """SHA-256 of every EEGBCI file, from the registry MNE ships (``SNNN/SNNNRMM.edf``)."""
    from importlib.resources import files

    text = files("mne").joinpath("data", "eegbci_checksums.txt").read_text()
    return dict(line.split()[:2] for line in text.splitlines() if line.strip())


def fetch_eegbci_subjects(
    config: Mapping[str, Any], subjects: Sequence[Any] | None
) -> list[FetchSummary]:
    """Download the configured runs of some subjects, or verify them against MNE's SHA-256.

    Parameters
    ----------
    config : mapping
        Validated configuration (``data_dir``, ``eegbci.runs``, ``baseline``, ``target``).
    subjects : sequence or None
        Subject numbers (None: 1-10).

    Returns
    -------
    list of FetchSummary
        One per subject.

    Raises
    ------
    ChecksumError
        A file already present differs from MNE's published checksum.
    """
    from pooch import file_hash

    from eegstate.datasets.download import ChecksumError, FetchSummary

    root = eegbci_data_dir(config["data_dir"])
    runs = [config["eegbci"]["runs"][config[role]] for role in ("baseline", "target")]
    checksums = eegbci_checksums()
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


class EEGBCIAdapter(DatasetAdapter):
    """PhysioNet EEG Motor Movement/Imagery resting runs, in MNE's cache layout."""

    name = "eegbci"
    info = DatasetInfo(
        description="PhysioNet EEG Motor Movement/Imagery, resting runs R01 (eyes open) "
        "and R02 (eyes closed); 109 subjects, 64 channels, 160 Hz. A positive control "
        "(Berger effect).",
        licence="ODC-By 1.0",
        citation="Schalk G, McFarland DJ, Hinterberger T, Birbaumer N, Wolpaw JR. BCI2000: "
        "A General-Purpose Brain-Computer Interface (BCI) System. IEEE Trans Biomed Eng "
        "51(6):1034-1043, 2004. " + PHYSIONET + " PhysioNet EEG Motor Movement/Imagery "
        "Dataset v1.0.0, doi:10.13026/C28G6P.",
        size="1.3 MB per run (2.6 MB per subject)",
        access="automatic: mne.datasets.eegbci.load_data (MNE's pinned checksums)",
        config="config/eegbci.yaml",
    )

    def check(self, config: Mapping[str, Any]) -> list[str]:
        """``baseline`` and ``target`` must be labels of ``eegbci.runs``."""
        return state_label_problems(config, config["eegbci"]["runs"], "eegbci.runs")

    def plan(self, config: Mapping[str, Any]) -> pd.DataFrame:
        """See :func:`plan_eegbci`."""
        return plan_eegbci(config)

    def prepare_raw(self, raw: Any) -> Any:
        """10-10 channel names with MNE's helper (``Fc5.`` → ``FC5``), see
        :func:`standardize_eegbci`; ``qc.tsv`` then reports no renaming."""
        return standardize_eegbci(raw)

    def fetch(
        self,
        config: Mapping[str, Any],
        subjects: Sequence[Any] | None,
        *,
        progressbar: bool = True,
    ) -> list[FetchSummary]:
        """See :func:`fetch_eegbci_subjects` (MNE's fetcher shows no progress bar option)."""
        return fetch_eegbci_subjects(config, subjects)

    def preparation_jobs(
        self, config: Mapping[str, Any], results: str, recordings: pd.DataFrame
    ) -> tuple[PreparationJob, ...]:
        """One fetch job per subject (only the runs of the two states)."""
        return (
            subject_fetch_job(
                results, "fetch_eegbci", options=("data_dir", "eegbci", "baseline", "target")
            ),
        )

    def recording_input(self, row: Any, results: str) -> list[str]:
        """The subject's fetch manifest (the file may not exist before the fetch)."""
        return [subject_manifest(results, row["subject"])]
