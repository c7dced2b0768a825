"""Smoke test of ``make bench`` (benchmarks/bench.py) on tiny inputs; no ratio is asserted."""

from __future__ import annotations

import importlib.util
import re
import runpy
import subprocess
import sys

import yaml
from helpers import REPO

BENCH = REPO / "benchmarks" / "bench.py"
LINE = re.compile(r"^(?P<name>[a-z0-9_]+): (?P<value>[-+0-9.e]+|skipped \(.+\))$")


def load_bench():
    spec = importlib.util.spec_from_file_location("bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench", module)  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_quick_bandpower_section_prints_one_line_per_figure(tmp_path):
    result = subprocess.run(
        [sys.executable, str(BENCH), "--only", "bandpower", "--quick"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    figures = {}
    for line in result.stdout.splitlines():
        match = LINE.match(line)
        assert match, f"not a 'name: value' line: {line!r}"
        figures[match["name"]] = match["value"]
    assert set(figures) == {
        "bandpower_vs_rfft",
        "bandpower_speedup_vs_yasa",
        "bandpower_max_rel_diff_vs_mne",
    }
    assert float(figures["bandpower_vs_rfft"]) > 0
    assert float(figures["bandpower_max_rel_diff_vs_mne"]) <= 1e-6
    if importlib.util.find_spec("yasa") is None:
        assert figures["bandpower_speedup_vs_yasa"].startswith("skipped (yasa not installed")
    else:
        assert float(figures["bandpower_speedup_vs_yasa"]) > 0


def test_unknown_section_is_an_error(tmp_path):
    result = subprocess.run(
        [sys.executable, str(BENCH), "--only", "bandpowr"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "unknown section(s) bandpowr" in result.stderr


def test_missing_eegbci_data_skips_with_a_note(tmp_path, capsys):
    bench = load_bench()
    options = bench.Options(quick=True, data_dir=tmp_path, work=tmp_path, repeats=1, rss_minutes=1)
    bench.minimal_mne_section(options)
    expected = f"vs_minimal_mne: skipped (EEGBCI subjects [2, 3, 4, 26] not found under {tmp_path})"
    assert capsys.readouterr().out.splitlines() == [expected]


def test_merged_config_keeps_the_base_options(tmp_path):
    bench = load_bench()
    base = tmp_path / "base.yaml"
    base.write_text("dataset: eegbci\npreprocess:\n  line_freq: 60\n  ica: picard\n")
    path = bench.merged_config(base, {"preprocess": {"ica": "none"}}, tmp_path / "lean.yaml")
    assert yaml.safe_load(path.read_text()) == {
        "dataset": "eegbci",
        "preprocess": {"line_freq": 60, "ica": "none"},
    }
    assert bench._yaml_value([2, 3]) == "[2, 3]"
    assert bench._yaml_value({"n_subjects": 8}) == "{n_subjects: 8}"


def test_pipeline_config_is_python_with_both_runs(tmp_path):
    bench = load_bench()
    path = bench.write_pipeline_config(tmp_path / "config.py", tmp_path / "bids", tmp_path / "d")
    settings = runpy.run_path(str(path))
    assert settings["runs"] == ["01", "02"]
    assert settings["task_is_rest"] and settings["rest_epochs_duration"] == 4.0
    assert (settings["l_freq"], settings["h_freq"]) == (1.0, 45.0)
