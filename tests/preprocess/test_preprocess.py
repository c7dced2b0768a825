"""Preprocessing: bad channels, rejection, and errors that name the recording."""

from __future__ import annotations

import numpy as np
import pytest
from helpers.raws import make_raw

from eegstate.config import validate_config
from eegstate.io import RecordingError
from eegstate.preprocess import preprocess_raw, rejection_threshold_uv

PARAMS = validate_config({})["preprocess"]
CHANNELS = (
    "Fp1", "Fp2", "F3", "F4", "Fz", "C3", "C4", "Cz", "P3", "P4",
    "Pz", "O1", "O2", "Oz", "T7", "T8", "F7", "F8", "P7", "P8",
)  # fmt: skip


def test_mad_threshold_adapts_to_amplitude():
    ptp = np.array([100.0, 110, 90, 105, 95, 1000])
    threshold = rejection_threshold_uv(ptp, "ptp_mad", 5.0, 500.0)
    # median 102.5, MAD 7.5 -> 102.5 + 5 * 1.4826 * 7.5
    assert threshold == pytest.approx(102.5 + 5 * 1.4826 * 7.5)
    assert rejection_threshold_uv(ptp * 3, "ptp_mad", 5.0, 500.0) == pytest.approx(threshold * 3)
    assert rejection_threshold_uv(ptp, "ptp_threshold", 5.0, 500.0) == 500.0
    assert rejection_threshold_uv(ptp, "none", 5.0, 500.0) == np.inf


def test_noisy_channel_is_found_and_artefact_epoch_dropped():
    raw = make_raw(n_seconds=60, channels=CHANNELS, seed=3)
    data = raw.get_data()
    data[CHANNELS.index("C4")] *= 12  # one very noisy channel
    blink = np.hanning(75) * 600e-6  # one big frontal deflection at 10 s (blink-like)
    for channel in ("Fp1", "Fp2", "F7", "F8"):
        data[CHANNELS.index(channel), 2500:2575] += blink
    raw._data = data
    params = {**PARAMS, "ica": "none", "reject": "ptp_mad"}
    epochs, qc = preprocess_raw(raw, params, seed=0, source="synthetic")
    assert "C4" in qc.bad_channels
    assert qc.n_epochs_total == 15
    assert qc.n_epochs_kept == 14
    assert epochs.ch_names == list(CHANNELS)
    assert qc.as_row()["n_epochs_dropped"] == 1


def test_input_raw_is_not_modified():
    raw = make_raw(n_seconds=30, channels=CHANNELS)
    before = raw.get_data().copy()
    preprocess_raw(raw, PARAMS, seed=0, source="synthetic")
    np.testing.assert_array_equal(raw.get_data(), before)


def test_recording_shorter_than_an_epoch_is_refused():
    raw = make_raw(n_seconds=3, channels=CHANNELS)
    params = {**PARAMS, "bad_channels": "none"}
    with pytest.raises(RecordingError, match="shorter than one epoch"):
        preprocess_raw(raw, params, seed=0, source="short.edf")


def test_non_finite_samples_are_refused():
    raw = make_raw(n_seconds=20, channels=CHANNELS)
    raw._data[2, 100] = np.nan
    with pytest.raises(RecordingError, match=r"nan\.edf: contains NaN"):
        preprocess_raw(raw, PARAMS, seed=0, source="nan.edf")


def test_low_pass_above_nyquist_is_refused():
    raw = make_raw(n_seconds=20, sfreq=80, channels=CHANNELS)
    with pytest.raises(RecordingError, match=r"'preprocess.h_freq' = 45.0 Hz is not below"):
        preprocess_raw(raw, PARAMS, seed=0, source="slow.edf")


def test_too_few_epochs_left_is_an_error():
    raw = make_raw(n_seconds=20, channels=CHANNELS)
    params = {**PARAMS, "reject": "ptp_threshold", "reject_ptp_uv": 1.0, "bad_channels": "none"}
    with pytest.raises(RecordingError, match="min_epochs"):
        preprocess_raw(raw, params, seed=0, source="noisy.edf")


def test_unknown_channel_names_are_refused():
    import mne

    info = mne.create_info([f"X{i}" for i in range(10)], 250.0, "eeg")
    raw = mne.io.RawArray(np.random.default_rng(0).normal(0, 1e-5, (10, 5000)), info)
    with pytest.raises(RecordingError, match="not in the montage"):
        preprocess_raw(raw, PARAMS, seed=0, source="odd.edf")


def test_ica_removes_blinks_and_notch_removes_line_noise():
    from eegstate.simulate import simulate_recording_with_truth

    params = validate_config({"simulation": {"duration_s": 60}})["simulation"]
    raw, truth = simulate_recording_with_truth(1, "baseline", params, seed=3)
    assert truth["blinks"]["count"] > 0
    _, qc = preprocess_raw(raw, PARAMS, seed=0, source="simulated")
    assert "eye blink" in qc.ica_excluded
    assert qc.ica_n_components == PARAMS["ica_n_components"]
    assert qc.line_noise_db_before > 10  # simulated mains at 50 Hz
    assert qc.line_noise_db_after < qc.line_noise_db_before - 10
    assert qc.reject_method == "autoreject"
    assert 0 < qc.n_epochs_kept <= qc.n_epochs_total


def test_csd_reference_gives_csd_channels():
    raw = make_raw(n_seconds=30, channels=CHANNELS)
    params = {**PARAMS, "ica": "none", "reject": "ptp_mad", "reference": "csd"}
    epochs, _ = preprocess_raw(raw, params, seed=0, source="synthetic")
    assert set(epochs.get_channel_types()) == {"csd"}


def test_emg_slope_rises_with_broadband_muscle_noise():
    from eegstate.quality import emg_slope

    freqs = np.arange(1, 45.5, 0.5)
    brain = 1.0 / freqs**2
    psd = np.stack([np.tile(brain, (3, 1)), np.tile(brain + 1e-3, (3, 1))])
    slopes = emg_slope(psd, freqs, 20, 45)
    np.testing.assert_allclose(slopes[0], -2.0, atol=1e-9)  # pure 1/f^2
    assert slopes[1] > slopes[0] + 0.5  # a flat (EMG-like) floor flattens the slope
