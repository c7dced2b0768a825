"""Onset, peak and offset of an altered state: change points of the index, and their intervals.

Method
------
1. **Standardise.** ``y = (index - m_b) / s_b`` with ``m_b``, ``s_b`` the median and MAD-based
   SD of the baseline windows' index, so the baseline level is 0 and thresholds are in baseline
   SDs. Windows left out (muscle, rejected epochs) are dropped; the fits use the real times of
   the remaining windows.
2. **Change points.** ruptures' Pelt (Killick et al. 2012; exact for the penalised cost) with
   the l2 (piecewise-constant) cost, ``min_size`` = ``min_segment_s / step_s`` windows and a
   penalty per change point of ``penalty x (window_s / step_s) x log(n)`` squared baseline SDs:
   BIC-like, scaled up by the number of windows sharing each epoch (overlapping windows have
   correlated errors).
3. **Event rule** (the "no event" decision). A segment is *altered* when its mean lies more
   than ``threshold_sd`` baseline SDs above the baseline level (with a model, also at least
   ``min_elevation`` in probability). The run of altered segments with the largest area above
   the threshold is the event if it lasts at least ``min_event_s``; otherwise there is no event.
4. **Times.** A piecewise-constant fit places change points part-way up a gradual ramp, so the
   times come from a continuous trapezoid fitted by least squares to the whole track: baseline
   level 0, a linear rise from the *onset* to the *peak* (the first time the plateau is
   reached), a plateau, and a linear fall to the *offset*; each window sees the trapezoid's
   mean over its span, so the knots are times of the state, not of window centres (knots on
   a grid of half a step, coordinate descent started from the altered run;
   :func:`fit_trapezoid`). A state that has
   not returned by the end has no offset (null); one altered from the first window, no onset.
   A step change is a trapezoid whose rise lasts one window step.
5. **Intervals.** A moving-block bootstrap of the residuals (Künsch 1989): ``n_bootstrap``
   series ``fit + resampled residuals`` (circular blocks of ``bootstrap_block_s``, which keep
   the residuals' autocorrelation), each analysed by steps 2-4; the interval of each time is the
   percentile interval (``report.ci_level``) over the replicates that detect an event, and
   ``event_fraction`` says how many do. Seeded from the master seed and the recording.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import ruptures as rpt

from eegstate.settings import TrackStepSettings
from eegstate.track.index import robust_location_scale

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EventSettings:
    """Settings of the event detection (``track.events``, with window geometry)."""

    penalty: float
    min_segment_s: float
    threshold_sd: float
    min_elevation: float
    min_event_s: float
    n_bootstrap: int
    bootstrap_block_s: float
    window_s: float
    step_s: float
    ci_level: float

    @classmethod
    def from_config(cls, config: TrackStepSettings) -> EventSettings:
        """Settings from the tracking settings (``track`` and ``report.ci_level``)."""
        e, t = config.track.events, config.track
        return cls(
            penalty=e.penalty,
            min_segment_s=e.min_segment_s,
            threshold_sd=e.threshold_sd,
            min_elevation=e.min_elevation,
            min_event_s=e.min_event_s,
            n_bootstrap=e.n_bootstrap,
            bootstrap_block_s=e.bootstrap_block_s,
            window_s=t.window_s,
            step_s=t.step_s,
            ci_level=config.report.ci_level,
        )

    def describe(self) -> dict[str, Any]:
        """The method and its parameters, for ``events.json``."""
        return {
            "change_points": "ruptures.Pelt, l2 cost, index in baseline SDs",
            "penalty": f"{self.penalty:g} x window_s / step_s x log(n windows)",
            "event_times": "least-squares trapezoid (onset, peak, plateau end, offset)",
            "penalty_factor": self.penalty,
            "min_segment_s": self.min_segment_s,
            "threshold_sd": self.threshold_sd,
            "min_elevation": self.min_elevation,
            "min_event_s": self.min_event_s,
            "interval": "moving-block bootstrap of the residuals, percentile interval",
            "n_bootstrap": self.n_bootstrap,
            "bootstrap_block_s": self.bootstrap_block_s,
            "ci_level": self.ci_level,
        }


@dataclass
class Fit:
    """Pelt segmentation and the trapezoid fitted to the altered stretch (standardised units).

    Attributes
    ----------
    bounds : list of int
        Segment boundaries (positions; first 0, last n) of the piecewise-constant Pelt fit.
    means : numpy.ndarray
        Mean of each segment.
    knots : tuple of float or None
        Trapezoid knots ``(onset, peak, plateau_end, offset)`` in seconds, None without event.
    height : float
        Plateau height of the trapezoid.
    """

    bounds: list[int]
    means: np.ndarray
    knots: tuple[float, float, float, float] | None = None
    height: float = 0.0
    sampling: tuple[np.ndarray, np.ndarray] | None = None

    def values(self, times: np.ndarray) -> np.ndarray:
        """The fitted track (as the windows see it): the window-averaged trapezoid when there
        is an event, else the Pelt means."""
        if self.knots is not None:
            return self.height * sampled_trapezoid(np.asarray(self.knots), self.sampling)
        out = np.empty(len(times))
        for k, (a, b) in enumerate(zip(self.bounds[:-1], self.bounds[1:], strict=True)):
            out[a:b] = self.means[k]
        return out


def trapezoid(times: np.ndarray, knots: tuple[float, ...] | np.ndarray) -> np.ndarray:
    """Unit trapezoid: 0, linear to 1 from knot 1 to 2, 1 to knot 3, linear to 0 at knot 4.

    ``knots`` may be an array of shape (..., 4) to evaluate many trapezoids at once.
    """
    k = np.asarray(knots, dtype=float)[..., None]
    t = np.asarray(times, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        rise = np.where(
            k[..., 1, :] > k[..., 0, :],
            (t - k[..., 0, :]) / (k[..., 1, :] - k[..., 0, :]),
            np.where(t >= k[..., 1, :], 1.0, 0.0),
        )
        fall = np.where(
            k[..., 3, :] > k[..., 2, :],
            (k[..., 3, :] - t) / (k[..., 3, :] - k[..., 2, :]),
            np.where(t < k[..., 2, :], 1.0, 0.0),
        )
    return np.clip(np.minimum(rise, fall), 0.0, 1.0)


def pelt_segments(y: np.ndarray, settings: EventSettings) -> tuple[list[int], np.ndarray]:
    """Change points of ``y`` by ruptures' Pelt with the l2 (piecewise-constant) cost."""
    n = y.size
    min_size = max(2, int(np.ceil(settings.min_segment_s / settings.step_s)))
    penalty = settings.penalty * (settings.window_s / settings.step_s) * np.log(max(n, 2))
    bkps = [n]
    if n >= 2 * min_size:
        bkps = rpt.Pelt(model="l2", min_size=min_size, jump=1).fit(y).predict(pen=penalty)
    bounds = [0, *bkps]
    means = np.array([y[a:b].mean() for a, b in itertools.pairwise(bounds)])
    return bounds, means


