"""Measure each popular claim and turn the numbers into a verdict (``claims.tsv``).

Two layers, so that the same engine runs on a study and on resampled studies (power analysis,
:mod:`eegstate.stats.power`):

1. :func:`measure_claims` reduces the group tables to per-subject values
   (:class:`ClaimMeasures`): for every paired test the subject's baseline and target value,
   for the peak claims the subject's peak presence per state, and the classifier's result;
2. :func:`decide_claims` runs the tests on those values (bootstrap CI, exact Wilcoxon, the
   Holm family and its testability floors) and applies the rules of
   :mod:`eegstate.stats.verdicts`.

``claims.tsv`` has one row per claim (:data:`CLAIMS`): ``effect`` is the mean target −
baseline change of the claim's primary measure over subjects (dB for band power, metric units
for connectivity) or the balanced accuracy; ``ci_low``/``ci_high`` its percentile-bootstrap CI
over subjects; ``p_value`` the Holm-adjusted Wilcoxon p of that test (or the permutation p of
``state_decodable``). ``claims_tests.tsv`` lists every test behind the verdicts (the family
tests, the specificity checks of the DMN claim and the muscle-index check), with raw and
adjusted p-values and floors.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from eegstate.seeding import derive_seed
from eegstate.settings import AperiodicSettings, StatsStepSettings
from eegstate.stats import verdicts as rules
from eegstate.stats.aperiodic import peak_range, resolve_settings
from eegstate.stats.contrasts import (
    site_channels,
    site_differences,
    value_differences,
)
from eegstate.stats.paired import bootstrap_mean_ci, holm_adjust, signed_rank_p
from eegstate.tables import CLAIM_TESTS_COLUMNS, CLAIMS_COLUMNS

logger = logging.getLogger(__name__)

#: Claims, in table order.
CLAIMS: tuple[str, ...] = (
    "alpha_abolished",
    "theta_emerges",
    "gamma_increases",
    "dmn_connectivity_reduced",
    "state_decodable",
)

#: Caveat of open-label fixed-order designs (``claims.open_label_fixed_order``).
DESIGN_CAVEAT = (
    "open-label, fixed-order design: the target state always followed the baseline, so time "
    "on task and drowsiness are confounded with it"
)

DMN_CAVEAT = (
    "template-head source estimate (centimetre accuracy); EEG connectivity is not fMRI "
    "'DMN activity'"
)

#: Column names of the per-subject value tables (:attr:`PairedSeries.values`).
VALUE_COLUMNS: tuple[str, ...] = ("subject", "baseline", "target", "diff")
#: Peak kinds of the per-subject peak tables (:attr:`ClaimMeasures.peaks`): presence of the
#: alpha and theta peaks in each state, and whether the alpha peak slowed in that state.
PEAK_KINDS: tuple[str, ...] = ("alpha", "theta", "alpha_slow")


@dataclass(frozen=True)
class ClaimSettings:
    """Everything the claims engine reads from the configuration."""

    baseline: str
    target: str
    seed: int
    ci_level: float
    n_bootstrap: int
    thresholds: rules.Thresholds
    alpha_band: str
    theta_band: str
    gamma_band: str
    alpha_regions: tuple[str, ...] | None
    theta_regions: tuple[str, ...] | None
    gamma_regions: tuple[str, ...] | None
    dmn_band: str
    dmn_metrics: tuple[str, ...]
    connectivity_enabled: bool
    open_label_fixed_order: bool
    peak_settings: AperiodicSettings
    emg_fmin: float | None
    bands: dict[str, tuple[float, float]]

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | StatsStepSettings) -> ClaimSettings:
        """Build the claims settings from the statistics settings (or a validated config)."""
        st = rules.stats_settings(config)
        claims = st.claims
        return cls(
            baseline=st.baseline,
            target=st.target,
            seed=st.seed,
            ci_level=st.report.ci_level,
            n_bootstrap=st.report.n_bootstrap,
            thresholds=rules.Thresholds.from_config(st),
            alpha_band=claims.alpha_band,
            theta_band=claims.theta_band,
            gamma_band=claims.gamma_band,
            alpha_regions=claims.alpha_regions or None,
            theta_regions=claims.theta_regions or None,
            gamma_regions=claims.gamma_regions or None,
            dmn_band=claims.dmn_band,
            dmn_metrics=claims.dmn_metrics,
            connectivity_enabled=st.connectivity.enabled,
            open_label_fixed_order=claims.open_label_fixed_order,
            peak_settings=resolve_settings(st.stats.aperiodic, st.bandpower.bands, claims),
            emg_fmin=st.preprocess.emg_fmin,
            bands=dict(st.bandpower.bands),
        )


@dataclass(frozen=True)
class ClaimInputs:
    """Group tables the claims are measured on (None: the step did not run)."""

    bandpower: pd.DataFrame
    qc: pd.DataFrame
    aperiodic: pd.DataFrame | None = None
    dmn_summary: pd.DataFrame | None = None
    classification: Mapping[str, Any] | None = None
    classification_predictions: pd.DataFrame | None = None


@dataclass(frozen=True)
class PairedSeries:
    """Per-subject values of one paired test.

    Attributes
    ----------
    name : str
        Test name (``alpha_power``, ``dmn_aec_orth``, ``control_dwpli``, ``emg_index``, ...).
    claim : str
        Claim the test belongs to.
    measure : str
        What is measured (for the tests table).
    unit : str
        ``dB`` or the metric's unit.
    values : pandas.DataFrame
        :data:`VALUE_COLUMNS`, one row per subject with both states.
    family : bool
        Whether the test is in the Holm family of the claims.
    """

    name: str
    claim: str
    measure: str
    unit: str
    values: pd.DataFrame
    family: bool


@dataclass(frozen=True)
class DecodingMeasure:
    """What the classification step found (``classification.json``)."""

    balanced_accuracy: float
    ci_low: float
    ci_high: float
    p_value: float | None
    p_floor: float | None
    n_subjects: int
    chance: float
    estimator: str
    normalize: str
    assumption: str
    comparison: Mapping[str, Any] | None


@dataclass
class ClaimSpec:
    """A claim's measure description, its tests and the notes of its measurement."""

    claim: str
    measure: str
    primary: str | None = None
    tests: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    available: bool = True


