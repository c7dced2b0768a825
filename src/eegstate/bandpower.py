"""Power spectra and band power of epoched EEG.

Layered like YASA's band-power API: :func:`compute_psd` (Welch's estimator, vectorised in
:func:`welch_psd`, or MNE's multitaper) → :func:`band_power_from_psd` (pure numpy, per epoch
and channel) → :func:`recording_band_power` (tidy per-recording table) →
:func:`region_band_power` (per scalp region).

Conventions, used everywhere in eegstate:

* A band ``[low, high)`` includes PSD bins with ``low <= f < high``, so adjacent bands share
  no bin and relative powers over a partition of ``relative_range`` sum to one.
* Absolute band power is the PSD summed over the band's bins times the bin width (µV²);
  ``power_db`` is ``10 * log10`` of it.
* Averages over epochs, channels or subjects' recordings are taken in linear units before dB.
"""

from __future__ import annotations

import logging
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

logger = logging.getLogger(__name__)

#: Volts² → µV².
V2_TO_UV2 = 1e12

#: Window of Welch's segments: MNE's ``psd_array_welch`` default, which eegstate has always used
#: (``Epochs.compute_psd(method="welch")`` without a ``window`` argument). Periodic (DFT-even),
#: from :func:`scipy.signal.get_window` as in MNE and SciPy.
WELCH_WINDOW = "hamming"

#: Bytes of detrended, windowed segments that :func:`welch_psd` transforms per block of epochs.
#: A few MiB stay in the CPU cache: on 1 h x 64 channels x 250 Hz, blocks of 2 epochs (1.5 MiB)
#: ran 15-30 % faster than blocks of 8 and 40-60 % faster than blocks of 32, and blocks bound
#: the kernel's working memory to a few MiB whatever the recording's length.
WELCH_BLOCK_BYTES = 2 * 2**20

#: Keyword arguments of :func:`mne.pick_types` selecting MNE's "data" channels, the channels
#: ``Epochs.compute_psd`` analyses by default (bad channels excluded).
_DATA_CHANNEL_TYPES = {
    "meg": True,
    "eeg": True,
    "csd": True,
    "seeg": True,
    "ecog": True,
    "fnirs": True,
    "dbs": True,
    "ref_meg": False,
}


