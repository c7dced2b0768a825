"""Chunked reading and preprocessing of a continuous recording, and per-window features.

A recording of hours is never held in memory: it is read in chunks of ``track.chunk_s``
seconds (plus ``track.pad_s`` on each side so the filters settle, and one window of overlap at
the end so the windows starting in the chunk are complete). Every chunk goes through the same
preprocessing as any recording (:func:`eegstate.preprocess.preprocess_raw`: channel types,
montage, bad channels, notch, band-pass, reference, ICA, fixed-length epochs, rejection, the
per-epoch muscle index), with a seed derived from the master seed, the recording and the chunk
number. Each chunk keeps the epochs that start inside it (so every epoch is analysed once) and
stores small per-epoch summaries: band power per region and over all channels (linear µV²), the
all-channel mean spectrum, the muscle (EMG) index and, with a model, the model's features. The
DMN connectivity of the windows starting in the chunk is computed there, from the chunk's own
epochs (it needs the time series).

Windows of ``track.window_s`` start every ``track.step_s`` seconds; a window's value of each
component comes from its clean epochs (kept by rejection, not muscle-flagged): band power is
their linear mean in dB, the aperiodic exponent a specparam fit of their mean spectrum
(:func:`eegstate.stats.aperiodic.fit_spectrum`). Memory therefore depends on the chunk length
and the number of windows (a few numbers each), not on the recording's length.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from eegstate.bandpower import V2_TO_UV2, band_power_from_psd, compute_psd, to_db
from eegstate.quality import emg_range
from eegstate.regions import channel_regions
from eegstate.settings import AperiodicSettings, TrackStepSettings

logger = logging.getLogger(__name__)

#: Unit name of the all-channel band power components (``alpha_db_all``).
ALL_CHANNELS = "all"
#: Tolerance (s) when checking that times are multiples of the epoch length.
_TIME_TOLERANCE = 1e-6


class TrackInputError(ValueError):
    """Settings or a recording that cannot be tracked; the message says what to change."""


@dataclass(frozen=True)
class Segment:
    """A time span ``[start_s, stop_s)`` of the recording (s from its first sample)."""

    start_s: float
    stop_s: float

    def contains(self, start: np.ndarray, stop: np.ndarray) -> np.ndarray:
        """Whether spans ``[start, stop)`` lie inside the segment."""
        return (start >= self.start_s - _TIME_TOLERANCE) & (stop <= self.stop_s + _TIME_TOLERANCE)


@dataclass
class EpochSummaries:
    """Per-epoch summaries of a whole recording (every chunk's own epochs, in time order).

    Attributes
    ----------
    start_s : numpy.ndarray, shape (n_epochs,)
        Start of each kept epoch (s from the recording's first sample).
    power : numpy.ndarray, shape (n_epochs, n_units, n_bands)
        Band power in µV² per unit (regions present, then ``all``) and band.
    spectrum : numpy.ndarray, shape (n_epochs, n_freqs)
        Mean spectrum over channels (µV²/Hz).
    emg : numpy.ndarray, shape (n_epochs,)
        Muscle slope index per epoch (:func:`eegstate.quality.window_emg_index`, as in
        ``emg.tsv``; NaN when unavailable).
    muscle_db : numpy.ndarray, shape (n_epochs,)
        Muscle-range power per epoch (:func:`muscle_power_db`; NaN when unavailable).
    model_features : numpy.ndarray or None, shape (n_epochs, n_model_features)
        The model's features, when tracking with a model.
    """

    start_s: np.ndarray
    power: np.ndarray
    spectrum: np.ndarray
    emg: np.ndarray
    muscle_db: np.ndarray
    model_features: np.ndarray | None = None


@dataclass
class ChunkRecord:
    """What preprocessing did to one chunk (a row of ``events.json`` ``chunks``)."""

    start_s: float
    stop_s: float
    n_epochs_total: int
    n_epochs_kept: int
    bad_channels: list[str]
    ica_excluded: str
    emg_band: str


@dataclass
class RecordingEpochs:
    """Output of :func:`analyse_chunks`: per-epoch summaries and per-window DMN values."""

    epochs: EpochSummaries
    units: list[str]
    bands: dict[str, tuple[float, float]]
    freqs: np.ndarray
    epoch_length_s: float
    duration_s: float
    dmn: dict[int, float] = field(default_factory=dict)
    chunks: list[ChunkRecord] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)
    channels: list[str] = field(default_factory=list)


def check_multiple(value: float, unit: float, option: str, unit_option: str) -> None:
    """Refuse a time option that is not a whole multiple of ``unit``."""
    ratio = float(value) / float(unit)
    if ratio < 1 - _TIME_TOLERANCE or abs(ratio - round(ratio)) > _TIME_TOLERANCE:
        raise TrackInputError(
            f"'{option}' = {value:g} s must be a whole multiple of '{unit_option}' = {unit:g} s; "
            f"use e.g. {max(1, round(ratio)) * unit:g}"
        )


def window_starts(duration_s: float, window_s: float, step_s: float) -> np.ndarray:
    """Start times of the complete windows of a recording lasting ``duration_s`` seconds."""
    n = int(np.floor((duration_s - window_s) / step_s + _TIME_TOLERANCE)) + 1
    if n < 1:
        raise TrackInputError(
            f"the recording lasts {duration_s:.1f} s, shorter than one window "
            f"('track.window_s' = {window_s:g} s)"
        )
    return np.arange(n) * float(step_s)


def relative_annotations(raw: Any) -> pd.DataFrame:
    """Annotations of ``raw`` with onsets in seconds from its first sample."""
    annotations = raw.annotations
    shift = raw.first_time if annotations.orig_time is not None else 0.0
    return pd.DataFrame(
        {
            "onset": np.asarray(annotations.onset, dtype=float) - shift,
            "duration": np.asarray(annotations.duration, dtype=float),
            "description": [str(d) for d in annotations.description],
        }
    )


def read_span(raw: Any, start_s: float, stop_s: float, annotations: pd.DataFrame) -> Any:
    """Samples ``[start_s, stop_s)`` of ``raw`` as a new in-memory raw (annotations kept).

    Only that span is read from disk (or copied from a preloaded recording).
    """
    import mne

    sfreq = float(raw.info["sfreq"])
    start, stop = round(start_s * sfreq), min(round(stop_s * sfreq), raw.n_times)
    data = raw.get_data(start=start, stop=stop)
    info = raw.info.copy()
    with info._unlock():
        info["meas_date"] = None
    chunk = mne.io.RawArray(data, info, verbose="error")
    offset = start / sfreq
    inside = (annotations["onset"] + annotations["duration"] >= offset) & (
        annotations["onset"] < stop / sfreq
    )
    part = annotations.loc[inside]
    if len(part):
        onset = np.maximum(part["onset"].to_numpy() - offset, 0.0)
        chunk.set_annotations(
            mne.Annotations(onset, part["duration"].to_numpy(), part["description"].tolist()),
            verbose="error",
        )
    return chunk


def muscle_power_db(
    raw: Any,
    *,
    epoch_s: float,
    band: tuple[float, float],
    line_freq: float | None,
    average_reference: bool,
    quantile: float,
    chunk_epochs: int = 32,
) -> np.ndarray:
    """Muscle-range power of every fixed-length epoch of a recording (dB re 1 µV²).

    Per epoch (starting every ``epoch_s`` from the first sample, as
    :func:`mne.make_fixed_length_epochs` cuts them): optional average reference, Welch PSD
    (1-s Hann segments, :func:`scipy.signal.welch`), power summed over ``band`` without the
    bins near mains harmonics, in dB, then the ``quantile`` over channels. Muscle activity is
    broadband and focal; where the spectrum above the analysed bands is already flat (white
    sensor noise, low sampling rates) it raises this power although it barely changes the
    log-log slope of :func:`eegstate.quality.emg_slope`. Read in chunks of epochs.
    """
    from scipy.signal import welch

    from eegstate.quality import EMG_LINE_GUARD_HZ

    sfreq = float(raw.info["sfreq"])
    n = round(epoch_s * sfreq)
    picks = [i for i, kind in enumerate(raw.get_channel_types()) if kind == "eeg"]
    n_epochs = raw.n_times // n
    out = np.full(n_epochs, np.nan)
    for first in range(0, n_epochs, chunk_epochs):
        count = min(chunk_epochs, n_epochs - first)
        data = raw.get_data(picks=picks, start=first * n, stop=(first + count) * n)
        windows = data.reshape(len(picks), count, n).transpose(1, 0, 2)
        if average_reference:
            windows = windows - windows.mean(axis=1, keepdims=True)
        freqs, psd = welch(windows, fs=sfreq, nperseg=min(n, round(sfreq)), axis=-1)
        keep = (freqs >= band[0]) & (freqs <= band[1])
        if line_freq:
            harmonics = np.arange(line_freq, freqs[-1] + line_freq, line_freq)
            keep &= np.min(np.abs(freqs[:, None] - harmonics[None, :]), axis=1) > EMG_LINE_GUARD_HZ
        power = psd[..., keep].sum(axis=-1) * (freqs[1] - freqs[0]) * V2_TO_UV2
        out[first : first + count] = np.quantile(to_db(power), quantile, axis=1)
    return out


def _unit_power(
    band_power: np.ndarray, region_of: Mapping[str, str], ch_names: Sequence[str], units: list[str]
) -> np.ndarray:
    """Band power (n_bands, n_epochs, n_channels) pooled per unit: (n_epochs, n_units, n_bands)."""
    out = np.empty((band_power.shape[1], len(units), band_power.shape[0]))
    regions = np.array([region_of[name] for name in ch_names])
    for u, unit in enumerate(units):
        rows = np.ones(len(ch_names), bool) if unit == ALL_CHANNELS else regions == unit
        out[:, u, :] = band_power[:, :, rows].mean(axis=2).T
    return out


def analyse_chunks(
    raw: Any,
    config: TrackStepSettings,
    *,
    recording: str = "recording",
    model_features: Callable[[Any, np.ndarray, np.ndarray], np.ndarray] | None = None,
    dmn_windows: tuple[float, float] | None = None,
    progress: bool = False,
) -> RecordingEpochs:
    """Preprocess a recording chunk by chunk and summarise its epochs (module docstring).

    Parameters
    ----------
    raw : mne.io.BaseRaw
        The recording, preloaded or not (only the chunks are read).
    config : mapping
        Validated configuration: ``seed``, ``preprocess``, ``bandpower``, ``regions``,
        ``connectivity``, ``track`` (for a model, its stored preprocessing with the ``track``
        section of the run).
    recording : str
        Recording name (seeds and messages).
    model_features : callable, optional
        ``f(epochs, psd, freqs) -> (n_epochs, n_features)``: the model's features of a chunk's
        epochs.
    dmn_windows : (window_s, step_s), optional
        Compute the within-DMN connectivity of every window (component ``dmn``).
    progress : bool
        Show a progress bar over chunks (tqdm).

    Returns
    -------
    RecordingEpochs

    Raises
    ------
    TrackInputError
        For window, step, chunk or padding lengths that do not fit the epoch length, or a
        recording shorter than one window.
    """
    from tqdm import tqdm

    from eegstate.preprocess import preprocess_raw
    from eegstate.seeding import derive_seed

    pre, spectral, track = config.preprocess, config.bandpower, config.track
    epoch_s = float(pre.epoch_length_s)
    for option in ("window_s", "step_s", "chunk_s", "pad_s"):
        if option != "pad_s" or float(getattr(track, option)) > 0:
            check_multiple(
                float(getattr(track, option)),
                epoch_s,
                f"track.{option}",
                "preprocess.epoch_length_s",
            )
    check_multiple(float(track.chunk_s), float(track.step_s), "track.chunk_s", "track.step_s")
    sfreq = float(raw.info["sfreq"])
    duration = raw.n_times / sfreq
    window_starts(duration, float(track.window_s), float(track.step_s))
    chunk_s, pad_s = float(track.chunk_s), float(track.pad_s)
    tail_s = float(track.window_s) - float(track.step_s) if dmn_windows else 0.0
    annotations = relative_annotations(raw)
    bands = {name: (float(lo), float(hi)) for name, (lo, hi) in spectral.bands.items()}
    emg_above = max(high for _, high in bands.values())
    result: RecordingEpochs | None = None
    parts: list[dict[str, np.ndarray]] = []
    n_chunks = int(np.ceil(duration / chunk_s - _TIME_TOLERANCE))
    for c in tqdm(range(n_chunks), desc=recording, unit="chunk", disable=not progress):
        own = Segment(c * chunk_s, min((c + 1) * chunk_s, duration))
        start = max(own.start_s - pad_s, 0.0)
        stop = min(own.stop_s + tail_s + pad_s, duration)
        chunk = read_span(raw, start, stop, annotations)
        band, emg_band = emg_range(chunk.info["sfreq"], pre.emg_fmin, pre.emg_fmax, emg_above)
        muscle = (
            muscle_power_db(
                chunk,
                epoch_s=epoch_s,
                band=band,
                line_freq=pre.line_freq,
                average_reference=pre.reference != "none",
                quantile=float(track.emg_channel_quantile),
            )
            if band is not None and track.emg_check
            else None
        )
        epochs, qc = preprocess_raw(
            chunk,
            replace(pre, min_epochs=1),
            seed=derive_seed(config.seed, recording, f"chunk-{c}"),
            source=f"{recording} [{start:.0f}-{stop:.0f} s]",
            emg_above_hz=emg_above,
        )
        psd, freqs = compute_psd(
            epochs,
            method=spectral.method,
            fmin=spectral.fmin,
            fmax=spectral.fmax,
            welch_window_s=spectral.welch_window_s,
            multitaper_bandwidth=spectral.multitaper_bandwidth,
        )
        begin = start + epochs.events[:, 0] / float(epochs.info["sfreq"])
        owned = own.contains(begin, begin + epoch_s) & (begin + epoch_s <= duration + 1e-6)
        if result is None:
            result = _new_result(epochs, config, bands, freqs, epoch_s, duration)
        band_power, _ = band_power_from_psd(psd, freqs, bands, spectral.relative_range)
        region_of = channel_regions(epochs.ch_names, config.regions)
        part = {
            "start_s": begin[owned],
            "power": _unit_power(band_power, region_of, epochs.ch_names, result.units)[owned],
            "spectrum": psd.mean(axis=1)[owned] * V2_TO_UV2,
            "emg": np.asarray(qc.emg_slope_epochs, dtype=float)[owned],
            "muscle_db": _at_epochs(muscle, begin - start, epoch_s)[owned],
        }
        if model_features is not None:
            part["model_features"] = model_features(epochs, psd, freqs)[owned]
        parts.append(part)
        if dmn_windows is not None and "dmn" not in result.notes:
            result.dmn.update(_chunk_dmn(epochs, begin, own, dmn_windows, config, recording))
        result.chunks.append(
            ChunkRecord(
                start_s=own.start_s,
                stop_s=own.stop_s,
                n_epochs_total=int(qc.n_epochs_total),
                n_epochs_kept=int(owned.sum()),
                bad_channels=list(qc.bad_channels),
                ica_excluded=qc.ica_excluded,
                emg_band=qc.emg_band,
            )
        )
        del chunk, epochs, psd
    assert result is not None
    result.epochs = EpochSummaries(
        start_s=np.concatenate([p["start_s"] for p in parts]),
        power=np.concatenate([p["power"] for p in parts]),
        spectrum=np.concatenate([p["spectrum"] for p in parts]),
        emg=np.concatenate([p["emg"] for p in parts]),
        muscle_db=np.concatenate([p["muscle_db"] for p in parts]),
        model_features=(
            np.concatenate([p["model_features"] for p in parts])
            if model_features is not None
            else None
        ),
    )
    if not np.isfinite(result.epochs.muscle_db).any():
        result.notes["emg"] = (
            f"muscle check unavailable ({emg_band or 'no range'}): no epoch was checked for "
            "muscle artefact"
            if track.emg_check
            else "muscle check off (track.emg_check: false)"
        )
    return result


def _at_epochs(values: np.ndarray | None, offsets_s: np.ndarray, epoch_s: float) -> np.ndarray:
    """Per-window ``values`` at the epochs starting ``offsets_s`` after the chunk's start."""
    if values is None:
        return np.full(offsets_s.size, np.nan)
    index = np.round(offsets_s / epoch_s).astype(int)
    out = np.full(offsets_s.size, np.nan)
    inside = (index >= 0) & (index < values.size)
    out[inside] = values[index[inside]]
    return out


def _new_result(
    epochs: Any,
    config: TrackStepSettings,
    bands: dict[str, tuple[float, float]],
    freqs: np.ndarray,
    epoch_s: float,
    duration: float,
) -> RecordingEpochs:
    """Empty result with the units (regions present, then all channels) and component notes."""
    from eegstate.connectivity.estimate import eeg_channels_with_positions

    region_of = channel_regions(epochs.ch_names, config.regions)
    present = {region_of[name] for name in epochs.ch_names} - {""}
    notes: dict[str, str] = {}
    use_regions = config.track.components.regions
    units = [r for r in config.regions if r in present] if use_regions else []
    if use_regions and not units:
        notes["regions"] = (
            "no channel of the recording belongs to a configured region (names unknown to "
            "'regions'): band power is tracked over all channels only"
        )
    components = config.track.components
    if components.dmn:
        positions = eeg_channels_with_positions(epochs.info)
        minimum = int(config.connectivity.min_channels)
        if not config.connectivity.enabled:
            notes["dmn"] = "DMN connectivity left out: connectivity.enabled is false"
        elif config.preprocess.reference == "none" or len(positions) < minimum:
            notes["dmn"] = (
                f"DMN connectivity left out: {len(positions)} EEG channels with positions, "
                f"fewer than connectivity.min_channels = {minimum}, or no average reference "
                "(source-space connectivity needs a whole-head montage)"
            )
    return RecordingEpochs(
        epochs=EpochSummaries(
            np.empty(0), np.empty((0, 0, 0)), np.empty((0, 0)), np.empty(0), np.empty(0)
        ),
        units=[*units, ALL_CHANNELS],
        bands=bands,
        freqs=np.asarray(freqs, dtype=float),
        epoch_length_s=epoch_s,
        duration_s=duration,
        notes=notes,
        channels=list(epochs.ch_names),
    )


def _chunk_dmn(
    epochs: Any,
    begin: np.ndarray,
    own: Segment,
    windows: tuple[float, float],
    config: TrackStepSettings,
    recording: str,
) -> dict[int, float]:
    """Within-DMN connectivity of the windows starting in ``own`` (window index -> value)."""
    from threadpoolctl import threadpool_limits

    from eegstate.connectivity import recording_connectivity, resolve_bands

    window_s, step_s = windows
    components = config.track.components
    band, metric = components.dmn_band, components.dmn_metric
    bands = resolve_bands([band], config.bandpower.bands)
    params = replace(config.connectivity, metrics=(metric,))
    identity = {"subject": "", "session": "", "recording": recording, "state": ""}
    out: dict[int, float] = {}
    first = int(np.ceil(own.start_s / step_s - _TIME_TOLERANCE))
    last = int(np.ceil(own.stop_s / step_s - _TIME_TOLERANCE))
    epoch_s = float(config.preprocess.epoch_length_s)
    for j in range(first, last):
        segment = Segment(j * step_s, j * step_s + window_s)
        picks = np.flatnonzero(segment.contains(begin, begin + epoch_s))
        if picks.size < 2:
            continue
        with threadpool_limits(limits=1):
            result = recording_connectivity(epochs[picks], params, identity, bands)
        if not result.summary.empty:
            out[j] = float(result.summary["dmn_mean"].iloc[0])
    return out


def epoch_mask(
    start_s: np.ndarray, epoch_s: float, window_start: float, window_s: float
) -> np.ndarray:
    """Epochs lying inside the window ``[window_start, window_start + window_s)``."""
    return Segment(window_start, window_start + window_s).contains(start_s, start_s + epoch_s)


def component_names(result: RecordingEpochs) -> list[str]:
    """Band power component names ``<band>_db_<unit>`` in (band, unit) order."""
    return [f"{band}_db_{unit}" for band in result.bands for unit in result.units]


def window_components(
    result: RecordingEpochs,
    starts: np.ndarray,
    window_s: float,
    clean: np.ndarray,
    *,
    bands: Sequence[str] | None = None,
    aperiodic: AperiodicSettings | None = None,
    dmn_name: str | None = None,
) -> pd.DataFrame:
    """Value of every component in every window, from the window's clean epochs.

    Parameters
    ----------
    result : RecordingEpochs
        Output of :func:`analyse_chunks`.
    starts : numpy.ndarray
        Window start times (s).
    window_s : float
        Window length (s).
    clean : numpy.ndarray of bool, shape (n_epochs,)
        Epochs that may be used (not muscle-flagged).
    bands : sequence of str, optional
        Bands whose power is tracked (default: all).
    aperiodic : mapping, optional
        ``stats.aperiodic`` settings: add ``aperiodic_exponent``.
    dmn_name : str, optional
        Column of the DMN component (values from ``result.dmn``).

    Returns
    -------
    pandas.DataFrame
        One row per window: ``n_clean`` and the components (NaN without clean epochs).
    """
    from eegstate.stats.aperiodic import fit_spectrum

    e = result.epochs
    wanted = list(result.bands) if bands is None else list(bands)
    unknown = sorted(set(wanted) - set(result.bands))
    if unknown:
        raise TrackInputError(
            f"'track.components.bands' names {unknown}, which are not in bandpower.bands "
            f"({', '.join(result.bands)})"
        )
    band_index = [list(result.bands).index(b) for b in wanted]
    columns = {f"{b}_db_{u}": (bi, ui) for b, bi in zip(wanted, band_index, strict=True)
               for ui, u in enumerate(result.units)}  # fmt: skip
    rows = []
    for j, w0 in enumerate(starts):
        picks = np.flatnonzero(epoch_mask(e.start_s, result.epoch_length_s, w0, window_s) & clean)
        row: dict[str, float] = {"n_clean": float(picks.size)}
        if picks.size:
            mean_power = e.power[picks].mean(axis=0)
            for name, (bi, ui) in columns.items():
                row[name] = float(to_db(mean_power[ui, bi]))
        else:
            row.update(dict.fromkeys(columns, np.nan))
        if aperiodic is not None:
            if picks.size:
                fit = fit_spectrum(result.freqs, e.spectrum[picks].mean(axis=0), aperiodic)
                row["aperiodic_exponent"] = float(fit["exponent"])
            else:
                row["aperiodic_exponent"] = np.nan
        if dmn_name is not None:
            row[dmn_name] = result.dmn.get(j, np.nan) if picks.size else np.nan
        rows.append(row)
    return pd.DataFrame(rows)
