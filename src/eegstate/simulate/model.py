"""Generative model of one simulated subject: source components, their spectra and couplings.

A recording is the sum of independent components, each a set of fixed dipoles of the template
head (:mod:`eegstate.simulate.head`) driven by Gaussian noise with a known spectrum
(:mod:`eegstate.simulate.spectra`), plus white sensor noise:

================  ==================================================================
aperiodic         ``N_BACKGROUND`` dipoles, independent, PSD ∝ 1/f^χ (χ per subject)
alpha_occipital   left/right calcarine/cuneus, Gaussian peak at the subject's alpha
alpha_parietal    left/right superior parietal, same peak
theta_frontal     dorsal ACC / medial PFC, Gaussian peak near 6 Hz
delta             frontal/central dipoles, band-limited 1-4 Hz
gamma             left/right temporal + medial frontal dipoles, band-limited 30-45 Hz
dmn               PCC, mPFC, lAG, rAG; alpha-band, coupled (shared delayed signal)
control           lM1, rM1; mu-band, coupled equally in both states
sensor_noise      white, independent per channel
================  ==================================================================

Coupled networks follow ``node_i = sqrt(c)·shared(t - lag_i) + sqrt(1 - c)·own_i(t)``: node
power does not depend on ``c``, the coherency between nodes i and j is ``c·exp(-2πif(lag_i -
lag_j))``, so phase-lag based metrics (wPLI, orthogonalised envelope correlation) see it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from eegstate.simulate.head import HeadModel
from eegstate.simulate.spectra import (
    FrequencyGrid,
    aperiodic_shape,
    band_limited,
    complex_white,
    gaussian_peak,
    synthesis_amplitude,
    unit_variance,
)

logger = logging.getLogger(__name__)

#: The two states of the model (file labels are chosen by the caller).
STATES: tuple[str, str] = ("baseline", "target")
#: Components whose power is re-scaled in the target state to plant the band effects.
CALIBRATED: tuple[str, ...] = (
    "alpha_occipital",
    "alpha_parietal",
    "theta_frontal",
    "delta",
    "gamma",
)
#: Lag (s) of the shared signal at each DMN node (all pairwise lags are non-zero).
DMN_LAGS_S: dict[str, float] = {"PCC": 0.0, "lAG": 0.008, "rAG": 0.016, "mPFC": 0.024}
#: Lag (s) of the shared signal at each control node.
CONTROL_LAGS_S: dict[str, float] = {"lM1": 0.0, "rM1": 0.010}
#: Shared-signal fraction of the control network, identical in both states.
CONTROL_COUPLING = 0.5
#: Seed-sequence keys: head (fixed template), subject parameters, recordings.
KEY_SUBJECT = 1
KEY_RECORDING = 2

_UV2 = 1e-12  # µV² -> V²


@dataclass(frozen=True)
class Component:
    """One source component: dipoles sharing a spectrum (and optionally a coupling).

    Attributes
    ----------
    name : str
        Component name.
    columns : ndarray of int
        Source indices in the head model (ignored for ``sensor_noise``).
    psd : ndarray, shape (n_freqs,)
        One-sided PSD of each source ((A·m)²/Hz, or V²/Hz for sensor noise).
    coupling : float | None
        Shared-signal fraction ``c`` of a coupled network, None for independent sources.
    lags_s : ndarray | None
        Lag of the shared signal at each source (s).
    """

    name: str
    columns: np.ndarray
    psd: np.ndarray
    coupling: float | None = None
    lags_s: np.ndarray | None = None

    def gain(self, head: HeadModel, *, average: bool) -> np.ndarray:
        """Return the gain (n_channels, n_sources), average-referenced if ``average``."""
        if self.name == "sensor_noise":
            n = len(head.channels)
            eye = np.eye(n)
            return eye - 1.0 / n if average else eye
        g = head.gain_avg if average else head.gain
        return g[:, self.columns]

    def expected_psd(self, head: HeadModel, grid: FrequencyGrid) -> np.ndarray:
        """Return the expected average-referenced sensor PSD (V²/Hz), shape (n_ch, n_freqs)."""
        g = self.gain(head, average=True)
        own = (g**2).sum(axis=1)[:, None] * self.psd[None, :]
        if self.coupling is None:
            return own
        c = self.coupling
        phase = np.exp(-2j * np.pi * np.outer(self.lags_s, grid.freqs))
        shared = np.abs(g @ phase) ** 2 * self.psd[None, :]
        return c * shared + (1.0 - c) * own

    def synthesize(
        self, head: HeadModel, grid: FrequencyGrid, rng: np.random.Generator
    ) -> np.ndarray:
        """Return the reference-free sensor spectrum (n_ch, n_freqs) of one realisation."""
        g = self.gain(head, average=False)
        amp = synthesis_amplitude(self.psd, grid)
        n_src, n_freq = g.shape[1], amp.size
        if self.coupling is None:
            out = np.zeros((g.shape[0], n_freq), complex)
            for start in range(0, n_src, 50):  # bounded memory for the background
                block = complex_white(rng, (min(50, n_src - start), n_freq))
                out += g[:, start : start + 50] @ block
            return out * amp
        shared = complex_white(rng, (1, n_freq))
        own = complex_white(rng, (n_src, n_freq))
        delay = np.exp(-2j * np.pi * np.outer(self.lags_s, grid.freqs))
        x = np.sqrt(self.coupling) * shared * delay + np.sqrt(1.0 - self.coupling) * own
        return (g @ x) * amp


@dataclass
class SubjectModel:
    """Parameters of one simulated subject, calibrated for both states.

    Attributes
    ----------
    index : int
        Subject number (1-based); seeds derive from it.
    label : str
        Subject label (zero-padded).
    grid : FrequencyGrid
        Frequency grid of the recordings.
    traits : dict
        Subject-specific draws (alpha peak, widths, sensor-level powers in µV², exponent, ...).
    source_power : dict
        Per-source power of every component in baseline ((A·m)², V² for sensor noise, PSD at the
        pivot for the aperiodic background).
    exponent : dict
        Aperiodic exponent per state.
    coupling : dict
        DMN shared-signal fraction per state.
    scales : dict
        Per state, power scale of each calibrated component (baseline: all 1).
    expected : dict
        Filled by :func:`eegstate.simulate.calibrate.calibrate_subject`: per state, the expected
        average-referenced band power per channel (V²), shape (n_channels, n_bands).
    """

    index: int
    label: str
    grid: FrequencyGrid
    traits: dict[str, float]
    source_power: dict[str, float]
    exponent: dict[str, float]
    coupling: dict[str, float]
    scales: dict[str, dict[str, float]] = field(default_factory=dict)
    expected: dict[str, np.ndarray] = field(default_factory=dict)

    def components(
        self, state: str, head: HeadModel, scales: dict[str, float] | None = None
    ) -> list[Component]:
        """Return the components of ``state`` (``scales`` overrides the calibrated scales)."""
        if state not in STATES:
            raise ValueError(f"state must be one of {STATES}, got {state!r}.")
        if scales is None:
            scales = self.scales.get(state, {})
        f = self.grid.freqs
        t = self.traits
        p = self.source_power
        grid = self.grid

        def s(name: str) -> float:
            return float(scales.get(name, 1.0))

        alpha = unit_variance(gaussian_peak(f, t["alpha_peak_hz"], t["alpha_sd_hz"]), grid)
        theta = unit_variance(gaussian_peak(f, t["theta_peak_hz"], 1.0), grid)
        dmn = unit_variance(gaussian_peak(f, t["dmn_peak_hz"], 1.5), grid)
        mu = unit_variance(gaussian_peak(f, t["mu_peak_hz"], 1.2), grid)
        delta = unit_variance(band_limited(f, 1.0, 4.0), grid)
        gamma = unit_variance(band_limited(f, 30.0, 45.0, taper=3.0), grid)
        aper = aperiodic_shape(f, self.exponent[state]) * grid.mask
        white = np.full(f.size, 2.0 / grid.sfreq) * grid.mask
        dmn_names = list(DMN_LAGS_S)
        ctl_names = list(CONTROL_LAGS_S)
        names = list(head.source_names)
        return [
            Component("aperiodic", head.columns("aperiodic"), p["aperiodic"] * aper),
            Component(
                "alpha_occipital",
                head.columns("alpha_occipital"),
                p["alpha_occipital"] * s("alpha_occipital") * alpha,
            ),
            Component(
                "alpha_parietal",
                head.columns("alpha_parietal"),
                p["alpha_parietal"] * s("alpha_parietal") * alpha,
            ),
            Component(
                "theta_frontal",
                head.columns("theta_frontal"),
                p["theta_frontal"] * s("theta_frontal") * theta,
            ),
            Component("delta", head.columns("delta"), p["delta"] * s("delta") * delta),
            Component("gamma", head.columns("gamma"), p["gamma"] * s("gamma") * gamma),
            Component(
                "dmn",
                np.array([names.index(n) for n in dmn_names]),
                p["dmn"] * dmn,
                coupling=self.coupling[state],
                lags_s=np.array([DMN_LAGS_S[n] for n in dmn_names]),
            ),
            Component(
                "control",
                np.array([names.index(n) for n in ctl_names]),
                p["control"] * mu,
                coupling=CONTROL_COUPLING,
                lags_s=np.array([CONTROL_LAGS_S[n] for n in ctl_names]),
            ),
            Component("sensor_noise", np.array([], int), p["sensor_noise"] * white),
        ]


def seed_rng(seed: int, *key: int) -> np.random.Generator:
    """Return the generator of stream ``key`` under ``seed`` (``SeedSequence`` spawn key)."""
    return np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=tuple(key)))


def subject_label(index: int, n_subjects: int) -> str:
    """Return the zero-padded label of subject ``index`` (at least two digits)."""
    return f"{index:0{max(2, len(str(n_subjects)))}d}"


def draw_traits(seed: int, index: int) -> dict[str, float]:
    """Draw the subject-specific parameters of subject ``index`` (independent of cohort size).

    Sensor-level powers are in µV²: the variance each component adds to the mean
    average-referenced channel of its reference region (``aperiodic_psd_6hz_uv2`` is the mean
    channel PSD at 6 Hz, µV²/Hz).
    """
    rng = seed_rng(seed, KEY_SUBJECT, index)

    def ln(median: float, sigma: float = 0.3) -> float:
        return float(median * np.exp(sigma * rng.standard_normal()))

    alpha_peak = float(rng.uniform(8.5, 11.5))
    alpha_occipital = ln(60.0, 0.4)
    return {
        "alpha_peak_hz": alpha_peak,
        "alpha_sd_hz": float(rng.uniform(1.0, 1.4)),
        "alpha_occipital_uv2": alpha_occipital,
        "alpha_parietal_uv2": alpha_occipital * ln(0.7, 0.15),
        "aperiodic_exponent": float(rng.uniform(1.2, 1.8)),
        "aperiodic_psd_6hz_uv2": ln(2.5),
        "theta_peak_hz": float(rng.uniform(5.5, 6.5)),
        "theta_frontal_uv2": ln(6.0),
        "delta_uv2": ln(30.0, 0.25),
        "gamma_uv2": ln(0.6),
        "dmn_peak_hz": alpha_peak - 0.5,
        "dmn_uv2": ln(6.0, 0.25),
        "mu_peak_hz": alpha_peak + 1.0,
        "control_uv2": ln(6.0),
        "sensor_noise_uv": float(rng.uniform(0.8, 1.5)),
    }


#: Reference region of each component's sensor-level power budget (see :func:`draw_traits`).
BUDGET_REGION: dict[str, str] = {
    "alpha_occipital": "occipital",
    "alpha_parietal": "parietal",
    "theta_frontal": "frontal",
    "delta": "all",
    "gamma": "all",
    "dmn": "all",
    "control": "all",
}


def region_index(channels: tuple[str, ...] | list[str], region_channels: Any) -> np.ndarray:
    """Return indices of ``channels`` that belong to ``region_channels`` (``None``: all)."""
    if region_channels is None:
        return np.arange(len(channels))
    wanted = {c.lower() for c in region_channels}
    return np.array([i for i, c in enumerate(channels) if c.lower() in wanted], int)


def make_subject_model(
    index: int, params: dict[str, Any], seed: int, head: HeadModel
) -> SubjectModel:
    """Draw the traits of subject ``index`` and convert them to source powers (uncalibrated).

    Parameters
    ----------
    index : int
        Subject number (1-based).
    params : dict
        Complete simulation parameters (see ``merge_simulation_params``).
    seed : int
        Cohort seed.
    head : HeadModel
        Template head.

    Returns
    -------
    SubjectModel
        Model with baseline source powers; call ``calibrate_subject`` to plant the effects.
    """
    from eegstate.simulate.params import REGIONS

    traits = draw_traits(seed, index)
    n = round(float(params["duration_s"]) * float(params["sfreq"]))
    grid = FrequencyGrid(n, float(params["sfreq"]))
    g2 = head.gain_avg**2
    power: dict[str, float] = {}
    for comp, region in BUDGET_REGION.items():
        rows = region_index(head.channels, None if region == "all" else REGIONS[region])
        if rows.size == 0:
            rows = np.arange(len(head.channels))
        cols = head.columns(comp)
        if comp == "dmn":
            cols = np.array([head.source_names.index(n) for n in DMN_LAGS_S])
        elif comp == "control":
            cols = np.array([head.source_names.index(n) for n in CONTROL_LAGS_S])
        unit = g2[np.ix_(rows, cols)].sum(axis=1).mean()
        power[comp] = traits[f"{comp}_uv2"] * _UV2 / unit
    bg_unit = g2[:, head.columns("aperiodic")].sum(axis=1).mean()
    power["aperiodic"] = traits["aperiodic_psd_6hz_uv2"] * _UV2 / bg_unit
    power["sensor_noise"] = (traits["sensor_noise_uv"] * 1e-6) ** 2
    eff = params["effects"]
    chi = traits["aperiodic_exponent"]
    return SubjectModel(
        index=index,
        label=subject_label(index, params["n_subjects"]),
        grid=grid,
        traits=traits,
        source_power=power,
        exponent={"baseline": chi, "target": chi + float(eff["aperiodic_exponent_change"])},
        coupling={
            "baseline": float(eff["dmn_coupling_baseline"]),
            "target": float(eff["dmn_coupling_target"]),
        },
    )
