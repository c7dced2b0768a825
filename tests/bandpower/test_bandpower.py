"""Band power against analytic signals."""

from __future__ import annotations

import mne
import numpy as np
import pandas as pd
import pytest

from eegstate.bandpower import (
    band_power_from_psd,
    compute_psd,
    epoch_band_power,
    recording_band_power,
    region_band_power,
)

SFREQ = 250.0
BANDS = {"delta": [1, 4], "theta": [4, 8], "alpha": [8, 13], "beta": [13, 30], "gamma": [30, 45]}
REGIONS = {"occipital": ["O1", "O2"], "frontal": ["Fz"]}


def sine_epochs(amplitude_v, noise_sd_v, freq=10.0, n_epochs=60, seconds=4.0, seed=1):
    rng = np.random.default_rng(seed)
    n_times = int(seconds * SFREQ)
    times = np.arange(n_times) / SFREQ
    phases = rng.uniform(0, 2 * np.pi, (n_epochs, 1, 1))
    signal = amplitude_v * np.sin(2 * np.pi * freq * times + phases)
    data = signal + rng.normal(0, noise_sd_v, (n_epochs, 3, n_times))
    info = mne.create_info(["O1", "O2", "Fz"], SFREQ, "eeg")
    return mne.EpochsArray(data, info, verbose="error")


@pytest.mark.parametrize("method", ["welch", "multitaper"])
def test_sine_in_noise_gives_known_alpha_power(method):
    amplitude_uv, noise_uv = 10.0, 2.0
    epochs = sine_epochs(amplitude_uv * 1e-6, noise_uv * 1e-6)
    psd, freqs = compute_psd(epochs, method=method, fmin=1, fmax=45)
    band_power, _ = band_power_from_psd(psd.mean(axis=0), freqs, BANDS, [1, 45])
    alpha = band_power[list(BANDS).index("alpha")]
    # sine power A^2/2 plus white noise spread evenly over 0..Nyquist, 5 Hz of it in [8, 13)
    expected = amplitude_uv**2 / 2 + noise_uv**2 * 5.0 / (SFREQ / 2)
    np.testing.assert_allclose(alpha, expected, rtol=0.01)


def test_white_noise_band_power_is_proportional_to_bandwidth():
    epochs = sine_epochs(0.0, 5e-6, n_epochs=200)
    psd, freqs = compute_psd(epochs, fmin=1, fmax=45)
    band_power, _ = band_power_from_psd(psd.mean(axis=0), freqs, BANDS, [1, 45])
    per_hz = band_power.mean(axis=1) / np.array([high - low for low, high in BANDS.values()])
    expected_per_hz = 25.0 / (SFREQ / 2)  # variance 25 µV² spread over 125 Hz
    np.testing.assert_allclose(per_hz, expected_per_hz, rtol=0.05)


def test_relative_powers_of_a_partition_sum_to_one():
    epochs = sine_epochs(8e-6, 3e-6)
    psd, freqs = compute_psd(epochs, fmin=1, fmax=45)
    table = recording_band_power(
        psd,
        freqs,
        epochs.ch_names,
        bands=BANDS,
        relative_range=[1, 45],
        regions=REGIONS,
        identity={"subject": "01", "session": "", "recording": "r", "state": "s"},
    )
    sums = table.groupby("channel")["relative_power"].sum()
    np.testing.assert_allclose(sums.to_numpy(), 1.0, atol=1e-9)
    assert set(table["region"]) == {"occipital", "frontal"}
    assert (table["n_epochs"] == len(epochs)).all()


def test_band_without_bins_is_an_error():
    freqs = np.arange(1, 45.5, 0.5)
    psd = np.ones((2, freqs.size))
    with pytest.raises(ValueError, match="narrow"):
        band_power_from_psd(psd, freqs, {"narrow": [10.1, 10.2]}, [1, 45])


def test_region_power_is_linear_mean_of_channels():
    rows = []
    for channel, power_uv2, total in (("O1", 10.0, 40.0), ("O2", 30.0, 60.0)):
        rows.append(
            {
                "subject": "01",
                "session": "",
                "recording": "r",
                "state": "s",
                "channel": channel,
                "region": "occipital",
                "band": "alpha",
                "fmin": 8,
                "fmax": 13,
                "power_db": 10 * np.log10(power_uv2),
                "relative_power": power_uv2 / total,
                "n_epochs": 10,
            }
        )
    rows.append({**rows[0], "channel": "Fz", "region": ""})
    regions = region_band_power(pd.DataFrame(rows))
    assert len(regions) == 1
    np.testing.assert_allclose(regions["power_db"].iloc[0], 10 * np.log10(20.0))
    np.testing.assert_allclose(regions["relative_power"].iloc[0], 40.0 / 100.0)
    assert regions["n_channels"].iloc[0] == 2


def test_epoch_table_averages_to_recording_table():
    epochs = sine_epochs(6e-6, 3e-6, n_epochs=8)
    psd, freqs = compute_psd(epochs, fmin=1, fmax=45)
    kwargs = {
        "bands": BANDS,
        "relative_range": [1, 45],
        "regions": REGIONS,
        "identity": {"subject": "01", "session": "", "recording": "r", "state": "s"},
    }
    per_epoch = epoch_band_power(psd, freqs, epochs.ch_names, **kwargs)
    assert len(per_epoch) == 8 * 3 * len(BANDS)
    linear_mean = (
        (10 ** (per_epoch["power_db"] / 10))
        .groupby([per_epoch["channel"], per_epoch["band"]])
        .mean()
    )
    recording = recording_band_power(psd, freqs, epochs.ch_names, **kwargs)
    recording = recording.set_index(["channel", "band"])["power_db"]
    np.testing.assert_allclose(
        10 * np.log10(linear_mean.loc[recording.index]).to_numpy(), recording.to_numpy()
    )
    sums = per_epoch.groupby(["epoch", "channel"])["relative_power"].sum()
    np.testing.assert_allclose(sums.to_numpy(), 1.0, atol=1e-9)
