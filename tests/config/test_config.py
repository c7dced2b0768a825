"""Configuration and sample-sheet validation: clear errors naming the option or file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from eegstate.config import ConfigError, load_config, validate_config
from eegstate.paths import config_schema_path, workflow_root
from eegstate.samplesheet import SampleSheetError, read_samplesheet, recording_id


def test_defaults_are_complete_and_valid():
    config = validate_config({})
    schema = yaml.safe_load(config_schema_path().read_text())
    for key, sub_schema in schema["properties"].items():
        assert "default" in sub_schema, f"option {key} has no documented default"
        assert "description" in sub_schema, f"option {key} has no description"
        assert key in config
    assert config["bandpower"]["bands"]["gamma"] == [30, 45]


@pytest.mark.parametrize("name", ["config.yaml", "eegbci.yaml"])
def test_shipped_configs_are_valid(name):
    config = load_config(workflow_root() / "config" / name)
    assert config["baseline"] != config["target"]


def test_unknown_key_is_named():
    with pytest.raises(ConfigError, match=r"unknown config option 'preprocess\.l_frequency'"):
        validate_config({"preprocess": {"l_frequency": 1}})
    with pytest.raises(ConfigError, match=r"'colour'.*allowed options here: .*adapter"):
        validate_config({"colour": "blue"})


def test_wrong_type_is_named():
    with pytest.raises(ConfigError, match=r"'preprocess\.epoch_length_s' must be of type number"):
        validate_config({"preprocess": {"epoch_length_s": "four"}})


def test_enum_lists_allowed_values():
    with pytest.raises(ConfigError, match=r"'adapter' is 'edf'; allowed values: 'simulated'"):
        validate_config({"adapter": "edf"})


def test_band_outside_analysed_range():
    with pytest.raises(ConfigError, match=r"bandpower\.bands\.gamma"):
        validate_config({"bandpower": {"bands": {"gamma": [30, 80]}}})


def test_samplesheet_adapter_needs_samples():
    with pytest.raises(ConfigError, match="needs the option 'samples'"):
        validate_config({"adapter": "samplesheet"})


def test_input_config_is_not_modified():
    user = {"preprocess": {"l_freq": 0.5}}
    validate_config(user)
    assert user == {"preprocess": {"l_freq": 0.5}}


def write_sheet(folder: Path, rows: list[dict]) -> Path:
    path = folder / "samples.tsv"
    pd.DataFrame(rows).to_csv(path, sep="\t", index=False)
    return path


def test_samplesheet_resolves_relative_paths(tmp_path):
    (tmp_path / "a b").mkdir()
    (tmp_path / "a b" / "rec1.edf").write_bytes(b"x")
    (tmp_path / "a b" / "rec2.edf").write_bytes(b"x")
    sheet = write_sheet(
        tmp_path,
        [
            {"subject": "01", "state": "rest", "path": "a b/rec1.edf"},
            {"subject": "01", "state": "drug", "path": "a b/rec2.edf"},
        ],
    )
    table = read_samplesheet(sheet, baseline="rest", target="drug")
    assert table["path"].map(lambda p: Path(p).is_absolute() and Path(p).is_file()).all()
    assert set(table["recording"]) == {"sub-01_state-rest", "sub-01_state-drug"}
    assert (table["session"] == "").all()


def test_samplesheet_missing_file_is_named(tmp_path):
    sheet = write_sheet(tmp_path, [{"subject": "01", "state": "rest", "path": "missing.edf"}])
    with pytest.raises(SampleSheetError, match=r"do not exist: line 2: .*missing\.edf"):
        read_samplesheet(sheet, baseline="rest", target="drug")


def test_samplesheet_unknown_state_and_duplicates(tmp_path):
    (tmp_path / "r.edf").write_bytes(b"x")
    sheet = write_sheet(tmp_path, [{"subject": "01", "state": "sleep", "path": "r.edf"}])
    with pytest.raises(SampleSheetError, match=r"sleep \(line 2\) are neither the baseline"):
        read_samplesheet(sheet, baseline="rest", target="drug")
    sheet = write_sheet(
        tmp_path,
        [{"subject": "01", "state": "rest", "path": "r.edf"}] * 2,
    )
    with pytest.raises(SampleSheetError, match=r"more than once \(lines 2, 3"):
        read_samplesheet(sheet, baseline="rest", target="drug")


def test_samplesheet_missing_column(tmp_path):
    sheet = write_sheet(tmp_path, [{"subject": "01", "path": "r.edf"}])
    with pytest.raises(SampleSheetError, match="lacks the column"):
        read_samplesheet(sheet, baseline="rest", target="drug")


def test_recording_id_is_bids_like():
    assert recording_id("02", "eyes_open", session="1") == "sub-02_ses-1_state-eyesopen"
    assert recording_id("A", "drug", task="rest", eyes="closed") == (
        "sub-A_task-rest_acq-closed_state-drug"
    )
