"""The worked example of docs/adding-a-dataset.md, run as the page writes it.

The page's module, config file and ``pyproject.toml`` entry point are read from its fenced code
blocks and installed as a package into a temporary folder; the adapter is then planned on
generated EDF files, listed by ``eegstate datasets``, checked by config validation, and the
workflow builds (and, in the slow test, runs) its jobs.
"""

from __future__ import annotations

import os
import re
import sys
import tomllib
from pathlib import Path

import mne
import pytest
import yaml
from helpers import REPO
from helpers.plugins import install_plugin
from helpers.raws import make_raw
from helpers.workflow_runs import run_eegstate

from eegstate.cli import main
from eegstate.config import ConfigError, load_config, validate_config
from eegstate.datasets import ADAPTERS, plan_recordings
from eegstate.datasets.registry import ENTRY_POINT_GROUP
from eegstate.io import read_table

PAGE = REPO / "docs" / "adding-a-dataset.md"
#: The files the generated dataset holds: (subject, state); plus one file the plan must skip.
RECORDINGS = [("01", "pre"), ("01", "post"), ("02", "pre"), ("02", "post")]


def code_block(first_line: str) -> str:
    """The fenced code block of the page whose first line is ``first_line``."""
    blocks = re.findall(r"^```[a-z]+\n(.*?)^```", PAGE.read_text(encoding="utf-8"), re.M | re.S)
    matches = [block for block in blocks if block.splitlines()[0] == first_line]
    assert len(matches) == 1, f"{PAGE} has {len(matches)} code blocks starting {first_line!r}"
    return matches[0]


@pytest.fixture
def example_site(tmp_path, monkeypatch):
    """The page's package installed into a folder on sys.path (removed afterwards)."""
    pyproject = tomllib.loads(code_block("# pyproject.toml"))
    entry_points = pyproject["project"]["entry-points"][ENTRY_POINT_GROUP]
    site = install_plugin(
        tmp_path / "site",
        "mylab_eeg",
        {
            "mylab_eeg/__init__.py": "",
            "mylab_eeg/adapter.py": code_block("# mylab_eeg/adapter.py"),
            "mylab_eeg/edf-folder.yaml": code_block("# mylab_eeg/edf-folder.yaml"),
        },
        entry_points,
    )
    monkeypatch.syspath_prepend(str(site))
    ADAPTERS.refresh()
    yield site
    ADAPTERS.refresh()
    for name in [module for module in sys.modules if module.split(".")[0] == "mylab_eeg"]:
        del sys.modules[name]


@pytest.fixture
def edf_folder(tmp_path) -> Path:
    folder = tmp_path / "edf"
    folder.mkdir()
    for seed, (subject, state) in enumerate(RECORDINGS):
        raw = make_raw(n_seconds=40, sfreq=200, seed=seed)
        mne.export.export_raw(folder / f"{subject}_{state}.edf", raw, verbose="error")
    (folder / "notes_pre.txt").write_text("not a recording")
    mne.export.export_raw(folder / "03_followup.edf", make_raw(n_seconds=10), verbose="error")
    return folder


def example_config(site: Path, **overrides) -> dict:
    return load_config(site / "mylab_eeg" / "edf-folder.yaml", overrides)


def test_example_adapter_plans_the_edf_files(example_site, edf_folder, capsys):
    assert "edf-folder" in ADAPTERS
    config = example_config(example_site, data_dir=str(edf_folder))
    plan = plan_recordings(config)
    assert list(zip(plan["subject"], plan["state"], strict=True)) == [
        ("01", "post"),
        ("01", "pre"),
        ("02", "post"),
        ("02", "pre"),
    ]
    assert set(plan["recording"]) >= {"sub-01_state-pre", "sub-02_state-post"}
    assert all(Path(path).is_file() for path in plan["path"])
    assert len(plan_recordings({**config, "subjects": ["02"]})) == 2
    # Config validation asks the adapter (check) and accepts its name without a schema edit.
    with pytest.raises(ConfigError, match="adapter 'edf-folder' needs 'data_dir'"):
        validate_config({"adapter": "edf-folder", "baseline": "pre", "target": "post"})
    with pytest.raises(ConfigError, match=r"allowed values: 'simulated'.*'edf-folder'"):
        validate_config({"adapter": "edf-folders"})
    assert main(["datasets"]) == 0
    listing = capsys.readouterr().out
    assert "\nedf-folder\n" in listing and "CC BY 4.0" in listing
    with pytest.raises(SystemExit):  # nothing to download: not a choice of `eegstate fetch`
        main(["fetch", "edf-folder"])
    assert "invalid choice: 'edf-folder'" in capsys.readouterr().err


def test_example_adapter_without_files_says_where_it_looked(example_site, tmp_path):
    config = example_config(example_site, data_dir=str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"no <subject>_\{pre,post\}\.edf files in"):
        plan_recordings(config)


def run_example(site: Path, edf_folder: Path, tmp_path: Path, *args: str):
    config = yaml.safe_load((site / "mylab_eeg" / "edf-folder.yaml").read_text())
    config.update(
        data_dir=str(edf_folder),
        results_dir=str(tmp_path / "results"),
        preprocess={**config["preprocess"], "ica": "none"},
        report={"n_bootstrap": 200},
        classification={"n_permutations": 0},
    )
    configfile = tmp_path / "mylab.yaml"
    configfile.write_text(yaml.safe_dump(config))
    return run_eegstate(
        ["run", "--cores", "2", "--configfile", str(configfile), *args],
        tmp_path,
        env={**os.environ, "PYTHONPATH": str(site)},
    )


def test_workflow_builds_the_example_jobs(example_site, edf_folder, tmp_path):
    result = run_example(example_site, edf_folder, tmp_path, "-n")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    counts = dict(re.findall(r"^(\w+)\s+(\d+)$", output, re.M))
    recording_jobs = {rule: n for rule, n in counts.items() if rule.startswith("process_record")}
    # the four recordings in one batch (execution.recordings_per_job, default 4)
    assert recording_jobs == {"process_recordings_1": "1"}, output[-3000:]
    assert not any(rule.startswith("prepare_") for rule in counts)  # files are read as they are


@pytest.mark.slow
def test_example_dataset_end_to_end(example_site, edf_folder, tmp_path):
    result = run_example(example_site, edf_folder, tmp_path)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    group = tmp_path / "results" / "mylab" / "group"
    qc = read_table(group / "qc.tsv")
    assert len(qc) == 4 and (qc["excluded"].fillna("") == "").all()
    assert set(read_table(group / "bandpower.tsv")["state"]) == {"pre", "post"}
    assert "resting EEG before and after the intervention" in (group / "report.html").read_text(
        encoding="utf-8"
    )
    assert not (edf_folder / "sub-01").exists()  # nothing written into the data folder
