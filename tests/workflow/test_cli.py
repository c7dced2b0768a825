"""The eegstate command line: help texts and the simulate command."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from eegstate.cli import main


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for command in ("run", "simulate", "classify", "train", "predict", "fetch", "datasets"):
        assert command in text


def test_simulate_writes_cohort_sheet_and_ground_truth(tmp_path, capsys):
    out_dir = tmp_path / "sim"
    code = main(["simulate", str(out_dir), "--n-subjects", "2", "--duration", "12", "--seed", "5"])
    assert code == 0
    sheet = pd.read_csv(out_dir / "samples.tsv", sep="\t", dtype=str)
    assert len(sheet) == 4 and set(sheet["state"]) == {"baseline", "dissociative"}
    assert all((out_dir / path).is_file() for path in sheet["path"])
    truth = json.loads((out_dir / "ground_truth.json").read_text())
    assert truth["seed"] == 5
    assert "Wrote 4 recordings" in capsys.readouterr().out


def test_simulate_rejects_invalid_options(tmp_path, capsys):
    code = main(["simulate", str(tmp_path / "sim"), "--n-subjects", "0"])
    assert code == 2
    assert "simulation.n_subjects" in capsys.readouterr().err
