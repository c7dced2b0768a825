"""The vectorised Welch kernel equals MNE's Welch path (what eegstate used before) to 1e-6.

The reference is ``Epochs.compute_psd(method="welch")`` with the arguments eegstate passed to it
before the kernel existed (``n_fft = n_per_seg``, ``n_overlap = n_per_seg // 2``), or MNE's
``psd_array_welch`` for the array function's own options.
"""

from __future__ import annotations

import mne
import numpy as np
import pandas as pd
import pytest

from eegstate import bandpower
from eegstate.bandpower import compute_psd, epoch_band_power, welch_psd
from eegstate.io import read_raw

RTOL = 1e-6
BANDS = {"delta": [1, 4], "theta": [4, 8], "alpha": [8, 13], "beta": [13, 30], "gamma": [30, 45]}


def mne_welch(epochs, *, fmin, fmax, welch_window_s):
    """eegstate's previous Welch PSD: MNE's Epochs.compute_psd with eegstate's arguments."""
    n_per_seg = min(round(welch_window_s * epochs.info["sfreq"]), len(epochs.times))
    spectrum = epochs.compute_psd(
        method="welch",
        fmin=fmin,
        fmax=fmax,
        n_fft=n_per_seg,
        n_per_seg=n_per_seg,
        n_overlap=n_per_seg // 2,
        verbose="error",
    )
    return spectrum.get_data(return_freqs=True)


def pink_epochs(n_epochs, n_channels, n_times, sfreq, seed=0, offset_v=0.0):
    """Seeded 1/f-like epochs (V) with a per-channel DC offset."""
    rng = np.random.default_rng(seed)
    spectrum = np.fft.rfft(rng.standard_normal((n_epochs, n_channels, n_times)), axis=-1)
    spectrum[..., 1:] /= np.sqrt(np.arange(1, spectrum.shape[-1]))
    data = np.fft.irfft(spectrum, n=n_times, axis=-1) * 1e-5
    data += offset_v * rng.standard_normal((1, n_channels, 1))
    names = [f"EEG{index:03d}" for index in range(n_channels)]
    info = mne.create_info(names, sfreq, "eeg")
    return mne.EpochsArray(data, info, verbose="error")


def assert_same_psd(actual, expected):
    psd, freqs = actual
    expected_psd, expected_freqs = expected
    np.testing.assert_array_equal(freqs, expected_freqs)
    assert psd.shape == expected_psd.shape
    np.testing.assert_allclose(psd, expected_psd, rtol=RTOL, atol=0)


@pytest.mark.parametrize(
    ("sfreq", "n_times", "welch_window_s", "fmin", "fmax"),
    [
        (250.0, 1000, 2.0, 1.0, 45.0),  # eegstate's default: 4-s epochs, 2-s segments
        (160.0, 640, 2.0, 1.0, 45.0),  # EEGBCI sampling rate
        (250.0, 1001, 0.5, 1.0, 45.0),  # odd epoch and odd segment (no Nyquist bin)
        (250.0, 999, 2.0, 0.0, 125.0),  # DC and Nyquist bins kept; a sample left unsegmented
        (100.0, 3000, 30.0, 0.5, 30.0),  # one segment: 30-s sleep epochs
        (250.0, 1000, 10.0, 1.0, 45.0),  # segment longer than the epoch: capped, one segment
        (128.0, 517, 1.3, 2.0, 40.0),  # rounding of the segment length (166 samples)
        (250.0, 1000, 2.0, 8.2, 12.9),  # band edges between bins
    ],
)
def test_welch_equals_mne_on_random_data(sfreq, n_times, welch_window_s, fmin, fmax):
    epochs = pink_epochs(7, 5, n_times, sfreq, seed=int(sfreq) + n_times, offset_v=1e-3)
    kwargs = {"fmin": fmin, "fmax": fmax, "welch_window_s": welch_window_s}
    assert_same_psd(compute_psd(epochs, **kwargs), mne_welch(epochs, **kwargs))


def test_welch_equals_mne_across_blocks_and_mne_per_row_path(monkeypatch):
    # 21 MB of data: above MNE's 10 MB threshold, where it loops over epochs and channels; a
    # small block size makes the kernel run many blocks with a partial last one.
    epochs = pink_epochs(41, 64, 1000, 250.0, seed=3)
    monkeypatch.setattr(bandpower, "WELCH_BLOCK_BYTES", 3 * 64 * 500 * 8 * 4)
    kwargs = {"fmin": 1.0, "fmax": 45.0, "welch_window_s": 2.0}
    assert_same_psd(compute_psd(epochs, **kwargs), mne_welch(epochs, **kwargs))


