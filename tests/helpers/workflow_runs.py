"""Workflow runs compared with a local run (a test helper for the executor and storage tests).

A tiny simulated cohort (3 subjects x 2 states, 30 s, written once per test session by
:func:`eegstate.datasets.simulated.generate_cohort`) is analysed through the ``samplesheet``
adapter, as a user's own recordings would be, with ICA, connectivity and the per-recording
reports (whose page carries a timestamp) off and few resamples, so a run takes seconds.

Every run starts from the same working directory path (:attr:`RunFolder.work`) and is moved
to a folder of its own when it ends, because ``qc.tsv`` records each recording's absolute
path: two runs from the same working directory must then write byte-identical TSV and JSON
files, wherever and however their jobs ran.

:func:`run_eegstate` runs the ``eegstate`` command line itself (``eegstate run ...`` as a user
types it), for the end-to-end tests of the command.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from eegstate.paths import workflow_root

ROOT = workflow_root()
#: The runs' configuration (``data/samples.tsv`` is relative to the working directory).
TINY_CONFIG = {
    "dataset": "cohort",
    "adapter": "samplesheet",
    "samples": "data/samples.tsv",
    "results_dir": "results",
    "preprocess": {"ica": "none", "reject": "ptp_mad"},
    "connectivity": {"enabled": False},
    "report": {"n_bootstrap": 100, "recording_reports": False},
    "stats": {"n_permutations": 10},
    # one worker: the same results, without starting worker processes (seconds per job)
    "classification": {
        "n_permutations": 10,
        "n_jobs": 1,
        "param_grids": {"logistic": {"C": [1.0]}},
    },
}
#: The cohort the runs analyse.
SIMULATION = {"simulation": {"n_subjects": 3, "duration_s": 30}}
#: Seconds one workflow run may take.
RUN_TIMEOUT = 600
#: The ``eegstate`` command line, run by this interpreter.
EEGSTATE = [sys.executable, "-m", "eegstate.cli"]
#: Seconds one ``eegstate`` command may take (a whole run of a small dataset).
EEGSTATE_TIMEOUT = 900


@dataclass(frozen=True)
class RunFolder:
    """The folder of a test session's runs: the cohort, the working directory, the runs."""

    base: Path

    @property
    def cohort(self) -> Path:
        """The simulated recordings and their ``samples.tsv``."""
        return self.base / "cohort"

    @property
    def work(self) -> Path:
        """The working directory every run starts from."""
        return self.base / "work"

    def results(self, name: str) -> Path:
        """The results folder of the run called ``name``."""
        return self.base / name / "results"


def recording_files(cohort: Path) -> list[Path]:
    """The cohort's files other than ``samples.tsv`` (recordings and ground truth), relative."""
    return sorted(
        path.relative_to(cohort)
        for path in cohort.rglob("*")
        if path.is_file() and path.name != "samples.tsv"
    )


@functools.cache
def run_folder(base: Path) -> RunFolder:
    """The session's run folder under ``base``, with the cohort written (once per session)."""
    from eegstate.config import load_config
    from eegstate.datasets.simulated import generate_cohort

    folder = RunFolder(base / "workflow-runs")
    folder.base.mkdir(parents=True, exist_ok=True)
    generate_cohort(load_config(overrides=SIMULATION), folder.cohort)
    return folder


