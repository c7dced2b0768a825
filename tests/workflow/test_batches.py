"""Recording jobs in batches (``execution.recordings_per_job``): the same files as one job per
recording, and a changed recording reruns only its own batch (marked slow: run by .ci/run)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from helpers.workflow_runs import run_workflow

from eegstate.config import validate_config
from eegstate.datasets import plan_recordings

#: Six short recordings; the per-recording steps whose output could depend on the batch (the
#: connectivity inverse operator, built once and then reused from memory or the cache) run,
#: the slow ones that cannot (ICA, autoreject's cross-validation) do not.
COHORT = {
    "simulation": {"n_subjects": 3, "duration_s": 30},
    "preprocess": {"ica": "none", "reject": "ptp_mad"},
    "report": {"recording_reports": False},
}
#: Per-recording tables (``<recording>_<suffix>``).
SUFFIXES = (
    "bandpower.tsv",
    "bandpower-epochs.tsv",
    "psd.tsv",
    "electrodes.tsv",
    "emg.tsv",
    "qc.tsv",
    "connectivity.tsv",
    "dmn-summary.tsv",
)


def write_config(folder: Path, recordings_per_job: int) -> tuple[Path, dict]:
    config = {
        **COHORT,
        "results_dir": str(folder / "results"),
        "execution": {"recordings_per_job": recordings_per_job},
    }
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    # the workflow reads this file only (with --configfile), its options' defaults from the schema
    return path, validate_config(config)


def recording_tables(config: dict) -> dict[str, Path]:
    """Every per-recording table of the run, by ``<recording>_<suffix>``."""
    results = Path(config["results_dir"]) / config["dataset"]
    plan = plan_recordings(config)
    return {
        f"{row.recording}_{suffix}": results / f"sub-{row.subject}" / f"{row.recording}_{suffix}"
        for row in plan.itertuples()
        for suffix in SUFFIXES
    }


def snakemake(configfile: Path, targets: list[Path], *args: str) -> subprocess.CompletedProcess:
    """Snakemake on the workflow for ``targets``, in the folder of ``configfile`` (its
    ``config.yaml``, as :func:`write_config` writes it)."""
    return run_workflow(configfile.parent, [*args, *(str(target) for target in targets)])


def planned_jobs(output: str) -> dict[str, int]:
    """Rule -> number of jobs, from the "Job stats" table of a (dry) run's output."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "Job stats:")
    jobs: dict[str, int] = {}
    for line in lines[start + 3 :]:
        match = re.fullmatch(r"\s*(\S+)\s+(\d+)\s*", line)
        if match is None or match.group(1) == "total":
            break
        jobs[match.group(1)] = int(match.group(2))
    return jobs


def normalised(path: Path, results: Path) -> bytes:
    """A table's bytes with the run's results folder written as ``RESULTS`` (qc.tsv's paths)."""
    return path.read_bytes().replace(str(results).encode(), b"RESULTS")


@pytest.mark.slow
def test_batches_write_the_files_of_single_jobs_and_rerun_only_the_changed_batch(tmp_path):
    runs = {}
    for per_job in (3, 1):
        folder = tmp_path / f"per_job_{per_job}"
        folder.mkdir()
        configfile, config = write_config(folder, per_job)
        if runs:  # the same simulated recordings (simulated once; copied with their times)
            source = Path(runs[3][1]["results_dir"]) / "simulated" / "sourcedata"
            shutil.copytree(source, Path(config["results_dir"]) / "simulated" / "sourcedata")
        tables = recording_tables(config)
        result = snakemake(configfile, list(tables.values()))
        assert result.returncode == 0, result.stderr[-3000:]
        jobs = planned_jobs(result.stdout + result.stderr)
        runs[per_job] = (configfile, config, tables, jobs)

    # six recordings: two batches of three, or six jobs of one
    assert {k: v for k, v in runs[3][3].items() if k.startswith("process_")} == {
        "process_recordings_1": 1,
        "process_recordings_2": 1,
    }
    assert runs[1][3].get("process_recording") == 6
    batched, single = runs[3][2], runs[1][2]
    assert batched.keys() == single.keys() and len(batched) == 6 * len(SUFFIXES)
    results = {k: Path(runs[k][1]["results_dir"]) for k in runs}
    different = [
        name
        for name in batched
        if normalised(batched[name], results[3]) != normalised(single[name], results[1])
    ]
    assert different == []
    connectivity = [name for name in batched if name.endswith("_connectivity.tsv")]
    assert all(batched[name].stat().st_size > 1000 for name in connectivity)

    # A changed file of the second batch's first recording reruns that batch alone. (Its
    # content changes: Snakemake keeps the checksums of small inputs, so a file that is only
    # touched, its content the same, reruns nothing.)
    configfile, config, tables, _ = runs[3]
    changed = plan_recordings(config).iloc[3]
    with open(changed.path, "ab") as file:
        file.write(b"\0")
    dry = snakemake(configfile, list(tables.values()), "--dry-run")
    assert dry.returncode == 0, dry.stderr[-3000:]
    assert planned_jobs(dry.stdout + dry.stderr) == {"process_recordings_2": 1}