@dataclass
class ClaimMeasures:
    """Per-subject values of every claim (the input of :func:`decide_claims`).

    Attributes
    ----------
    specs : dict
        Claim -> :class:`ClaimSpec`.
    series : dict
        Test name -> :class:`PairedSeries`.
    peaks : dict
        Claim (``alpha_abolished``, ``theta_emerges``) -> per-subject peak table: ``subject``
        and ``baseline_<kind>``, ``target_<kind>`` for each of :data:`PEAK_KINDS` (bool).
    decoding : DecodingMeasure or None
        The classifier's result.
    emg_overlaps_gamma : bool
        The muscle-index range overlaps the gamma band.
    emg_corrected : bool
        The muscle index is corrected for the aperiodic exponent.
    """

    specs: dict[str, ClaimSpec]
    series: dict[str, PairedSeries]
    peaks: dict[str, pd.DataFrame]
    decoding: DecodingMeasure | None = None
    emg_overlaps_gamma: bool = False
    emg_corrected: bool = False

    def subjects(self) -> list[str]:
        """Every subject with a paired value of some test or a peak table row (sorted)."""
        found: set[str] = set()
        for series in self.series.values():
            found.update(series.values["subject"].astype(str))
        for table in self.peaks.values():
            found.update(table["subject"].astype(str))
        return sorted(found)

    def resample(
        self, subjects: Sequence[str], swap: Sequence[bool] | None = None
    ) -> ClaimMeasures:
        """A study made of the given subjects (repeats allowed), optionally with labels swapped.

        The ``k``-th drawn subject becomes subject ``"k"`` in every test, so a subject drawn
        twice counts twice; with ``swap[k]`` its baseline and target are exchanged in every
        measure at once (the exchangeable null of a paired design). The decoding result is
        not resampled (see :mod:`eegstate.stats.power`).

        Parameters
        ----------
        subjects : sequence of str
            Subjects of this study, drawn from :meth:`subjects`.
        swap : sequence of bool, optional
            Per drawn subject, whether to swap its states.

        Returns
        -------
        ClaimMeasures
            The resampled measures (same specs).
        """
        drawn = np.asarray([str(x) for x in subjects], dtype=object)
        swapped = np.zeros(drawn.size, bool) if swap is None else np.asarray(swap, bool)
        new = np.asarray([str(k) for k in range(drawn.size)], dtype=object)
        series = {}
        for name, s in self.series.items():
            rows, keep = _positions(s.values["subject"], drawn)
            base = s.values["baseline"].to_numpy(float)[rows]
            targ = s.values["target"].to_numpy(float)[rows]
            flip = swapped[keep]
            base, targ = np.where(flip, targ, base), np.where(flip, base, targ)
            values = pd.DataFrame(
                {"subject": new[keep], "baseline": base, "target": targ, "diff": targ - base}
            )
            series[name] = replace(s, values=values)
        peaks = {}
        for claim, table in self.peaks.items():
            rows, keep = _positions(table["subject"], drawn)
            flip = swapped[keep]
            out: dict[str, Any] = {"subject": new[keep]}
            for kind in PEAK_KINDS:
                b = table[f"baseline_{kind}"].to_numpy(bool)[rows]
                t = table[f"target_{kind}"].to_numpy(bool)[rows]
                out[f"baseline_{kind}"] = np.where(flip, t, b)
                out[f"target_{kind}"] = np.where(flip, b, t)
            peaks[claim] = pd.DataFrame(out)
        return ClaimMeasures(
            specs=self.specs,
            series=series,
            peaks=peaks,
            decoding=self.decoding,
            emg_overlaps_gamma=self.emg_overlaps_gamma,
            emg_corrected=self.emg_corrected,
        )


