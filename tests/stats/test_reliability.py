"""Reliability guarantees end to end: bad input never loses data, determinism, resume.

Marked slow (run by .ci/run). One dataset mixes usable simulated recordings with broken files,
in a folder whose name has spaces and non-ASCII characters.
"""

from __future__ import annotations

import filecmp
import hashlib
import os
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from helpers.workflow_runs import EEGSTATE, run_eegstate

from eegstate.config import validate_config
from eegstate.io import read_table
from eegstate.simulate import simulate_cohort

pytestmark = pytest.mark.slow


def checksums(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def mixed_dataset(tmp_path_factory) -> Path:
    """Two usable simulated subjects plus a third whose files are broken."""
    root = tmp_path_factory.mktemp("data") / "EEG données – lab 1"
    params = validate_config({})["simulation"]
    params = {**params, "n_subjects": 2, "duration_s": 30}
    table = simulate_cohort(root, params, "baseline", "dissociative", seed=7)
    rows = table[["subject", "state", "path"]].to_dict(orient="records")
    broken = root / "broken"
    broken.mkdir()
    (broken / "corrupt recording.edf").write_bytes(Path(root / rows[0]["path"]).read_bytes()[:5000])
    rows.append({"subject": "03", "state": "baseline", "path": "broken/corrupt recording.edf"})
    rows.append({"subject": "03", "state": "dissociative", "path": "broken/not there.fif"})
    pd.DataFrame(rows).to_csv(root / "samples.tsv", sep="\t", index=False)
    return root


def run(config: dict, cwd: Path, *extra: str) -> subprocess.CompletedProcess:
    configfile = cwd / "config.yaml"
    configfile.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return run_eegstate(["run", "--cores", "2", "--configfile", str(configfile), *extra], cwd)


def sheet_config(dataset: Path, results: Path) -> dict:
    return {
        "dataset": "mixed",
        "adapter": "samplesheet",
        "samples": str(dataset / "samples.tsv"),
        "results_dir": str(results),
        "report": {"n_bootstrap": 200},
    }


def group_tsvs(results: Path) -> dict[str, Path]:
    return {path.name: path for path in sorted((results / "mixed").rglob("*.tsv"))}


@pytest.fixture(scope="module")
def first_run(mixed_dataset, tmp_path_factory) -> tuple[Path, dict[str, str], dict[str, str]]:
    """One --keep-going run: its folder and the input checksums before and after."""
    folder = tmp_path_factory.mktemp("first")
    before = checksums(mixed_dataset)
    result = run(sheet_config(mixed_dataset, folder / "results"), folder, "--keep-going")
    assert result.returncode == 0, result.stderr[-3000:]
    return folder, before, checksums(mixed_dataset)


def test_bad_files_are_excluded_others_finish_inputs_untouched(first_run):
    tmp_path, before, after = first_run
    group = tmp_path / "results" / "mixed" / "group"
    qc = read_table(group / "qc.tsv").set_index("recording")
    assert "corrupt recording.edf: MNE cannot read" in qc.loc["sub-03_state-baseline", "excluded"]
    assert "not there.fif: file not found" in qc.loc["sub-03_state-dissociative", "excluded"]
    usable = qc[qc["excluded"] == ""]
    assert len(usable) == 4
    bandpower = read_table(group / "bandpower.tsv")
    assert set(bandpower["subject"]) == {"01", "02"}
    assert (group / "report.html").stat().st_size > 10_000
    assert after == before  # nothing written into or changed in the input folder
    leftovers = [p for p in (tmp_path / "results").rglob("*") if p.name.endswith(".tmp")]
    assert not leftovers


def test_two_runs_give_byte_identical_tables(mixed_dataset, first_run, tmp_path):
    result = run(sheet_config(mixed_dataset, tmp_path / "results"), tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    tables_a, tables_b = group_tsvs(first_run[0] / "results"), group_tsvs(tmp_path / "results")
    assert tables_a.keys() == tables_b.keys() and len(tables_a) > 10
    for name, path in tables_a.items():
        assert filecmp.cmp(path, tables_b[name], shallow=False), name


def test_interrupted_run_resumes_to_the_same_outputs(mixed_dataset, first_run, tmp_path):
    reference = first_run[0]
    resumed = tmp_path / "resumed"
    resumed.mkdir()
    config = sheet_config(mixed_dataset, resumed / "results")
    # one recording per job, so the run can be interrupted between recordings (a batch job
    # analyses all of them in one go); the outputs do not depend on it (test_batches.py)
    config["execution"] = {"recordings_per_job": 1}
    configfile = resumed / "config.yaml"
    configfile.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    process = subprocess.Popen(
        [*EEGSTATE, "run", "--cores", "1", "--configfile", str(configfile)],
        cwd=resumed,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 300
    first_output = resumed / "results" / "mixed"
    while time.monotonic() < deadline and not list(first_output.rglob("*_bandpower.tsv")):
        time.sleep(0.5)
    # Ctrl-C: the whole process group (Snakemake handles it even when pytest, and so eegstate,
    # started ignoring SIGINT: eegstate run gives it the default handling, test_cli.py)
    os.killpg(process.pid, signal.SIGINT)
    process.wait(timeout=600)  # Snakemake stops its jobs first; slow under load
    assert not (first_output / "group" / "report.html").exists()

    result = run(config, resumed, "--rerun-incomplete")
    assert result.returncode == 0, result.stderr[-3000:]
    tables_ref = group_tsvs(reference / "results")
    tables_res = group_tsvs(resumed / "results")
    assert tables_ref.keys() == tables_res.keys()
    for name, path in tables_ref.items():
        left, right = read_table(path), read_table(tables_res[name])
        np.testing.assert_array_equal(left.columns, right.columns)
        pd.testing.assert_frame_equal(left, right, check_exact=True)
