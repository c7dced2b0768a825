"""Calibration of the planted target-vs-baseline effects from the expected sensor spectra.

The effects of ``simulation.effects`` are defined on the EXPECTED sensor-level band power after
average reference, averaged in linear units over a region's channels, then converted to dB.
Every component is Gaussian with a known spectrum and gain, so the expected sensor PSD is
``Σ_k E_k(f)`` with ``E_k`` from :meth:`Component.expected_psd` and band power is linear in
each component's power scale.

Per subject, the target state first rotates the aperiodic spectrum about 6 Hz
(``aperiodic_exponent_change``) and sets the DMN coupling to ``dmn_coupling_target``; then one
linear system gives the power scales of the five calibrated components so that

* occipital alpha changes by ``alpha_occipital_db`` and parietal alpha by ``alpha_parietal_db``
  (both alpha generator pairs jointly; Vlisides et al. 2018, Br J Anaesth 121:249),
* frontal theta by ``theta_frontal_db`` (Vlisides et al. 2017, Anesthesiology 127:58),
* delta and gamma over all channels by ``delta_db`` and ``gamma_db`` (Hong et al. 2010).

The DMN, control network, aperiodic background and sensor noise are fixed background in this
computation. Artefacts (blinks, line noise, a noisy channel) are state-independent and meant to
be removed by preprocessing, so the expected effects describe the artefact-free signal.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from eegstate.simulate.head import HeadModel
from eegstate.simulate.model import CALIBRATED, STATES, SubjectModel, region_index
from eegstate.simulate.params import BANDS, EFFECT_REGIONS, REGIONS
from eegstate.simulate.spectra import band_masks

logger = logging.getLogger(__name__)

#: (effect key, calibrated component, region, band) of each planted effect.
EQUATIONS: tuple[tuple[str, str, str, str], ...] = (
    ("alpha_occipital_db", "alpha_occipital", "occipital", "alpha"),
    ("alpha_parietal_db", "alpha_parietal", "parietal", "alpha"),
    ("theta_frontal_db", "theta_frontal", "frontal", "theta"),
    ("delta_db", "delta", "all", "delta"),
    ("gamma_db", "gamma", "all", "gamma"),
)


def _rows(head: HeadModel, region: str) -> np.ndarray:
    return region_index(head.channels, None if region == "all" else REGIONS[region])


def component_band_power(
    model: SubjectModel, state: str, head: HeadModel, scales: dict[str, float] | None = None
) -> dict[str, np.ndarray]:
    """Return the expected band power (V²) per channel of each component.

    Parameters
    ----------
    model : SubjectModel
        Subject model.
    state : str
        ``"baseline"`` or ``"target"``.
    head : HeadModel
        Template head.
    scales : dict | None
        Power scales of the calibrated components (None: the model's scales for ``state``).

    Returns
    -------
    dict
        Component name -> array (n_channels, n_bands) over :data:`BANDS` (average reference).
    """
    weights = band_masks(model.grid, BANDS)
    return {
        comp.name: comp.expected_psd(head, model.grid) @ weights.T
        for comp in model.components(state, head, scales=scales)
    }


def _system(
    model: SubjectModel, head: HeadModel, effects: dict[str, Any]
) -> tuple[list[tuple[str, str, str, str]], np.ndarray, np.ndarray, np.ndarray, dict]:
    """The linear system ``a @ scales = rhs`` of the planted band effects.

    Returns the equations kept, ``a``, ``rhs``, the baseline band power of each equation's
    region and the components fixed at zero (``remove_alpha``).
    """
    band_idx = {b: i for i, b in enumerate(BANDS)}
    unit = dict.fromkeys(CALIBRATED, 1.0)
    base = component_band_power(model, "baseline", head, scales=unit)
    tgt_unit = component_band_power(model, "target", head, scales=unit)

    equations = list(EQUATIONS)
    fixed_zero: dict[str, float] = {}
    if effects.get("remove_alpha", False):
        equations = [e for e in equations if not e[1].startswith("alpha_")]
        fixed_zero = {"alpha_occipital": 0.0, "alpha_parietal": 0.0}
    free = [e[1] for e in equations]

    n = len(equations)
    a = np.zeros((n, n))
    rhs = np.zeros(n)
    base_region = np.zeros(n)
    for i, (key, _comp, region, band) in enumerate(equations):
        rows = _rows(head, region)
        if rows.size == 0:
            raise ValueError(
                f"Cannot plant effects.{key}: none of the simulated channels belongs to the "
                f"{region} region ({', '.join(REGIONS[region])}); add such channels."
            )
        b = band_idx[band]

        def region_mean(bp: np.ndarray, rows: np.ndarray = rows, b: int = b) -> float:
            return float(bp[rows, b].mean())

        base_region[i] = sum(region_mean(v) for v in base.values())
        fixed = sum(
            region_mean(v) for k, v in tgt_unit.items() if k not in free and k not in fixed_zero
        )
        rhs[i] = 10 ** (float(effects[key]) / 10) * base_region[i] - fixed
        for j, comp in enumerate(free):
            a[i, j] = region_mean(tgt_unit[comp])
    return equations, a, rhs, base_region, fixed_zero


def _solve(a: np.ndarray, rhs: np.ndarray, clip: bool) -> tuple[np.ndarray, list[int]]:
    """Solve for the power scales; with ``clip``, scales that would be negative are set to 0.

    Clipping is an active-set loop: a component whose scale would be negative is switched off
    and its equation dropped (its effect is then the smallest attainable), and the others are
    solved exactly again. Returns the scales and the indices clipped.
    """
    n = len(rhs)
    active = list(range(n))
    clipped: list[int] = []
    sol = np.zeros(n)
    while active:
        try:
            sub = np.linalg.solve(a[np.ix_(active, active)], rhs[active])
        except np.linalg.LinAlgError as err:  # pragma: no cover - needs a degenerate montage
            raise ValueError(
                "The planted band effects cannot be calibrated with this channel set (singular "
                "system); use more channels per region."
            ) from err
        negative = [active[k] for k in np.flatnonzero(sub < -1e-12)]
        if not negative or not clip:
            sol[active] = sub
            break
        clipped.extend(negative)
        active = [j for j in active if j not in negative]
    return sol, sorted(clipped)


def _infeasible(
    model: SubjectModel,
    effects: dict[str, Any],
    equations: list[tuple[str, str, str, str]],
    a: np.ndarray,
    rhs: np.ndarray,
    base_region: np.ndarray,
    sol: np.ndarray,
    j: int,
) -> InfeasibleEffectError:
    key, comp, region, band = equations[j]
    others = sum(sol[k] * a[j, k] for k in range(len(rhs)) if k != j)
    fixed = 10 ** (float(effects[key]) / 10) * base_region[j] - rhs[j]
    floor_db = 10 * np.log10(max(fixed + others, 1e-300) / base_region[j])
    hint = (
        " The occipital and parietal alpha generators overlap on the scalp, so the two "
        "alpha effects cannot differ much: bring alpha_occipital_db and alpha_parietal_db "
        "closer together (or set remove_alpha)."
        if comp.startswith("alpha_")
        else " Or change aperiodic_exponent_change, which also moves this band."
    )
    return InfeasibleEffectError(
        f"Cannot plant effects.{key}={float(effects[key]):.3g} dB ({band} power, {region} "
        f"channels) for subject {model.label}: it would need a negative power (scale "
        f"{sol[j]:.3g}) for the {comp} generators. Given the other effects, the remaining "
        f"components alone change {band} power there by about {floor_db:+.2f} dB; choose "
        f"effects.{key} above that.{hint}"
    )


class InfeasibleEffectError(ValueError):
    """A planted effect would need a negative power for its generators."""


def calibrate_subject(
    model: SubjectModel, head: HeadModel, effects: dict[str, Any], *, clip: bool = False
) -> None:
    """Solve the target power scales that plant ``effects`` and store the expected band power.

    Parameters
    ----------
    model : SubjectModel
        Subject model; ``model.scales``, ``model.expected`` and ``model.clipped`` are filled in
        place.
    head : HeadModel
        Template head.
    effects : dict
        The subject's effects (``simulation.effects``, or values drawn around them).
    clip : bool
        When an effect cannot be planted (it would need a negative power), switch its
        generators off instead of raising: the smallest attainable change is planted and
        recorded in ``model.clipped`` (see :func:`eegstate.simulate.cohort.prepare_subject`,
        which allows this only for values drawn around a feasible cohort mean).

    Raises
    ------
    InfeasibleEffectError
        If an effect cannot be produced with non-negative powers (and not ``clip``).
    ValueError
        If an effect's region has no channel.
    """
    equations, a, rhs, base_region, fixed_zero = _system(model, head, effects)
    sol, clipped = _solve(a, rhs, clip=clip)
    negative = [j for j in range(len(rhs)) if sol[j] < -1e-12]
    if negative:
        raise _infeasible(model, effects, equations, a, rhs, base_region, sol, negative[0])
    free = [e[1] for e in equations]
    scales = {comp: 1.0 for comp in CALIBRATED}
    target = dict(fixed_zero)
    target.update({comp: float(max(v, 0.0)) for comp, v in zip(free, sol, strict=True)})
    model.scales = {"baseline": scales, "target": {**scales, **target}}
    for state in STATES:
        model.expected[state] = sum(component_band_power(model, state, head).values())
    model.clipped = {}
    for j in clipped:
        key, _comp, region, band = equations[j]
        rows = _rows(head, region)
        b = list(BANDS).index(band)
        achieved = 10 * np.log10(
            model.expected["target"][rows, b].mean() / model.expected["baseline"][rows, b].mean()
        )
        model.clipped[key] = float(achieved)
        logger.warning(
            "subject %s: drawn effects.%s = %.2f dB cannot be planted with non-negative powers; "
            "planted the smallest attainable change, %.2f dB (recorded in ground_truth.json)",
            model.label,
            key,
            float(effects[key]),
            achieved,
        )
    logger.debug("Subject %s target scales: %s", model.label, model.scales["target"])


def region_band_power(model: SubjectModel, state: str, head: HeadModel) -> dict[str, dict]:
    """Return expected band power (V², linear mean over channels) as ``{band: {region: P}}``.

    Regions without channels map to None.
    """
    bp = model.expected[state]
    out: dict[str, dict] = {}
    for b, band in enumerate(BANDS):
        out[band] = {}
        for region in EFFECT_REGIONS:
            rows = _rows(head, region)
            out[band][region] = float(bp[rows, b].mean()) if rows.size else None
    return out


def expected_effects_db(model: SubjectModel, head: HeadModel) -> dict[str, dict]:
    """Return the expected target-minus-baseline change in dB as ``{band: {region: dB}}``."""
    base = region_band_power(model, "baseline", head)
    tgt = region_band_power(model, "target", head)
    return {
        band: {
            r: (None if base[band][r] is None else 10 * np.log10(tgt[band][r] / base[band][r]))
            for r in EFFECT_REGIONS
        }
        for band in BANDS
    }


def expected_band_power_db(model: SubjectModel, head: HeadModel) -> dict[str, dict]:
    """Return expected band power in dB re 1 µV² as ``{state: {band: {region: dB}}}``."""
    out = {}
    for state in STATES:
        rbp = region_band_power(model, state, head)
        out[state] = {
            band: {r: (None if v is None else 10 * np.log10(v / 1e-12)) for r, v in d.items()}
            for band, d in rbp.items()
        }
    return out
