"""Quality measures of a recording: line-noise prominence and a per-epoch muscle (EMG) index."""

from __future__ import annotations

from typing import Any

import numpy as np


def line_noise_db(raw: Any, line_freq: float | None, *, window_s: float = 2.0) -> float:
    """Prominence of the mains peak over its neighbourhood, averaged over channels (dB).

    For each channel: ``10 * log10(P(line_freq) / median P(f))`` with ``f`` in
    ``line_freq ± [2, 5]`` Hz, from a Welch PSD (MNE). About 0 dB means no visible line noise.

    Parameters
    ----------
    raw : mne.io.BaseRaw
        Continuous EEG (not modified).
    line_freq : float or None
        Mains frequency (Hz).
    window_s : float
        Welch window (s).

    Returns
    -------
    float
        Mean prominence in dB; NaN when ``line_freq`` is None or too close to Nyquist.
    """
    nyquist = raw.info["sfreq"] / 2
    if not line_freq or line_freq + 5 >= nyquist:
        return float("nan")
    n_per_seg = min(int(window_s * raw.info["sfreq"]), raw.n_times)
    spectrum = raw.compute_psd(
        method="welch",
        fmin=line_freq - 5,
        fmax=line_freq + 5,
        n_fft=n_per_seg,
        n_per_seg=n_per_seg,
        verbose="error",
    )
    psd, freqs = spectrum.get_data(return_freqs=True)
    peak = psd[:, np.argmin(np.abs(freqs - line_freq))]
    distance = np.abs(freqs - line_freq)
    neighbours = np.median(psd[:, (distance >= 2) & (distance <= 5)], axis=1)
    return float(np.mean(10 * np.log10(peak / neighbours)))


def epoch_emg_table(emg: np.ndarray, identity: dict[str, str]) -> Any:
    """Tidy per-epoch EMG index table (:data:`eegstate.tables.EMG_COLUMNS`)."""
    import pandas as pd

    from eegstate.tables import EMG_COLUMNS

    table = pd.DataFrame({"epoch": np.arange(len(emg)), "emg_slope": emg})
    for key, value in identity.items():
        table[key] = value
    return table[list(EMG_COLUMNS)]


def emg_slope(psd: np.ndarray, freqs: np.ndarray, fmin: float, fmax: float) -> np.ndarray:
    """Per-epoch muscle (EMG) index: log-log spectral slope above ``fmin``, median over channels.

    Scalp EEG power falls with frequency above ~20 Hz (slope about -2 to -4 in log-log units);
    muscle activity is broadband and flattens it towards 0 or above (Goncharova et al. 2003,
    Clin Neurophysiol 114:1580). A higher (less negative) slope means more EMG. Computed from
    the PSD the band-power step already has, by least squares of log10 power on log10
    frequency (numpy; no library offers this index as such).

    Parameters
    ----------
    psd : numpy.ndarray, shape (n_epochs, n_channels, n_freqs)
        Power spectral density.
    freqs : numpy.ndarray, shape (n_freqs,)
        Frequencies (Hz).
    fmin, fmax : float
        Fitting range (Hz).

    Returns
    -------
    numpy.ndarray, shape (n_epochs,)
        Median over channels of the slope; NaN if fewer than 3 bins fall in the range.
    """
    mask = (freqs >= fmin) & (freqs <= fmax)
    if mask.sum() < 3:
        return np.full(psd.shape[0], np.nan)
    log_freq = np.log10(freqs[mask])
    centred = log_freq - log_freq.mean()
    log_power = np.log10(np.maximum(psd[..., mask], np.finfo(float).tiny))
    slopes = (log_power - log_power.mean(axis=-1, keepdims=True)) @ centred / (centred @ centred)
    return np.median(slopes, axis=1)
