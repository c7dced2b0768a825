"""Sensor-level artefacts of the simulated recordings (all in volts, added in place).

* Eye blinks: Poisson onsets at ``blink_rate_per_min``, a smooth raised-cosine waveform of
  200-400 ms, and a frontal topography decaying as ``exp(-d / 0.04 m)`` with the distance ``d``
  from two points in front of the eyes, scaled so the mean peak at Fp1/Fp2 is
  ``blink_amplitude_uv`` (±20 % per blink).
* Line noise: a sinusoid at ``line_freq`` on every channel, per-channel amplitude around
  ``line_noise_uv`` (log-normal, σ = 0.25) and slightly different phases; the third harmonic
  (20 %) is added when it is below Nyquist.
* A noisy channel: with probability ``noisy_channel_probability`` one random channel gets white
  broadband noise with a standard deviation 5-10 times the median channel standard deviation.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from eegstate.simulate.head import HeadModel

logger = logging.getLogger(__name__)

#: Points (head frame, m) in front of the left and right eye, origin of the blink field.
EYE_POSITIONS_M: np.ndarray = np.array([[-0.03, 0.10, -0.02], [0.03, 0.10, -0.02]])
#: Spatial decay length of the blink field (m).
BLINK_DECAY_M = 0.04
#: Blink duration range (s).
BLINK_DURATION_S: tuple[float, float] = (0.2, 0.4)
#: Range of the noisy channel's standard deviation relative to the median channel.
NOISY_STD_FACTOR: tuple[float, float] = (5.0, 10.0)


def _field(pos: np.ndarray) -> np.ndarray:
    d = np.linalg.norm(pos[:, None, :] - EYE_POSITIONS_M[None, :, :], axis=2)
    return np.exp(-d / BLINK_DECAY_M).sum(axis=1)


def blink_topography(head: HeadModel) -> np.ndarray:
    """Return the blink amplitude of each channel, 1 = mean of Fp1 and Fp2.

    Parameters
    ----------
    head : HeadModel
        Template head (the Fp1/Fp2 montage positions normalise the field even when those
        channels are not recorded).

    Returns
    -------
    ndarray, shape (n_channels,)
        Relative blink amplitude.
    """
    ref = np.array([head.montage_positions["Fp1"], head.montage_positions["Fp2"]])
    return _field(np.asarray(head.ch_pos)) / _field(ref).mean()


def add_blinks(
    data: np.ndarray,
    head: HeadModel,
    sfreq: float,
    rate_per_min: float,
    amplitude_uv: float,
    rng: np.random.Generator,
) -> dict[str, Any]:
    """Add eye blinks to ``data`` (n_channels, n_times) in place.

    Returns
    -------
    dict
        ``count``, ``onsets_s``, ``durations_s``, ``peak_uv`` (at Fp1/Fp2) per blink.
    """
    n_times = data.shape[1]
    duration = n_times / sfreq
    count = int(rng.poisson(rate_per_min / 60.0 * duration)) if amplitude_uv > 0 else 0
    durations = rng.uniform(*BLINK_DURATION_S, size=count)
    onsets = np.sort(rng.uniform(0.0, duration - BLINK_DURATION_S[1], size=count))
    peaks = amplitude_uv * rng.uniform(0.8, 1.2, size=count)
    topo = blink_topography(head) * 1e-6
    for onset, dur, peak in zip(onsets, durations, peaks, strict=True):
        start = round(onset * sfreq)
        length = max(round(dur * sfreq), 2)
        wave = np.sin(np.pi * np.arange(length) / (length - 1)) ** 2 * peak
        stop = min(start + length, n_times)
        data[:, start:stop] += topo[:, None] * wave[None, : stop - start]
    return {
        "count": count,
        "onsets_s": [round(float(v), 4) for v in onsets],
        "durations_s": [round(float(v), 4) for v in durations],
        "peak_uv": [round(float(v), 2) for v in peaks],
    }


def add_line_noise(
    data: np.ndarray,
    channels: tuple[str, ...] | list[str],
    sfreq: float,
    line_freq: float,
    amplitude_uv: float,
    rng: np.random.Generator,
) -> dict[str, Any]:
    """Add mains interference to ``data`` in place.

    Returns
    -------
    dict
        ``line_freq``, ``harmonics_hz`` and per-channel ``amplitude_uv`` of the fundamental.
    """
    n_ch, n_times = data.shape
    t = np.arange(n_times) / sfreq
    amps = amplitude_uv * np.exp(0.25 * rng.standard_normal(n_ch))
    phases = rng.uniform(0, 2 * np.pi) + 0.3 * rng.standard_normal(n_ch)
    harmonics = [(1, 1.0), (3, 0.2)]
    used = []
    for h, rel in harmonics:
        f = h * line_freq
        if f >= sfreq / 2 - 1:
            continue
        used.append(f)
        arg = 2 * np.pi * f * t[None, :] + h * phases[:, None]
        data += (rel * amps * 1e-6)[:, None] * np.sin(arg)
    return {
        "line_freq": float(line_freq),
        "harmonics_hz": used,
        "amplitude_uv": {ch: round(float(a), 3) for ch, a in zip(channels, amps, strict=True)},
    }


def add_noisy_channel(
    data: np.ndarray,
    channels: tuple[str, ...] | list[str],
    probability: float,
    rng: np.random.Generator,
) -> dict[str, Any]:
    """With ``probability``, add strong white noise to one random channel of ``data`` in place.

    The noise standard deviation is 5-10 times the median standard deviation of the
    average-referenced channels of ``data`` (call before adding other artefacts).

    Returns
    -------
    dict
        ``noisy_channel`` (name or None), ``std_factor`` and ``noise_std_uv``.
    """
    draw = rng.random()
    idx = int(rng.integers(len(channels)))
    factor = float(rng.uniform(*NOISY_STD_FACTOR))
    if draw >= probability:
        return {"noisy_channel": None, "std_factor": None, "noise_std_uv": None}
    ref_std = float(np.median((data - data.mean(axis=0, keepdims=True)).std(axis=1)))
    std = factor * ref_std
    data[idx] += std * rng.standard_normal(data.shape[1])
    return {
        "noisy_channel": channels[idx],
        "std_factor": round(factor, 3),
        "noise_std_uv": round(std * 1e6, 3),
    }
