"""DMN connectivity of one preprocessed recording: ROI time courses per band, then metrics.

Steps for each band of ``connectivity.bands``:

1. project the (average-referenced) epochs onto each region of interest with the cached
   inverse kernel rows, summarising each region by the sign-flipped first principal component
   of its band-limited source activity (:mod:`.roi`);
2. band-pass the region time courses with MNE's zero-phase FIR filter, per epoch (filtering
   and the linear inverse commute, so this equals filtering the channels, at a fraction of the
   cost);
3. compute the orthogonalised envelope correlation and the debiased wPLI between regions with
   mne-connectivity (:mod:`.metrics`).

Recordings with fewer EEG channels than ``connectivity.min_channels`` (19 by default, the
10-20 system) are skipped: a handful of electrodes (e.g. 2-channel sleep EEG) cannot separate
cortical sources. The reason is returned as a note for the QC table; the rest of the pipeline
is unaffected.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eegstate.connectivity.inverse import roi_operator
from eegstate.connectivity.metrics import band_connectivity, band_pass
from eegstate.connectivity.roi import band_covariances, pca_flip_filters, roi_time_courses
from eegstate.connectivity.summary import connectivity_table, network_summary
from eegstate.settings import ConnectivitySettings, coerce
from eegstate.tables import CONNECTIVITY_COLUMNS, DMN_SUMMARY_COLUMNS

logger = logging.getLogger(__name__)


@dataclass
class ConnectivityResult:
    """Connectivity of one recording.

    Attributes
    ----------
    connectivity : pandas.DataFrame
        Long table (:data:`eegstate.tables.CONNECTIVITY_COLUMNS`); empty when skipped.
    summary : pandas.DataFrame
        Within-network means (:data:`eegstate.tables.DMN_SUMMARY_COLUMNS`); empty when skipped.
    note : str
        Why the step was skipped ("" when it ran).
    """

    connectivity: pd.DataFrame
    summary: pd.DataFrame
    note: str = ""


def resolve_bands(
    names: list[str] | tuple[str, ...], bands: Mapping[str, Any]
) -> dict[str, tuple[float, float]]:
    """Look up connectivity band names in the band definitions of ``bandpower.bands``.

    Parameters
    ----------
    names : sequence of str
        ``connectivity.bands``.
    bands : mapping
        ``bandpower.bands`` (name -> [low, high] Hz).

    Returns
    -------
    dict
        Name -> (low, high), in the order of ``names``.

    Raises
    ------
    ValueError
        If a name is not a defined band.
    """
    missing = [name for name in names if name not in bands]
    if missing:
        raise ValueError(
            f"connectivity.bands {missing} are not defined in bandpower.bands "
            f"(defined: {', '.join(bands)})"
        )
    return {name: (float(bands[name][0]), float(bands[name][1])) for name in names}


def skipped(note: str) -> ConnectivityResult:
    """Return an empty result with the reason ``note``."""
    return ConnectivityResult(
        connectivity=pd.DataFrame(columns=list(CONNECTIVITY_COLUMNS)),
        summary=pd.DataFrame(columns=list(DMN_SUMMARY_COLUMNS)),
        note=note,
    )


def eeg_channels_with_positions(info: Any) -> list[str]:
    """Return the good EEG channels of ``info`` that have a finite, non-zero position."""
    import mne

    picks = mne.pick_types(info, eeg=True, exclude="bads")
    names = []
    for pick in picks:
        loc = np.asarray(info["chs"][pick]["loc"][:3], float)
        if np.all(np.isfinite(loc)) and np.linalg.norm(loc) > 0:
            names.append(info["ch_names"][pick])
    return names


def recording_connectivity(
    epochs: Any,
    params: ConnectivitySettings,
    identity: Mapping[str, str],
    bands: Mapping[str, tuple[float, float]],
    *,
    cache_dir: str | Path | None = None,
) -> ConnectivityResult:
    """Estimate DMN and control-network connectivity of one recording.

    The inverse kernel includes the average-reference projector, so the result does not
    depend on the reference of ``epochs``.

    Parameters
    ----------
    epochs : mne.Epochs
        Preprocessed, average-referenced epochs with channel positions.
    params : eegstate.settings.ConnectivitySettings
        The ``connectivity`` options (a mapping still works, with a deprecation warning):
        ``enabled``, ``method``, ``inverse``, ``snr``, ``spacing_mm``, ``roi_radius_mm``,
        ``min_channels``, ``metrics``, ``subjects_dir``.
    identity : mapping
        ``subject, session, recording, state`` of the recording.
    bands : mapping
        Band name -> (low, high) Hz (see :func:`resolve_bands`).
    cache_dir : path-like | None
        Folder caching the ROI inverse operator between processes (None: memory only).

    Returns
    -------
    ConnectivityResult
        Tables, or empty tables and a note when the step is disabled or skipped.
    """
    import mne

    params = coerce(ConnectivitySettings, params, "connectivity")
    if not params.enabled:
        return skipped("connectivity disabled (connectivity.enabled is false)")
    channels = eeg_channels_with_positions(epochs.info)
    if len(channels) < int(params.min_channels):
        note = (
            f"connectivity skipped: {len(channels)} EEG channels with positions, fewer than "
            f"connectivity.min_channels = {params.min_channels} (source-space DMN "
            "connectivity needs a whole-head montage)"
        )
        logger.warning("%s: %s", identity["recording"], note)
        return skipped(note)
    if len(epochs) < 2:
        return skipped(f"connectivity skipped: {len(epochs)} epoch (at least 2 needed)")

    start = time.perf_counter()
    info = mne.pick_info(epochs.info, mne.pick_channels(epochs.ch_names, channels, ordered=True))
    operator = roi_operator(info, params, cache_dir)
    if list(operator.ch_names) == list(epochs.ch_names):  # the epochs' own array, not a copy
        data = epochs.get_data(copy=False)
    else:
        data = epochs.get_data(picks=list(operator.ch_names))
    sfreq = float(epochs.info["sfreq"])
    model_done = time.perf_counter()
    covariances = band_covariances(data, sfreq, bands)
    matrices = {}
    for band, limits in bands.items():
        filters = pca_flip_filters(operator, covariances[band])
        regions = band_pass(roi_time_courses(filters, data), sfreq, limits)
        for metric, matrix in band_connectivity(regions, sfreq, limits, params.metrics).items():
            matrices[(band, metric)] = matrix
    table = connectivity_table(matrices, identity)
    if not np.all(np.isfinite(table["value"].to_numpy(float))):
        raise RuntimeError(f"non-finite connectivity values for {identity['recording']}")
    logger.info(
        "%s: connectivity of %d regions, %d bands x %d metrics in %.2f s (operator %.2f s)",
        identity["recording"],
        len(operator.nodes),
        len(bands),
        len(params.metrics),
        time.perf_counter() - start,
        model_done - start,
    )
    return ConnectivityResult(connectivity=table, summary=network_summary(table))
