"""The Snakemake workflow end to end, in temporary directories (marked slow: run by .ci/run)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from helpers.workflow_runs import run_eegstate

from eegstate.io import read_table
from eegstate.paths import workflow_root
from eegstate.tables import BANDPOWER_COLUMNS, QC_COLUMNS

ROOT = workflow_root()
SMALL_COHORT = {
    "simulation": {"n_subjects": 3, "duration_s": 40},
    "report": {"n_bootstrap": 200},
}


def small_config(tmp_path: Path, **overrides) -> Path:
    config = {"results_dir": str(tmp_path / "results"), **SMALL_COHORT, **overrides}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.mark.slow
def test_simulated_workflow_end_to_end(tmp_path):
    configfile = small_config(tmp_path)
    result = run_eegstate(["run", "--cores", "2", "--configfile", str(configfile)], tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    group = tmp_path / "results" / "simulated" / "group"
    report = group / "report.html"
    assert f"Report: {report.resolve()}" in result.stdout
    bandpower = read_table(group / "bandpower.tsv")
    assert list(bandpower.columns) == list(BANDPOWER_COLUMNS)
    n_channels = bandpower["channel"].nunique()
    assert n_channels >= 32
    assert len(bandpower) == 6 * n_channels * 5  # recordings x channels x bands
    assert set(bandpower["state"]) == {"baseline", "dissociative"}
    regions = read_table(group / "bandpower_regions.tsv")
    assert set(regions["region"]) >= {"frontal", "central", "parietal", "occipital", "temporal"}
    qc = read_table(group / "qc.tsv")
    assert list(qc.columns) == list(QC_COLUMNS) and len(qc) == 6
    assert (qc["n_epochs_kept"] >= 5).all()
    assert report.stat().st_size > 10_000
    for subject in ("01", "02", "03"):
        subject_dir = tmp_path / "results" / "simulated" / f"sub-{subject}"
        assert len(list(subject_dir.glob("*_bandpower-epochs.tsv"))) == 2
        assert len(list(subject_dir.glob("*_electrodes.tsv"))) == 2

    again = run_eegstate(["run", "--cores", "2", "--configfile", str(configfile)], tmp_path)
    assert again.returncode == 0
    assert "Nothing to be done" in again.stdout + again.stderr


@pytest.mark.slow
def test_config_error_names_the_option(tmp_path):
    configfile = small_config(tmp_path, preprocess={"l_frequency": 1.0})
    result = run_eegstate(["run", "--cores", "1", "--configfile", str(configfile)], tmp_path)
    assert result.returncode != 0
    assert "unknown config option 'preprocess.l_frequency'" in result.stdout + result.stderr


@pytest.mark.slow
def test_sheet_with_only_a_missing_file_fails_naming_it(tmp_path):
    sheet = tmp_path / "samples.tsv"
    pd.DataFrame([{"subject": "01", "state": "baseline", "path": "nowhere.edf"}]).to_csv(
        sheet, sep="\t", index=False
    )
    configfile = small_config(tmp_path, adapter="samplesheet", samples=str(sheet))
    result = run_eegstate(["run", "--cores", "1", "--configfile", str(configfile)], tmp_path)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "all 1 recordings were excluded" in output
    qc = read_table(tmp_path / "results" / "simulated" / "sub-01" / "sub-01_state-baseline_qc.tsv")
    assert "nowhere.edf: file not found" in qc["excluded"].iloc[0]


@pytest.mark.slow
def test_snakemake_lint_is_clean():
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "--lint", "--cores", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "Congratulations, your workflow is in a good condition!" in output, output[-3000:]


def tree_checksums(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.mark.slow
@pytest.mark.realdata
def test_eegbci_workflow_reads_cache_without_changing_it(tmp_path, eegbci_dir, eegbci_subjects):
    before = tree_checksums(eegbci_dir)
    subjects = eegbci_subjects  # the four subjects with both resting runs
    result = run_eegstate(
        [
            "run",
            "--cores",
            "2",
            "--configfile",
            str(ROOT / "config" / "eegbci.yaml"),
            "--config",
            f"data_dir={eegbci_dir}",
            f"subjects={subjects}",
            f"results_dir={tmp_path / 'results'}",
        ],
        tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    regions = read_table(tmp_path / "results" / "eegbci" / "group" / "bandpower_regions.tsv")
    assert regions["subject"].nunique() == len(subjects)
    assert (tmp_path / "results" / "eegbci" / "group" / "report.html").is_file()
    assert tree_checksums(eegbci_dir) == before
    # Four subjects cannot decide anything: every claim says so, with the reason (never
    # "unchanged"), although eyes closed vs open differs strongly in every subject.
    claims = read_table(tmp_path / "results" / "eegbci" / "group" / "claims.tsv")
    claims = claims.set_index("claim")
    assert (claims["verdict"] == "not_testable").all(), claims["verdict"]
    for claim in ("alpha_abolished", "theta_emerges", "gamma_increases"):
        assert "smallest attainable adjusted p" in claims.loc[claim, "caveat"]
    assert claims.loc["alpha_abolished", "effect"] > 3  # eyes closed: posterior alpha up
    assert "0.125" in claims.loc["state_decodable", "caveat"]
    assert claims.loc["state_decodable", "effect"] > 0.8