def window_sampling(
    times: np.ndarray, window_s: float, points: int = 8
) -> tuple[np.ndarray, np.ndarray]:
    """Sampling of complete windows centred at ``times``: ``points`` samples across each.

    Returns ``(sample_times, weights)`` with ``weights`` (n_windows, n_samples) averaging the
    samples of each window (rows sum to 1); see :func:`sampled_trapezoid`.
    """
    offsets = (np.arange(points) + 0.5) / points * window_s - window_s / 2
    samples = (np.asarray(times, dtype=float)[:, None] + offsets[None, :]).ravel()
    weights = np.kron(np.eye(len(times)), np.full((1, points), 1.0 / points))
    return samples, weights


def sampled_trapezoid(knots: np.ndarray, sampling: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """What each window sees of a unit trapezoid state: its mean over the window's samples
    (its clean epochs, in the track). ``knots`` may hold many trapezoids, shape (..., 4)."""
    samples, weights = sampling
    return trapezoid(samples, knots) @ weights.T


def fit_trapezoid(
    y: np.ndarray,
    times: np.ndarray,
    start: tuple[float, float, float, float],
    *,
    window_s: float,
    resolution_s: float,
    sampling: tuple[np.ndarray, np.ndarray],
    sweeps: int = 20,
) -> tuple[tuple[float, float, float, float], float]:
    """Least-squares trapezoid state (baseline level 0) by coordinate descent over the knots.

    The windows' index is modelled as the average of the state over each window's samples
    (:func:`sampled_trapezoid`: the window's clean epochs), so the knots are times of the
    state, not of window centres (a step change then has its onset at the step, not half a
    window earlier). Each knot in turn is moved to the time on a ``resolution_s`` grid (from
    the first window's start to the last window's end) that minimises the residual sum of
    squares with the others fixed, the plateau height being the least-squares scale; until no
    knot moves. ruptures offers no continuous piecewise-linear least-squares cost (its
    ``clinear`` cost joins observed samples, so its kinks follow the noise), hence this
    small search.
    """
    low_end, high_end = times[0] - window_s / 2, times[-1] + window_s / 2
    grid = np.arange(low_end, high_end + resolution_s / 2, resolution_s)
    knots = np.clip(np.array(start, dtype=float), low_end, high_end)

    def sse(candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        shapes = sampled_trapezoid(candidates, sampling)
        norm = (shapes * shapes).sum(axis=1)
        height = np.where(norm > 0, (shapes @ y) / np.where(norm > 0, norm, 1.0), 0.0)
        residual = ((y[None, :] - height[:, None] * shapes) ** 2).sum(axis=1)
        return residual, height

    for _ in range(sweeps):
        moved = False
        for i in range(4):
            low = knots[i - 1] if i > 0 else grid[0]
            high = knots[i + 1] if i < 3 else grid[-1]
            options = grid[(grid >= low - 1e-9) & (grid <= high + 1e-9)]
            if options.size == 0:
                continue
            candidates = np.repeat(knots[None, :], options.size, axis=0)
            candidates[:, i] = options
            residual, _ = sse(candidates)
            best = options[int(np.argmin(residual))]
            if best != knots[i]:
                knots[i], moved = best, True
        if not moved:
            break
    _, height = sse(knots[None, :])
    return (float(knots[0]), float(knots[1]), float(knots[2]), float(knots[3])), float(height[0])


def detect(
    y: np.ndarray,
    times: np.ndarray,
    settings: EventSettings,
    threshold: float,
    sampling: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[dict[str, float | None], Fit]:
    """Event times of one standardised series (steps 2-4 of the module docstring).

    Returns
    -------
    times : dict
        ``onset_s``, ``peak_s``, ``offset_s`` (None without an event; offset None when the
        state has not returned by the end).
    fit : Fit
        The segmentation and the trapezoid.
    """
    bounds, means = pelt_segments(y, settings)
    fit = Fit(bounds, means)
    none: dict[str, float | None] = {"onset_s": None, "peak_s": None, "offset_s": None}
    altered = np.repeat(means > threshold, np.diff(bounds))
    if not altered.any():
        return none, fit
    edges = np.diff(np.concatenate([[0], altered.astype(int), [0]]))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    areas = [float((y[a : b + 1] - threshold).sum()) for a, b in zip(starts, stops, strict=True)]
    best = int(np.argmax(areas))
    first, last = int(starts[best]), int(stops[best])
    if times[last] - times[first] + settings.step_s < settings.min_event_s:
        return none, fit
    span = times[last] - times[first]
    start = (times[first], times[first] + span / 3, times[last] - span / 3, times[last])
    if sampling is None:
        sampling = window_sampling(times, settings.window_s)
    knots, height = fit_trapezoid(
        y,
        times,
        start,
        window_s=settings.window_s,
        resolution_s=settings.step_s / 2,
        sampling=sampling,
    )
    fit.knots, fit.height, fit.sampling = knots, height, sampling
    if height <= threshold:
        return none, fit
    first_start, last_end = times[0] - settings.window_s / 2, times[-1] + settings.window_s / 2
    return {
        "onset_s": knots[0] if knots[0] > first_start + 1e-6 else None,
        "peak_s": knots[1],
        "offset_s": knots[3] if knots[3] < last_end - 1e-6 else None,
    }, fit


def _block_bootstrap(residuals: np.ndarray, block: int, rng: np.random.Generator) -> np.ndarray:
    """Circular moving-block resample of ``residuals`` (same length)."""
    n = residuals.size
    block = int(np.clip(block, 1, n))
    starts = rng.integers(0, n, size=int(np.ceil(n / block)))
    positions = (starts[:, None] + np.arange(block)[None, :]).ravel()[:n] % n
    return residuals[positions]


@dataclass
class EventResult:
    """Detected event with intervals, the fitted track and the standardisation."""

    events: dict[str, Any]
    fitted: np.ndarray
    change_points_s: list[float]
    level: float
    scale: float
    threshold: float


def detect_events(
    index: np.ndarray,
    times: np.ndarray,
    baseline: np.ndarray,
    settings: EventSettings,
    *,
    seed: int,
    probability: bool = False,
    sampling: tuple[np.ndarray, np.ndarray] | None = None,
) -> EventResult:
    """Events of an index track with bootstrap intervals (module docstring).

    Parameters
    ----------
    index : numpy.ndarray
        Index per window (NaN where left out).
    times : numpy.ndarray
        Window times (s, centres).
    baseline : numpy.ndarray of bool
        Windows of the baseline segment.
    settings : EventSettings
        Detection settings.
    seed : int
        Seed of the bootstrap.
    probability : bool
        The index is a probability (``min_elevation`` applies).
    sampling : (sample_times, weights), optional
        Which times each window averages (rows of ``weights`` per window, all windows); by
        default evenly across each complete window (:func:`window_sampling`).

    Returns
    -------
    EventResult
        ``events`` holds ``onset_s, peak_s, offset_s`` with ``_low``/``_high``,
        ``event_fraction``, ``n_bootstrap``; ``fitted`` the fitted index per window (original
        units, NaN where left out).
    """
    valid = np.isfinite(index)
    reference = valid & baseline
    level, scale = robust_location_scale(index[reference])
    if not np.isfinite(scale) or scale <= 0:
        values = index[reference]
        scale = float(np.std(values)) if values.size > 1 else 0.0
        if scale <= 0:
            scale = max(1e-3, settings.min_elevation / max(settings.threshold_sd, 1.0))
        logger.warning(
            "the index does not vary over the baseline windows; its SD is set to %g", scale
        )
    threshold = settings.threshold_sd
    if probability:
        threshold = max(threshold, settings.min_elevation / scale)
    t, y = times[valid], (index[valid] - level) / scale
    if sampling is None:
        sampling = window_sampling(times, settings.window_s)
    sampling = (sampling[0], sampling[1][valid])
    point, fit = detect(y, t, settings, threshold, sampling)
    fitted_y = fit.values(t)
    fitted = np.full(index.shape, np.nan)
    fitted[valid] = level + scale * fitted_y
    events: dict[str, Any] = {}
    replicates: list[dict[str, float | None]] = []
    if settings.n_bootstrap > 0 and y.size >= 3:
        rng = np.random.default_rng(seed)
        residuals = y - fitted_y
        block = int(np.ceil(settings.bootstrap_block_s / settings.step_s))
        for _ in range(settings.n_bootstrap):
            star = fitted_y + _block_bootstrap(residuals, block, rng)
            replicates.append(detect(star, t, settings, threshold, sampling)[0])
    with_event = [r for r in replicates if r["peak_s"] is not None]
    alpha = 1.0 - settings.ci_level
    for key in ("onset_s", "peak_s", "offset_s"):
        events[key] = point[key]
        values = np.array([r[key] for r in with_event if r[key] is not None], dtype=float)
        if point[key] is not None and values.size:
            low, high = np.quantile(values, [alpha / 2, 1 - alpha / 2])
            events[f"{key}_low"], events[f"{key}_high"] = float(low), float(high)
        else:
            events[f"{key}_low"] = events[f"{key}_high"] = None
    events["event_fraction"] = len(with_event) / len(replicates) if replicates else None
    events["n_bootstrap"] = len(replicates)
    events["_replicates"] = replicates
    return EventResult(
        events=events,
        fitted=fitted,
        change_points_s=[float(0.5 * (t[b - 1] + t[b])) for b in fit.bounds[1:-1]],
        level=float(level),
        scale=float(scale),
        threshold=float(level + scale * threshold),
    )
