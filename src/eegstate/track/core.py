"""Track the state of one continuous recording over time: windows, index, events.

:func:`track_raw` chains :mod:`.windows` (chunked preprocessing, per-window components),
:mod:`.index` (the state index) and :mod:`.events` (change points, event times, intervals) and
returns the tidy window table (``track.tsv``) and the event record (``events.json``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from eegstate.settings import TrackStepSettings, build_settings, to_config
from eegstate.track.events import EventResult, EventSettings, detect_events
from eegstate.track.index import MAD_TO_SD, robust_location_scale, unsupervised_index
from eegstate.track.windows import (
    Segment,
    TrackInputError,
    analyse_chunks,
    epoch_mask,
    relative_annotations,
    window_components,
    window_starts,
)

logger = logging.getLogger(__name__)

#: Leading columns of ``track.tsv``; the components follow.
TRACK_COLUMNS: tuple[str, ...] = (
    "time_s",
    "index",
    "fitted",
    "state",
    "window_start_s",
    "window_stop_s",
    "n_clean_epochs",
    "coverage",
    "emg_slope",
    "muscle_db",
    "artefact",
)


@dataclass
class TrackResult:
    """The track of one recording.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per window (:data:`TRACK_COLUMNS`, then the signed change of each component).
    events : dict
        The content of ``events.json`` (JSON-serialisable).
    """

    table: pd.DataFrame
    events: dict[str, Any]


def dose_time(raw: Any, description: str) -> float | None:
    """Onset (s from the first sample) of the first annotation named ``description``."""
    annotations = relative_annotations(raw)
    match = annotations.loc[annotations["description"] == description, "onset"]
    return float(match.iloc[0]) if len(match) else None


def baseline_segment(
    duration_s: float,
    baseline: Sequence[float] | None,
    baseline_s: float,
    dose_s: float | None,
) -> Segment:
    """The baseline segment: ``baseline`` (start, end), else the first ``baseline_s`` seconds
    (ending at the dose when it comes earlier).

    Raises
    ------
    TrackInputError
        When the segment is empty or outside the recording.
    """
    if baseline is not None:
        start, end = (float(v) for v in baseline)
        if not 0 <= start < end <= duration_s + 1e-6:
            raise TrackInputError(
                f"--baseline {start:g} {end:g} must satisfy 0 <= START < END <= {duration_s:.1f} "
                "(the recording's length in s)"
            )
        return Segment(start, end)
    end = min(float(baseline_s), duration_s)
    if dose_s is not None and dose_s > 0:
        end = min(end, dose_s)
    return Segment(0.0, end)


def _model_config(config: TrackStepSettings, model: Any | None) -> TrackStepSettings:
    """The settings of the analysis: the model's preprocessing when there is a model.

    The model stores the configuration sections it was trained with; they are validated
    again (so a model saved before an option existed gets that option's default).
    """
    if model is None:
        return config
    from eegstate.config import validate_config
    from eegstate.settings import RecordingSettings, build_settings

    keys = ("seed", "preprocess", "bandpower", "regions")
    stored = validate_config({key: model.metadata["config"][key] for key in keys})
    recording = build_settings(RecordingSettings, stored)
    return replace(
        config,
        seed=recording.seed,
        preprocess=recording.preprocess,
        bandpower=recording.bandpower,
        regions=recording.regions,
    )


def _model_feature_function(model: Any, config: TrackStepSettings) -> Any:
    """``f(epochs, psd, freqs)`` giving the model's features of a chunk, as ``predict`` does."""
    from eegstate.bandpower import epoch_band_power
    from eegstate.classify import check_bandpower_input, epoch_features

    metadata = model.metadata
    spectral = config.bandpower
    wanted = {name.lower() for name in metadata["channels"]}
    identity = {"subject": "tracked", "session": "", "recording": "track", "state": ""}

    def features(epochs: Any, psd: np.ndarray, freqs: np.ndarray) -> np.ndarray:
        table = epoch_band_power(
            psd,
            freqs,
            epochs.ch_names,
            bands=spectral.bands,
            relative_range=spectral.relative_range,
            regions=config.regions,
            identity=identity,
        )
        check_bandpower_input(metadata, table)
        table = table.loc[table["channel"].str.lower().isin(wanted)]
        wide = epoch_features(table, level=metadata["level"])
        return wide[model.feature_names].to_numpy(dtype=float)

    return features


def _check_model_input(model: Any, raw: Any, config: TrackStepSettings, source: str) -> None:
    from eegstate.classify.model import IncompatibleInputError, check_sampling_rate

    present = {name.lower() for name in raw.ch_names}
    missing = [name for name in model.metadata["channels"] if name.lower() not in present]
    if missing:
        raise IncompatibleInputError(
            f"{source}: missing {len(missing)} channels the model needs: {missing}"
        )
    rate = config.preprocess.resample_sfreq or raw.info["sfreq"]
    check_sampling_rate(model.metadata, rate, source)


def epoch_sampling(
    start_s: np.ndarray,
    epoch_s: float,
    starts: np.ndarray,
    window_s: float,
    clean: np.ndarray,
    points: int = 4,
) -> tuple[np.ndarray, np.ndarray]:
    """Which times each window's index averages: ``points`` samples across each of its clean
    epochs (the event model of :mod:`eegstate.track.events` averages the state over them).

    Returns ``(sample_times, weights)``, ``weights`` of shape (n_windows, n_samples); a
    window without clean epochs gets a zero row.
    """
    offsets = (np.arange(points) + 0.5) / points * epoch_s
    samples = (start_s[:, None] + offsets[None, :]).ravel()
    weights = np.zeros((starts.size, samples.size))
    for j, w0 in enumerate(starts):
        picks = np.flatnonzero(epoch_mask(start_s, epoch_s, w0, window_s) & clean)
        if picks.size:
            columns = (picks[:, None] * points + np.arange(points)[None, :]).ravel()
            weights[j, columns] = 1.0 / columns.size
    return samples, weights


def _interval_of(values: list[float], level: float) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    alpha = 1.0 - level
    low, high = np.quantile(np.asarray(values, dtype=float), [alpha / 2, 1 - alpha / 2])
    return float(low), float(high)


def compare_with_claim(
    low: float | None, high: float | None, claimed: Sequence[float]
) -> str | None:
    """``within``, ``outside`` or ``overlaps``: a measured interval beside a claimed range."""
    if low is None or high is None:
        return None
    a, b = sorted(float(v) for v in claimed)
    if low >= a and high <= b:
        return "within"
    if high < a or low > b:
        return "outside"
    return "overlaps"


def dose_relative(
    events: Mapping[str, Any],
    dose_s: float | None,
    claimed: Mapping[str, Sequence[float]],
    level: float,
) -> dict[str, Any]:
    """Onset latency, time to peak and duration (s), their intervals and the claimed ranges.

    Intervals are percentile intervals of the same quantity over the bootstrap replicates.
    """
    replicates = [r for r in events.get("_replicates", []) if r["peak_s"] is not None]
    out: dict[str, Any] = {"dose_s": dose_s}
    quantities = {
        "onset_latency_s": ("onset_s", None),
        "time_to_peak_s": ("peak_s", None),
        "duration_s": ("offset_s", "onset_s"),
    }
    for name, (end, start) in quantities.items():
        point = events.get(end)
        if start is None:
            value = None if point is None or dose_s is None else point - dose_s
            samples = (
                [r[end] - dose_s for r in replicates if r[end] is not None]
                if dose_s is not None
                else []
            )
        else:
            begin = events.get(start)
            value = None if point is None or begin is None else point - begin
            samples = [
                r[end] - r[start] for r in replicates if r[end] is not None and r[start] is not None
            ]
        low, high = _interval_of(samples, level) if value is not None else (None, None)
        out[name], out[f"{name}_low"], out[f"{name}_high"] = value, low, high
    minutes = {
        "time_to_peak": ("time_to_peak_s", "time_to_peak_min"),
        "duration": ("duration_s", "duration_min"),
    }
    for label, (key, claim) in minutes.items():
        out[f"claimed_{claim}"] = [float(v) for v in claimed[claim]]
        low, high = out[f"{key}_low"], out[f"{key}_high"]
        if low is None and out[key] is not None:
            low = high = out[key]
        out[f"{label}_vs_claim"] = compare_with_claim(
            None if low is None else low / 60.0,
            None if high is None else high / 60.0,
            claimed[claim],
        )
    return out


def _clean_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean_json(v) for k, v in value.items() if not str(k).startswith("_")}
    if isinstance(value, list | tuple):
        return [_clean_json(v) for v in value]
    if isinstance(value, np.floating | float):
        return None if not np.isfinite(value) else round(float(value), 6)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def track_raw(
    raw: Any,
    config: TrackStepSettings | Mapping[str, Any],
    *,
    model: Any | None = None,
    baseline: Sequence[float] | None = None,
    recording: str = "recording",
    progress: bool = False,
) -> TrackResult:
    """Track the state of a continuous recording (README "State tracking").

    Parameters
    ----------
    raw : mne.io.BaseRaw
        The recording, preloaded or not (it is read in chunks; not modified).
    config : eegstate.settings.TrackStepSettings or mapping
        The tracking settings (``track``, ``preprocess``, ``bandpower``, ``regions``,
        ``connectivity``, ``stats.aperiodic``, ``report.ci_level``, ``seed``); a validated
        configuration mapping is built into them.
    model : eegstate.classify.TrainedModel, optional
        A saved model (:func:`eegstate.io.load_model`): the index is its
        probability of the target state, with its own preprocessing and features.
    baseline : (start_s, end_s), optional
        The baseline segment (default: the first ``track.baseline_s`` seconds, ending at the
        dose annotation when that comes first).
    recording : str
        Name of the recording (seeds and messages).
    progress : bool
        Show a progress bar over chunks.

    Returns
    -------
    TrackResult

    Raises
    ------
    TrackInputError
        For bad window settings, a baseline outside the recording or too short.
    eegstate.classify.IncompatibleInputError
        When the recording lacks what the model needs.
    """
    from eegstate.seeding import derive_seed
    from eegstate.stats.aperiodic import resolve_settings

    if not isinstance(config, TrackStepSettings):
        config = build_settings(TrackStepSettings, config)
    work = _model_config(config, model)
    track = work.track
    if model is not None:
        _check_model_input(model, raw, work, recording)
    window_s, step_s = float(track.window_s), float(track.step_s)
    duration = raw.n_times / float(raw.info["sfreq"])
    dose_s = dose_time(raw, track.dose_annotation)
    base = baseline_segment(duration, baseline, float(track.baseline_s), dose_s)
    components_opts = track.components
    result = analyse_chunks(
        raw,
        work,
        recording=recording,
        model_features=_model_feature_function(model, work) if model is not None else None,
        dmn_windows=(window_s, step_s) if components_opts.dmn else None,
        progress=progress,
    )
    e = result.epochs
    epoch_s = result.epoch_length_s
    base_epochs = base.contains(e.start_s, e.start_s + epoch_s)
    flagged = np.zeros(e.start_s.size, bool)
    emg_info: dict[str, Any] = {"enabled": bool(track.emg_check)}
    finite = np.isfinite(e.muscle_db)
    if track.emg_check and np.isfinite(e.muscle_db[base_epochs]).sum() >= 3:
        median, scale = robust_location_scale(e.muscle_db[base_epochs])
        margin = max(float(track.emg_mad_factor) * scale, float(track.emg_min_db))
        flagged = finite & (e.muscle_db > median + margin)
        emg_info.update(
            {
                "measure": "muscle-range power (dB), channel quantile "
                f"{float(track.emg_channel_quantile):g}",
                "baseline_median_db": median,
                "threshold_db": median + margin,
                "n_flagged_epochs": int(flagged.sum()),
                "n_epochs": int(e.muscle_db.size),
            }
        )
    elif track.emg_check:
        emg_info["note"] = result.notes.get("emg", "too few baseline epochs with a muscle index")
    clean = ~flagged
    starts = window_starts(duration, window_s, step_s)
    centres = starts + window_s / 2
    base_windows = base.contains(starts, starts + window_s)
    aperiodic = None
    if components_opts.aperiodic:
        aperiodic = resolve_settings(work.stats.aperiodic, work.bandpower.bands, work.claims)
        lo, hi = aperiodic.freq_range
        fit_range = (max(lo, float(result.freqs[0])), min(hi, float(result.freqs[-1])))
        aperiodic = replace(aperiodic, freq_range=fit_range)
    dmn_name = None
    if components_opts.dmn and "dmn" not in result.notes:
        dmn_name = f"dmn_{components_opts.dmn_metric}_{components_opts.dmn_band}"
    comps = window_components(
        result,
        starts,
        window_s,
        clean,
        bands=components_opts.bands,
        aperiodic=aperiodic,
        dmn_name=dmn_name,
    )
    n_clean = comps.pop("n_clean").to_numpy()
    per_window = window_s / epoch_s
    coverage = n_clean / per_window
    valid = coverage >= float(track.min_window_coverage) - 1e-9
    if base_windows.sum() == 0:
        raise TrackInputError(
            f"the baseline segment {base.start_s:g}-{base.stop_s:g} s holds no complete window "
            f"('track.window_s' = {window_s:g} s): lengthen it (--baseline START END or "
            "'track.baseline_s')"
        )
    left_out = dict(result.notes)
    left_out.pop("emg", None)
    loadings: dict[str, float] = {}
    if model is None:
        built = unsupervised_index(comps, base_windows, valid)
        index, changes, loadings = built.index, built.changes, built.loadings
        left_out.update(built.left_out)
        kind = "unsupervised"
    else:
        probability = np.full(e.start_s.size, np.nan)
        from eegstate.track.index import supervised_probabilities

        probability[clean] = supervised_probabilities(
            model, e.model_features[clean], base_epochs[clean], model.feature_names
        )
        index = np.full(starts.size, np.nan)
        for j, w0 in enumerate(starts):
            picks = epoch_mask(e.start_s, epoch_s, w0, window_s) & clean
            if valid[j] and picks.any():
                index[j] = float(np.mean(probability[picks]))
        changes = pd.DataFrame(index=comps.index)
        for name in comps.columns:
            values = comps[name].to_numpy(dtype=float)
            changes[name] = values - robust_location_scale(values[base_windows & valid])[0]
        kind = "model"
    settings = EventSettings.from_config(work)
    detected: EventResult = detect_events(
        index,
        centres,
        base_windows,
        settings,
        seed=derive_seed(work.seed, recording, "track-events"),
        probability=model is not None,
        sampling=epoch_sampling(e.start_s, epoch_s, starts, window_s, clean),
    )
    fitted = detected.fitted
    state = np.where(~np.isfinite(index), "artefact", "baseline")
    state = np.where(np.isfinite(fitted) & (fitted > detected.threshold), "altered", state)
    artefact = np.where(valid, "", np.where(n_clean < per_window, "muscle or rejected epochs", ""))
    emg_window = np.array(
        [
            np.nanmedian(e.emg[picks]) if np.isfinite(e.emg[picks]).any() else np.nan
            for picks in (epoch_mask(e.start_s, epoch_s, w0, window_s) for w0 in starts)
        ]
    )
    muscle_window = np.array(
        [
            np.nanmedian(e.muscle_db[picks]) if np.isfinite(e.muscle_db[picks]).any() else np.nan
            for picks in (epoch_mask(e.start_s, epoch_s, w0, window_s) for w0 in starts)
        ]
    )
    table = pd.DataFrame(
        {
            "time_s": centres,
            "index": index,
            "fitted": fitted,
            "state": state,
            "window_start_s": starts,
            "window_stop_s": starts + window_s,
            "n_clean_epochs": n_clean.astype(int),
            "coverage": coverage,
            "emg_slope": emg_window,
            "muscle_db": muscle_window,
            "artefact": artefact,
        }
    )
    table = pd.concat([table, changes.reset_index(drop=True)], axis=1)
    events = detected.events
    at_peak: dict[str, float] = {}
    if events["peak_s"] is not None:
        near = np.abs(centres - events["peak_s"]) <= window_s
        if not near.any():
            near = np.abs(centres - events["peak_s"]) == np.abs(centres - events["peak_s"]).min()
        at_peak = {name: float(np.nanmedian(changes[name].to_numpy()[near])) for name in changes}
    record = {
        "recording": recording,
        "index": {
            "kind": kind,
            "definition": (
                "robust z-scores of the components against the baseline windows, projected on "
                "their first principal component, in baseline robust SDs"
                if model is None
                else "the model's probability of the target state, mean over the window's "
                "clean epochs"
            ),
            "model": None
            if model is None
            else {
                key: model.metadata.get(key)
                for key in ("dataset", "estimator", "normalize", "classes", "level")
            },
            "loadings": loadings,
        },
        "onset_s": events["onset_s"],
        "onset_s_low": events["onset_s_low"],
        "onset_s_high": events["onset_s_high"],
        "peak_s": events["peak_s"],
        "peak_s_low": events["peak_s_low"],
        "peak_s_high": events["peak_s_high"],
        "offset_s": events["offset_s"],
        "offset_s_low": events["offset_s_low"],
        "offset_s_high": events["offset_s_high"],
        "event": events["peak_s"] is not None,
        "event_fraction": events["event_fraction"],
        **dose_relative(events, dose_s, to_config(track.claimed), settings.ci_level),
        "changes_at_peak": at_peak,
        "method": {
            **settings.describe(),
            "window_s": window_s,
            "step_s": step_s,
            "chunk_s": float(track.chunk_s),
            "min_window_coverage": float(track.min_window_coverage),
            "time_s": "window centre",
        },
        "baseline": {
            "start_s": base.start_s,
            "stop_s": base.stop_s,
            "n_windows": int((base_windows & valid).sum()),
            "level": detected.level,
            "sd": detected.scale,
            "threshold": detected.threshold,
            "mad_to_sd": MAD_TO_SD,
        },
        "change_points_s": detected.change_points_s,
        "components": list(changes.columns),
        "components_left_out": left_out,
        "emg_check": emg_info,
        "n_windows": int(starts.size),
        "n_windows_left_out": int((~valid).sum()),
        "recording_duration_s": duration,
        "channels": result.channels,
        "chunks": [vars(chunk) for chunk in result.chunks],
        "_replicates": events.get("_replicates", []),
    }
    logger.info(
        "%s: %s index, %d windows (%d left out); event: %s",
        recording,
        kind,
        starts.size,
        int((~valid).sum()),
        "none"
        if events["peak_s"] is None
        else f"onset {events['onset_s']}, peak {events['peak_s']:.0f}, offset {events['offset_s']}",
    )
    return TrackResult(table=table, events=record)


def events_json(result: TrackResult) -> dict[str, Any]:
    """``events.json`` content: the record without internal fields, NaN as null."""
    return _clean_json(result.events)