@pytest.mark.parametrize(
    ("n_fft", "n_per_seg", "n_overlap"),
    [(512, 500, 250), (256, 200, 0), (301, 301, 150), (1000, 2000, 10)],
)
def test_array_kernel_equals_mne_psd_array_welch(n_fft, n_per_seg, n_overlap):
    data = pink_epochs(4, 3, 1000, 250.0, seed=n_fft).get_data()
    expected = mne.time_frequency.psd_array_welch(
        data,
        250.0,
        fmin=0.5,
        fmax=60.0,
        n_fft=n_fft,
        n_per_seg=n_per_seg,
        n_overlap=n_overlap,
        verbose="error",
    )
    actual = welch_psd(
        data, 250.0, n_fft=n_fft, n_per_seg=n_per_seg, n_overlap=n_overlap, fmin=0.5, fmax=60.0
    )
    assert_same_psd(actual, expected)


def test_channels_are_picked_like_mne():
    epochs = pink_epochs(6, 6, 1000, 250.0, seed=5)
    epochs.set_channel_types({"EEG004": "misc", "EEG005": "stim"}, verbose="error")
    epochs.info["bads"] = ["EEG001"]
    kwargs = {"fmin": 1.0, "fmax": 45.0, "welch_window_s": 2.0}
    psd, _ = compute_psd(epochs, **kwargs)
    assert psd.shape[1] == 3
    assert_same_psd((psd, _), mne_welch(epochs, **kwargs))


def test_non_finite_samples_follow_mne():
    epochs = pink_epochs(5, 4, 1000, 250.0, seed=7)
    epochs._data[2, 1, 100] = np.nan
    epochs._data[4, 3, 900] = np.inf
    kwargs = {"fmin": 1.0, "fmax": 45.0, "welch_window_s": 2.0}
    psd, freqs = compute_psd(epochs, **kwargs)
    expected_psd, expected_freqs = mne_welch(epochs, **kwargs)
    np.testing.assert_array_equal(np.isnan(psd), np.isnan(expected_psd))
    assert np.isnan(psd[2, 1]).all() and np.isfinite(psd[0]).all()
    np.testing.assert_allclose(psd, expected_psd, rtol=RTOL, equal_nan=True)
    np.testing.assert_array_equal(freqs, expected_freqs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"fmax": 200.0}, "must not exceed"),
        ({"fmin": 46.1, "fmax": 46.4}, "No frequencies"),
        ({"method": "periodogram"}, "unknown PSD method"),
    ],
)
def test_invalid_requests_are_errors(kwargs, message):
    epochs = pink_epochs(2, 2, 1000, 250.0)
    with pytest.raises(ValueError, match=message):
        compute_psd(epochs, **kwargs)


def test_kernel_holds_no_full_size_copy():
    # The epochs' array is read through a view; only the output is allocated at full size.
    epochs = pink_epochs(3, 2, 1000, 250.0)
    assert np.shares_memory(epochs.get_data(copy=False), epochs._data)


@pytest.mark.realdata
def test_welch_and_band_power_equal_mne_on_eegbci(eegbci_dir, eegbci_subjects):
    subject_dir = eegbci_dir / "MNE-eegbci-data" / "files" / "eegmmidb" / "1.0.0"
    kwargs = {"fmin": 1.0, "fmax": 45.0, "welch_window_s": 2.0}
    identity = {"subject": "s", "session": "", "recording": "r", "state": "x"}
    largest = 0.0
    for subject in eegbci_subjects:
        for run in (1, 2):
            raw = read_raw(subject_dir / f"S{subject:03d}" / f"S{subject:03d}R{run:02d}.edf")
            mne.datasets.eegbci.standardize(raw)
            raw.pick("eeg").filter(1.0, 45.0, verbose="error")
            epochs = mne.make_fixed_length_epochs(raw, 4.0, preload=True, verbose="error")
            psd, freqs = compute_psd(epochs, **kwargs)
            expected_psd, expected_freqs = mne_welch(epochs, **kwargs)
            assert_same_psd((psd, freqs), (expected_psd, expected_freqs))
            tables = [
                epoch_band_power(
                    spectrum,
                    freqs,
                    epochs.ch_names,
                    bands=BANDS,
                    relative_range=[1, 45],
                    regions={"occipital": ["O1", "Oz", "O2"]},
                    identity=identity,
                )
                for spectrum in (psd, expected_psd)
            ]
            pd.testing.assert_frame_equal(
                tables[0].drop(columns=["power_db", "relative_power"]),
                tables[1].drop(columns=["power_db", "relative_power"]),
            )
            linear = [10 ** (table["power_db"].to_numpy() / 10) for table in tables]
            np.testing.assert_allclose(linear[0], linear[1], rtol=RTOL)
            np.testing.assert_allclose(
                tables[0]["relative_power"], tables[1]["relative_power"], rtol=RTOL
            )
            largest = max(largest, float(np.max(np.abs(psd / expected_psd - 1))))
    assert largest < RTOL
