"""Resources the workflow's rules declare (``mem_mb``, ``runtime``), from the size of their input.

The rules call these functions when Snakemake plans a job (and again when the job becomes
ready, once its input exists), so a cluster scheduler is asked for what a job needs rather than
one figure for every job. They only look at file sizes (no file is opened): a recording's size
in memory, as float64 samples, is estimated from its file's size and format.

The figures are upper estimates measured on this repository's benchmarks
(``benchmarks/bench.py``): a recording job peaks at about
:data:`RECORDING_BASE_MB` plus :data:`RECORDING_MEM_FACTOR` times the recording's float64 size;
its run time is a few seconds plus about one second per megabyte of float64 data with ICA
(:data:`RECORDING_SECONDS_PER_MB`), counted with a safety factor because a job that exceeds
its ``runtime`` is killed by the scheduler. A missing file (a recording not yet generated or
downloaded when the job graph is built) gets the fallbacks :data:`FALLBACK_RECORDING_MB`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

#: Bytes of float64 data per byte of file, by file suffix (the usual sample formats: FIF and
#: EEGLAB float32, EDF and BrainVision int16, BDF int24). Unknown formats count as int16.
FLOAT64_PER_FILE_BYTE: dict[str, float] = {
    ".fif": 2.0,
    ".fif.gz": 6.0,
    ".set": 2.0,
    ".fdt": 2.0,
    ".edf": 4.0,
    ".bdf": 8.0 / 3.0,
    ".eeg": 4.0,
    ".cnt": 4.0,
    ".mff": 2.0,
}
#: Companion data files of header formats (the header alone says nothing about the size).
DATA_COMPANIONS: dict[str, tuple[str, ...]] = {".vhdr": (".eeg",), ".set": (".fdt",)}
#: Assumed float64 size (MB) of a recording whose file does not exist yet.
FALLBACK_RECORDING_MB = 150.0
#: Resident memory of a recording job beyond its data (interpreter, MNE, scikit-learn, ...).
RECORDING_BASE_MB = 500
#: Peak memory of a recording job in units of the recording's float64 size.
RECORDING_MEM_FACTOR = 10.0
#: Seconds of a recording job per MB of float64 data (with ICA; measured about 0.5) and per
#: recording (start-up, connectivity, report), both with a safety factor of about 3.
RECORDING_SECONDS_PER_MB = 1.5
RECORDING_SECONDS_EACH = 20.0
#: Every job's runtime is at least this (minutes): schedulers' start-up and file systems.
MIN_RUNTIME_MIN = 5


def _suffix(path: Path) -> str:
    name = path.name.lower()
    return ".fif.gz" if name.endswith(".fif.gz") else path.suffix.lower()


def recording_float64_mb(path: str | os.PathLike[str]) -> float:
    """Estimated size (MB) of a recording's samples as float64, from its file size and format.

    Parameters
    ----------
    path : path
        The recording (for BrainVision the ``.vhdr`` header, whose ``.eeg`` file is counted;
        for EEGLAB the ``.set`` file and its ``.fdt`` when present). A folder (e.g. ``.mff``)
        counts every file in it.

    Returns
    -------
    float
        MB of float64 data; :data:`FALLBACK_RECORDING_MB` when the file does not exist.
    """
    path = Path(path)
    suffix = _suffix(path)
    files = [path]
    for companion in DATA_COMPANIONS.get(suffix, ()):
        data = path.with_suffix(companion)
        if data.is_file():
            files.append(data)
            suffix = companion if suffix == ".vhdr" else suffix
    if suffix == ".vhdr":  # header without data: the data file's size is unknown
        suffix = ".eeg"
    size = 0
    for file in files:
        try:
            if file.is_dir():
                size += sum(f.stat().st_size for f in file.rglob("*") if f.is_file())
            else:
                size += file.stat().st_size
        except OSError:
            continue
    if size == 0:
        return FALLBACK_RECORDING_MB
    return size * FLOAT64_PER_FILE_BYTE.get(suffix, 4.0) / 1e6


def _recording_sizes_mb(paths: Iterable[str | os.PathLike[str]]) -> list[float]:
    """Float64 size (MB) of each of a job's recordings (:func:`recording_float64_mb`)."""
    return [recording_float64_mb(path) for path in paths]