def compute_psd(
    epochs: Any,
    *,
    method: str = "welch",
    fmin: float = 1.0,
    fmax: float = 45.0,
    welch_window_s: float = 2.0,
    multitaper_bandwidth: float = 2.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Power spectral density per epoch and channel.

    Welch's estimate equals MNE's ``epochs.compute_psd(method="welch", n_fft=n, n_per_seg=n,
    n_overlap=n // 2)`` (what eegstate used before, to about 1e-13 relative) and is computed by
    :func:`welch_psd` (about 30x faster on 1 h x 64 channels x 250 Hz); the multitaper
    estimate is MNE's.

    Parameters
    ----------
    epochs : mne.Epochs
        Preprocessed epochs. Like MNE, the data channels (EEG, CSD, MEG, sEEG, ECoG, DBS, fNIRS)
        not marked bad are analysed, with the data as stored (projectors not applied).
    method : {"welch", "multitaper"}
        Estimator.
    fmin, fmax : float
        Frequency range kept (Hz), bounds included.
    welch_window_s : float
        Welch segment length in seconds (50 % overlap, Hamming window, mean over segments, each
        segment's mean removed); capped at the epoch length.
    multitaper_bandwidth : float
        Multitaper frequency-smoothing bandwidth (Hz).

    Returns
    -------
    psd : numpy.ndarray, shape (n_epochs, n_channels, n_freqs)
        Density in V²/Hz.
    freqs : numpy.ndarray, shape (n_freqs,)
        Frequencies in Hz (equally spaced).

    Raises
    ------
    ValueError
        For an unknown method, ``fmax`` above the Nyquist frequency, or no frequency bin in
        ``[fmin, fmax]``.
    """
    sfreq = float(epochs.info["sfreq"])
    if method == "welch":
        if np.isfinite(fmax) and fmax > sfreq / 2:
            raise ValueError(
                f"Requested fmax ({fmax} Hz) must not exceed ½ the sampling frequency of the "
                f"data ({sfreq / 2} Hz)."
            )
        n_per_seg = min(round(welch_window_s * sfreq), len(epochs.times))
        picks = mne_data_picks(epochs.info)
        # A view of the preloaded epochs (no copy); channels are picked block by block.
        data = epochs.get_data(copy=False)
        return welch_psd(
            data,
            sfreq,
            n_per_seg=n_per_seg,
            n_overlap=n_per_seg // 2,
            fmin=fmin,
            fmax=fmax,
            picks=None if np.array_equal(picks, np.arange(data.shape[1])) else picks,
        )
    if method != "multitaper":
        raise ValueError(f"unknown PSD method {method!r}; use 'welch' or 'multitaper'")
    # "full" normalisation makes MNE's multitaper output a density (V²/Hz) like Welch's;
    # the default ("length") is not divided by the sampling rate.
    spectrum = epochs.compute_psd(
        method="multitaper",
        fmin=fmin,
        fmax=fmax,
        bandwidth=multitaper_bandwidth,
        normalization="full",
        verbose="error",
    )
    psd, freqs = spectrum.get_data(return_freqs=True)
    return psd, freqs


def mne_data_picks(info: Any) -> np.ndarray:
    """Indices of the channels MNE's ``compute_psd`` analyses by default.

    Data channels (EEG, CSD, MEG without reference sensors, sEEG, ECoG, DBS, fNIRS) not listed
    in ``info["bads"]``.

    Raises
    ------
    ValueError
        If there is no such channel.
    """
    import mne

    picks = mne.pick_types(info, exclude="bads", **_DATA_CHANNEL_TYPES)
    if picks.size == 0:
        raise ValueError("no good data channel to compute a PSD from")
    return picks


def welch_psd(
    data: np.ndarray,
    sfreq: float,
    *,
    n_per_seg: int,
    n_overlap: int,
    n_fft: int | None = None,
    fmin: float = 0.0,
    fmax: float = np.inf,
    picks: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Welch PSD of every epoch and channel, as :func:`mne.time_frequency.psd_array_welch`.

    Same estimate as MNE's default Welch (Hamming window, each segment's mean removed, one-sided
    density, mean over segments, trailing samples that fill no segment ignored, zero-padding
    to ``n_fft``) and same frequencies, to about 1e-13 relative.

    Why the kernel is shaped this way (figures for 1 h x 64 channels x 250 Hz, 2-s segments,
    one thread, measured on a shared 2-core machine): MNE calls
    :func:`scipy.signal.spectrogram` once per epoch and channel when the data exceed 10 MB and
    copies the data twice (27 s, 1.1 GB above the data), and a single
    :func:`scipy.signal.welch` call on the whole array (SciPy's ``ShortTimeFFT``) materialises
    every segment and its full complex spectrum at once (3.7 s, 2 GB above the data; no
    faster than yasa, which makes the same call). Here each block of epochs is cut into
    segments with a strided view (no copy), detrended and windowed into one small buffer and
    transformed by a single vectorised :func:`scipy.fft.rfft` call (SciPy's FFT, not a
    hand-written one); only the bins in ``[fmin, fmax]`` are squared and averaged (0.5-0.8 s,
    1.5x a bare FFT of the same segments; 50 MB above the data, 41 MB of which is the output).
    Blocks of about :data:`WELCH_BLOCK_BYTES` stay in the CPU cache. The FFT uses the workers
    of :func:`scipy.fft.set_workers` (one by default).

    Data containing NaN or infinite values are handed to MNE's ``psd_array_welch``, which has
    its own rules for them (annotated NaN spans, per-channel NaN results).

    Parameters
    ----------
    data : numpy.ndarray, shape (n_epochs, n_channels, n_times)
        Signals (V).
    sfreq : float
        Sampling frequency (Hz).
    n_per_seg : int
        Segment length in samples (capped at ``n_fft`` and ``n_times``, as MNE does).
    n_overlap : int
        Samples shared by consecutive segments.
    n_fft : int, optional
        FFT length (``>= n_per_seg``; longer segments are zero-padded); default ``n_per_seg``.
    fmin, fmax : float
        Frequencies kept (Hz), bounds included.
    picks : numpy.ndarray of int, optional
        Channels analysed (default: all).

    Returns
    -------
    psd : numpy.ndarray, shape (n_epochs, n_picked_channels, n_freqs)
        Density in units² of ``data`` per Hz.
    freqs : numpy.ndarray, shape (n_freqs,)
        Frequencies (Hz), computed as MNE does (bit-identical).

    Raises
    ------
    ValueError
        If ``data`` is not 3-D, the segment parameters are inconsistent or no frequency bin
        lies in ``[fmin, fmax]``.
    """
    from scipy.fft import rfft
    from scipy.signal import get_window

    if data.ndim != 3:
        raise ValueError(f"data must be (n_epochs, n_channels, n_times), got shape {data.shape}")
    n_epochs, _, n_times = data.shape
    n_fft = n_per_seg if n_fft is None else int(n_fft)
    # MNE's _check_nfft: the segment is at most n_fft and at most the epoch long.
    n_per_seg = min(int(n_per_seg), n_fft, n_times)
    n_overlap = int(n_overlap)
    if n_per_seg < 1 or not 0 <= n_overlap < n_per_seg:
        raise ValueError(
            f"need 0 <= n_overlap < n_per_seg and n_per_seg >= 1; got n_overlap={n_overlap}, "
            f"n_per_seg={n_per_seg} (n_fft={n_fft}, n_times={n_times})"
        )
    freqs = np.arange(n_fft // 2 + 1, dtype=float) * (sfreq / n_fft)
    kept = np.flatnonzero((freqs >= fmin) & (freqs <= fmax))
    if kept.size == 0:
        raise ValueError(f"No frequencies found between fmin={fmin} and fmax={fmax}")
    bins = slice(int(kept[0]), int(kept[-1]) + 1)
    channels = picks if picks is not None else slice(None)
    n_channels = data.shape[1] if picks is None else len(picks)
    step = n_per_seg - n_overlap
    n_segments = 1 + (n_times - n_per_seg) // step

    window = get_window(WELCH_WINDOW, n_per_seg)
    # One-sided density: |X|² / (sfreq * sum(w²)), doubled except at DC and Nyquist; averaged
    # over the segments.
    scale = np.full(n_fft // 2 + 1, 2.0 / (sfreq * np.sum(window**2) * n_segments))
    scale[0] /= 2.0
    if n_fft % 2 == 0:
        scale[-1] /= 2.0
    scale = scale[bins]

    psd = np.empty((n_epochs, n_channels, bins.stop - bins.start))
    epoch_bytes = max(1, n_channels * n_segments * n_fft * 8)
    block = max(1, WELCH_BLOCK_BYTES // epoch_bytes)
    logger.debug(
        "Welch PSD: %d epochs x %d channels, %d segments of %d samples (n_fft %d), blocks of %d",
        n_epochs,
        n_channels,
        n_segments,
        n_per_seg,
        n_fft,
        block,
    )
    # Non-finite samples only make non-finite output, which is then recomputed by MNE.
    with np.errstate(invalid="ignore", over="ignore"):
        for start in range(0, n_epochs, block):
            epochs_block = data[start : start + block][:, channels]
            # (epochs, channels, segments, n_per_seg): a strided view of the block, no copy.
            segments = np.lib.stride_tricks.sliding_window_view(epochs_block, n_per_seg, axis=-1)[
                ..., : n_segments * step : step, :
            ]
            windowed = segments - segments.mean(axis=-1, keepdims=True)
            windowed *= window
            spectra = rfft(windowed, n=n_fft, axis=-1, overwrite_x=True)[..., bins]
            power = np.square(spectra.real)
            power += np.square(spectra.imag)
            np.multiply(power.sum(axis=-2), scale, out=psd[start : start + block])
    if not np.isfinite(psd).all():
        return _mne_welch(data, sfreq, n_fft, n_per_seg, n_overlap, fmin, fmax, picks)
    return psd, freqs[bins]


def _mne_welch(
    data: np.ndarray,
    sfreq: float,
    n_fft: int,
    n_per_seg: int,
    n_overlap: int,
    fmin: float,
    fmax: float,
    picks: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    """MNE's Welch PSD (the reference :func:`welch_psd` reproduces; used for non-finite data)."""
    from mne.time_frequency import psd_array_welch

    logger.info("non-finite samples: Welch PSD computed with MNE's rules for them")
    return psd_array_welch(
        data if picks is None else data[:, picks],
        sfreq,
        fmin=fmin,
        fmax=fmax,
        n_fft=n_fft,
        n_per_seg=n_per_seg,
        n_overlap=n_overlap,
        window=WELCH_WINDOW,
        average="mean",
        remove_dc=True,
        verbose="error",
    )


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
