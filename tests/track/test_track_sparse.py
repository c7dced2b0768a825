"""State tracking of recordings without channel positions or with few channels.

A bipolar two-derivation recording (as in sleep EEG) and an eight-channel array saved with
neither positions nor standard names are derived from a simulated continuous recording with a
planted time course (not the default one). Components that need positions or known names are
left out, the outputs say so, and the planted event is still found.
"""

from __future__ import annotations

import json

import mne
import numpy as np
import pytest

from eegstate.config import merge_config, validate_config

SFREQ = 160.0
#: duration, onset, peak, offset, decay (s); none of them defaults.
COURSE = (1080.0, 330.0, 540.0, 930.0, 240.0)
#: No positions: no montage, interpolation, ICA or average reference.
SPARSE = {
    "preprocess": {
        "montage": "none",
        "bad_channels": "none",
        "ica": "none",
        "reference": "none",
        "reject": "ptp_mad",
    },
    "track": {"events": {"n_bootstrap": 40}, "baseline_s": 240},
}


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A simulated 32-channel continuous recording and its ground truth."""
    from eegstate.simulate.continuous import simulate_continuous_cohort

    duration, onset, peak, offset, decay = COURSE
    params = {
        "n_subjects": 1,
        "sfreq": SFREQ,
        "continuous": {
            "duration_s": duration,
            "onset_s": onset,
            "peak_s": peak,
            "offset_s": offset,
            "decay_s": decay,
        },
    }
    root = tmp_path_factory.mktemp("sparse")
    table = simulate_continuous_cohort(root, params, 23)
    raw = mne.io.read_raw_fif(root / table["path"].iloc[0], preload=True, verbose="error")
    truth = json.loads((root / "ground_truth.json").read_text())
    return raw, truth


def _bipolar(raw: mne.io.BaseRaw) -> mne.io.BaseRaw:
    """Two bipolar derivations, Sleep-EDF style names, no positions."""
    pairs = {"EEG Fz-Cz": ("Fz", "Cz"), "EEG Pz-Oz": ("Pz", "Oz")}
    data = np.vstack([raw.get_data(picks=[a]) - raw.get_data(picks=[b]) for a, b in pairs.values()])
    out = mne.io.RawArray(
        data, mne.create_info(list(pairs), raw.info["sfreq"], "eeg"), verbose="error"
    )
    out.set_annotations(raw.annotations)
    return out


def _anonymous(raw: mne.io.BaseRaw) -> mne.io.BaseRaw:
    """Eight Laplacian-like channels (each minus its neighbours' mean) named E1..E8."""
    centres = {
        "E1": "O1",
        "E2": "Oz",
        "E3": "O2",
        "E4": "Pz",
        "E5": "P3",
        "E6": "P4",
        "E7": "Cz",
        "E8": "Fz",
    }
    neighbours = {
        "O1": ("PO3", "P7", "Oz"), "Oz": ("O1", "O2", "PO3", "PO4"), "O2": ("PO4", "P8", "Oz"),
        "Pz": ("P3", "P4", "CP1", "CP2"), "P3": ("P7", "Pz", "CP5", "PO3"),
        "P4": ("P8", "Pz", "CP6", "PO4"), "Cz": ("C3", "C4", "FC1", "FC2"),
        "Fz": ("F3", "F4", "FC1", "FC2"),
    }  # fmt: skip
    rows = [
        raw.get_data(picks=[c])[0] - raw.get_data(picks=list(neighbours[c])).mean(axis=0)
        for c in centres.values()
    ]
    info = mne.create_info(list(centres), raw.info["sfreq"], "eeg")
    out = mne.io.RawArray(np.vstack(rows), info, verbose="error")
    out.set_annotations(raw.annotations)
    return out


def _track(raw: mne.io.BaseRaw):
    from eegstate.track import events_json, track_raw

    config = validate_config(merge_config(SPARSE, {}))
    result = track_raw(raw, config, recording="sparse")
    return result, events_json(result)


@pytest.mark.parametrize("derive", [_bipolar, _anonymous], ids=["bipolar", "anonymous"])
def test_positionless_recording_is_tracked_and_says_what_was_left_out(source, derive):
    raw, truth = source
    sparse = derive(raw)
    assert all(
        np.isnan(ch["loc"][:3]).all() or not ch["loc"][:3].any() for ch in sparse.info["chs"]
    )
    result, events = _track(sparse)
    left_out = events["components_left_out"]
    # no positions: no source-space DMN; names outside every region: all channels only
    assert "dmn" in left_out and "connectivity" in left_out["dmn"].lower()
    assert "regions" in left_out
    table = result.table
    assert "alpha_db_all" in table and "aperiodic_exponent" in table
    assert not any(column.startswith("dmn") for column in table)
    assert not any(column.endswith(("_occipital", "_frontal", "_parietal")) for column in table)
    planted = truth["events"]
    assert events["event"], "no event found"
    print(
        f"\n{derive.__name__}: estimate - planted (s)",
        {k: round(events[k] - planted[k], 1) for k in ("onset_s", "peak_s", "offset_s")},
        {k: (events[f"{k}_low"], events[f"{k}_high"]) for k in ("onset_s", "peak_s", "offset_s")},
    )
    # Fewer channels, noisier index: onset and offset within 90 s (about three windows of
    # track.window_s = 32 s) of the planted times, the peak within 120 s, on a 1080-s course.
    # Measured (pytest -s prints them): bipolar -2/-52/+82 s, anonymous -58/+4/+46 s; the
    # bootstrap intervals missed the planted time in 3 of these 6 cases (docs: tracking).
    assert abs(events["onset_s"] - planted["onset_s"]) <= 90
    assert abs(events["peak_s"] - planted["peak_s"]) <= 120
    assert abs(events["offset_s"] - planted["offset_s"]) <= 90
    # what changed: posterior alpha falls in the planted profile, and the track sees it
    assert events["changes_at_peak"]["alpha_db_all"] < 0