def recording_job_mem_mb(paths: Iterable[str | os.PathLike[str]]) -> int:
    """Memory (MB) of a job analysing ``paths`` one after the other (the largest counts).

    Parameters
    ----------
    paths : iterable of path
        The job's recordings.

    Returns
    -------
    int
        :data:`RECORDING_BASE_MB` + :data:`RECORDING_MEM_FACTOR` x the largest recording's
        float64 size, rounded up to 100 MB.
    """
    largest = max(_recording_sizes_mb(paths), default=FALLBACK_RECORDING_MB)
    return int(math.ceil((RECORDING_BASE_MB + RECORDING_MEM_FACTOR * largest) / 100.0) * 100)


def recording_job_runtime_min(paths: Iterable[str | os.PathLike[str]]) -> int:
    """Run time (minutes) to ask for a job analysing ``paths`` one after the other.

    The sum over the job's recordings ``paths`` of :data:`RECORDING_SECONDS_EACH` +
    :data:`RECORDING_SECONDS_PER_MB` x float64 size, in minutes, at least
    :data:`MIN_RUNTIME_MIN`.
    """
    seconds = sum(
        RECORDING_SECONDS_EACH + RECORDING_SECONDS_PER_MB * size
        for size in _recording_sizes_mb(paths)
    )
    return max(MIN_RUNTIME_MIN, math.ceil(seconds / 60.0))


def files_mb(paths: Iterable[str | os.PathLike[str]]) -> float:
    """Total size (MB) of the files that exist among ``paths`` (missing ones count 0)."""
    total = 0
    for path in paths:
        try:
            total += Path(path).stat().st_size
        except OSError:
            continue
    return total / 1e6


def table_job_mem_mb(paths: Iterable[str | os.PathLike[str]], *, base_mb: int = 500) -> int:
    """Memory (MB) of a group job reading the TSV tables ``paths`` at once.

    A parsed table takes about as much memory as its text; pandas' concatenation and the
    job's own arrays are counted as four copies.

    Parameters
    ----------
    paths : iterable of path
        The tables the job reads.
    base_mb : int
        The job's memory without data.

    Returns
    -------
    int
        ``base_mb`` + 4 x the tables' size, rounded up to 100 MB.
    """
    return int(math.ceil((base_mb + 4.0 * files_mb(paths)) / 100.0) * 100)


def table_job_runtime_min(
    paths: Iterable[str | os.PathLike[str]], *, seconds_per_mb: float = 2.0
) -> int:
    """Run time (minutes) of a group job reading ``paths``: at least :data:`MIN_RUNTIME_MIN`."""
    seconds = 60.0 + seconds_per_mb * files_mb(paths)
    return max(MIN_RUNTIME_MIN, math.ceil(seconds / 60.0))


def paths_resource(
    estimate: Callable[[Iterable[str | os.PathLike[str]]], int],
    paths: Sequence[str | os.PathLike[str]],
) -> Callable[[Any], int]:
    """A rule's resource callable: ``estimate(paths)``, evaluated when Snakemake asks.

    Snakemake evaluates resource callables when it plans a job and again once the job is
    ready, so files generated or downloaded by earlier jobs are counted by then.

    Parameters
    ----------
    estimate : callable
        E.g. :func:`recording_job_mem_mb`.
    paths : sequence of path
        The files it looks at (a batch's recordings).

    Returns
    -------
    callable
        ``f(wildcards) -> int``.
    """
    paths = list(paths)
    return lambda wildcards: estimate(paths)


def table_mem_mb_resource(base_mb: int) -> Callable[[Any, Any], int]:
    """A group rule's ``mem_mb`` callable: :func:`table_job_mem_mb` of the job's input.

    Parameters
    ----------
    base_mb : int
        The job's memory without data.

    Returns
    -------
    callable
        ``f(wildcards, input) -> int``.
    """
    return lambda wildcards, input: table_job_mem_mb(input, base_mb=base_mb)


def table_runtime_resource(seconds_per_mb: float = 2.0) -> Callable[[Any, Any], int]:
    """A group rule's ``runtime`` callable: :func:`table_job_runtime_min` of the job's input.

    Parameters
    ----------
    seconds_per_mb : float
        Seconds per MB of input tables.

    Returns
    -------
    callable
        ``f(wildcards, input) -> int`` (minutes).
    """
    return lambda wildcards, input: table_job_runtime_min(input, seconds_per_mb=seconds_per_mb)
