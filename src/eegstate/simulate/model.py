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
dmn               the six DMN nodes of the connectivity analysis (PCC, mPFC, l/rAG,
                  l/rLTC); alpha-band, coupled in phase and in amplitude envelope
control           the sensorimotor control nodes of the analysis (lSM, rSM); mu-band,
                  coupled the same way, equally in both states
sensor_noise      white, independent per channel
================  ==================================================================

Coupled networks are synthesised in the time domain. The carrier of node ``i`` is
``x_i = sqrt(c)·shared(t - lag_i) + sqrt(1 - c)·own_i(t)`` (Gaussian, the node spectrum), so
phase-lag metrics (wPLI) see a coherency ``c·exp(-2πif(lag_i - lag_j))``; it is multiplied by a
slow amplitude envelope ``m_i(t) = exp(κ·z_i(t) - κ²)`` with ``z_i = sqrt(c)·g(t) +
sqrt(1 - c)·g_i(t)`` (unit-variance Gaussian processes band-limited to
:data:`ENVELOPE_BAND_HZ`), so amplitude-envelope correlations (orthogonalised AEC, which
discards the zero-lag part) see the same ``c`` as well. ``E[m_i²] = 1``, so node power does not
depend on ``c``; the cross-spectrum of two nodes is scaled by ``E[m_i m_j] = exp(-κ²(1 - c))``.
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
#: Lag (s) of the shared signal at each DMN node (all pairwise lags are distinct and non-zero).
DMN_LAGS_S: dict[str, float] = {
    "PCC": 0.0,
    "mPFC": 0.024,
    "lAG": 0.008,
    "rAG": 0.016,
    "lLTC": 0.012,
    "rLTC": 0.020,
}
#: Lag (s) of the shared signal at each control node.
CONTROL_LAGS_S: dict[str, float] = {"lSM": 0.0, "rSM": 0.010}
#: Shared-signal fraction of the control network, identical in both states.
CONTROL_COUPLING = 0.5
#: Depth κ of the slow amplitude modulation of network nodes (SD of the log envelope).
ENVELOPE_DEPTH = 0.6
#: Band (Hz) of the slow processes that modulate the network nodes' amplitude.
ENVELOPE_BAND_HZ: tuple[float, float] = (0.1, 0.5)
#: Seed-sequence keys: head (fixed template), subject parameters, recordings, subject effects.
KEY_SUBJECT = 1
KEY_RECORDING = 2
KEY_EFFECTS = 3

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
        Shared-signal fraction ``c`` of a coupled network (phase and envelope), None for
        independent sources.
    lags_s : ndarray | None
        Lag of the shared signal at each source (s).
    envelope_depth : float
        Depth κ of the slow amplitude modulation of a coupled network.
    """

    name: str
    columns: np.ndarray
    psd: np.ndarray
    coupling: float | None = None
    lags_s: np.ndarray | None = None
    envelope_depth: float = ENVELOPE_DEPTH

    @property
    def is_network(self) -> bool:
        """Whether the component is a coupled network (synthesised in the time domain)."""
        return self.coupling is not None

    def effective_coupling(self) -> float:
        """Coherence of two nodes' signals: ``c·E[m_i m_j] = c·exp(-κ²(1 - c))``."""
        c = float(self.coupling or 0.0)
        return c * float(np.exp(-(self.envelope_depth**2) * (1.0 - c)))

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
        if not self.is_network:
            return own
        # The slow envelope broadens the node spectrum by less than ENVELOPE_BAND_HZ[1], far
        # below any band's width, so the expected band power ignores the broadening.
        c = self.effective_coupling()
        phase = np.exp(-2j * np.pi * np.outer(self.lags_s, grid.freqs))
        shared = np.abs(g @ phase) ** 2 * self.psd[None, :]
        return c * shared + (1.0 - c) * own

    def synthesize(
        self, head: HeadModel, grid: FrequencyGrid, rng: np.random.Generator
    ) -> np.ndarray:
        """Return the reference-free sensor spectrum (n_ch, n_freqs) of one realisation.

        Only for independent sources; networks are synthesised by :meth:`synthesize_network`.
        """
        if self.is_network:
            raise ValueError(f"component {self.name!r} is a network: use synthesize_network")
        g = self.gain(head, average=False)
        amp = synthesis_amplitude(self.psd, grid)
        n_src, n_freq = g.shape[1], amp.size
        out = np.zeros((g.shape[0], n_freq), complex)
        for start in range(0, n_src, 50):  # bounded memory for the background
            block = complex_white(rng, (min(50, n_src - start), n_freq))
            out += g[:, start : start + 50] @ block
        return out * amp

    def node_signals(self, grid: FrequencyGrid, rng: np.random.Generator) -> np.ndarray:
        """Time courses (n_nodes, n_samples) of a coupled network's nodes (module docstring)."""
        c = float(self.coupling)
        n_src = len(self.columns)
        n_freq = grid.freqs.size
        amp = synthesis_amplitude(self.psd, grid)
        delay = np.exp(-2j * np.pi * np.outer(self.lags_s, grid.freqs))
        carrier_spec = np.sqrt(c) * complex_white(rng, (1, n_freq)) * delay
        carrier_spec += np.sqrt(1.0 - c) * complex_white(rng, (n_src, n_freq))
        carrier = np.fft.irfft(carrier_spec * amp, n=grid.n_samples, axis=1)
        slow_psd = unit_variance(band_limited(grid.freqs, *ENVELOPE_BAND_HZ, taper=0.1), grid)
        slow_amp = synthesis_amplitude(slow_psd, grid)
        slow_spec = np.sqrt(c) * complex_white(rng, (1, n_freq))
        slow_spec = slow_spec + np.sqrt(1.0 - c) * complex_white(rng, (n_src, n_freq))
        z = np.fft.irfft(slow_spec * slow_amp, n=grid.n_samples, axis=1)
        kappa = self.envelope_depth
        return carrier * np.exp(kappa * z - kappa**2)

    def synthesize_network(
        self, head: HeadModel, grid: FrequencyGrid, rng: np.random.Generator
    ) -> np.ndarray:
        """Reference-free sensor time courses (n_ch, n_samples) of a coupled network."""
        return self.gain(head, average=False) @ self.node_signals(grid, rng)


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
    effects : dict
        This subject's planted effects (:func:`draw_subject_effects`).
    clipped : dict
        Drawn effects that could not be planted exactly -> the change planted instead (dB).
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
    effects: dict[str, Any] = field(default_factory=dict)
    clipped: dict[str, float] = field(default_factory=dict)

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
    alpha_occipital = ln(60.0, 0.3)
    return {
        "alpha_peak_hz": alpha_peak,
        "alpha_sd_hz": float(rng.uniform(1.0, 1.4)),
        "alpha_occipital_uv2": alpha_occipital,
        # the alpha generators dominate the posterior alpha band (the DMN and mu sources add a
        # fixed part), so posterior alpha can be planted a few dB lower in every subject
        "alpha_parietal_uv2": alpha_occipital * ln(1.0, 0.15),
        "aperiodic_exponent": float(rng.uniform(1.2, 1.8)),
        "aperiodic_psd_6hz_uv2": ln(2.5),
        "theta_peak_hz": float(rng.uniform(5.5, 6.5)),
        # theta, delta and gamma generators dominate their bands, so effects of either sign
        # (and their between-subject spread) can be planted on top of the 1/f background
        "theta_frontal_uv2": ln(10.0, 0.25),
        "delta_uv2": ln(100.0, 0.25),
        # large enough that the gamma generator dominates 30-45 Hz: gamma can then be planted
        # lower as well as higher although the aperiodic rotation raises the band's background
        "gamma_uv2": ln(4.0, 0.2),
        "dmn_peak_hz": alpha_peak - 0.5,
        "dmn_uv2": ln(8.0, 0.25),
        "mu_peak_hz": alpha_peak + 1.0,
        "control_uv2": ln(5.0),
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
    eff = draw_subject_effects(seed, index, params["effects"], params["effect_sd"])
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
        effects=eff,
    )


