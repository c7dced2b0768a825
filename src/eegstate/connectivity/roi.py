"""Region-of-interest time courses: sign-flipped first principal component of each region.

Each region's time course is MNE's ``pca_flip`` summary (:func:`mne.extract_label_time_course`):
the first principal component of the time courses of its sources (all grid points and
orientations in the volume model, vertex normals on the surface), sign-flipped by
``sign(u · flip)`` so that the component agrees with the region's reference orientation, and
scaled so that its power is the mean per-source power. The first component of a region is the
usual ROI summary for source connectivity (Colclough et al. 2016, NeuroImage 138:284).

It is computed per frequency band, so that each band uses its own dominant source orientation,
and through covariances: with ``K`` the region's kernel rows and ``S`` the band-limited sensor
covariance (:func:`band_covariances`), the source covariance is ``K S Kᵀ``; its leading
eigenvector ``u`` gives the region's spatial filter ``w = sign · scale · uᵀ K``. This is
algebraically the ``pca_flip`` component of the band-limited source time courses (same
direction, sign and scale) without materialising them, which keeps a recording at about a
second.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from eegstate.connectivity.inverse import RoiOperator


def band_covariances(
    data: np.ndarray, sfreq: float, bands: Mapping[str, tuple[float, float]]
) -> dict[str, np.ndarray]:
    """Return the band-limited sensor covariance of each band (up to a common scale).

    The real part of the sensor cross-spectral density summed over the frequency bins of a
    band is the covariance of the band-limited data (Parseval). The CSD is MNE's
    :func:`mne.time_frequency.csd_array_fourier` over all epochs, computed once for all bands.

    Parameters
    ----------
    data : ndarray, shape (n_epochs, n_channels, n_times)
        Epoched channel data.
    sfreq : float
        Sampling rate (Hz).
    bands : mapping
        Band name -> (low, high) Hz.

    Returns
    -------
    dict
        Band name -> real symmetric (n_channels, n_channels) matrix.
    """
    import mne

    lows = [float(low) for low, _ in bands.values()]
    highs = [float(high) for _, high in bands.values()]
    csd = mne.time_frequency.csd_array_fourier(
        data, sfreq, fmin=min(lows), fmax=max(highs), verbose="error"
    )
    summed = csd.sum(fmin=lows, fmax=highs)
    return {name: np.real(summed.get_data(index=i)) for i, name in enumerate(bands)}


def pca_flip_filters(operator: RoiOperator, covariance: np.ndarray) -> np.ndarray:
    """Return one spatial filter per region: its ``pca_flip`` time course from the channels.

    Parameters
    ----------
    operator : RoiOperator
        Kernel rows and flip references of the regions.
    covariance : ndarray, shape (n_channels, n_channels)
        Sensor covariance of the data the filters will be applied to.

    Returns
    -------
    ndarray, shape (n_regions, n_channels)
        Filters; ``filters @ x`` gives the region time courses of channel data ``x``.
    """
    filters = np.empty((len(operator.kernels), covariance.shape[0]))
    for index, (kernel, flip) in enumerate(zip(operator.kernels, operator.flips, strict=True)):
        source_cov = kernel @ covariance @ kernel.T
        eigvals, eigvecs = np.linalg.eigh(source_cov)
        first, power = eigvecs[:, -1], max(float(eigvals[-1]), np.finfo(float).tiny)
        sign = np.sign(first @ flip) or 1.0
        scale = np.sqrt(max(float(np.trace(source_cov)), 0.0) / (power * len(source_cov)))
        filters[index] = sign * scale * (first @ kernel)
    return filters


def roi_time_courses(filters: np.ndarray, data: np.ndarray) -> np.ndarray:
    """Apply region filters to epoched channel data.

    Parameters
    ----------
    filters : ndarray, shape (n_regions, n_channels)
        From :func:`pca_flip_filters`.
    data : ndarray, shape (n_epochs, n_channels, n_times)
        Channel data (same channel order as the operator).

    Returns
    -------
    ndarray, shape (n_epochs, n_regions, n_times)
        Region time courses (A·m).
    """
    return np.einsum("rc,ect->ert", filters, data)
