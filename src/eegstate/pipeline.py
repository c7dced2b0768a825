"""One recording from raw data to band power, in memory: the Python entry point.

:func:`analyse_raw` chains preprocessing and spectral analysis exactly as the workflow does, so
users can run eegstate's per-recording analysis on any :class:`mne.io.Raw` from Python.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from eegstate.preprocess import PreprocessQC


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
    raw: Any, config: Mapping[str, Any], identity: Mapping[str, str], *, source: str = "<raw>"
) -> RecordingResult:
    """Preprocess one recording and compute its PSD and band-power table.

    Parameters
    ----------
    raw : mne.io.BaseRaw
        Preloaded recording (not modified).
    config : mapping
        Validated configuration (uses ``seed``, ``preprocess``, ``bandpower``, ``regions``).
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

    identity = {key: str(identity[key]) for key in ("subject", "session", "recording", "state")}
    spectral = config["bandpower"]
    epochs, qc = preprocess_raw(
        raw,
        config["preprocess"],
        seed=derive_seed(config["seed"], identity["recording"]),
        source=source,
        emg_above_hz=max(float(high) for _, high in spectral["bands"].values()),
    )
    psd, freqs = compute_psd(
        epochs,
        method=spectral["method"],
        fmin=spectral["fmin"],
        fmax=spectral["fmax"],
        welch_window_s=spectral["welch_window_s"],
        multitaper_bandwidth=spectral["multitaper_bandwidth"],
    )
    bandpower = recording_band_power(
        psd,
        freqs,
        epochs.ch_names,
        bands=spectral["bands"],
        relative_range=spectral["relative_range"],
        regions=config["regions"],
        identity=identity,
    )
    emg = qc.emg_slope_epochs
    finite = emg[np.isfinite(emg)]
    qc.emg_slope_median = float(np.median(finite)) if finite.size else float("nan")
    return RecordingResult(
        epochs=epochs, qc=qc, psd=psd, freqs=freqs, bandpower=bandpower, emg_slope=emg
    )
