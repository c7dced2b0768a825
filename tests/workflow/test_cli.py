"""The eegstate command line: help texts, the simulate command, how ``run`` starts Snakemake."""

from __future__ import annotations

import json
import os
import signal

import pandas as pd
import pytest
from helpers.workflow_runs import run_eegstate

from eegstate.cli import main

#: A stand-in ``python -m snakemake`` that prints how it handles SIGINT, then exits.
FAKE_SNAKEMAKE = """\
import signal
handler = signal.getsignal(signal.SIGINT)
print("SIGINT", "ignored" if handler is signal.SIG_IGN else "default")
"""


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for command in ("run", "simulate", "classify", "train", "predict", "fetch", "datasets"):
        assert command in text


@pytest.mark.parametrize(
    "command",
    [
        ["power", "results"],
        ["train", "--out", "m"],
        ["track", "r.fif", "--out", "o"],
        ["predict", "m", "r.edf", "--out", "o"],
    ],
)
def test_shared_options_parse_alike_in_every_command(command, capsys):
    from eegstate.cli import build_parser

    parser = build_parser()
    args = parser.parse_args(command)
    takes_config = command[0] != "predict"
    takes_trust = command[0] in ("track", "predict")
    assert (getattr(args, "config", None), getattr(args, "trust", None)) == (
        [] if takes_config else None,
        [] if takes_trust else None,
    )
    if takes_config:
        args = parser.parse_args([*command, "--config", "seed=1", "a={b: 2}"])
        assert args.config == ["seed=1", "a={b: 2}"]
    if takes_trust:
        args = parser.parse_args([*command, "--trust", "a.B", "--trust", "c.D"])
        assert args.trust == ["a.B", "c.D"]
    with pytest.raises(SystemExit):
        parser.parse_args([command[0], "--help"])
    help_text = capsys.readouterr().out
    assert ("--config KEY=VALUE [KEY=VALUE ...]" in help_text) == takes_config
    assert ("--trust TYPE" in help_text) == takes_trust


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


def ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.skipif(os.name != "posix", reason="SIGINT dispositions are POSIX")
@pytest.mark.parametrize("started_ignoring", [True, False], ids=["sigint-ignored", "default"])
def test_run_starts_snakemake_with_the_default_sigint_handling(tmp_path, started_ignoring):
    """Snakemake stops on Ctrl-C even when eegstate started as a background job (SIGINT
    ignored, which children inherit)."""
    fake = tmp_path / "fake" / "snakemake"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "__main__.py").write_text(FAKE_SNAKEMAKE)
    path = os.pathsep.join(filter(None, [str(fake.parent), os.environ.get("PYTHONPATH")]))
    result = run_eegstate(
        ["run", "--cores", "1", "-n"],
        tmp_path,
        timeout=120,
        env={**os.environ, "PYTHONPATH": path},
        preexec_fn=ignore_sigint if started_ignoring else None,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.splitlines() == ["SIGINT default"]