def _positions(subjects: pd.Series, drawn: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row of each drawn subject in a table (``rows``) and which draws the table has (``keep``)."""
    index = {str(subject): i for i, subject in enumerate(subjects)}
    found = np.array([index.get(subject, -1) for subject in drawn], dtype=int)
    keep = found >= 0
    return found[keep], keep


# ---------------------------------------------------------------------------------- measuring


def _hz(fmin: float, fmax: float) -> str:
    return f"{float(fmin):g}–{float(fmax):g} Hz"


def site_name(regions: Sequence[str] | None) -> str:
    """Name of a channel site: regions joined by ``+``, or ``all`` for every channel."""
    return "+".join(str(r) for r in regions) if regions else "all"


def _included(qc: pd.DataFrame) -> pd.DataFrame:
    return qc[qc["excluded"].fillna("").astype(str).str.strip() == ""]


def _values(diffs: pd.DataFrame) -> pd.DataFrame:
    """``subject, baseline_db, target_db, diff_db`` -> :data:`VALUE_COLUMNS`."""
    out = diffs.rename(
        columns={"baseline_db": "baseline", "target_db": "target", "diff_db": "diff"}
    )
    out = out.astype({"subject": str})
    return out[list(VALUE_COLUMNS)].reset_index(drop=True)


def _testable_bandpower(
    inputs: ClaimInputs, fmax: float, band: str, t: rules.Thresholds, notes: list[str]
) -> pd.DataFrame:
    """Band power of recordings whose usable range covers the band; notes what is dropped."""
    keep = _included(inputs.qc)
    sfreq = pd.to_numeric(keep["sfreq"], errors="coerce")
    ok = [rules.band_is_testable(fmax, s, t) for s in sfreq]
    bad = keep[[not v for v in ok]]
    if len(bad):
        rates = sorted({float(s) for s in pd.to_numeric(bad["sfreq"], errors="coerce")})
        limit = min(rules.usable_upper_hz(s, t) for s in rates)
        notes.append(
            f"{band} band (up to {fmax:g} Hz) lies above the usable upper frequency "
            f"({limit:g} Hz) of {len(bad)} recording(s) sampled at "
            f"{', '.join(f'{r:g}' for r in rates)} Hz (limit = min(preprocess.h_freq, "
            "claims.hardware_lowpass_hz, sfreq / claims.samples_per_cycle)); "
            "they are left out of this claim"
        )
    bp = inputs.bandpower
    return bp[~bp["recording"].isin(set(bad["recording"]))]


#: A slowed alpha peak keeps at least this fraction of the baseline alpha peak's height (dB).
SLOWED_MIN_HEIGHT_FRACTION = 0.5


def _peak_table(
    aperiodic: pd.DataFrame | None,
    site: str,
    baseline: str,
    target: str,
    subjects: Sequence[str],
    slowing_hz: float,
) -> pd.DataFrame | None:
    """Per-subject presence of each peak kind in each state at a site (``aperiodic.tsv``).

    ``<state>_alpha_slow`` is True when the subject's alpha peak is present in the other state,
    absent in this one, and a peak sits within ``slowing_hz`` below the other state's alpha
    peak frequency (and below the alpha range) with at least
    :data:`SLOWED_MIN_HEIGHT_FRACTION` of its height: the rhythm slowed (e.g. 8 -> 7 Hz). A
    theta rhythm that only shows once alpha is gone is lower and further away, so it does not
    count.
    """
    if aperiodic is None or aperiodic.empty:
        return None
    rows = aperiodic[(aperiodic["site"] == site) & aperiodic["subject"].isin(list(subjects))]
    needed = [f"{kind}_present" for kind in PEAK_KINDS]
    needed += ["alpha_freq", "alpha_height_db", "alpha_slow_freq", "alpha_slow_height_db"]
    if rows.empty or any(column not in rows.columns for column in needed):
        return None
    work = rows[["subject", "state"]].copy()
    for kind in PEAK_KINDS:
        work[kind] = rows[f"{kind}_present"].astype(str).str.lower() == "true"
    for column in ("alpha_freq", "alpha_height_db", "alpha_slow_freq", "alpha_slow_height_db"):
        work[column] = pd.to_numeric(rows[column], errors="coerce")
    by = work.groupby(["subject", "state"]).agg(
        alpha=("alpha", "any"),
        theta=("theta", "any"),
        slow=("alpha_slow", "any"),
        alpha_freq=("alpha_freq", "median"),
        alpha_height=("alpha_height_db", "max"),
        slow_freq=("alpha_slow_freq", "median"),
        slow_height=("alpha_slow_height_db", "max"),
    )
    states = by.index.get_level_values("state")
    if baseline not in states or target not in states:
        return None
    b, t = by.xs(baseline, level="state"), by.xs(target, level="state")
    b, t = b.align(t, join="inner", axis=0)
    if b.empty:
        return None

    def slowed(now: pd.DataFrame, before: pd.DataFrame) -> pd.Series:
        near = now["slow_freq"] >= before["alpha_freq"] - float(slowing_hz)
        strong = now["slow_height"] >= SLOWED_MIN_HEIGHT_FRACTION * before["alpha_height"]
        return before["alpha"] & ~now["alpha"] & now["slow"] & near & strong

    table = pd.DataFrame(
        {
            "baseline_alpha": b["alpha"],
            "target_alpha": t["alpha"],
            "baseline_theta": b["theta"],
            "target_theta": t["theta"],
            "baseline_alpha_slow": slowed(b, t),
            "target_alpha_slow": slowed(t, b),
        }
    ).astype(bool)
    return table.reset_index().astype({"subject": str})


def _band_claim(
    specs: dict[str, ClaimSpec],
    series: dict[str, PairedSeries],
    inputs: ClaimInputs,
    s: ClaimSettings,
    *,
    claim: str,
    band: str,
    regions: tuple[str, ...] | None,
    peak: str | None,
    label: str,
) -> tuple[str, pd.DataFrame | None]:
    spec = ClaimSpec(claim=claim, measure=f"{label} power")
    specs[claim] = spec
    edges = s.bands.get(band)
    present = (
        inputs.bandpower["band"].astype(str).eq(band).any() if len(inputs.bandpower) else False
    )
    if edges is None or not present:
        spec.notes.append(f"band {band!r} is not among the analysed bands (bandpower.bands)")
        spec.available = False
        return site_name(regions), None
    bp = _testable_bandpower(inputs, edges[1], band, s.thresholds, spec.notes)
    channels = site_channels(bp, regions) if len(bp) else []
    site = site_name(regions)
    if regions and not channels and len(bp):
        spec.notes.append(f"no channel of regions {site}: all channels used")
        channels, site = site_channels(bp, None), "all"
    spec.measure = (
        f"{label} power, {site} channels, {band} {_hz(*edges)}: {s.target} − {s.baseline} "
        "(dB), Wilcoxon signed-rank, Holm over the paired claims"
    )
    if peak:
        rng = peak_range(s.peak_settings, peak)
        spec.measure += (
            f"; periodic {peak} peak {_hz(*rng)} above the aperiodic fit (specparam, "
            f">= {s.peak_settings.min_peak_height_db:g} dB), exact McNemar test"
        )
    diffs = (
        site_differences(bp, s.baseline, s.target, band, channels)
        if channels
        else pd.DataFrame(columns=["subject", "baseline_db", "target_db", "diff_db"])
    )
    name = f"{label.split()[-1]}_power"
    series[name] = PairedSeries(
        name=name,
        claim=claim,
        measure=f"{label} power, {site} channels, {band} (dB)",
        unit="dB",
        values=_values(diffs),
        family=True,
    )
    spec.primary = name
    spec.tests.append(name)
    return site, diffs


def _dmn_claim(
    specs: dict[str, ClaimSpec],
    series: dict[str, PairedSeries],
    inputs: ClaimInputs,
    s: ClaimSettings,
) -> None:
    claim = "dmn_connectivity_reduced"
    metrics = ", ".join(s.dmn_metrics)
    spec = ClaimSpec(
        claim=claim,
        measure=(
            f"within-DMN connectivity ({metrics}; {s.dmn_band} band): {s.target} − "
            f"{s.baseline}, Wilcoxon signed-rank, Holm over the paired claims; a change counts "
            "only if the control network does not change the same way"
        ),
    )
    specs[claim] = spec
    summary = inputs.dmn_summary
    if summary is None or not s.connectivity_enabled:
        spec.notes.append("step not run (connectivity disabled or its outputs missing)")
        spec.available = False
        return
    for metric in s.dmn_metrics:
        rows = summary[(summary["band"] == s.dmn_band) & (summary["metric"] == metric)]
        if rows.empty:
            spec.notes.append(
                f"no {s.dmn_band} {metric} rows in dmn_summary.tsv (connectivity skipped for "
                "every recording, or band/metric not computed; see qc.tsv notes)"
            )
            continue
        for column, prefix, family in (
            ("dmn_mean", "dmn", True),
            ("control_mean", "control", False),
            ("dmn_minus_control", "dmn_minus_control", False),
        ):
            name = f"{prefix}_{metric}"
            series[name] = PairedSeries(
                name=name,
                claim=claim,
                measure=f"{column} {metric} ({s.dmn_band} band)",
                unit=metric,
                values=_values(value_differences(rows, s.baseline, s.target, column)),
                family=family,
            )
            spec.tests.append(name)
        spec.primary = spec.primary or f"dmn_{metric}"
    if spec.primary is None:
        spec.available = False
    spec.notes.append(DMN_CAVEAT)


def _decoding_claim(specs: dict[str, ClaimSpec], inputs: ClaimInputs, s: ClaimSettings):
    spec = ClaimSpec(
        claim="state_decodable",
        measure=(
            f"balanced accuracy of {s.target} vs {s.baseline} on held-out subjects "
            "(nested leave-one-subject-out); CI bootstrap over subjects; subject-aware "
            "permutation p"
        ),
    )
    specs["state_decodable"] = spec
    summary = inputs.classification
    if not summary:
        spec.notes.append("step not run (classification outputs missing)")
        spec.available = False
        return None
    spec.measure = spec.measure.replace(
        "balanced accuracy", f"balanced accuracy ({summary.get('estimator', 'classifier')})"
    )
    ba = summary.get("balanced_accuracy")
    low, high = summary.get("balanced_accuracy_ci_low"), summary.get("balanced_accuracy_ci_high")
    if low is None and inputs.classification_predictions is not None:
        from eegstate.classify.metrics import balanced_accuracy_ci

        low, high = balanced_accuracy_ci(
            inputs.classification_predictions,
            ci_level=s.ci_level,
            n_bootstrap=s.n_bootstrap,
            seed=derive_seed(s.seed, "claims", "state_decodable"),
        )

    def number(value: Any) -> float:
        return float(value) if value is not None else math.nan

    p = summary.get("p_value")
    floor = summary.get("p_value_floor")
    normalize = str(summary.get("normalize", ""))
    return DecodingMeasure(
        balanced_accuracy=number(ba),
        ci_low=number(low),
        ci_high=number(high),
        p_value=None if p is None else float(p),
        p_floor=None if floor is None else float(floor),
        n_subjects=int(summary.get("n_subjects", 0) or 0),
        chance=float(summary.get("chance_level", 0.5) or 0.5),
        estimator=str(summary.get("estimator", "classifier")),
        normalize=normalize,
        assumption=str(summary.get("normalize_assumption", "")),
        comparison=summary.get("normalize_comparison"),
    )


def _emg_series(inputs: ClaimInputs, s: ClaimSettings) -> tuple[PairedSeries | None, bool]:
    """Per-subject muscle index, corrected for the aperiodic exponent when it is known.

    The index is the spectral slope above the analysed bands (qc.tsv ``emg_slope_median``).
    A flatter aperiodic (1/f) spectrum, which ketamine is reported to produce, raises that
    slope as well, without any muscle: the corrected index adds the recording's aperiodic
    exponent fitted below the bands (specparam, all channels, ``aperiodic.tsv``), so a pure
    1/f rotation leaves it about unchanged while broadband muscle activity above the bands
    still raises it. Returns the series and whether it was corrected.
    """
    qc = _included(inputs.qc)
    if "emg_slope_median" not in qc.columns:
        return None, False
    rows = qc[["subject", "session", "recording", "state", "emg_slope_median"]].copy()
    rows["emg_slope_median"] = pd.to_numeric(rows["emg_slope_median"], errors="coerce")
    corrected = False
    fits = inputs.aperiodic
    if fits is not None and not fits.empty and (fits["site"] == "all").any():
        exponent = fits.loc[fits["site"] == "all", ["recording", "exponent"]]
        rows = rows.merge(exponent, on="recording", how="inner")
        rows["emg_slope_median"] = rows["emg_slope_median"] + pd.to_numeric(
            rows["exponent"], errors="coerce"
        )
        corrected = True
    values = _values(value_differences(rows, s.baseline, s.target, "emg_slope_median"))
    measure = "muscle (EMG) index: median spectral slope above the analysed bands"
    if corrected:
        measure += " + aperiodic exponent below them (corrected for 1/f changes)"
    series = PairedSeries(
        name="emg_index",
        claim="gamma_increases",
        measure=measure,
        unit="slope",
        values=values,
        family=False,
    )
    return series, corrected


def measure_claims(inputs: ClaimInputs, settings: ClaimSettings) -> ClaimMeasures:
    """Reduce the group tables to the per-subject values of every claim.

    Parameters
    ----------
    inputs : ClaimInputs
        Group tables (connectivity and classification may be None).
    settings : ClaimSettings
        The claims settings.

    Returns
    -------
    ClaimMeasures
        Per-subject values, peak tables and the decoding result.
    """
    s = settings
    specs: dict[str, ClaimSpec] = {}
    series: dict[str, PairedSeries] = {}
    peaks: dict[str, pd.DataFrame] = {}
    for claim, band, regions, peak, label in (
        ("alpha_abolished", s.alpha_band, s.alpha_regions, "alpha", "posterior alpha"),
        ("theta_emerges", s.theta_band, s.theta_regions, "theta", "theta"),
        ("gamma_increases", s.gamma_band, s.gamma_regions, None, "gamma"),
    ):
        site, diffs = _band_claim(
            specs, series, inputs, s, claim=claim, band=band, regions=regions, peak=peak,
            label=label,
        )  # fmt: skip
        if peak and diffs is not None and len(diffs):
            table = _peak_table(
                inputs.aperiodic,
                site,
                s.baseline,
                s.target,
                diffs["subject"].astype(str),
                s.peak_settings.slowing_hz,
            )
            if table is not None:
                peaks[claim] = table
    emg, corrected = _emg_series(inputs, s)
    if emg is not None and "gamma_power" in series:
        series[emg.name] = emg
        specs["gamma_increases"].tests.append(emg.name)
    _dmn_claim(specs, series, inputs, s)
    decoding = _decoding_claim(specs, inputs, s)
    gamma = s.bands.get(s.gamma_band)
    overlaps = bool(gamma and s.emg_fmin is not None and float(s.emg_fmin) < gamma[1])
    return ClaimMeasures(
        specs, series, peaks, decoding, emg_overlaps_gamma=overlaps, emg_corrected=corrected
    )


# ---------------------------------------------------------------------------------- deciding


@dataclass(frozen=True)
class TestResult:
    """A paired test run on per-subject values."""

    name: str
    effect: rules.PairedEffect
    raw_p: float
    n_decrease: int
    n_increase: int


def _run_test(series: PairedSeries, s: ClaimSettings) -> TestResult:
    d = series.values["diff"].to_numpy(dtype=float)
    d = d[np.isfinite(d)]
    if d.size == 0:
        nan = math.nan
        return TestResult(series.name, rules.PairedEffect(nan, nan, nan, nan, 0), nan, 0, 0)
    mean, low, high = bootstrap_mean_ci(
        d,
        ci_level=s.ci_level,
        n_bootstrap=s.n_bootstrap,
        seed=derive_seed(s.seed, "claims", series.name),
    )
    _, p = signed_rank_p(d)
    effect = rules.PairedEffect(float(mean), float(low), float(high), float(p), int(d.size))
    return TestResult(series.name, effect, float(p), int(np.sum(d < 0)), int(np.sum(d > 0)))


def peak_counts(table: pd.DataFrame | None, kind: str) -> rules.PeakCounts | None:
    """Peak presence counts of ``kind`` (``alpha`` or ``theta``) from a per-subject table.

    A subject whose alpha peak slowed in the target state (``target_alpha_slow``, see
    :func:`_peak_table`) is not counted as losing the alpha peak, and a theta peak it gains is
    not counted as a theta peak emerging.
    """
    if table is None or table.empty:
        return None
    b, t = table[f"baseline_{kind}"].to_numpy(bool), table[f"target_{kind}"].to_numpy(bool)
    slowed = table["target_alpha_slow"].to_numpy(bool)
    if kind == "alpha":
        lost, gained, n_slowed = b & ~t & ~slowed, ~b & t, b & ~t & slowed
    else:
        lost, gained, n_slowed = b & ~t, ~b & t & ~slowed, ~b & t & slowed
    return rules.PeakCounts(
        n_subjects=len(table),
        baseline_present=int(b.sum()),
        target_present=int(t.sum()),
        lost=int(lost.sum()),
        gained=int(gained.sum()),
        slowed=int(n_slowed.sum()),
    )


@dataclass
class ClaimsResult:
    """The claims table and the table of every test behind it."""

    claims: pd.DataFrame
    tests: pd.DataFrame


def _gamma_emg_note(m: ClaimMeasures, results: dict[str, TestResult], s: ClaimSettings) -> str:
    from scipy.stats import spearmanr

    emg = results.get("emg_index")
    rho = rho_p = math.nan
    n = 0
    if emg is not None and emg.effect.n_subjects:
        both = m.series["gamma_power"].values.merge(
            m.series["emg_index"].values, on="subject", suffixes=("", "_emg")
        )
        n = len(both)
        x, y = both["diff"].to_numpy(float), both["diff_emg"].to_numpy(float)
        if n >= 3 and np.ptp(x) > 0 and np.ptp(y) > 0:
            res = spearmanr(x, y)
            rho, rho_p = float(res.statistic), float(res.pvalue)
    return rules.emg_note(
        emg_change=None if emg is None or not emg.effect.n_subjects else emg.effect,
        rho=rho,
        rho_p=rho_p,
        n=n,
        t=s.thresholds,
        overlaps_band=m.emg_overlaps_gamma,
        corrected=m.emg_corrected,
    )


def _decoding_row(m: ClaimMeasures, s: ClaimSettings, spec: ClaimSpec) -> dict[str, Any]:
    d = m.decoding
    row = {"effect": math.nan, "ci_low": math.nan, "ci_high": math.nan, "p_value": math.nan}
    notes = list(spec.notes)
    if d is None:
        return {**row, "n_subjects": 0, "verdict": rules.NOT_TESTABLE, "notes": notes}
    row.update(effect=d.balanced_accuracy, ci_low=d.ci_low, ci_high=d.ci_high)
    row["p_value"] = math.nan if d.p_value is None else d.p_value
    t = s.thresholds
    if d.n_subjects < t.min_subjects or not math.isfinite(d.balanced_accuracy):
        notes.append(
            f"only {d.n_subjects} subject(s) with both states for classification (at least "
            f"{t.min_subjects} needed)"
            if math.isfinite(d.balanced_accuracy)
            else "no balanced accuracy"
        )
        return {**row, "n_subjects": d.n_subjects, "verdict": rules.NOT_TESTABLE, "notes": notes}
    verdict = rules.decodable_verdict(
        d.balanced_accuracy, d.ci_low, d.p_value, d.p_floor, d.chance, t
    )
    notes.extend(verdict.notes)
    if d.normalize:
        note = f"features normalised per subject with normalize: {d.normalize}"
        if d.assumption:
            note += f" ({d.assumption})"
        notes.append(note)
    comparison = d.comparison or {}
    if comparison.get("balanced_accuracy") is not None:
        low, high = comparison.get("ci_low"), comparison.get("ci_high")
        interval = f" [{low:.3g}, {high:.3g}]" if low is not None and high is not None else ""
        notes.append(
            "without normalisation (normalize: none, a new person's single recording): "
            f"balanced accuracy {float(comparison['balanced_accuracy']):.3g}{interval}"
        )
    return {**row, "n_subjects": d.n_subjects, "verdict": verdict.verdict, "notes": notes}


def decide_claims(m: ClaimMeasures, settings: ClaimSettings) -> ClaimsResult:
    """Run the paired tests on the per-subject values and apply the verdict rules.

    Parameters
    ----------
    m : ClaimMeasures
        Per-subject values (:func:`measure_claims`, or a resample of them).
    settings : ClaimSettings
        The claims settings.

    Returns
    -------
    ClaimsResult
        ``claims`` (:data:`eegstate.tables.CLAIMS_COLUMNS`, rows in :data:`CLAIMS` order) and
        ``tests`` (:data:`eegstate.tables.CLAIM_TESTS_COLUMNS`).
    """
    s = settings
    t = s.thresholds
    results = {name: _run_test(series, s) for name, series in m.series.items()}
    in_family = {
        name: results[name].effect.n_subjects
        for name, series in m.series.items()
        if series.family and m.specs[series.claim].available
    }
    family = rules.decidable_family(in_family, t)
    adjusted = dict(
        zip(family.members, holm_adjust([results[n].raw_p for n in family.members]), strict=True)
    )

    def effect(name: str) -> rules.PairedEffect:
        """The test's effect with the Holm-adjusted p (family members) or the raw p."""
        base = results[name].effect
        if name in in_family:
            return replace(base, p_value=adjusted.get(name, math.nan))
        return base

    rows = []
    for claim in CLAIMS:
        spec = m.specs[claim]
        if claim == "state_decodable":
            rows.append({"claim": claim, "measure": spec.measure, **_decoding_row(m, s, spec)})
            continue
        notes = list(spec.notes)
        primary = spec.primary
        row: dict[str, Any] = {"claim": claim, "measure": spec.measure}
        if primary is not None:
            e = effect(primary)
            row.update(effect=e.effect, ci_low=e.ci_low, ci_high=e.ci_high, p_value=e.p_value)
            row["n_subjects"] = e.n_subjects
        else:
            row.update(effect=math.nan, ci_low=math.nan, ci_high=math.nan, p_value=math.nan)
            row["n_subjects"] = 0
        decidable = [n for n in spec.tests if n in family.members]
        if not spec.available or primary is None:
            row["verdict"] = rules.NOT_TESTABLE
        elif not decidable:
            primary_n = results[primary].effect.n_subjects
            size = family.sizes.get(primary, family.size + 1)
            verdict = rules.not_testable_floor(primary_n, size, t, claim)
            row["verdict"], notes = verdict.verdict, [*verdict.notes, *notes]
        else:
            verdict = _claim_verdict(claim, m, s, effect, decidable)
            row["verdict"], notes = verdict.verdict, [*verdict.notes, *notes]
            shown = _decisive_test(claim, verdict, decidable, m, effect, t)
            if shown is not None and shown != primary:  # show the metric that decided
                primary = shown
                e = effect(primary)
                row.update(effect=e.effect, ci_low=e.ci_low, ci_high=e.ci_high)
                row.update(p_value=e.p_value, n_subjects=e.n_subjects)
                row["measure"] = f"{spec.measure} (shown: {primary.removeprefix('dmn_')})"
            if claim == "gamma_increases":
                notes.append(_gamma_emg_note(m, results, s))
        if not (primary in family.members if primary else False):
            row["p_value"] = math.nan  # no test decided it: effect and CI describe only
        row["notes"] = notes
        rows.append(row)
    if s.open_label_fixed_order:
        for row in rows:
            row["notes"].append(DESIGN_CAVEAT)
    claims = pd.DataFrame(
        [
            {
                **{k: v for k, v in row.items() if k != "notes"},
                "caveat": rules.caveat_text(row["notes"]),
            }
            for row in rows
        ]
    )
    claims["n_subjects"] = claims["n_subjects"].astype(int)
    claims = claims[list(CLAIMS_COLUMNS)]
    return ClaimsResult(claims=claims, tests=_tests_table(m, results, adjusted, family, t))


def _claim_verdict(claim, m, s, effect, decidable) -> rules.Verdict:
    t = s.thresholds
    if claim == "alpha_abolished":
        return rules.alpha_verdict(
            effect("alpha_power"), peak_counts(m.peaks.get(claim), "alpha"), t
        )
    if claim == "theta_emerges":
        return rules.theta_verdict(
            effect("theta_power"), peak_counts(m.peaks.get(claim), "theta"), t
        )
    if claim == "gamma_increases":
        return rules.power_verdict(effect("gamma_power"), t)
    return rules.network_verdict(_network_tests(m, effect, decidable), t)


def _network_tests(m, effect, decidable) -> list[rules.NetworkTest]:
    tests = []
    for name in decidable:
        metric = name.removeprefix("dmn_")
        control = f"control_{metric}"
        contrast = f"dmn_minus_control_{metric}"
        tests.append(
            rules.NetworkTest(
                metric=metric,
                dmn=effect(name),
                control=effect(control) if control in m.series else None,
                contrast=effect(contrast) if contrast in m.series else None,
            )
        )
    return tests


def _decisive_test(claim, verdict, decidable, m, effect, t) -> str | None:
    """The DMN metric whose specific change decided a ``reduced``/``increased`` verdict."""
    if claim != "dmn_connectivity_reduced" or verdict.verdict not in (
        rules.REDUCED,
        rules.INCREASED,
    ):
        return None
    wanted = rules.DECREASE if verdict.verdict == rules.REDUCED else rules.INCREASE
    for test in _network_tests(m, effect, decidable):
        if rules.specific_direction(test, t)[0] == wanted:
            return f"dmn_{test.metric}"
    return None


def _tests_table(m, results, adjusted, family, t) -> pd.DataFrame:
    rows = []
    for name, series in m.series.items():
        r = results[name]
        member = name in family.members
        found = rules.direction(replace(r.effect, p_value=adjusted[name]), t) if member else None
        if not series.family:
            found = rules.direction(r.effect, t)
        rows.append(
            {
                "claim": series.claim,
                "test": name,
                "measure": series.measure,
                "in_family": member,
                "n_subjects": r.effect.n_subjects,
                "effect": r.effect.effect,
                "ci_low": r.effect.ci_low,
                "ci_high": r.effect.ci_high,
                "n_decrease": r.n_decrease,
                "n_increase": r.n_increase,
                "p_value": r.raw_p,
                "p_holm": adjusted.get(name, math.nan),
                "p_floor": family.floors.get(name, math.nan) if series.family else math.nan,
                "result": found or ("not_testable" if series.family and not member else "none"),
            }
        )
    return pd.DataFrame(rows, columns=list(CLAIM_TESTS_COLUMNS))


def claims_and_tests(
    inputs: ClaimInputs, config: StatsStepSettings | Mapping[str, Any]
) -> ClaimsResult:
    """Measure every claim and decide its verdict; also return the tests behind them.

    Parameters
    ----------
    inputs : ClaimInputs
        Group tables (connectivity and classification may be None: their claims are then
        ``not_testable`` with the caveat "step not run").
    config : eegstate.settings.StatsStepSettings or mapping
        The statistics settings (or a validated configuration holding them).

    Returns
    -------
    ClaimsResult
        ``claims.tsv`` and ``claims_tests.tsv``.
    """
    settings = ClaimSettings.from_config(config)
    return decide_claims(measure_claims(inputs, settings), settings)


def evaluate_claims(
    inputs: ClaimInputs, config: StatsStepSettings | Mapping[str, Any]
) -> pd.DataFrame:
    """Measure every claim and decide its verdict (the ``claims.tsv`` table).

    Parameters
    ----------
    inputs : ClaimInputs
        Group tables.
    config : mapping
        Validated configuration.

    Returns
    -------
    pandas.DataFrame
        :data:`eegstate.tables.CLAIMS_COLUMNS`, rows in :data:`CLAIMS` order.
    """
    return claims_and_tests(inputs, config).claims


__all__ = [
    "CLAIMS",
    "ClaimInputs",
    "ClaimMeasures",
    "ClaimSettings",
    "ClaimsResult",
    "claims_and_tests",
    "decide_claims",
    "evaluate_claims",
    "measure_claims",
    "peak_counts",
    "site_name",
]
