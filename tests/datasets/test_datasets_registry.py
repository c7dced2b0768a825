"""The adapter registry and contract: names, entry points, and what the workflow asks."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from helpers.plugins import install_plugin

from eegstate.config import load_config, load_schema, validate_config
from eegstate.datasets import ADAPTERS, plan_recordings
from eegstate.datasets.base import (
    DatasetAdapter,
    dataset_manifest,
    state_label_problems,
    subject_manifest,
)
from eegstate.datasets.registry import BUILTIN, AdapterError, UnknownAdapterError
from eegstate.paths import workflow_root

RESULTS = "results/demo"


@pytest.fixture
def plugin_site(tmp_path, monkeypatch):
    """A folder on sys.path for installing plugins; the registry looks again afterwards."""
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    ADAPTERS.refresh()
    for name in [module for module in sys.modules if module.split(".")[0] == "lab_plugin"]:
        del sys.modules[name]


def test_every_builtin_adapter_is_registered_under_its_name():
    for name in BUILTIN:
        adapter = ADAPTERS[name]
        assert isinstance(adapter, DatasetAdapter) and adapter.name == name
        assert (workflow_root() / adapter.info.config).is_file()
        example = yaml.safe_load((workflow_root() / adapter.info.config).read_text())
        assert example["adapter"] == name
    downloadable = {name for name in BUILTIN if ADAPTERS[name].downloadable}
    assert downloadable == {"eegbci", "sleep-physionet", "farnes-ketamine", "openneuro"}


def test_schema_documents_every_builtin_adapter_but_does_not_enumerate_them():
    adapter = load_schema()["properties"]["adapter"]
    assert "enum" not in adapter  # checked against the registry instead
    for name in BUILTIN:
        assert f"`{name}`" in adapter["description"], name


def test_unknown_adapter_names_the_registered_ones():
    with pytest.raises(UnknownAdapterError, match="unknown adapter 'edf'; use one of simulated"):
        ADAPTERS["edf"]
    assert ADAPTERS.get("edf") is None  # a KeyError too, as a mapping raises


LAB_PLUGIN = """
from eegstate.datasets.base import DatasetAdapter, DatasetInfo
from eegstate.datasets.simulated import SimulatedAdapter

INFO = DatasetInfo("d", "l", "c", "s", "a", "config/config.yaml")


class Renamed(SimulatedAdapter):
    name = "other-name"


class Valid(SimulatedAdapter):
    name = "lab-valid"
    info = INFO


