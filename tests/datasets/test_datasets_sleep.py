"""Sleep-EDF adapter: hypnogram parsing (real labels), fetch (local server), stage recordings."""

from __future__ import annotations

import collections
import hashlib
from pathlib import Path

import mne
import numpy as np
import pandas as pd
import pytest
from helpers.server import LocalServer
from helpers.sleep import HYPNOGRAM, PSG, write_night

from eegstate.config import load_config, validate_config
from eegstate.datasets import plan_recordings
from eegstate.datasets.download import ChecksumError
from eegstate.datasets.sleep_physionet import (
    extract_stage_recordings,
    fetch_sleep_subject,
    read_hypnogram,
    sleep_data_dir,
    sleep_records,
    state_epochs,
)
from eegstate.io import read_raw
from eegstate.paths import workflow_root


def test_real_hypnogram_epochs_and_stage_mapping(sleep_hypnogram):
    table = read_hypnogram(sleep_hypnogram)
    assert len(table) == 2880  # 24 h of 30-s epochs
    assert np.allclose(np.diff(table["onset"]), 30.0)
    counts = collections.Counter(table["stage"])
    assert counts == {"W": 1997, "2": 250, "?": 230, "R": 125, "4": 119, "3": 101, "1": 58}
    assert table["stage"].iloc[0] == "W"
    assert len(state_epochs(table, ["1"])) == 58
    assert len(state_epochs(table, ["3", "4"])) == 220  # AASM N3
    assert len(state_epochs(table, ["R"])) == 125
    # Wake: 60 epochs (30 min) on each side of the sleep period plus the wake inside it.
    assert len(state_epochs(table, ["W"], wake_margin_min=None)) == 1997
    wake = state_epochs(table, ["W"], wake_margin_min=30)
    asleep = table.loc[table["stage"].isin(["1", "2", "3", "4", "R"]), "onset"]
    assert wake.min() == asleep.min() - 1800
    assert wake.max() == asleep.max() + 30 + 1800 - 30
    inside = ((wake > asleep.min()) & (wake < asleep.max())).sum()
    assert len(wake) == 120 + inside


def test_registry_and_plan_use_mne_records(tmp_path):
    records = sleep_records("age")
    first = records.iloc[0]
    assert (first["subject"], first["session"], first["psg"]) == (0, "1", PSG)
    assert len(first["psg_sha1"]) == 40
    assert set(sleep_records("temazepam")["session"]) == {"placebo", "temazepam"}
    config = load_config(
        workflow_root() / "config" / "sleep-physionet.yaml",
        {"subjects": [0, 1], "results_dir": str(tmp_path)},
    )
    plan = plan_recordings(config)
    assert len(plan) == 8  # 2 subjects x 2 nights x (wake, n1)
    assert set(plan["state"]) == {"wake", "n1"} and set(plan["session"]) == {"1", "2"}
    assert plan["recording"].iloc[0] == "sub-00_ses-1_task-sleep_state-n1"
    assert Path(plan["path"].iloc[0]).is_relative_to(tmp_path.resolve())


def test_config_requires_30_s_epochs_and_mapped_states():
    from eegstate.config import ConfigError

    with pytest.raises(ConfigError, match="epoch_length_s: 30"):
        validate_config({"adapter": "sleep-physionet", "baseline": "wake", "target": "n1"})
    with pytest.raises(ConfigError, match="'target' is 'deep'"):
        validate_config(
            {
                "adapter": "sleep-physionet",
                "baseline": "wake",
                "target": "deep",
                "preprocess": {"epoch_length_s": 30},
            }
        )


@pytest.fixture(scope="module")
def remote(tmp_path_factory):
    folder = tmp_path_factory.mktemp("physionet")
    write_night(folder)
    return folder


def records_for(folder: Path, psg_sha1: str | None = None) -> pd.DataFrame:
    def sha1(name):
        return hashlib.sha1((folder / name).read_bytes()).hexdigest()

    return pd.DataFrame(
        [
            {
                "subject": 0,
                "session": "1",
                "psg": PSG,
                "psg_sha1": psg_sha1 or sha1(PSG),
                "hypnogram": HYPNOGRAM,
                "hypnogram_sha1": sha1(HYPNOGRAM),
            }
        ]
    )


