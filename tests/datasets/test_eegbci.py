"""Real PhysioNet EEGBCI resting runs (EEGSTATE_TEST_DATA): the Berger effect as control."""

from __future__ import annotations

import pandas as pd
import pytest

from eegstate.bandpower import region_band_power
from eegstate.config import load_config
from eegstate.datasets import plan_recordings, prepare_raw
from eegstate.datasets.eegbci import fetch_eegbci
from eegstate.io import read_raw
from eegstate.paths import workflow_root
from eegstate.pipeline import analyse_raw

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def eegbci_bandpower(eegbci_dir, eegbci_subjects):
    config = load_config(
        workflow_root() / "config" / "eegbci.yaml",
        {"data_dir": str(eegbci_dir), "subjects": eegbci_subjects},
    )
    plan = plan_recordings(config)
    tables = []
    for row in plan.itertuples():
        raw = prepare_raw("eegbci", read_raw(row.path))
        result = analyse_raw(raw, config, row._asdict(), source=row.path)
        assert result.qc.n_epochs_kept >= config["preprocess"]["min_epochs"]
        tables.append(result.bandpower)
    return pd.concat(tables, ignore_index=True)


def test_plan_uses_mne_cache_layout(eegbci_dir, eegbci_subjects):
    config = load_config(
        workflow_root() / "config" / "eegbci.yaml",
        {"data_dir": str(eegbci_dir), "subjects": eegbci_subjects},
    )
    plan = plan_recordings(config)
    assert len(plan) == 2 * len(eegbci_subjects)
    assert plan["path"].map(lambda p: p.endswith(".edf")).all()
    assert set(plan["state"]) == {"eyes_open", "eyes_closed"}


def test_fetch_with_files_present_downloads_nothing(eegbci_dir, eegbci_subjects, monkeypatch):
    import mne

    def no_download(*args, **kwargs):
        raise AssertionError("load_data must not be called when the files are present")

    monkeypatch.setattr(mne.datasets.eegbci, "load_data", no_download)
    paths = fetch_eegbci(eegbci_subjects[0], [1, 2], eegbci_dir)
    assert all(path.is_file() for path in paths)


def test_real_load_data_finds_cached_files(eegbci_dir, eegbci_subjects):
    import mne

    paths = mne.datasets.eegbci.load_data(
        eegbci_subjects[0], runs=[1, 2], path=str(eegbci_dir), update_path=False
    )
    assert len(paths) == 2


def test_channel_names_are_standardized(eegbci_dir, eegbci_subjects):
    subject = eegbci_subjects[0]
    path = (
        eegbci_dir
        / "MNE-eegbci-data/files/eegmmidb/1.0.0"
        / f"S{subject:03d}/S{subject:03d}R01.edf"
    )
    raw = prepare_raw("eegbci", read_raw(path))
    assert {"Fp1", "FCz", "O1", "Oz", "PO7"} <= set(raw.ch_names)
    assert len(raw.ch_names) == 64


def test_posterior_alpha_higher_with_eyes_closed_in_every_subject(
    eegbci_bandpower, eegbci_subjects
):
    posterior = eegbci_bandpower[eegbci_bandpower["region"].isin(["parietal", "occipital"])]
    posterior = posterior.assign(region="posterior")
    regions = region_band_power(posterior)
    alpha = regions[regions["band"] == "alpha"].pivot_table(
        index="subject", columns="state", values="power_db"
    )
    assert len(alpha) == len(eegbci_subjects)
    difference = alpha["eyes_closed"] - alpha["eyes_open"]
    assert (difference > 0).all(), difference.to_dict()
