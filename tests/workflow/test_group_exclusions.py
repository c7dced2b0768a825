"""When every recording is excluded, the run fails pointing at files that list every reason."""

from __future__ import annotations

import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from helpers.workflow_runs import run_eegstate

from eegstate.io import read_table, write_table
from eegstate.steps.group import NoUsableRecordingError, collect_group, collect_qc
from eegstate.tables import QC_COLUMNS


def qc_file(folder: Path, recording: str, excluded: str) -> Path:
    row = {column: "" for column in QC_COLUMNS}
    row.update({"subject": "01", "recording": recording, "state": "rest", "excluded": excluded})
    return write_table(pd.DataFrame([row]), folder / f"{recording}_qc.tsv", QC_COLUMNS)


def test_all_excluded_writes_qc_and_a_page_then_fails(tmp_path):
    reasons = {
        "sub-01_state-rest": "a.edf: file not found; check the path in the sample sheet",
        "sub-01_state-drug": "b.edf: MNE cannot read this file <garbage & more>",
    }
    qc_files = [qc_file(tmp_path, recording, reason) for recording, reason in reasons.items()]
    group = tmp_path / "group"
    qc = collect_qc(qc_files=qc_files, qc_out=group / "qc.tsv")
    assert list(qc["excluded"]) == list(reasons.values())
    with pytest.raises(NoUsableRecordingError) as caught:
        collect_group(
            bandpower_files=[],
            psd_files=[],
            qc_path=group / "qc.tsv",
            bandpower_out=group / "bandpower.tsv",
            regions_out=group / "bandpower_regions.tsv",
            psd_out=group / "psd.tsv",
            exclusions_out=group / "report.html",
            dataset="mine",
        )
    message = str(caught.value)
    assert "all 2 recordings were excluded" in message
    assert f"{group / 'qc.tsv'} and {group / 'report.html'}" in message
    assert list(read_table(group / "qc.tsv")["excluded"]) == list(reasons.values())
    page = (group / "report.html").read_text(encoding="utf-8")
    assert "no usable recording in mine" in page
    assert "a.edf: file not found; check the path in the sample sheet" in page
    assert "b.edf: MNE cannot read this file &lt;garbage &amp; more&gt;" in page  # escaped
    assert "<script" not in page and "http" not in page  # self-contained
    assert not (group / "bandpower.tsv").exists()


def test_one_usable_recording_is_enough(tmp_path):
    qc_files = [qc_file(tmp_path, "sub-01_state-rest", "broken"), qc_file(tmp_path, "ok", "")]
    collect_qc(qc_files=qc_files, qc_out=tmp_path / "qc.tsv")
    bandpower = tmp_path / "bp.tsv"
    from eegstate.tables import BANDPOWER_COLUMNS, PSD_COLUMNS

    row = dict.fromkeys(BANDPOWER_COLUMNS, "x")
    row.update({"fmin": 8, "fmax": 13, "power_db": 1.0, "relative_power": 0.1, "n_epochs": 5})
    write_table(pd.DataFrame([row]), bandpower, BANDPOWER_COLUMNS)
    psd = write_table(pd.DataFrame(columns=list(PSD_COLUMNS)), tmp_path / "psd.tsv")
    collect_group(
        bandpower_files=[bandpower],
        psd_files=[psd],
        qc_path=tmp_path / "qc.tsv",
        bandpower_out=tmp_path / "g_bp.tsv",
        regions_out=tmp_path / "g_regions.tsv",
        psd_out=tmp_path / "g_psd.tsv",
        exclusions_out=tmp_path / "report.html",
    )
    assert len(read_table(tmp_path / "g_bp.tsv")) == 1
    assert not (tmp_path / "report.html").exists()


@pytest.mark.slow
def test_run_of_unusable_files_fails_naming_files_that_exist(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "garbage.edf").write_bytes(np.random.default_rng(0).bytes(4000))
    (data / "empty.edf").write_bytes(b"")
    rows = [
        {"subject": "01", "state": "rest", "path": "garbage.edf"},
        {"subject": "01", "state": "drug", "path": "empty.edf"},
        {"subject": "02", "state": "rest", "path": "missing.edf"},
    ]
    pd.DataFrame(rows).to_csv(data / "samples.tsv", sep="\t", index=False)
    config = {
        "dataset": "unusable",
        "adapter": "samplesheet",
        "samples": str(data / "samples.tsv"),
        "baseline": "rest",
        "target": "drug",
        "results_dir": str(tmp_path / "results"),
    }
    configfile = tmp_path / "config.yaml"
    configfile.write_text(yaml.safe_dump(config))
    result = run_eegstate(
        ["run", "--cores", "2", "--configfile", str(configfile)],
        tmp_path,
        timeout=600,
        umask=0o022,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    group = tmp_path / "results" / "unusable" / "group"
    assert "all 3 recordings were excluded" in output, output[-3000:]
    assert f"{group / 'qc.tsv'} and {group / 'report.html'}" in output, output[-3000:]
    qc = read_table(group / "qc.tsv").set_index("recording")
    assert "garbage.edf: MNE cannot read" in qc.loc["sub-01_state-rest", "excluded"]
    assert "empty.edf: MNE cannot read" in qc.loc["sub-01_state-drug", "excluded"]
    assert "missing.edf: file not found" in qc.loc["sub-02_state-rest", "excluded"]
    page = (group / "report.html").read_text(encoding="utf-8")
    for reason in qc["excluded"]:
        assert reason.split(" (")[0] in page
    for path in (group / "qc.tsv", group / "report.html"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o644  # umask 022: the group can read it
