"""File input/output shared by the steps: reading recordings, atomic table writes."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from eegstate.config import setting_hint

if TYPE_CHECKING:
    import mne

logger = logging.getLogger(__name__)


class RecordingError(ValueError):
    """A recording cannot be read or processed; the message names the file and what to do."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{path}: {problem}")


#: Fragments of MNE warnings that mean the file holds less data than its header promises.
TRUNCATION_WARNINGS: tuple[str, ...] = ("does not match the file size", "truncated")


#: Samples per channel read at a time when :func:`read_raw` checks a recording's data.
VALIDATION_BLOCK_SAMPLES = 2**16


def read_raw(
    path: str | Path, *, allow_truncated: bool = False, preload: bool = True
) -> mne.io.BaseRaw:
    """Read any recording format MNE supports; every sample is read once to check the file.

    With ``preload=False`` the samples are then read again on demand rather than kept (MNE's
    ``preload=False``): :func:`eegstate.preprocess.preprocess_raw` loads only the channels it
    analyses into its own working copy, so a recording job (which reads this way) never holds
    the file's data twice. The values read on demand are the ones a preloaded read gives (the
    same MNE reader). The default keeps the samples, as before, so the returned recording can
    be filtered or modified directly.

    Parameters
    ----------
    path : str or pathlib.Path
        EDF, BDF, FIF, EEGLAB ``.set``, BrainVision ``.vhdr`` or any other format known to
        :func:`mne.io.read_raw`.
    allow_truncated : bool
        Accept a file that holds less data than its header says (MNE then reads what is
        there). Off by default: a truncated file usually means a broken copy.
    preload : bool
        Keep the samples in memory (default). False reads them on demand (formats MNE cannot
        read on demand are always preloaded).

    Returns
    -------
    mne.io.BaseRaw
        The recording. The file is only read, never modified.

    Raises
    ------
    RecordingError
        If the file is missing or MNE cannot read it (its header or any of its samples).
    """
    import warnings

    import mne

    path = Path(path)
    if not path.is_file():
        raise RecordingError(path, "file not found; check the path in the sample sheet")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            raw = mne.io.read_raw(path, preload=preload, verbose="warning")
            if not raw.preload:  # read every sample once, block by block, so errors show now
                for start in range(0, raw.n_times, VALIDATION_BLOCK_SAMPLES):
                    raw.get_data(start=start, stop=start + VALIDATION_BLOCK_SAMPLES)
    except Exception as err:  # MNE raises many types for unreadable files
        raise RecordingError(
            path,
            f"MNE cannot read this file ({type(err).__name__}: {err}); is it a complete "
            "recording in a format MNE reads (EDF, BDF, FIF, EEGLAB, BrainVision)?",
        ) from err
    truncation = [
        str(warning.message)
        for warning in caught
        if any(fragment in str(warning.message) for fragment in TRUNCATION_WARNINGS)
    ]
    if truncation and not allow_truncated:
        raise RecordingError(
            path,
            f"the file looks truncated ({truncation[0]}); copy it again from the source, or "
            f"set {setting_hint('allow_truncated_files', True)} to analyse the data it holds",
        )
    for warning in dict.fromkeys(truncation):
        logger.warning("%s: %s", path, warning)
    return raw


#: Attempts at a fresh temporary name before giving up (names are 64 random bits).
_TEMP_NAME_ATTEMPTS = 100


def _new_empty_file(folder: Path, *, prefix: str, suffix: str) -> Path:
    """Create a new, empty, uniquely named file in ``folder`` and return its path.

    Not :func:`tempfile.mkstemp`: it creates files with mode 0600, which the rename would carry
    to the output, so nobody else in a shared results folder could read it. Opening with mode
    0666 and ``O_EXCL`` lets the kernel apply the user's umask (or the folder's default ACL)
    exactly as for a normally created file, without reading or changing the process umask
    (``os.umask`` can only be read by setting it, which is not thread-safe).
    """
    for _ in range(_TEMP_NAME_ATTEMPTS):
        candidate = folder / f"{prefix}{secrets.token_hex(8)}{suffix}"
        try:
            handle = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        os.close(handle)
        return candidate
    raise FileExistsError(f"could not create a temporary file in {folder}")


