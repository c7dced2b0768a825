"""State tracking on simulated continuous recordings with planted time courses.

The planted times come from the simulator's parameters (ground_truth.json), never from the
tracking code. Time courses and settings differ from every default.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from helpers.models import train_region_model

from eegstate.config import validate_config

SFREQ = 160.0  # the muscle index needs a range above 45 Hz (0.4 x sfreq > 55 Hz)
#: (name, duration, onset, peak, offset, decay), none of them defaults.
COURSES = {
    "gradual": (1320.0, 360.0, 640.0, 1140.0, 220.0),
    "rapid": (1200.0, 300.0, 400.0, 840.0, 300.0),
}
FAST = {
    "preprocess": {"ica": "none", "reject": "ptp_mad"},
    "track": {
        "components": {"dmn": False},
        "events": {"n_bootstrap": 40},
        "baseline_s": 240,
    },
}


def simulation(duration: float, onset: float, peak: float, offset: float, decay: float, **extra):
    continuous = {
        "duration_s": duration,
        "onset_s": onset,
        "peak_s": peak,
        "offset_s": offset,
        "decay_s": decay,
        **extra,
    }
    return {"n_subjects": 1, "sfreq": SFREQ, "continuous": continuous}


def no_change(duration: float, **extra):
    """A time course with no planted change (intensity 0 throughout)."""
    return simulation(duration, duration, duration, duration, 0.0, **extra)


@pytest.fixture(scope="module")
def recordings(tmp_path_factory):
    """Continuous recordings (FIF) and their ground truth, one per scenario."""
    from eegstate.simulate.continuous import simulate_continuous_cohort

    root = tmp_path_factory.mktemp("continuous")
    scenarios = {name: simulation(*course) for name, course in COURSES.items()}
    scenarios["none"] = no_change(960.0)
    scenarios["muscle"] = no_change(960.0, muscle_episodes=[[420.0, 200.0]])
    out = {}
    for seed, (name, params) in enumerate(scenarios.items(), start=11):
        table = simulate_continuous_cohort(root / name, params, seed)
        truth = json.loads((root / name / "ground_truth.json").read_text())
        out[name] = (root / name / table["path"].iloc[0], truth)
    return out


def _report(label, events, planted):
    """Print the measured event-time errors (pytest -s shows them; the README quotes them)."""
    errors = {
        key: round(events[key] - planted[key], 1) for key in ("onset_s", "peak_s", "offset_s")
    }
    print(f"\n{label}: estimate - planted (s) {errors}")


def _track(path, overrides=None, **kwargs):
    import mne

    from eegstate.config import merge_config
    from eegstate.track import events_json, track_raw

    config = validate_config(merge_config(FAST, overrides or {}))
    raw = mne.io.read_raw_fif(path, preload=False, verbose="error")
    return track_raw(raw, config, recording=Path(path).stem, **kwargs), events_json


@pytest.mark.parametrize("name", list(COURSES))
def test_unsupervised_track_finds_planted_times(recordings, name):
    path, truth = recordings[name]
    result, to_json = _track(path)
    events = to_json(result)
    planted = truth["events"]
    assert events["event"], f"no event found in {name}"
    _report(f"unsupervised {name}", events, planted)
    assert abs(events["onset_s"] - planted["onset_s"]) <= 60
    assert abs(events["peak_s"] - planted["peak_s"]) <= 120
    assert abs(events["offset_s"] - planted["offset_s"]) <= 60
    # intervals bracket the estimates; the dose annotation is found at the planted onset
    for key in ("onset_s", "peak_s", "offset_s"):
        assert events[f"{key}_low"] <= events[key] + 1e-6 <= events[f"{key}_high"] + 2e-6
    assert events["dose_s"] == pytest.approx(truth["dose_annotation"]["onset_s"])
    assert events["time_to_peak_s"] == pytest.approx(events["peak_s"] - events["dose_s"])
    # what changed: the planted profile's signs (alpha down, gamma up) at the peak
    subject = next(iter(truth["subjects"].values()))
    expected = subject["expected_sensor_effects_db"]
    changes = events["changes_at_peak"]
    for band, region in (("alpha", "occipital"), ("gamma", "all")):
        assert np.sign(changes[f"{band}_db_{region}"]) == np.sign(expected[band][region])
        assert abs(changes[f"{band}_db_{region}"] - expected[band][region]) < 1.5
    table = result.table
    assert {"time_s", "index", "alpha_db_occipital", "aperiodic_exponent"} <= set(table)
    assert (table.loc[table["state"] == "altered", "time_s"].between(
        planted["onset_s"], planted["offset_s"]
    )).mean() > 0.9  # fmt: skip


def test_no_planted_change_reports_no_event(recordings):
    result, to_json = _track(recordings["none"][0])
    events = to_json(result)
    assert not events["event"]
    assert events["onset_s"] is None and events["peak_s"] is None and events["offset_s"] is None


def test_muscle_episode_alone_is_no_event(recordings):
    path, truth = recordings["muscle"]
    episode_start, length = truth["params"]["continuous"]["muscle_episodes"][0]
    result, to_json = _track(path)
    events = to_json(result)
    assert not events["event"]
    assert events["emg_check"]["n_flagged_epochs"] >= 0.8 * length / 4
    flagged = result.table.loc[result.table["state"] == "artefact", "time_s"]
    assert flagged.between(episode_start - 32, episode_start + length + 32).all()
    # without the muscle check the same episode looks like a state change: the check matters
    unchecked, to_json = _track(path, {"track": {"emg_check": False}})
    assert to_json(unchecked)["event"]


@pytest.fixture(scope="module")
def cohort_model(tmp_path_factory):
    """A model trained on a simulated cohort of other subjects (4-6), saved and reloaded."""
    from eegstate.io import load_model, save_model
    from eegstate.simulate import simulate_recording

    config = validate_config(FAST)
    params = {"n_subjects": 6, "duration_s": 96, "sfreq": SFREQ}

    def cohort():
        for subject in (4, 5, 6):
            for state in ("baseline", "target"):
                raw = simulate_recording(subject, state, params, seed=11)
                label = "baseline" if state == "baseline" else "dissociative"
                identity = {"subject": str(subject), "session": "",
                            "recording": f"{subject}{state}", "state": label}  # fmt: skip
                yield raw, identity

    model = train_region_model(
        cohort(),
        config,
        baseline="baseline",
        target="dissociative",
        dataset="simulated",
        seed=3,
    )
    path = save_model(model, tmp_path_factory.mktemp("model") / "sim.eegstate")
    return load_model(path)


def test_supervised_track_finds_planted_times(recordings, cohort_model):
    path, truth = recordings["gradual"]
    result, to_json = _track(path, model=cohort_model)
    events = to_json(result)
    planted = truth["events"]
    assert events["index"]["kind"] == "model"
    assert events["event"]
    _report("model gradual", events, planted)
    assert abs(events["onset_s"] - planted["onset_s"]) <= 60
    assert abs(events["peak_s"] - planted["peak_s"]) <= 120
    assert abs(events["offset_s"] - planted["offset_s"]) <= 60
    index = result.table["index"].to_numpy()
    assert np.nanmin(index) >= 0 and np.nanmax(index) <= 1


def test_supervised_no_change_reports_no_event(recordings, cohort_model):
    result, to_json = _track(recordings["none"][0], model=cohort_model)
    assert not to_json(result)["event"]
