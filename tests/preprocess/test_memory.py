"""Bounded-memory preprocessing gives the same decisions and results as the whole-array code.

:func:`eegstate.preprocess.find_bad_channels` computes pyprep's criteria a few channels at a
time; here its decisions are compared with pyprep's own ``NoisyChannels`` (the code it
replaced) on simulated recordings with planted bad channels and on real EEGBCI recordings.
Recordings read on demand (:func:`eegstate.io.read_raw`'s default) must preprocess exactly as
preloaded ones. Peak memory itself is measured by ``benchmarks/bench.py --only memory``.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers.raws import make_raw

from eegstate.config import validate_config
from eegstate.io import read_raw
from eegstate.preprocess import find_bad_channels, preprocess_raw

CHANNELS = (
    "Fp1", "Fp2", "F3", "F4", "Fz", "C3", "C4", "Cz", "P3", "P4",
    "Pz", "O1", "O2", "Oz", "T7", "T8", "F7", "F8", "P7", "P8",
)  # fmt: skip
PARAMS = validate_config({})["preprocess"]


def pyprep_bads(raw) -> list[str]:
    """The bad channels as eegstate found them before (pyprep's ``NoisyChannels``, no RANSAC)."""
    from pyprep.find_noisy_channels import NoisyChannels

    noisy = NoisyChannels(raw.copy(), do_detrend=True, random_state=0)
    noisy.find_bad_by_nan_flat()
    noisy.find_bad_by_deviation()
    if raw.info["sfreq"] > 100:
        noisy.find_bad_by_hfnoise()
    noisy.find_bad_by_correlation()
    return sorted(set(noisy.get_bads()))


def planted_raw(sfreq: float = 250.0, seed: int = 1):
    """A recording with a flat, a loud, a high-frequency-noise, an uncorrelated, a dropout
    and a manually marked channel (``Fz``); returns it and the planted names."""
    raw = make_raw(n_seconds=40, sfreq=sfreq, channels=CHANNELS, seed=seed)
    rng = np.random.default_rng(seed)
    data = raw.get_data()
    n_times = data.shape[1]
    scale = np.std(data)
    planted = {
        "flat": "O2",
        "loud": "C4",
        "uncorrelated": "P7",
        "dropout": "T8",
        "manual": "Fz",
    }
    data[CHANNELS.index("O2")] = 0.0
    data[CHANNELS.index("C4")] *= 15
    data[CHANNELS.index("P7")] = rng.normal(0, scale, n_times)
    dropped = CHANNELS.index("T8")
    data[dropped, : n_times // 5] = 0.0  # a fifth of the windows flat
    if sfreq > 100:
        planted["hf_noise"] = "F8"
        hf = rng.normal(0, 1, n_times)
        hf = np.diff(np.diff(hf, prepend=0), prepend=0)  # mostly above 50 Hz
        data[CHANNELS.index("F8")] += 1.5 * scale * hf / np.std(hf)
    raw._data = data
    raw.info["bads"] = ["Fz"]
    return raw, planted


@pytest.mark.parametrize("sfreq", [250.0, 100.0])
def test_bad_channels_equal_pyprep_on_planted_channels(sfreq):
    raw, planted = planted_raw(sfreq)
    expected = pyprep_bads(raw)
    # the comparison is only meaningful if pyprep finds the planted channels
    assert set(planted.values()) <= set(expected), (planted, expected)
    before = raw.get_data()
    for block in (1, 3, 4, len(CHANNELS)):
        assert find_bad_channels(raw, seed=0, block_channels=block) == expected
    np.testing.assert_array_equal(raw.get_data(), before)  # the caller's data are untouched
    assert raw.info["bads"] == ["Fz"]


def test_bad_channels_equal_pyprep_on_clean_and_nan_recordings():
    clean = make_raw(n_seconds=30, channels=CHANNELS, seed=5)
    assert find_bad_channels(clean, seed=0) == pyprep_bads(clean)
    with_nan = make_raw(n_seconds=30, channels=CHANNELS, seed=6)
    with_nan._data[CHANNELS.index("Cz"), 100] = np.nan
    expected = pyprep_bads(with_nan)
    assert "Cz" in expected
    assert find_bad_channels(with_nan, seed=0) == expected


def test_bad_channels_of_a_file_read_on_demand(tmp_path):
    raw, _ = planted_raw()
    path = tmp_path / "planted_raw.fif"
    raw.save(path, verbose="error")
    on_demand = read_raw(path, preload=False)
    assert not on_demand.preload
    assert find_bad_channels(on_demand, seed=0) == pyprep_bads(read_raw(path, preload=True))
    assert not on_demand.preload  # find_bad_channels reads blocks, it does not load the file


def test_bad_channels_equal_pyprep_on_eegbci(eegbci_dir, eegbci_subjects):
    import mne

    from eegstate.datasets import prepare_raw

    compared = 0
    for subject in eegbci_subjects:
        paths = mne.datasets.eegbci.load_data(
            subject, runs=[1, 2], path=str(eegbci_dir), update_path=False
        )
        for path in paths:
            raw = prepare_raw("eegbci", read_raw(path, preload=False))
            raw.pick("eeg")
            expected = pyprep_bads(raw.copy().load_data(verbose="error"))
            assert find_bad_channels(raw, seed=0) == expected, path
            compared += 1
    assert compared >= 2


def test_preprocessing_on_demand_equals_preloaded(tmp_path):
    raw, _ = planted_raw()
    raw.info["bads"] = []
    raw.set_channel_types({"Fp1": "eog"}, verbose="error")  # kept aside for ICA
    path = tmp_path / "recording_raw.fif"
    raw.save(path, verbose="error")
    params = {**PARAMS, "reject": "ptp_mad", "ica": "picard_o", "ica_n_components": 5}
    results = []
    for preload in (True, False):
        recording = read_raw(path, preload=preload)
        epochs, qc = preprocess_raw(recording, params, seed=0, source="planted", emg_above_hz=45)
        assert recording.preload == preload  # the caller's recording is left as it was
        results.append((epochs.get_data(), qc))
    (data_a, qc_a), (data_b, qc_b) = results
    assert qc_a.bad_channels  # the planted channels were found and interpolated
    np.testing.assert_array_equal(data_a, data_b)
    row_a, row_b = qc_a.as_row(), qc_b.as_row()
    assert row_a.keys() == row_b.keys()
    for key, value in row_a.items():  # NaN (e.g. the flat channel's line noise) equals NaN
        assert value == row_b[key] or (value != value and row_b[key] != row_b[key]), key
    np.testing.assert_array_equal(qc_a.emg_slope_epochs, qc_b.emg_slope_epochs)


def artefact_epochs(seed: int, n_seconds: float = 120.0):
    """4-s epochs of a recording with a few large artefacts (different ones per seed)."""
    import mne

    raw = make_raw(n_seconds=n_seconds, channels=CHANNELS, seed=seed)
    rng = np.random.default_rng(seed)
    for start in rng.integers(0, raw.n_times - 100, size=6):
        raw._data[rng.integers(0, len(CHANNELS)), start : start + 100] += rng.uniform(1, 8) * 1e-4
    return mne.make_fixed_length_epochs(raw, duration=4.0, preload=True, verbose="error")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_autoreject_threshold_equals_autoreject(seed):
    from autoreject import get_rejection_threshold

    from eegstate.preprocess import autoreject_threshold_uv

    epochs = artefact_epochs(seed, n_seconds=60.0 + 20 * seed)  # 15, 20, 25 epochs
    before = epochs.get_data()
    expected = get_rejection_threshold(epochs, random_state=seed, cv=5, verbose=False)["eeg"]
    assert autoreject_threshold_uv(epochs, seed) == float(expected) * 1e6
    np.testing.assert_array_equal(epochs.get_data(), before)


def test_line_noise_in_blocks_equals_one_psd():
    from eegstate.quality import line_noise_db

    raw = make_raw(n_seconds=30, channels=CHANNELS, seed=4)
    times = raw.times
    for index in range(len(CHANNELS)):  # a different mains amplitude on every channel
        raw._data[index] += (index + 1) * 2e-6 * np.sin(2 * np.pi * 50 * times)
    raw.info["bads"] = ["Cz"]  # left out, as compute_psd leaves it out

    spectrum = raw.compute_psd(method="welch", fmin=45, fmax=55, n_fft=500, n_per_seg=500)
    psd, freqs = spectrum.get_data(return_freqs=True)
    distance = np.abs(freqs - 50)
    peak = psd[:, np.argmin(distance)]
    neighbours = np.median(psd[:, (distance >= 2) & (distance <= 5)], axis=1)
    expected = float(np.mean(10 * np.log10(peak / neighbours)))
    assert expected > 3  # the planted line noise is visible
    for block in (1, 3, 8, len(CHANNELS)):
        assert line_noise_db(raw, 50, block_channels=block) == expected
