"""End to end: the workflow on a generated BIDS dataset and on a sheet mixing file formats."""

from __future__ import annotations

from pathlib import Path

import mne
import pandas as pd
import pytest
import yaml
from helpers.bids import write_bids
from helpers.raws import make_raw
from helpers.workflow_runs import run_eegstate

from eegstate.io import read_table

#: Small and fast: no ICA, few bootstrap resamples, no permutation test.
FAST = {
    "preprocess": {"ica": "none", "line_freq": 50},
    "report": {"n_bootstrap": 200},
    "classification": {"n_permutations": 0},
}


def run_workflow(tmp_path: Path, config: dict) -> Path:
    configfile = tmp_path / "config.yaml"
    configfile.write_text(yaml.safe_dump({"results_dir": str(tmp_path / "results"), **config}))
    result = run_eegstate(["run", "--cores", "2", "--configfile", str(configfile)], tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    return tmp_path / "results" / config["dataset"] / "group"


@pytest.mark.slow
def test_bids_dataset_end_to_end(tmp_path):
    root = tmp_path / "bids"
    write_bids(root, seconds=40)
    group = run_workflow(
        tmp_path,
        {
            "dataset": "bidsdemo",
            "adapter": "bids",
            "baseline": "awake",
            "target": "sedation",
            "bids": {
                "root": str(root),
                "states": {
                    "awake": {"entities": {"task": "awake"}, "eyes": "closed", "task": "rest"},
                    "sedation": {
                        "entities": {"task": "sed", "run": 1},
                        "eyes": "closed",
                        "task": "rest",
                    },
                },
            },
            **FAST,
        },
    )
    qc = read_table(group / "qc.tsv")
    assert len(qc) == 4 and (qc["excluded"].fillna("") == "").all()
    bandpower = read_table(group / "bandpower.tsv")
    assert set(bandpower["state"]) == {"awake", "sedation"}
    assert "VEOG" not in set(bandpower["channel"])  # typed EOG by channels.tsv
    assert (group / "report.html").is_file()


@pytest.mark.slow
def test_sample_sheet_mixing_formats_end_to_end(tmp_path):
    data = tmp_path / "raw"
    data.mkdir()
    rows = []
    formats = {("01", "rest"): ".edf", ("01", "drug"): ".set", ("02", "rest"): ".vhdr"}
    for seed, (subject, state) in enumerate(
        [("01", "rest"), ("01", "drug"), ("02", "rest"), ("02", "drug")]
    ):
        raw = make_raw(n_seconds=40, sfreq=200, seed=seed)
        extension = formats.get((subject, state), "_eeg.fif")
        path = data / f"sub-{subject}_{state}{extension}"
        if extension == "_eeg.fif":
            raw.save(path, verbose="error")
        else:
            mne.export.export_raw(path, raw, verbose="error")
        rows.append(
            {
                "subject": subject,
                "state": state,
                "path": path.name,
                "eyes": "closed",
                "task": "rest",
            }
        )
    pd.DataFrame(rows).to_csv(data / "samples.tsv", sep="\t", index=False)
    group = run_workflow(
        tmp_path,
        {
            "dataset": "mixed",
            "adapter": "samplesheet",
            "samples": str(data / "samples.tsv"),
            "baseline": "rest",
            "target": "drug",
            **FAST,
        },
    )
    qc = read_table(group / "qc.tsv")
    assert len(qc) == 4 and (qc["excluded"].fillna("") == "").all()
    assert {Path(p).suffix for p in qc["path"]} == {".edf", ".set", ".vhdr", ".fif"}