@contextmanager
def working_directory(
    folder: RunFolder,
    name: str,
    *,
    with_recordings: bool = True,
    config: Mapping[str, Any] | None = None,
) -> Iterator[Path]:
    """Prepare :attr:`RunFolder.work` for a run, yield it, then move it to ``<base>/<name>``.

    It holds the configuration ``config.yaml`` (:data:`TINY_CONFIG`, with the top-level
    sections of ``config`` added: only options that cut jobs, never what they compute) and
    ``data/samples.tsv``, and the recordings too unless ``with_recordings`` is false (a run
    reading them from a remote storage).
    """
    work = folder.work
    if work.exists():
        raise RuntimeError(f"{work} is in use (a previous run was not moved away)")
    data = work / "data"
    data.mkdir(parents=True)
    shutil.copy2(folder.cohort / "samples.tsv", data / "samples.tsv")
    if with_recordings:
        for relative in recording_files(folder.cohort):
            (data / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(folder.cohort / relative, data / relative)
    run_config = {**TINY_CONFIG, **(config or {})}
    (work / "config.yaml").write_text(yaml.safe_dump(run_config), encoding="utf-8")
    try:
        yield work
    finally:
        work.rename(folder.base / name)


def run_workflow(
    work: Path, args: Sequence[str] = (), env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Run Snakemake on the eegstate workflow in ``work`` (``config.yaml``, 2 cores)."""
    command = [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(ROOT / "Snakefile"),
        "--configfile",
        "config.yaml",
        "--cores",
        "2",
        *args,
    ]
    environment = {**os.environ, "MPLBACKEND": "Agg", "NO_PROXY": "127.0.0.1,localhost"}
    return run_captured(command, work, timeout=RUN_TIMEOUT, env={**environment, **(env or {})})


def run_eegstate(
    args: Sequence[str], cwd: Path, *, timeout: float = EEGSTATE_TIMEOUT, **options: Any
) -> subprocess.CompletedProcess:
    """Run ``eegstate <args>`` in ``cwd``, its output captured as text.

    Parameters
    ----------
    args : sequence of str
        The command's arguments, e.g. ``["run", "--cores", "2", "--configfile", path]``.
    cwd : pathlib.Path
        The working directory.
    timeout : float
        Seconds the command may take.
    **options
        Further :func:`subprocess.run` options (``env``, ``umask``, ...).

    Returns
    -------
    subprocess.CompletedProcess
        Whatever the exit code (the caller checks it).
    """
    return run_captured([*EEGSTATE, *args], cwd, timeout=timeout, **options)


def run_captured(
    command: Sequence[str], cwd: Path, *, timeout: float, **options: Any
) -> subprocess.CompletedProcess:
    """Run ``command`` in ``cwd`` to its end (any exit code), its output captured as text."""
    return subprocess.run(
        list(command),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        **options,
    )


def check_run(result: subprocess.CompletedProcess) -> None:
    """Fail with the end of Snakemake's output unless the run succeeded."""
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]


def compared_outputs(names: Sequence[str]) -> list[str]:
    """The outputs compared between runs: every TSV and JSON file of ``results/``, logs
    excluded."""
    return sorted(
        name
        for name in names
        if name.startswith("results/") and name.endswith((".tsv", ".json")) and "/logs/" not in name
    )


def tree_outputs(results: Path) -> dict[str, bytes]:
    """The compared outputs of a local results folder: ``results/<relative path>`` -> bytes."""
    names = [path.relative_to(results.parent).as_posix() for path in results.rglob("*")]
    return {name: (results.parent / name).read_bytes() for name in compared_outputs(names)}


@functools.cache
def reference_outputs(base: Path) -> dict[str, bytes]:
    """The compared outputs of a local run (the default executor, local files), once a session."""
    folder = run_folder(base)
    with working_directory(folder, "local") as work:
        check_run(run_workflow(work))
    return tree_outputs(folder.results("local"))


def assert_same_outputs(outputs: dict[str, bytes], reference: dict[str, bytes]) -> None:
    """The same files, byte for byte (the names of those that differ otherwise)."""
    assert sorted(outputs) == sorted(reference), (
        f"only in this run: {sorted(set(outputs) - set(reference))}; "
        f"only in the local run: {sorted(set(reference) - set(outputs))}"
    )
    differ = [name for name in reference if outputs[name] != reference[name]]
    assert not differ, f"differ from the local run: {differ}"
    # the run is not trivially empty: per-recording and group tables, the classifier
    assert "results/cohort/group/claims.tsv" in reference
    assert "results/cohort/group/classification.json" in reference
    assert sum(name.endswith("_bandpower.tsv") for name in reference) == 6


def require_plugin(module: str, package: str) -> None:
    """Skip the calling test when the Snakemake plugin ``package`` is not installed.

    With ``EEGSTATE_REQUIRE_PLUGINS=1`` (set by ``.ci/run``, which installs the ``test`` extra
    that lists the plugins) its absence fails the test instead.

    Parameters
    ----------
    module : str
        The plugin's import name.
    package : str
        Its distribution name (what to ``pip install``).
    """
    import importlib.util

    import pytest

    if importlib.util.find_spec(module) is not None:
        return
    message = f"{package} is not installed (pip install -e '.[test]' installs it)"
    if os.environ.get("EEGSTATE_REQUIRE_PLUGINS") == "1":
        pytest.fail(message + " but EEGSTATE_REQUIRE_PLUGINS=1")
    pytest.skip(message, allow_module_level=True)