NOT_AN_ADAPTER = object()
"""


def test_entry_points_register_adapters_and_bad_ones_are_named(plugin_site, caplog):
    install_plugin(
        plugin_site,
        "lab_plugin",
        {"lab_plugin/__init__.py": LAB_PLUGIN},
        {
            "lab-valid": "lab_plugin:Valid",
            "lab-renamed": "lab_plugin:Renamed",
            "lab-object": "lab_plugin:NOT_AN_ADAPTER",
            "lab-missing": "lab_plugin.nowhere:Adapter",
            "eegbci": "lab_plugin:Valid",
        },
    )
    with caplog.at_level(logging.WARNING, logger="eegstate.datasets.registry"):
        ADAPTERS.refresh()
        names = list(ADAPTERS)
    assert names[: len(BUILTIN)] == list(BUILTIN)
    assert "ignoring the eegstate.datasets entry point 'eegbci'" in caplog.text
    assert type(ADAPTERS["eegbci"]).__module__ == "eegstate.datasets.eegbci"  # built-in wins
    assert ADAPTERS["lab-valid"].info.description == "d"
    assert validate_config({"adapter": "lab-valid"})["adapter"] == "lab-valid"
    with pytest.raises(AdapterError, match="calls itself 'other-name'"):
        ADAPTERS["lab-renamed"]
    with pytest.raises(AdapterError, match=r"is not an eegstate\.datasets\.base\.DatasetAdapter"):
        ADAPTERS["lab-object"]
    with pytest.raises(AdapterError, match=r"'lab-missing' .* cannot be loaded: ModuleNotFound"):
        ADAPTERS["lab-missing"]


def row(**values) -> pd.Series:
    return pd.Series({"subject": "002", "session": "", "path": "/data/x.edf", **values})


def test_recording_jobs_wait_for_what_the_adapter_says(tmp_path):
    manifest = subject_manifest(RESULTS, "002")
    assert manifest == "results/demo/sourcedata/sub-002_fetched.tsv"
    assert ADAPTERS["eegbci"].recording_input(row(), RESULTS) == [manifest]
    assert ADAPTERS["openneuro"].recording_input(row(), RESULTS) == [manifest]
    assert ADAPTERS["farnes-ketamine"].recording_input(row(), RESULTS) == [
        "/data/x.edf",
        dataset_manifest(RESULTS),
    ]
    for name in ("simulated", "bids", "sleep-physionet"):
        assert ADAPTERS[name].recording_input(row(), RESULTS) == ["/data/x.edf"]
    present = tmp_path / "present.edf"
    present.write_bytes(b"")
    sheet = ADAPTERS["samplesheet"]
    assert sheet.recording_input(row(path=str(present)), RESULTS) == [str(present)]
    assert sheet.recording_input(row(path=str(tmp_path / "missing.edf")), RESULTS) == []


def test_sleep_extraction_outputs_are_the_planned_recordings(tmp_path):
    config = load_config(
        workflow_root() / "config" / "sleep-physionet.yaml",
        {"subjects": [0, 1], "results_dir": str(tmp_path)},
    )
    plan = plan_recordings(config)
    fetch, extract = ADAPTERS["sleep-physionet"].preparation_jobs(config, RESULTS, plan)
    assert (fetch.level, extract.level) == ("subject", "session")
    assert fetch.outputs == (subject_manifest(RESULTS),) and extract.inputs == fetch.outputs
    extracted = {
        output.format(subject=night.subject, session=night.session)
        for night in plan.itertuples()
        for output in extract.outputs
    }
    assert extracted == set(plan["path"])


def test_preparation_jobs_get_only_the_options_they_read():
    config = validate_config({"simulation": {"n_subjects": 2}})
    plan = plan_recordings(config)
    (job,) = ADAPTERS["simulated"].preparation_jobs(config, RESULTS, plan)
    assert job.level == "dataset"
    folder = Path(plan["path"].iloc[0]).parents[1]
    # the recordings first (prepare finds the folder from the first), then the sheet and truth
    assert list(job.outputs) == [
        *plan["path"],
        str(folder / "samples.tsv"),
        str(folder / "ground_truth.json"),
    ]
    assert set(job.job_config(config)) == {"adapter", "simulation", "seed", "baseline", "target"}
    eegbci = validate_config(
        {"adapter": "eegbci", "baseline": "eyes_open", "target": "eyes_closed"}
    )
    (fetch,) = ADAPTERS["eegbci"].preparation_jobs(eegbci, RESULTS, plan)
    assert fetch.log == "results/demo/logs/fetch_eegbci/sub-{subject}.log"
    assert set(fetch.job_config(eegbci)) == {"adapter", "data_dir", "eegbci", "baseline", "target"}
    assert ADAPTERS["bids"].preparation_jobs(eegbci, RESULTS, plan) == ()


def test_local_adapters_have_no_fetch_and_say_which_do():
    config = validate_config({"adapter": "samplesheet", "samples": "sheet.tsv"})
    with pytest.raises(
        ValueError, match=r"reads local files: nothing to fetch \(downloadable: eeg"
    ):
        ADAPTERS["samplesheet"].fetch(config, None)
    with pytest.raises(ValueError, match="no per-session preparation job"):
        ADAPTERS["eegbci"].prepare("session", config, ["x"], subject="1", session="1")


def test_states_must_be_labels_of_the_adapters_state_map():
    config = {"baseline": "open", "target": "shut"}
    assert state_label_problems(config, {"open": 1, "closed": 2}, "x.runs") == [
        "option 'target' is 'shut' but 'x.runs' maps only closed, open; use one of those labels"
    ]
    assert state_label_problems(config, ["shut", "open"], "x.runs") == []

    eegbci = validate_config(
        {"adapter": "eegbci", "baseline": "eyes_open", "target": "eyes_closed"}
    )
    eegbci = {**eegbci, "baseline": "rest", "target": "task"}
    assert ADAPTERS["eegbci"].check(eegbci) == [
        f"option '{role}' is {value!r} but 'eegbci.runs' maps only eyes_closed, eyes_open; "
        "use one of those labels"
        for role, value in (("baseline", "rest"), ("target", "task"))
    ]
    sleep = validate_config(
        {
            "adapter": "sleep-physionet",
            "baseline": "wake",
            "target": "n1",
            "preprocess": {"epoch_length_s": 30},
        }
    )
    assert ADAPTERS["sleep-physionet"].check({**sleep, "target": "deep"}) == [
        "option 'target' is 'deep' but 'sleep_physionet.states' maps only n1, n2, n3, rem, "
        "wake; use one of those labels"
    ]
