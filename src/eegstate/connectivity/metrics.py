"""Leakage-robust connectivity metrics of region time courses (mne-connectivity).

Both metrics ignore zero-lag coupling, which after source reconstruction is dominated by
spatial leakage between nearby regions:

``aec_orth``
    Orthogonalised amplitude-envelope correlation (Hipp et al. 2012, Nat Neurosci 15:884;
    :func:`mne_connectivity.envelope_correlation` with ``orthogonalize="pairwise"``, the two
    orthogonalisation directions averaged). The most test-retest-reliable leakage-corrected
    metric in Colclough et al. 2016 (NeuroImage 138:284). Computed as a static correlation over
    the whole recording: band-pass each epoch (MNE FIR, zero phase), take the analytic signal
    per epoch (so no filter or Hilbert transform crosses an epoch boundary), then correlate the
    envelopes of all kept epochs together, which keeps envelope co-fluctuations slower than an
    epoch. Correlations are kept signed (``absolute=False``): taking absolute values adds a
    positive noise floor that grows as recordings get shorter, which would bias a comparison
    of states whose recordings keep different numbers of clean epochs.
``dwpli``
    Debiased weighted phase-lag index (Vinck et al. 2011, NeuroImage 55:1548;
    :func:`mne_connectivity.spectral_connectivity_epochs`, ``method="wpli2_debiased"``,
    multitaper cross-spectra per epoch, averaged over the frequency bins of the band with
    ``faverage=True``). An unbiased estimator of squared wPLI: near 0 without coupling (it can
    be slightly negative), up to 1.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Metric names, as written in the ``metric`` column.
METRICS: tuple[str, ...] = ("aec_orth", "dwpli")


def band_pass(data: np.ndarray, sfreq: float, band: Sequence[float]) -> np.ndarray:
    """Band-pass each epoch with MNE's default zero-phase FIR filter.

    Parameters
    ----------
    data : ndarray, shape (n_epochs, n_signals, n_times)
        Epoched signals.
    sfreq : float
        Sampling rate (Hz).
    band : (float, float)
        Pass band ``[low, high]`` in Hz.

    Returns
    -------
    ndarray
        Filtered copy, same shape.
    """
    import mne

    return mne.filter.filter_data(
        data, sfreq, float(band[0]), float(band[1]), n_jobs=None, verbose="error"
    )


def aec_orth(band_data: np.ndarray) -> np.ndarray:
    """Orthogonalised amplitude-envelope correlation over all epochs.

    Parameters
    ----------
    band_data : ndarray, shape (n_epochs, n_signals, n_times)
        Band-limited signals (see :func:`band_pass`).

    Returns
    -------
    ndarray, shape (n_signals, n_signals)
        Symmetric matrix with zeros on the diagonal.
    """
    from mne_connectivity import envelope_correlation
    from scipy.signal import hilbert

    n_signals = band_data.shape[1]
    # the per-epoch analytic signal is freed once concatenated (memory)
    continuous = hilbert(band_data, axis=-1).transpose(1, 0, 2).reshape(n_signals, -1)
    continuous = continuous[np.newaxis]
    conn = envelope_correlation(
        continuous, orthogonalize="pairwise", absolute=False, verbose="error"
    )
    matrix = np.asarray(conn.get_data(output="dense"))[0].reshape(n_signals, n_signals)
    np.fill_diagonal(matrix, 0.0)
    return matrix


def dwpli(data: np.ndarray, sfreq: float, band: Sequence[float]) -> np.ndarray:
    """Debiased weighted phase-lag index averaged over the band.

    Parameters
    ----------
    data : ndarray, shape (n_epochs, n_signals, n_times)
        Epoched signals (at least two epochs).
    sfreq : float
        Sampling rate (Hz).
    band : (float, float)
        Frequency range ``[low, high]`` (Hz) whose bins are averaged.

    Returns
    -------
    ndarray, shape (n_signals, n_signals)
        Symmetric matrix with zeros on the diagonal.
    """
    from mne_connectivity import spectral_connectivity_epochs

    conn = spectral_connectivity_epochs(
        data,
        method="wpli2_debiased",
        sfreq=sfreq,
        mode="multitaper",
        fmin=float(band[0]),
        fmax=float(band[1]),
        faverage=True,
        verbose="error",
    )
    lower = np.asarray(conn.get_data(output="dense"))[..., 0]
    matrix = lower + lower.T
    np.fill_diagonal(matrix, 0.0)
    return matrix


def band_connectivity(
    data: np.ndarray, sfreq: float, band: Sequence[float], metrics: Sequence[str]
) -> dict[str, np.ndarray]:
    """Compute the requested metrics of band-limited region time courses.

    Parameters
    ----------
    data : ndarray, shape (n_epochs, n_signals, n_times)
        Region time courses, already band-pass filtered to ``band``.
    sfreq : float
        Sampling rate (Hz).
    band : (float, float)
        The band (Hz).
    metrics : sequence of str
        Names from :data:`METRICS`.

    Returns
    -------
    dict
        Metric name -> symmetric (n_signals, n_signals) matrix.
    """
    unknown = sorted(set(metrics) - set(METRICS))
    if unknown:
        raise ValueError(f"unknown connectivity metrics {unknown}; use {', '.join(METRICS)}")
    out = {}
    for metric in metrics:
        if metric == "aec_orth":
            out[metric] = aec_orth(data)
        else:
            out[metric] = dwpli(data, sfreq, band)
    return out