#: Effects drawn with one shared standard-normal deviate per subject.
SHARED_EFFECT_DRAWS: tuple[tuple[str, ...], ...] = (("alpha_occipital_db", "alpha_parietal_db"),)
#: Effects that are fractions in [0, 1] (clipped after the draw).
FRACTION_EFFECTS: tuple[str, ...] = ("dmn_coupling_baseline", "dmn_coupling_target")


def draw_subject_effects(
    seed: int, index: int, effects: dict[str, Any], effect_sd: dict[str, float]
) -> dict[str, Any]:
    """Draw subject ``index``'s planted effects around the cohort means.

    Each numeric effect is ``mean + sd·z`` with a standard-normal ``z`` from the stream
    ``(KEY_EFFECTS, index)`` of ``seed`` (independent of cohort size and of the subject's other
    traits); the effects of :data:`SHARED_EFFECT_DRAWS` share one ``z``; couplings are clipped
    to [0, 1]. Keys without an SD (e.g. ``remove_alpha``) are copied.

    Parameters
    ----------
    seed : int
        Cohort seed.
    index : int
        Subject number (1-based).
    effects : dict
        ``simulation.effects`` (cohort means).
    effect_sd : dict
        ``simulation.effect_sd`` (between-subject SDs).

    Returns
    -------
    dict
        The subject's effects, same keys as ``effects``.
    """
    rng = seed_rng(seed, KEY_EFFECTS, index)
    drawn = dict(effects)
    shared = {key: group for group in SHARED_EFFECT_DRAWS for key in group}
    deviates: dict[tuple[str, ...], float] = {}
    for key in effects:  # fixed order: the schema's key order
        if key not in effect_sd:
            continue
        group = shared.get(key, (key,))
        if group not in deviates:
            deviates[group] = float(rng.standard_normal())
        value = float(effects[key]) + float(effect_sd[key]) * deviates[group]
        drawn[key] = float(np.clip(value, 0.0, 1.0)) if key in FRACTION_EFFECTS else value
    return drawn
