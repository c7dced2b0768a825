"""Measure each popular claim and turn the numbers into a verdict (``claims.tsv``).

One row per claim (:data:`CLAIMS`); the measures are computed here from the group tables, the
verdicts by the rules of :mod:`eegstate.stats.verdicts`. ``p_value`` is, for the four paired
claims (alpha, theta, gamma power and DMN connectivity), the two-sided Wilcoxon signed-rank
p-value Holm-adjusted over those four tests; for ``state_decodable`` the classifier's
permutation p-value. ``effect`` is the mean target − baseline change over subjects (dB for
band power, metric units for connectivity) or the balanced accuracy; ``ci_low``/``ci_high``
its percentile-bootstrap CI over subjects (seeded from the config ``seed``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from eegstate.seeding import derive_seed
from eegstate.stats import verdicts as rules
from eegstate.stats.aperiodic import resolve_settings
from eegstate.stats.contrasts import (
    band_table,
    site_channels,
    site_differences,
    value_differences,
)
from eegstate.stats.paired import holm_adjust, summarise_differences
from eegstate.tables import CLAIMS_COLUMNS

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


@dataclass
class ClaimRow:
    """One row of ``claims.tsv`` before the Holm adjustment of the paired tests."""

    claim: str
    measure: str
    effect: float = math.nan
    ci_low: float = math.nan
    ci_high: float = math.nan
    p_value: float = math.nan
    n_subjects: int = 0
    verdict: str = rules.NOT_TESTABLE
    notes: list[str] = field(default_factory=list)
    paired: bool = False
    site: str = ""
    subjects: list[str] = field(default_factory=list)
    diffs: pd.DataFrame | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "claim": self.claim,
            "measure": self.measure,
            "effect": self.effect,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "p_value": self.p_value,
            "n_subjects": int(self.n_subjects),
            "verdict": self.verdict,
            "caveat": rules.caveat_text(self.notes),
        }


@dataclass(frozen=True)
class ClaimInputs:
    """Group tables the claims are measured on (None: the step did not run)."""

    bandpower: pd.DataFrame
    qc: pd.DataFrame
    aperiodic: pd.DataFrame | None = None
    dmn_summary: pd.DataFrame | None = None
    classification: Mapping[str, Any] | None = None
    classification_predictions: pd.DataFrame | None = None


def _hz(fmin: float, fmax: float) -> str:
    return f"{float(fmin):g}–{float(fmax):g} Hz"


def site_name(regions: Sequence[str] | None) -> str:
    """Name of a channel site: regions joined by ``+``, or ``all`` for every channel."""
    return "+".join(str(r) for r in regions) if regions else "all"


def _included_sfreq(qc: pd.DataFrame) -> pd.DataFrame:
    """Recording → sampling rate of the analysed (not excluded) recordings."""
    keep = qc[qc["excluded"].fillna("").astype(str).str.strip() == ""]
    out = keep[["subject", "recording", "state"]].copy()
    out["sfreq"] = pd.to_numeric(keep["sfreq"], errors="coerce")
    return out


def _paired_effect(diffs: pd.DataFrame, ci_level: float, n_bootstrap: int, seed: int) -> tuple:
    d = diffs["diff_db"].to_numpy(dtype=float)
    if d.size == 0:
        return math.nan, math.nan, math.nan, math.nan, 0
    s = summarise_differences(d, ci_level=ci_level, n_bootstrap=n_bootstrap, seed=seed).iloc[0]
    return float(s["mean"]), float(s["ci_low"]), float(s["ci_high"]), float(s["p_value"]), d.size


def peak_counts(
    aperiodic: pd.DataFrame | None,
    site: str,
    name: str,
    baseline: str,
    target: str,
    subjects: Sequence[str],
) -> rules.PeakCounts | None:
    """Per-subject presence of a periodic peak in each state, from ``aperiodic.tsv``.

    Parameters
    ----------
    aperiodic : pandas.DataFrame or None
        :data:`eegstate.tables.APERIODIC_COLUMNS`.
    site : str
        Site of the fits.
    name : str
        ``alpha`` or ``theta``.
    baseline, target : str
        State labels.
    subjects : sequence of str
        Paired subjects of the claim.

    Returns
    -------
    PeakCounts or None
        None when no fit of the site covers both states of these subjects.
    """
    if aperiodic is None or aperiodic.empty:
        return None
    rows = aperiodic[(aperiodic["site"] == site) & aperiodic["subject"].isin(list(subjects))]
    present = rows.assign(_p=rows[f"{name}_present"].astype(str).str.lower() == "true")
    by = present.groupby(["subject", "state"])["_p"].any().unstack("state")
    if baseline not in by.columns or target not in by.columns:
        return None
    by = by[[baseline, target]].dropna().astype(bool)
    if by.empty:
        return None
    base, targ = by[baseline].to_numpy(), by[target].to_numpy()
    return rules.PeakCounts(
        n_subjects=len(by),
        baseline_present=int(base.sum()),
        target_present=int(targ.sum()),
        lost=int(np.sum(base & ~targ)),
        gained=int(np.sum(~base & targ)),
    )


class ClaimEvaluator:
    """Compute the measures of every claim from the group tables and apply the rules.

    Parameters
    ----------
    inputs : ClaimInputs
        Group tables.
    config : mapping
        Validated configuration (``baseline``, ``target``, ``seed``, ``claims``, ``stats``,
        ``report``, ``preprocess``, ``connectivity``).
    """

    def __init__(self, inputs: ClaimInputs, config: Mapping[str, Any]) -> None:
        self.inputs = inputs
        self.config = config
        self.claims_cfg = config["claims"]
        self.t = rules.Thresholds.from_config(config)
        self.baseline = str(config["baseline"])
        self.target = str(config["target"])
        self.ci_level = float(config["report"]["ci_level"])
        self.n_bootstrap = int(config["report"]["n_bootstrap"])
        self.seed = int(config["seed"])
        self.bands = band_table(inputs.bandpower) if len(inputs.bandpower) else None
        self.sfreq = _included_sfreq(inputs.qc)
        self.peak_settings = resolve_settings(
            config["stats"]["aperiodic"], config["bandpower"]["bands"], self.claims_cfg
        )

    # ------------------------------------------------------------------ band-power claims
    def _band(self, name: str) -> tuple[float, float] | None:
        if self.bands is None:
            return None
        hit = self.bands[self.bands["band"] == name]
        return (float(hit["fmin"].iloc[0]), float(hit["fmax"].iloc[0])) if len(hit) else None

    def _testable_bandpower(self, fmax: float, row: ClaimRow, band: str) -> pd.DataFrame:
        """Band power of recordings whose usable range covers the band; notes what is dropped."""
        bp = self.inputs.bandpower
        ok = self.sfreq.assign(
            _ok=[rules.band_is_testable(fmax, s, self.t) for s in self.sfreq["sfreq"]]
        )
        bad = ok[~ok["_ok"]]
        if len(bad):
            rates = sorted({float(s) for s in bad["sfreq"]})
            limit = min(rules.usable_upper_hz(s, self.t) for s in rates)
            row.notes.append(
                f"{band} band (up to {fmax:g} Hz) lies above the usable upper frequency "
                f"({limit:g} Hz) of {len(bad)} recording(s) sampled at "
                f"{', '.join(f'{r:g}' for r in rates)} Hz (limit = min(preprocess.h_freq, "
                "claims.hardware_lowpass_hz, sfreq / claims.samples_per_cycle)); "
                "they are left out of this claim"
            )
        return bp[~bp["recording"].isin(set(bad["recording"]))]

    def band_claim(
        self, claim: str, band_key: str, regions_key: str, peak: str | None, label: str
    ) -> ClaimRow:
        """Measure a band-power claim (alpha, theta or gamma)."""
        band = str(self.claims_cfg[band_key])
        regions = self.claims_cfg[regions_key]
        row = ClaimRow(claim=claim, measure=f"{label} power", paired=True)
        edges = self._band(band)
        if edges is None:
            row.notes.append(f"band {band!r} is not among the analysed bands (bandpower.bands)")
            row.paired = False
            return row
        bp = self._testable_bandpower(edges[1], row, band)
        channels = site_channels(bp, regions) if len(bp) else []
        site = site_name(regions)
        if regions and not channels and len(bp):
            row.notes.append(f"no channel of regions {site}: all channels used")
            channels, site = site_channels(bp, None), "all"
        row.measure = (
            f"{label} power, {site} channels, {band} {_hz(*edges)}: {self.target} − "
            f"{self.baseline} (dB), Wilcoxon signed-rank, Holm over the paired claims"
        )
        if peak:
            rng = self.peak_settings[f"{peak}_range"]
            row.measure += (
                f"; periodic {peak} peak {_hz(*rng)} above the aperiodic fit (specparam, "
                f">= {self.peak_settings['min_peak_height_db']:g} dB)"
            )
        diffs = (
            site_differences(bp, self.baseline, self.target, band, channels)
            if channels
            else pd.DataFrame(columns=["subject", "diff_db"])
        )
        seed = derive_seed(self.seed, "claims", claim)
        row.effect, row.ci_low, row.ci_high, row.p_value, row.n_subjects = _paired_effect(
            diffs, self.ci_level, self.n_bootstrap, seed
        )
        row.subjects = [str(s) for s in diffs["subject"]]
        row.diffs = diffs
        row.site = site
        return row

    # ------------------------------------------------------------------ DMN
    def dmn_claim(self) -> ClaimRow:
        """Measure ``dmn_connectivity_reduced`` from ``dmn_summary.tsv``."""
        band = str(self.claims_cfg["dmn_band"])
        metric = str(self.claims_cfg["dmn_metric"])
        row = ClaimRow(
            claim="dmn_connectivity_reduced",
            measure=(
                f"within-DMN minus within-control {metric} connectivity ({band} band): "
                f"{self.target} − {self.baseline}, Wilcoxon signed-rank, Holm over the "
                "paired claims"
            ),
            paired=True,
        )
        summary = self.inputs.dmn_summary
        enabled = self.config.get("connectivity", {}).get("enabled", True)
        if summary is None or not enabled:
            row.notes.append("step not run (connectivity disabled or its outputs missing)")
            row.paired = False
            return row
        rows = summary[(summary["band"] == band) & (summary["metric"] == metric)]
        if rows.empty:
            row.notes.append(
                f"no {band} {metric} rows in dmn_summary.tsv (connectivity skipped for every "
                "recording, or band/metric not computed; see qc.tsv notes)"
            )
            row.paired = False
            return row
        diffs = value_differences(rows, self.baseline, self.target, "dmn_minus_control")
        seed = derive_seed(self.seed, "claims", row.claim)
        row.effect, row.ci_low, row.ci_high, row.p_value, row.n_subjects = _paired_effect(
            diffs, self.ci_level, self.n_bootstrap, seed
        )
        row.notes.append(DMN_CAVEAT)
        return row

    # ------------------------------------------------------------------ classification
    def decodable_claim(self) -> ClaimRow:
        """Measure ``state_decodable`` from the classification outputs."""
        summary = self.inputs.classification
        row = ClaimRow(
            claim="state_decodable",
            measure=(
                f"balanced accuracy of {self.target} vs {self.baseline} on held-out subjects "
                "(nested leave-one-subject-out); CI bootstrap over subjects; subject-aware "
                "permutation p"
            ),
        )
        if not summary:
            row.notes.append("step not run (classification outputs missing)")
            return row
        row.measure = row.measure.replace(
            "balanced accuracy", f"balanced accuracy ({summary.get('estimator', 'classifier')})"
        )
        ba = summary.get("balanced_accuracy")
        row.effect = float(ba) if ba is not None else math.nan
        row.n_subjects = int(summary.get("n_subjects", 0) or 0)
        p = summary.get("p_value")
        row.p_value = float(p) if p is not None else math.nan
        chance = float(summary.get("chance_level", 0.5) or 0.5)
        row.ci_low, row.ci_high = balanced_accuracy_ci(
            self.inputs.classification_predictions,
            ci_level=self.ci_level,
            n_bootstrap=self.n_bootstrap,
            seed=derive_seed(self.seed, "claims", row.claim),
        )
        few = rules.too_few_subjects(row.n_subjects, self.t, "classification")
        if few is not None or not math.isfinite(row.effect):
            row.notes.extend(few.notes if few else ("no balanced accuracy",))
            return row
        if not math.isfinite(row.ci_low):
            row.notes.append("no per-epoch predictions: CI not computed")
        verdict = rules.decodable_verdict(row.effect, row.ci_low, p, chance, self.t)
        row.verdict = verdict.verdict
        row.notes.extend(verdict.notes)
        return row

    # ------------------------------------------------------------------ all
    def gamma_emg_note(self, row: ClaimRow) -> str | None:
        """Spearman correlation of per-subject gamma change with muscle-index change."""
        from scipy.stats import spearmanr

        diffs = row.diffs
        qc = self.inputs.qc
        if diffs is None or diffs.empty or "emg_slope_median" not in qc.columns:
            return None
        keep = qc[qc["excluded"].fillna("").astype(str).str.strip() == ""]
        emg = value_differences(keep, self.baseline, self.target, "emg_slope_median")
        both = diffs.merge(emg, on="subject", suffixes=("", "_emg"))
        n = len(both)
        if n < 3:
            return "too few subjects to correlate gamma with the muscle (EMG) index"
        x, y = both["diff_db"].to_numpy(float), both["diff_db_emg"].to_numpy(float)
        if np.ptp(x) == 0 or np.ptp(y) == 0:
            return rules.emg_note(math.nan, math.nan, n, self.t)
        res = spearmanr(x, y)
        return rules.emg_note(float(res.statistic), float(res.pvalue), n, self.t)

    def evaluate(self) -> pd.DataFrame:
        """All claims as a table with :data:`eegstate.tables.CLAIMS_COLUMNS`."""
        alpha = self.band_claim(
            "alpha_abolished", "alpha_band", "alpha_regions", "alpha", "posterior alpha"
        )
        theta = self.band_claim("theta_emerges", "theta_band", "theta_regions", "theta", "theta")
        gamma = self.band_claim("gamma_increases", "gamma_band", "gamma_regions", None, "gamma")
        dmn = self.dmn_claim()
        paired = [alpha, theta, gamma, dmn]
        testable = [
            r
            for r in paired
            if r.paired and rules.too_few_subjects(r.n_subjects, self.t, "", wilcoxon=True) is None
        ]
        adjusted = holm_adjust([r.p_value for r in testable])
        for r, p in zip(testable, adjusted, strict=True):
            r.p_value = float(p)
        for r in paired:
            if r not in testable:  # no test: the effect and CI stay as a description
                r.p_value = math.nan
        self._decide(alpha, theta, gamma, dmn, testable)
        rows = [*paired, self.decodable_claim()]
        if self.claims_cfg.get("open_label_fixed_order"):
            for r in rows:
                r.notes.append(DESIGN_CAVEAT)
        return pd.DataFrame([r.as_dict() for r in rows], columns=list(CLAIMS_COLUMNS))

    def _decide(self, alpha, theta, gamma, dmn, testable) -> None:
        for r in (alpha, theta, gamma, dmn):
            if r not in testable:
                r.verdict = rules.NOT_TESTABLE
                if r.paired or not r.notes:
                    few = rules.too_few_subjects(r.n_subjects, self.t, r.claim, wilcoxon=True)
                    r.notes[:0] = list(few.notes) if few else []
                continue
            effect = rules.PairedEffect(r.effect, r.ci_low, r.ci_high, r.p_value, r.n_subjects)
            if r is alpha:
                peaks = peak_counts(
                    self.inputs.aperiodic, r.site, "alpha", self.baseline, self.target, r.subjects
                )
                verdict = rules.alpha_verdict(effect, peaks, self.t)
            elif r is theta:
                peaks = peak_counts(
                    self.inputs.aperiodic, r.site, "theta", self.baseline, self.target, r.subjects
                )
                verdict = rules.theta_verdict(effect, peaks, self.t)
            else:
                unit = "dB" if r is gamma else "connectivity"
                verdict = rules.power_verdict(effect, self.t, unit=unit)
            r.verdict = verdict.verdict
            r.notes[:0] = list(verdict.notes)
            if r is gamma:
                note = self.gamma_emg_note(r)
                if note:
                    r.notes.append(note)


def balanced_accuracy_ci(
    predictions: pd.DataFrame | None, *, ci_level: float, n_bootstrap: int, seed: int
) -> tuple[float, float]:
    """Percentile-bootstrap CI of the pooled balanced accuracy, resampling subjects.

    Parameters
    ----------
    predictions : pandas.DataFrame or None
        ``classification_predictions.tsv`` (``subject``, ``y_true``, ``y_pred``).
    ci_level, n_bootstrap, seed
        Bootstrap settings.

    Returns
    -------
    tuple of float
        ``(ci_low, ci_high)``; NaN when unavailable.
    """
    if predictions is None or predictions.empty:
        return math.nan, math.nan
    y = predictions["y_true"].to_numpy(dtype=int)
    pred = predictions["y_pred"].to_numpy(dtype=int)
    frame = pd.DataFrame(
        {
            "subject": predictions["subject"].astype(str).to_numpy(),
            "tp": (y == 1) & (pred == 1),
            "pos": y == 1,
            "tn": (y == 0) & (pred == 0),
            "neg": y == 0,
        }
    )
    counts = frame.groupby("subject", sort=True)[["tp", "pos", "tn", "neg"]].sum()
    per_subject = counts.to_numpy(dtype=float)
    n = per_subject.shape[0]
    if n < 2:
        return math.nan, math.nan
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(int(n_bootstrap), n))
    weights = np.zeros((int(n_bootstrap), n))
    np.add.at(weights, (np.arange(int(n_bootstrap))[:, None], idx), 1.0)
    totals = weights @ per_subject
    with np.errstate(invalid="ignore", divide="ignore"):
        ba = 0.5 * (totals[:, 0] / totals[:, 1] + totals[:, 2] / totals[:, 3])
    ba = ba[np.isfinite(ba)]
    if ba.size == 0:
        return math.nan, math.nan
    tail = (1.0 - ci_level) / 2.0
    low, high = np.quantile(ba, [tail, 1.0 - tail])
    return float(low), float(high)


def evaluate_claims(inputs: ClaimInputs, config: Mapping[str, Any]) -> pd.DataFrame:
    """Measure every claim and decide its verdict.

    Parameters
    ----------
    inputs : ClaimInputs
        Group tables (connectivity and classification may be None: their claims are then
        ``not_testable`` with the caveat "step not run").
    config : mapping
        Validated configuration.

    Returns
    -------
    pandas.DataFrame
        ``claims.tsv`` (:data:`eegstate.tables.CLAIMS_COLUMNS`), rows in :data:`CLAIMS` order.
    """
    return ClaimEvaluator(inputs, config).evaluate()
