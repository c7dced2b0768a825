"""State tracking on real EEG: PhysioNet EEGBCI eyes open (R01) then eyes closed (R02).

One subject's two resting runs are concatenated into one recording; the closing of the eyes
at the junction (61 s) is the change the track must find, with a model trained on the *other*
subjects and with the unsupervised index.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from helpers.models import train_region_model

from eegstate.config import validate_config

pytestmark = pytest.mark.realdata

STEP_S = 4.0
CONFIG = {
    "adapter": "eegbci",
    "baseline": "eyes_open",
    "target": "eyes_closed",
    "preprocess": {"ica": "none", "reject": "ptp_mad"},
    "track": {
        "window_s": 8,
        "step_s": STEP_S,
        "chunk_s": 64,
        "components": {"dmn": False},
        "events": {
            "min_segment_s": 16,
            "min_event_s": 20,
            "bootstrap_block_s": 8,
            "n_bootstrap": 50,
        },
    },
}


def _runs(eegbci_dir, subject):
    import mne

    from eegstate.datasets import prepare_raw

    paths = mne.datasets.eegbci.load_data(
        subject, runs=[1, 2], path=eegbci_dir, update_path=False, verbose="error"
    )
    raws = [prepare_raw("eegbci", mne.io.read_raw_edf(p, preload=True, verbose="error"))
            for p in paths]  # fmt: skip
    return raws


def _concatenated(eegbci_dir, subject):
    import mne

    raws = _runs(eegbci_dir, subject)
    junction = raws[0].n_times / raws[0].info["sfreq"]
    return mne.concatenate_raws(raws, verbose="error"), junction


def _model(eegbci_dir, subjects, config, path):
    from eegstate.io import save_model

    def resting_runs():
        for subject in subjects:
            states = ("eyes_open", "eyes_closed")
            for raw, state in zip(_runs(eegbci_dir, subject), states, strict=True):
                identity = {"subject": str(subject), "session": "",
                            "recording": f"{subject}-{state}", "state": state}  # fmt: skip
                yield raw, identity

    model = train_region_model(
        resting_runs(),
        config,
        baseline="eyes_open",
        target="eyes_closed",
        dataset="eegbci",
        seed=1,
    )
    return save_model(model, path)


@pytest.fixture(scope="module")
def junction_case(eegbci_dir, eegbci_subjects, tmp_path_factory):
    """The first subject's R01+R02 as one FIF, and a model of the other subjects."""
    config = validate_config(CONFIG)
    tracked, *others = eegbci_subjects
    assert others, "the real-data test needs at least two EEGBCI subjects"
    folder = tmp_path_factory.mktemp("eegbci_track")
    raw, junction = _concatenated(eegbci_dir, tracked)
    recording = folder / f"S{tracked:03d}R01R02_raw.fif"
    raw.save(recording, verbose="error")
    model = _model(eegbci_dir, others, config, folder / "others.eegstate")
    return config, recording, model, junction


def _check_step(record, junction):
    assert record["event"], "no change found at the eyes-open/eyes-closed junction"
    print(f"\n{record['index']['kind']}: onset {record['onset_s']}, peak {record['peak_s']}")
    assert abs(record["onset_s"] - junction) <= STEP_S
    assert abs(record["peak_s"] - junction) <= STEP_S
    assert record["offset_s"] is None  # eyes stay closed to the end


def test_model_of_other_subjects_steps_up_at_the_junction(junction_case, tmp_path):
    from eegstate.steps.track import track_recording

    config, recording, model, junction = junction_case
    record = track_recording(
        recording=recording,
        out_dir=tmp_path,
        config=config,
        model_path=model,
        baseline=(0, 40),
    )
    _check_step(record, junction)
    table = pd.read_csv(tmp_path / "track.tsv", sep="\t")
    before = table.loc[table["window_stop_s"] <= junction, "index"].median()
    after = table.loc[table["window_start_s"] >= junction, "index"].median()
    assert before < 0.5 < after  # the eyes-closed probability steps up
    assert (tmp_path / "track.png").stat().st_size > 0


def test_unsupervised_index_finds_the_junction(junction_case, tmp_path):
    from eegstate.steps.track import track_recording

    config, recording, _, junction = junction_case
    record = track_recording(recording=recording, out_dir=tmp_path, config=config, baseline=(0, 40))
    _check_step(record, junction)
    # the change is the Berger effect: posterior alpha up
    assert record["changes_at_peak"]["alpha_db_occipital"] > 3
    events = json.loads((tmp_path / "events.json").read_text())
    assert events["index"]["kind"] == "unsupervised"
    assert np.isfinite(events["baseline"]["sd"])
