"""Power spectra and band power of epoched EEG.

Layered like YASA's band-power API: :func:`compute_psd` (MNE's estimators) →
:func:`band_power_from_psd` (pure numpy, per epoch and channel) → :func:`recording_band_power`
(tidy per-recording table) → :func:`region_band_power` (per scalp region).

Conventions, used everywhere in eegstate:

* A band ``[low, high)`` includes PSD bins with ``low <= f < high``, so adjacent bands share
  no bin and relative powers over a partition of ``relative_range`` sum to one.
* Absolute band power is the PSD summed over the band's bins times the bin width (µV²);
  ``power_db`` is ``10 * log10`` of it.
* Averages over epochs, channels or subjects' recordings are taken in linear units before dB.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from eegstate.regions import channel_regions
from eegstate.tables import (
    BANDPOWER_COLUMNS,
    EPOCH_BANDPOWER_COLUMNS,
    PSD_COLUMNS,
    REGION_BANDPOWER_COLUMNS,
)

#: Volts² → µV².
V2_TO_UV2 = 1e12


def compute_psd(
    epochs: Any,
    *,
    method: str = "welch",
    fmin: float = 1.0,
    fmax: float = 45.0,
    welch_window_s: float = 2.0,
    multitaper_bandwidth: float = 2.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Power spectral density per epoch and channel with MNE.

    Parameters
    ----------
    epochs : mne.Epochs
        Preprocessed epochs (EEG channels).
    method : {"welch", "multitaper"}
        Estimator.
    fmin, fmax : float
        Frequency range kept (Hz).
    welch_window_s : float
        Welch segment length in seconds (50 % overlap, Hann window); capped at the epoch length.
    multitaper_bandwidth : float
        Multitaper frequency-smoothing bandwidth (Hz).

    Returns
    -------
    psd : numpy.ndarray, shape (n_epochs, n_channels, n_freqs)
        Density in V²/Hz.
    freqs : numpy.ndarray, shape (n_freqs,)
        Frequencies in Hz (equally spaced).
    """
    if method == "welch":
        n_per_seg = min(round(welch_window_s * epochs.info["sfreq"]), len(epochs.times))
        kwargs = {"n_fft": n_per_seg, "n_per_seg": n_per_seg, "n_overlap": n_per_seg // 2}
    elif method == "multitaper":
        # "full" normalisation makes MNE's multitaper output a density (V²/Hz) like Welch's;
        # the default ("length") is not divided by the sampling rate.
        kwargs = {"bandwidth": multitaper_bandwidth, "normalization": "full"}
    else:
        raise ValueError(f"unknown PSD method {method!r}; use 'welch' or 'multitaper'")
    spectrum = epochs.compute_psd(method=method, fmin=fmin, fmax=fmax, verbose="error", **kwargs)
    psd, freqs = spectrum.get_data(return_freqs=True)
    return psd, freqs


def band_mask(freqs: np.ndarray, low: float, high: float) -> np.ndarray:
    """Boolean mask of the bins in the half-open band ``[low, high)``."""
    return (freqs >= low) & (freqs < high)


def band_power_from_psd(
    psd: np.ndarray,
    freqs: np.ndarray,
    bands: Mapping[str, Sequence[float]],
    relative_range: Sequence[float],
) -> tuple[np.ndarray, np.ndarray]:
    """Absolute (µV²) and total power per band from a PSD.

    Parameters
    ----------
    psd : numpy.ndarray, shape (..., n_freqs)
        Density in V²/Hz on equally spaced ``freqs``.
    freqs : numpy.ndarray, shape (n_freqs,)
        Frequencies (Hz).
    bands : mapping
        Band name -> (low, high) in Hz.
    relative_range : sequence of float
        (low, high) of the denominator of relative power.

    Returns
    -------
    band_power : numpy.ndarray, shape (n_bands, ...)
        Absolute band power in µV², bands in the order of ``bands``.
    total_power : numpy.ndarray, shape (...)
        Power over ``relative_range`` in µV².

    Raises
    ------
    ValueError
        If a band contains no frequency bin (too narrow for the frequency resolution or
        outside the PSD range).
    """
    if freqs.size < 2:
        raise ValueError("a PSD needs at least two frequency bins")
    bin_width = float(freqs[1] - freqs[0])
    powers = []
    for name, (low, high) in bands.items():
        mask = band_mask(freqs, low, high)
        if not mask.any():
            raise ValueError(
                f"band '{name}' [{low}, {high}) Hz contains no PSD bin (bins {freqs[0]:g}-"
                f"{freqs[-1]:g} Hz every {bin_width:g} Hz)"
            )
        powers.append(psd[..., mask].sum(axis=-1) * bin_width * V2_TO_UV2)
    total_mask = band_mask(freqs, *relative_range)
    total = psd[..., total_mask].sum(axis=-1) * bin_width * V2_TO_UV2
    return np.stack(powers), total


def to_db(power: np.ndarray | float) -> np.ndarray:
    """``10 * log10(power)``; zero power gives ``-inf``."""
    with np.errstate(divide="ignore"):
        return 10.0 * np.log10(power)


def recording_band_power(
    psd: np.ndarray,
    freqs: np.ndarray,
    ch_names: Sequence[str],
    *,
    bands: Mapping[str, Sequence[float]],
    relative_range: Sequence[float],
    regions: Mapping[str, Sequence[str]],
    identity: Mapping[str, str],
) -> pd.DataFrame:
    """Tidy band-power table of one recording (mean over epochs, per channel and band).

    Parameters
    ----------
    psd : numpy.ndarray, shape (n_epochs, n_channels, n_freqs)
        PSD in V²/Hz (e.g. from :func:`compute_psd`).
    freqs : numpy.ndarray
        Frequencies (Hz).
    ch_names : sequence of str
        Channel names.
    bands, relative_range :
        See :func:`band_power_from_psd`.
    regions : mapping
        Region -> channel names.
    identity : mapping
        Values of ``subject, session, recording, state`` for every row.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`eegstate.tables.BANDPOWER_COLUMNS`.
    """
    band_power, total = band_power_from_psd(psd.mean(axis=0), freqs, bands, relative_range)
    region_of = channel_regions(ch_names, regions)
    rows = []
    for band_index, (band, (low, high)) in enumerate(bands.items()):
        for channel_index, channel in enumerate(ch_names):
            absolute = band_power[band_index, channel_index]
            rows.append(
                {
                    **identity,
                    "channel": channel,
                    "region": region_of[channel],
                    "band": band,
                    "fmin": low,
                    "fmax": high,
                    "power_db": float(to_db(absolute)),
                    "relative_power": float(absolute / total[channel_index]),
                    "n_epochs": psd.shape[0],
                }
            )
    return pd.DataFrame(rows, columns=list(BANDPOWER_COLUMNS))


def epoch_band_power(
    psd: np.ndarray,
    freqs: np.ndarray,
    ch_names: Sequence[str],
    *,
    bands: Mapping[str, Sequence[float]],
    relative_range: Sequence[float],
    regions: Mapping[str, Sequence[str]],
    identity: Mapping[str, str],
) -> pd.DataFrame:
    """Tidy band-power table per epoch, channel and band (input of classification features).

    Parameters are those of :func:`recording_band_power`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`eegstate.tables.EPOCH_BANDPOWER_COLUMNS`; ``epoch`` counts the kept
        epochs from 0.
    """
    band_power, total = band_power_from_psd(psd, freqs, bands, relative_range)
    n_bands, n_epochs, n_channels = band_power.shape
    region_of = channel_regions(ch_names, regions)
    band_index, epoch_index, channel_index = np.meshgrid(
        np.arange(n_bands), np.arange(n_epochs), np.arange(n_channels), indexing="ij"
    )
    channels = np.asarray(ch_names, dtype=object)
    table = pd.DataFrame(
        {
            "epoch": epoch_index.ravel(),
            "channel": channels[channel_index.ravel()],
            "region": [region_of[name] for name in channels[channel_index.ravel()]],
            "band": np.asarray(list(bands), dtype=object)[band_index.ravel()],
            "power_db": to_db(band_power).ravel(),
            "relative_power": (band_power / total[np.newaxis]).ravel(),
        }
    )
    for key, value in identity.items():
        table[key] = value
    return table[list(EPOCH_BANDPOWER_COLUMNS)]


def recording_psd_table(
    psd: np.ndarray, freqs: np.ndarray, ch_names: Sequence[str], identity: Mapping[str, str]
) -> pd.DataFrame:
    """Tidy PSD table of one recording (mean over epochs in linear units, then dB).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`eegstate.tables.PSD_COLUMNS`; ``psd_db`` is 10*log10(µV²/Hz).
    """
    mean_psd = to_db(psd.mean(axis=0) * V2_TO_UV2)
    n_channels, n_freqs = mean_psd.shape
    table = pd.DataFrame(
        {
            "channel": np.repeat(np.asarray(ch_names, dtype=object), n_freqs),
            "freq": np.tile(freqs, n_channels),
            "psd_db": mean_psd.ravel(),
        }
    )
    for key, value in identity.items():
        table[key] = value
    return table[list(PSD_COLUMNS)]


def region_band_power(bandpower: pd.DataFrame) -> pd.DataFrame:
    """Aggregate a channel band-power table per recording, region and band.

    Region power is the mean of the channels' linear power (µV²) in dB; relative power is the
    region's summed band power over its summed total power, so region relative powers of a
    partition still sum to one. Channels in no region are left out.

    Parameters
    ----------
    bandpower : pandas.DataFrame
        Columns :data:`eegstate.tables.BANDPOWER_COLUMNS`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`eegstate.tables.REGION_BANDPOWER_COLUMNS`.
    """
    table = bandpower.loc[bandpower["region"].astype(str) != ""]
    keys = ["subject", "session", "recording", "state", "region", "band", "fmin", "fmax"]
    return combine_channels(table, keys)[list(REGION_BANDPOWER_COLUMNS)]


def combine_channels(table: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Combine the band power of channels within groups (e.g. regions), in linear units.

    The one rule for pooling channels: power is the mean of the channels' linear power (µV²)
    converted to dB; relative power is the group's summed band power over its summed total
    power. Used per recording by :func:`region_band_power` and per epoch by the
    classification features.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows of channels with columns ``channel``, ``power_db``, ``relative_power`` and
        ``keys``.
    keys : sequence of str
        Columns defining a group (every other column is dropped).

    Returns
    -------
    pandas.DataFrame
        One row per group: ``keys``, ``power_db``, ``relative_power``, ``n_channels``.
    """
    linear = 10.0 ** (table["power_db"].to_numpy(dtype=float) / 10.0)
    work = table.loc[:, list(keys)].assign(
        linear=linear,
        total=linear / table["relative_power"].to_numpy(dtype=float),
        channel=table["channel"].to_numpy(),
    )
    grouped = work.groupby(list(keys), sort=False, dropna=False)
    summary = grouped.agg(
        linear=("linear", "mean"), total=("total", "mean"), n_channels=("channel", "nunique")
    ).reset_index()
    summary["power_db"] = to_db(summary["linear"].to_numpy())
    summary["relative_power"] = summary["linear"] / summary["total"]
    return summary.drop(columns=["linear", "total"])