PARAMS = {"study": "age", "nights": [1], "drugs": ["placebo"]}


def test_fetch_downloads_verifies_and_resumes(remote, tmp_path):
    with LocalServer(remote) as server:
        server.cut_once[PSG] = 100_000
        summary = fetch_sleep_subject(
            0, PARAMS, tmp_path, url=server.url, records=records_for(remote), progressbar=False
        )
        assert server.ranges(PSG) == [None, "bytes=100000-"]  # interrupted, then resumed
        folder = sleep_data_dir(tmp_path)
        assert summary.downloaded == [folder / PSG, folder / HYPNOGRAM]
        assert (folder / PSG).read_bytes() == (remote / PSG).read_bytes()
        again = fetch_sleep_subject(
            0, PARAMS, tmp_path, url=server.url, records=records_for(remote), progressbar=False
        )
        assert len(again.verified) == 2 and not again.downloaded
        assert "verified 2 already present" in again.describe()


def test_fetch_checksum_mismatch_leaves_no_file(remote, tmp_path):
    with LocalServer(remote) as server, pytest.raises(ChecksumError, match=PSG):
        fetch_sleep_subject(
            0,
            PARAMS,
            tmp_path,
            url=server.url,
            records=records_for(remote, psg_sha1="0" * 40),
            progressbar=False,
        )
    folder = sleep_data_dir(tmp_path)
    assert not folder.exists() or list(folder.iterdir()) == []


def test_stage_recordings_are_cut_and_analysable(remote, tmp_path):
    states = {"wake": ["W"], "n1": ["1"], "rem": ["R"]}
    outputs = {state: tmp_path / f"{state}_eeg.fif" for state in ("wake", "rem")}
    counts = extract_stage_recordings(remote / PSG, remote / HYPNOGRAM, states, outputs)
    assert counts == {"wake": 22, "rem": 8}
    wake = read_raw(outputs["wake"])
    assert wake.ch_names == ["Fpz-Cz", "Pz-Oz"]
    assert wake.n_times == 22 * 3000
    assert "BAD boundary" in set(wake.annotations.description)  # 3 runs of wake joined

    from eegstate.pipeline import analyse_raw

    config = load_config(workflow_root() / "config" / "sleep-physionet.yaml")
    identity = {"subject": "00", "session": "1", "recording": "r", "state": "wake"}
    result = analyse_raw(wake, config, identity)
    assert len(result.epochs) >= 20  # 30-s epochs: none lost at the joins
    assert set(result.bandpower["band"]) == {"delta", "theta", "alpha", "beta"}
    assert set(result.bandpower["channel"]) == {"Fpz-Cz", "Pz-Oz"}


def test_bipolar_preprocessing_keeps_channels_and_reference():
    """`montage: none` keeps positionless channels; `reference: none` leaves them unchanged."""
    from eegstate.config import ConfigError
    from eegstate.preprocess import preprocess_raw

    info = mne.create_info(["Fpz-Cz", "Pz-Oz"], 100.0, "eeg")
    data = np.random.default_rng(1).normal(0, 20e-6, (2, 100 * 300))
    raw = mne.io.RawArray(data, info, verbose="error")
    config = load_config(workflow_root() / "config" / "sleep-physionet.yaml")
    epochs, qc = preprocess_raw(raw, config["preprocess"], seed=0)
    assert epochs.ch_names == ["Fpz-Cz", "Pz-Oz"] and qc.n_epochs_total == 10
    # No average reference: the two derivations stay independent (not mirror images).
    first = epochs.get_data()[0]
    assert not np.allclose(first[0], -first[1])
    with pytest.raises(ConfigError, match=r"montage: none.*ica: none"):
        validate_config({"preprocess": {"montage": "none", "bad_channels": "none"}})
