"""One recording from raw data to band power, in memory: the Python entry point.

:func:`analyse_raw` chains preprocessing and spectral analysis exactly as the workflow does, so
users can run eegstate's per-recording analysis on any :class:`mne.io.Raw` from Python;
:func:`epoch_band_power_table` gives the per-epoch band power of its result (the
classifier's input, the workflow's ``*_bandpower-epochs.tsv``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from eegstate.preprocess import PreprocessQC
from eegstate.settings import RecordingSettings, Settings


@dataclass
class RecordingResult:
    """Everything the per-recording analysis produces."""

    epochs: Any
    qc: PreprocessQC
    psd: np.ndarray
    freqs: np.ndarray
    bandpower: pd.DataFrame
    emg_slope: np.ndarray


def analyse_raw(
    raw: Any,
    settings: Settings | RecordingSettings | Mapping[str, Any],
    identity: Mapping[str, str],
    *,
    source: str = "<raw>",
) -> RecordingResult:
    """Preprocess one recording and compute its PSD and band-power table.

    Parameters
    ----------
    raw : mne.io.BaseRaw
        Recording, preloaded or not (not modified).
    settings : eegstate.settings.Settings or eegstate.settings.RecordingSettings
        The settings (:func:`eegstate.settings.load_settings`; the analysis uses ``seed``,
        ``preprocess``, ``bandpower`` and ``regions``). A configuration mapping also works: it is
        validated and converted (:func:`recording_settings`).
    identity : mapping
        ``subject, session, recording, state`` values for the table rows.
    source : str
        Name of the recording for messages.

    Returns
    -------
    RecordingResult
        Epochs, QC record, PSD (epochs x channels x freqs, V²/Hz), frequencies, the tidy
        band-power table (:data:`eegstate.tables.BANDPOWER_COLUMNS`) and the per-epoch muscle
        index (:func:`eegstate.quality.window_emg_index`, measured above the highest band before
        the low-pass; NaN where unavailable).
    """
    from eegstate.bandpower import compute_psd, recording_band_power
    from eegstate.preprocess import preprocess_raw
    from eegstate.seeding import derive_seed

    s = recording_settings(settings)
    identity = {key: str(identity[key]) for key in ("subject", "session", "recording", "state")}
    spectral = s.bandpower
    epochs, qc = preprocess_raw(
        raw,
        s.preprocess,
        seed=derive_seed(s.seed, identity["recording"]),
        source=source,
        emg_above_hz=spectral.highest_edge,
    )
    psd, freqs = compute_psd(
        epochs,
        method=spectral.method,
        fmin=spectral.fmin,
        fmax=spectral.fmax,
        welch_window_s=spectral.welch_window_s,
        multitaper_bandwidth=spectral.multitaper_bandwidth,
    )
    bandpower = recording_band_power(
        psd,
        freqs,
        epochs.ch_names,
        bands=spectral.bands,
        relative_range=spectral.relative_range,
        regions=s.regions,
        identity=identity,
    )
    emg = qc.emg_slope_epochs
    finite = emg[np.isfinite(emg)]
    qc.emg_slope_median = float(np.median(finite)) if finite.size else float("nan")
    return RecordingResult(
        epochs=epochs, qc=qc, psd=psd, freqs=freqs, bandpower=bandpower, emg_slope=emg
    )


def epoch_band_power_table(
    result: RecordingResult,
    settings: Settings | RecordingSettings | Mapping[str, Any],
    identity: Mapping[str, str],
) -> pd.DataFrame:
    """Per-epoch band-power table of an analysed recording, as the workflow writes it.

    Parameters
    ----------
    result : RecordingResult
        The recording's analysis (:func:`analyse_raw`).
    settings : eegstate.settings.Settings or eegstate.settings.RecordingSettings or mapping
        The settings the recording was analysed with (the table uses ``bandpower.bands``,
        ``bandpower.relative_range`` and ``regions``); a configuration mapping is converted
        by :func:`recording_settings`.
    identity : mapping
        ``subject, session, recording, state`` values for the table rows.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`eegstate.tables.EPOCH_BANDPOWER_COLUMNS`
        (:func:`eegstate.bandpower.epoch_band_power`).
    """
    from eegstate.bandpower import epoch_band_power

    s = recording_settings(settings)
    return epoch_band_power(
        result.psd,
        result.freqs,
        result.epochs.ch_names,
        bands=s.bandpower.bands,
        relative_range=s.bandpower.relative_range,
        regions=s.regions,
        identity=identity,
    )


def recording_settings(
    settings: Settings | RecordingSettings | Mapping[str, Any],
) -> RecordingSettings:
    """The recording settings of settings, or of a configuration mapping.

    A mapping holding the ``seed``, ``preprocess``, ``bandpower`` and ``regions`` sections (a
    whole validated configuration or a workflow rule's slice of it) is validated (missing
    options take their schema defaults) and converted.
    """
    if isinstance(settings, RecordingSettings):
        return settings
    if isinstance(settings, Settings):
        return RecordingSettings.of(settings)
    from eegstate.config import validate_config
    from eegstate.settings import build_settings

    filled = validate_config(
        {
            key: settings[key]
            for key in ("seed", "preprocess", "bandpower", "regions")
            if key in settings
        }
    )
    return build_settings(RecordingSettings, filled)
