"""Spectral shapes and FFT synthesis of Gaussian noise with a prescribed power spectrum.

Every simulated source is stationary Gaussian noise synthesised in the frequency domain: the
one-sided power spectral density ``S(f)`` (units²/Hz) at the rFFT bins ``f_k = k·sfreq/n`` is
turned into complex Gaussian Fourier coefficients with ``E|X_k|² = S(f_k)·sfreq·n/2`` and
inverted with ``numpy.fft.irfft``. The time series then has variance ``Σ_k S(f_k)·Δf`` and its
expected periodogram at ``f_k`` is exactly ``S(f_k)``, so the expected sensor spectrum of the
simulation is known exactly (DC and Nyquist bins are set to zero).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

#: Pivot of the aperiodic rotation (Hz): the 1/f spectrum keeps its value here when the exponent
#: changes, so theta-band background power is nearly unchanged.
APERIODIC_PIVOT_HZ = 6.0
#: Below this frequency (Hz) the aperiodic spectrum is flat (finite power at low frequencies).
APERIODIC_FLOOR_HZ = 0.5


@dataclass(frozen=True)
class FrequencyGrid:
    """rFFT frequency grid of a recording.

    Attributes
    ----------
    n_samples : int
        Number of time samples.
    sfreq : float
        Sampling rate (Hz).
    """

    n_samples: int
    sfreq: float

    @property
    def freqs(self) -> np.ndarray:
        """Bin frequencies (Hz), ``numpy.fft.rfftfreq``."""
        return np.fft.rfftfreq(self.n_samples, 1.0 / self.sfreq)

    @property
    def df(self) -> float:
        """Bin spacing (Hz)."""
        return self.sfreq / self.n_samples

    @property
    def mask(self) -> np.ndarray:
        """1.0 for bins carrying power, 0.0 for DC and (even ``n``) Nyquist."""
        m = np.ones(self.n_samples // 2 + 1)
        m[0] = 0.0
        if self.n_samples % 2 == 0:
            m[-1] = 0.0
        return m


def aperiodic_shape(freqs: np.ndarray, exponent: float) -> np.ndarray:
    """Return the 1/f^χ shape, equal to 1 at ``APERIODIC_PIVOT_HZ``.

    Parameters
    ----------
    freqs : ndarray
        Frequencies (Hz).
    exponent : float
        Aperiodic exponent χ (power ∝ f^-χ); changing it rotates the spectrum about the pivot.

    Returns
    -------
    ndarray
        ``(max(f, APERIODIC_FLOOR_HZ) / APERIODIC_PIVOT_HZ) ** -exponent``.
    """
    f = np.maximum(np.asarray(freqs, float), APERIODIC_FLOOR_HZ)
    return (f / APERIODIC_PIVOT_HZ) ** (-float(exponent))


def gaussian_peak(freqs: np.ndarray, centre: float, sd: float) -> np.ndarray:
    """Return a Gaussian spectral peak ``exp(-(f - centre)² / (2 sd²))`` (peak value 1)."""
    f = np.asarray(freqs, float)
    return np.exp(-0.5 * ((f - centre) / sd) ** 2)


def band_limited(freqs: np.ndarray, low: float, high: float, taper: float = 0.5) -> np.ndarray:
    """Return a flat band [low, high) with raised-cosine edges of width ``taper`` inside the band.

    Parameters
    ----------
    freqs : ndarray
        Frequencies (Hz).
    low, high : float
        Band edges (Hz); the shape is zero outside.
    taper : float
        Width (Hz) of the cosine ramps at each edge.

    Returns
    -------
    ndarray
        Shape with plateau value 1.
    """
    f = np.asarray(freqs, float)
    out = np.zeros_like(f)
    inside = (f >= low) & (f < high)
    out[inside] = 1.0
    up = inside & (f < low + taper)
    out[up] = 0.5 - 0.5 * np.cos(np.pi * (f[up] - low) / taper)
    down = inside & (f > high - taper)
    out[down] = 0.5 - 0.5 * np.cos(np.pi * (high - f[down]) / taper)
    return out


def unit_variance(shape: np.ndarray, grid: FrequencyGrid) -> np.ndarray:
    """Scale a (masked) shape so that the process it describes has variance 1."""
    s = np.asarray(shape, float) * grid.mask
    total = s.sum() * grid.df
    if total <= 0:
        raise ValueError("Spectral shape has no power on the frequency grid.")
    return s / total


def complex_white(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Return circular complex Gaussian noise with ``E|z|² = 1``."""
    z = rng.standard_normal((2, *shape))
    return (z[0] + 1j * z[1]) * np.sqrt(0.5)


def synthesis_amplitude(psd: np.ndarray, grid: FrequencyGrid) -> np.ndarray:
    """Return the Fourier amplitude ``sqrt(S·sfreq·n/2)`` that realises a one-sided PSD ``S``."""
    return np.sqrt(np.asarray(psd, float) * grid.mask * grid.sfreq * grid.n_samples / 2.0)


def band_masks(grid: FrequencyGrid, bands: Mapping[str, tuple[float, float]]) -> np.ndarray:
    """Return integration weights, shape (n_bands, n_freqs): ``Δf`` inside [low, high), else 0."""
    f = grid.freqs
    return np.array([((f >= lo) & (f < hi)) * grid.df for lo, hi in bands.values()])
