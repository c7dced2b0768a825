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
* Muscle (EMG) bursts: Poisson onsets at ``muscle_bursts_per_min``, 1-5 s long with
  raised-cosine edges, broadband noise from 20 Hz up to 0.45 x the sampling rate (EMG is
  broadband and extends well above the gamma band; Whitham et al. 2007, Clin Neurophysiol
  118:1877), independent per channel, strongest over the temporalis and frontalis muscles
  (a field decaying as ``exp(-d / 0.05 m)`` from points beside T7/T8 and above Fp1/Fp2),
  scaled so its RMS at the most affected channel is ``muscle_amplitude_uv``.
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
#: Points (head frame, m) of the muscles whose activity scalp EEG picks up most: left and
#: right temporalis (beside T7/T8) and frontalis (above Fp1/Fp2).
MUSCLE_POSITIONS_M: np.ndarray = np.array(
    [[-0.085, 0.0, 0.0], [0.085, 0.0, 0.0], [-0.03, 0.09, 0.03], [0.03, 0.09, 0.03]]
)
#: Spatial decay length of the muscle field (m).
MUSCLE_DECAY_M = 0.05
#: Muscle burst duration range (s).
MUSCLE_DURATION_S: tuple[float, float] = (1.0, 5.0)
#: Lower edge (Hz) of the muscle noise band.
MUSCLE_LOW_HZ = 20.0


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


def muscle_topography(head: HeadModel) -> np.ndarray:
    """Relative muscle-noise amplitude of each channel (1 = most affected channel)."""
    pos = np.asarray(head.ch_pos)
    d = np.linalg.norm(pos[:, None, :] - MUSCLE_POSITIONS_M[None, :, :], axis=2)
    field = np.exp(-d / MUSCLE_DECAY_M).sum(axis=1)
    return field / field.max()


def muscle_noise(
    n_times: int,
    head: HeadModel,
    sfreq: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Broadband muscle noise (n_channels, n_times), unit RMS at the most affected channel."""
    from scipy.signal import butter, sosfiltfilt

    high = 0.45 * sfreq
    sos = butter(4, [MUSCLE_LOW_HZ, high], btype="bandpass", fs=sfreq, output="sos")
    noise = sosfiltfilt(sos, rng.standard_normal((len(head.channels), n_times)), axis=1)
    noise /= noise.std(axis=1, keepdims=True)
    return noise * muscle_topography(head)[:, None]


def add_muscle_bursts(
    data: np.ndarray,
    head: HeadModel,
    sfreq: float,
    rate_per_min: float,
    amplitude_uv: float,
    rng: np.random.Generator,
    *,
    bursts: list[tuple[float, float]] | None = None,
) -> dict[str, Any]:
    """Add bursts of muscle (EMG) artefact to ``data`` (n_channels, n_times) in place.

    Parameters
    ----------
    data : numpy.ndarray
        Recording (volts), modified in place.
    head : HeadModel
        Template head (channel positions).
    sfreq : float
        Sampling rate (Hz).
    rate_per_min : float
        Poisson rate of bursts (ignored when ``bursts`` is given).
    amplitude_uv : float
        RMS at the most affected channel during a burst (µV).
    rng : numpy.random.Generator
        Source of randomness.
    bursts : list of (onset_s, duration_s), optional
        Explicit bursts (e.g. a whole recording: ``[(0, duration)]``).

    Returns
    -------
    dict
        ``count``, ``onsets_s``, ``durations_s`` and ``amplitude_uv``.
    """
    n_times = data.shape[1]
    duration = n_times / sfreq
    if bursts is None:
        count = int(rng.poisson(rate_per_min / 60.0 * duration)) if amplitude_uv > 0 else 0
        lengths = rng.uniform(*MUSCLE_DURATION_S, size=count)
        onsets = np.sort(rng.uniform(0.0, max(duration - MUSCLE_DURATION_S[1], 0.0), size=count))
        bursts = list(zip(onsets.tolist(), lengths.tolist(), strict=True))
    if bursts and amplitude_uv > 0:
        noise = muscle_noise(n_times, head, sfreq, rng) * amplitude_uv * 1e-6
        envelope = np.zeros(n_times)
        for onset, length in bursts:
            start, stop = round(onset * sfreq), min(round((onset + length) * sfreq), n_times)
            ramp = max(min(round(0.1 * sfreq), (stop - start) // 2), 1)
            shape = np.ones(stop - start)
            edge = 0.5 - 0.5 * np.cos(np.pi * np.arange(ramp) / ramp)
            shape[:ramp], shape[-ramp:] = edge, edge[::-1]
            envelope[start:stop] = np.maximum(envelope[start:stop], shape)
        data += noise * envelope[None, :]
    return {
        "count": len(bursts),
        "onsets_s": [round(float(on), 4) for on, _ in bursts],
        "durations_s": [round(float(d), 4) for _, d in bursts],
        "amplitude_uv": float(amplitude_uv),
    }
