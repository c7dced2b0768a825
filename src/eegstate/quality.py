"""Quality measures of a recording: line-noise prominence and a per-epoch muscle (EMG) index.

The muscle index is measured **outside** the analysed bands: scalp EMG is broadband and
flattens the spectrum well above the gamma band, while a genuine gamma-band (30-45 Hz) change
does not reach there. It is computed on the recording after the notch filter and before the
low-pass (which would remove that range), average-referenced, and before ICA, so it describes
the muscle activity of the recording (ICA may remove some of it from the analysed data).
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: Channels whose Welch PSD :func:`line_noise_db` computes at a time.
LINE_NOISE_BLOCK = 8


def line_noise_db(
    raw: Any,
    line_freq: float | None,
    *,
    window_s: float = 2.0,
    block_channels: int = LINE_NOISE_BLOCK,
) -> float:
    """Prominence of the mains peak over its neighbourhood, averaged over channels (dB).

    For each channel: ``10 * log10(P(line_freq) / median P(f))`` with ``f`` in
    ``line_freq ± [2, 5]`` Hz, from a Welch PSD (MNE). About 0 dB means no visible line noise.
    The PSD is computed a few channels at a time (memory: MNE's Welch holds a copy of the
    data and the spectrogram of every segment, about 3x the channels it is given); each
    channel's PSD is computed on its own, so the blocks change no value.

    Parameters
    ----------
    raw : mne.io.BaseRaw
        Continuous EEG (not modified).
    line_freq : float or None
        Mains frequency (Hz).
    window_s : float
        Welch window (s).
    block_channels : int
        Channels per Welch PSD.

    Returns
    -------
    float
        Mean prominence in dB; NaN when ``line_freq`` is None or too close to Nyquist.
    """
    nyquist = raw.info["sfreq"] / 2
    if not line_freq or line_freq + 5 >= nyquist:
        return float("nan")
    n_per_seg = min(int(window_s * raw.info["sfreq"]), raw.n_times)
    import mne

    # compute_psd's default channels for EEG: the good EEG (or CSD) channels
    picks = mne.pick_types(raw.info, meg=False, eeg=True, csd=True, exclude="bads")
    blocks = []
    for first in range(0, len(picks), block_channels):
        spectrum = raw.compute_psd(
            method="welch",
            fmin=line_freq - 5,
            fmax=line_freq + 5,
            n_fft=n_per_seg,
            n_per_seg=n_per_seg,
            picks=picks[first : first + block_channels],
            verbose="error",
        )
        block, freqs = spectrum.get_data(return_freqs=True)
        blocks.append(block)
    psd = np.concatenate(blocks)
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


#: Default upper edge (Hz) of the muscle-index range, when ``preprocess.emg_fmax`` is null.
EMG_DEFAULT_FMAX_HZ = 100.0
#: Highest fraction of the sampling rate the muscle index may use (2.5 samples per cycle:
#: acquisition anti-aliasing filters roll off well below Nyquist).
EMG_MAX_FRACTION_OF_SFREQ = 0.4
#: Narrowest usable muscle-index range (Hz).
EMG_MIN_SPAN_HZ = 10.0
#: Half-width (Hz) of the bins left out around each mains harmonic (the notch filter's band).
EMG_LINE_GUARD_HZ = 2.0


def emg_range(
    sfreq: float, fmin: float | None, fmax: float | None, above_hz: float
) -> tuple[tuple[float, float] | None, str]:
    """Frequency range of the muscle index for a recording, or why there is none.

    Parameters
    ----------
    sfreq : float
        Sampling rate of the recording (Hz).
    fmin : float or None
        ``preprocess.emg_fmin``; None means ``above_hz`` (just above the analysed bands).
    fmax : float or None
        ``preprocess.emg_fmax``; None means ``min(100 Hz, 0.4 x sfreq)``.
    above_hz : float
        Upper edge of the highest analysed band (Hz).

    Returns
    -------
    range : tuple of float or None
        ``(low, high)`` in Hz, or None when the sampling rate leaves no usable range.
    description : str
        E.g. ``"45-100 Hz"`` or ``"unavailable: ..."`` (the QC column ``emg_band``).
    """
    low = float(above_hz if fmin is None else fmin)
    limit = EMG_MAX_FRACTION_OF_SFREQ * float(sfreq)
    high = min(float(EMG_DEFAULT_FMAX_HZ if fmax is None else fmax), limit)
    if high - low < EMG_MIN_SPAN_HZ:
        return None, (
            f"unavailable: {low:g}-{high:g} Hz is narrower than {EMG_MIN_SPAN_HZ:g} Hz "
            f"(sampling rate {float(sfreq):g} Hz allows up to {limit:g} Hz)"
        )
    return (low, high), f"{low:g}-{high:g} Hz"


def window_emg_index(
    raw: Any,
    *,
    window_s: float,
    fmin: float,
    fmax: float,
    line_freq: float | None,
    average_reference: bool,
    chunk_windows: int = 32,
) -> np.ndarray:
    """Muscle index of every fixed-length window of a recording (the epochs' windows).

    Windows start every ``window_s`` seconds from the first sample, exactly as
    :func:`mne.make_fixed_length_epochs` cuts epochs, so ``index[epochs.selection]`` gives the
    index of the kept epochs. Per window: optional average reference, Welch PSD (1-s Hann
    segments, :func:`scipy.signal.welch`), bins within :data:`EMG_LINE_GUARD_HZ` of a mains
    harmonic left out, then :func:`emg_slope`. Windows are read in chunks, so memory does not
    grow with the recording.

    Parameters
    ----------
    raw : mne.io.BaseRaw
        Preloaded EEG (not modified), not yet low-passed.
    window_s : float
        Epoch length (s).
    fmin, fmax : float
        Range of the slope fit (Hz).
    line_freq : float or None
        Mains frequency (Hz).
    average_reference : bool
        Average-reference each window first (as the analysed data are).
    chunk_windows : int
        Windows per chunk.

    Returns
    -------
    numpy.ndarray, shape (n_windows,)
        Median over channels of the slope per window.
    """
    from scipy.signal import welch

    sfreq = float(raw.info["sfreq"])
    n = int(np.round(window_s * sfreq))
    starts = np.arange(0, raw.n_times - n + 1, sfreq * window_s).astype(int)
    nperseg = min(n, round(sfreq))
    out = np.full(starts.size, np.nan)
    for first in range(0, starts.size, chunk_windows):
        block = starts[first : first + chunk_windows]
        stop = int(block[-1]) + n
        data = raw.get_data(start=int(block[0]), stop=stop)
        offsets = block - block[0]
        windows = np.stack([data[:, o : o + n] for o in offsets])
        if average_reference:
            windows -= windows.mean(axis=1, keepdims=True)
        freqs, psd = welch(windows, fs=sfreq, nperseg=nperseg, axis=-1)
        keep = (freqs >= fmin) & (freqs <= fmax)
        if line_freq:
            harmonics = np.arange(line_freq, freqs[-1] + line_freq, line_freq)
            near = np.min(np.abs(freqs[:, None] - harmonics[None, :]), axis=1)
            keep &= near > EMG_LINE_GUARD_HZ
        out[first : first + block.size] = emg_slope(psd[..., keep], freqs[keep], fmin, fmax)
    return out


def emg_slope(psd: np.ndarray, freqs: np.ndarray, fmin: float, fmax: float) -> np.ndarray:
    """Per-epoch muscle (EMG) index: log-log spectral slope above ``fmin``, median over channels.

    Scalp EEG power falls with frequency above ~20 Hz (slope about -2 to -4 in log-log units);
    muscle activity is broadband and flattens it towards 0 or above (Goncharova et al. 2003,
    Clin Neurophysiol 114:1580). A higher (less negative) slope means more EMG. Least squares
    of log10 power on log10 frequency (numpy; no library offers this index as such).

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