@contextmanager
def atomic_path(path: str | Path, *, suffix: str = ".tmp") -> Iterator[Path]:
    """Write through a temporary file beside ``path``, renamed into place on success.

    The one mechanism behind every output eegstate writes: readers (and Snakemake) never see a
    partially written file, and a failure leaves nothing behind. The file gets the permissions
    of any file the user creates there (umask, default ACLs), so collaborators sharing a
    results folder can read it.

    Parameters
    ----------
    path : str or pathlib.Path
        Final destination; parent folders are created.
    suffix : str
        Ending of the temporary name (writers such as MNE's choose the format by it).

    Yields
    ------
    pathlib.Path
        The temporary path to write to.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _new_empty_file(path.parent, prefix=f".{path.name}.", suffix=suffix)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_table(
    table: pd.DataFrame, path: str | Path, columns: Sequence[str] | None = None
) -> Path:
    """Write a tidy table as TSV atomically (see :func:`atomic_path`).

    Parameters
    ----------
    table : pandas.DataFrame
        The table.
    path : str or pathlib.Path
        Destination ``.tsv``; parent folders are created.
    columns : sequence of str, optional
        Column order to enforce; every listed column must be present.

    Returns
    -------
    pathlib.Path
        The written path.
    """
    path = Path(path)
    if columns is not None:
        missing = [column for column in columns if column not in table.columns]
        if missing:
            raise KeyError(f"table for {path} lacks columns {missing}")
        table = table.loc[:, list(columns)]
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as stream:
        table.to_csv(stream, sep="\t", index=False, float_format="%.6g", lineterminator="\n")
    return path


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a TSV written by :func:`write_table`.

    Label and text columns (subject, session, recording, state, channel, region, band, name,
    path, bad_channels, excluded, eyes, task, QC text columns) are read as strings, so labels
    such as ``002`` keep their leading zeros; empty values are "".
    """
    label_columns = (
        *("subject", "session", "recording", "state", "channel", "region", "band"),
        *("name", "path", "bad_channels", "excluded", "eyes", "task", "notes"),
        *("reject_method", "ica_labels", "ica_excluded", "channel_changes", "ica_eog"),
    )
    header = pd.read_csv(path, sep="\t", nrows=0).columns
    dtypes = {column: str for column in label_columns if column in header}
    table = pd.read_csv(path, sep="\t", dtype=dtypes, keep_default_na=False, na_values=[""])
    for column in dtypes:
        table[column] = table[column].fillna("")
    return table


def write_bytes(data: bytes, path: str | Path) -> Path:
    """Write bytes atomically (see :func:`atomic_path`)."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text(text: str, path: str | Path) -> Path:
    """Write a UTF-8 text file atomically (see :func:`atomic_path`)."""
    return write_bytes(text.encode("utf-8"), path)


def save_model(model: Any, path: str | Path) -> Path:
    """Write a :class:`eegstate.classify.TrainedModel` to ``path`` (skops, atomic)."""
    from eegstate.classify import model_to_bytes

    return write_bytes(model_to_bytes(model), path)


def load_model(path: str | Path, *, trusted: Sequence[str] = ()) -> Any:
    """Read a model file written by :func:`save_model`, refusing unsafe or modified files."""
    from eegstate.classify import model_from_bytes

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"model file not found: {path}")
    return model_from_bytes(path.read_bytes(), trusted=trusted, source=str(path))


def read_optional_table(path: str | Path | None) -> pd.DataFrame | None:
    """Read a TSV if a path is given and the file exists, else None."""
    if path is None or not Path(path).is_file():
        return None
    return read_table(path)


def read_optional_json(path: str | Path | None) -> dict[str, Any] | None:
    """Read a JSON file if a path is given and the file exists, else None."""
    import json

    if path is None or not Path(path).is_file():
        return None
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def electrodes_info(electrodes_paths: Sequence[str | Path]) -> Any:
    """:class:`mne.Info` with positions from the first non-empty ``*_electrodes.tsv``.

    Parameters
    ----------
    electrodes_paths : sequence of path
        Per-recording electrode tables (excluded recordings have empty ones).

    Returns
    -------
    mne.Info
        EEG channels with positions in head coordinates.

    Raises
    ------
    ValueError
        If every table is empty (no usable recording).
    """
    from eegstate.stats import info_from_positions

    for path in electrodes_paths:
        electrodes = read_table(path)
        if len(electrodes):
            return info_from_positions(electrodes)
    raise ValueError("no usable recording: every recording was excluded (see qc.tsv)")
