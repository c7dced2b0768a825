"""The verdict rules of ``claims.tsv``: the one place where numbers become words.

Every verdict is decided from measured numbers only, with thresholds from the ``claims`` and
``stats`` sections of the configuration (:class:`Thresholds`). Vocabulary:
``abolished, reduced, unchanged, increased, emerged, not_testable``.

Definitions
-----------
significant decrease / increase
    Holm-adjusted p-value (Wilcoxon signed-rank over subjects, Holm over the paired claim
    tests) below ``stats.alpha`` **and** the bootstrap CI of the mean change entirely below /
    above 0.
peak present
    A specparam peak in ``stats.aperiodic.alpha_range`` (or ``theta_range``) at least
    ``stats.aperiodic.min_peak_height_db`` above the aperiodic fit, in the channel-average
    spectrum of the claim's site. Per subject and state: present if present in any of the
    subject's recordings of that state.
usable upper frequency of a recording
    ``min(preprocess.h_freq, claims.hardware_lowpass_hz, sfreq / claims.samples_per_cycle)``;
    a band whose upper edge exceeds it cannot be measured in that recording (acquisition
    anti-aliasing filters roll off well below Nyquist, typically from 0.25–0.4 × sfreq).

Rules (applied in order; the first that matches decides)
--------------------------------------------------------

=========================  ==================================================================
claim                      rules
=========================  ==================================================================
any claim                  ``not_testable`` if its step did not run or wrote no rows, the band
                           is not configured, the band exceeds the usable upper frequency of
                           the recordings (after dropping such recordings, fewer than
                           ``claims.min_subjects`` subjects remain), fewer than
                           ``claims.min_subjects`` subjects have both states, or (paired
                           claims) so few that the exact Wilcoxon test cannot reach
                           ``stats.alpha`` (``2 / 2**n >= alpha``: fewer than 6 subjects at
                           0.05).
``alpha_abolished``        ``abolished`` if at least ``claims.min_subjects`` subjects have a
                           baseline alpha peak and the peak is absent in the target state of
                           at least ``claims.alpha_abolished_fraction`` of them; else
                           ``reduced`` on a significant decrease of alpha power; ``increased``
                           on a significant increase; else ``unchanged``.
``theta_emerges``          ``emerged`` on a significant increase of theta power, or if at
                           least ``claims.min_subjects`` subjects lack a baseline theta peak
                           and at least ``claims.theta_emerged_fraction`` of them have one in
                           the target state; else ``reduced`` on a significant decrease; else
                           ``unchanged``.
``gamma_increases``        ``increased`` / ``reduced`` on a significant increase / decrease
                           of gamma power, else ``unchanged``. Caveat (verdict kept) when the
                           per-subject gamma change correlates with the change of the muscle
                           (EMG) index: Spearman \\|rho\\| >= ``claims.emg_rho_threshold``.
``dmn_connectivity_        ``reduced`` / ``increased`` on a significant decrease / increase of
reduced``                  DMN − control connectivity, else ``unchanged``.
``state_decodable``        ``increased`` (decodable: balanced accuracy above chance) if the
                           permutation p-value is below ``stats.alpha`` and the CI lower bound
                           is above chance; else ``unchanged`` (not distinguishable from
                           chance).
=========================  ==================================================================

``unchanged`` means "no significant change", not "shown to be equal": its caveat says whether
the CI lies within ``±claims.unchanged_margin_db`` (changes larger than the margin excluded)
or not (inconclusive).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eegstate.stats.paired import min_wilcoxon_p

ABOLISHED = "abolished"
REDUCED = "reduced"
UNCHANGED = "unchanged"
INCREASED = "increased"
EMERGED = "emerged"
NOT_TESTABLE = "not_testable"


@dataclass(frozen=True)
class Thresholds:
    """Numbers the verdict rules use (``claims`` and ``stats`` config sections)."""

    alpha: float = 0.05
    min_subjects: int = 2
    alpha_abolished_fraction: float = 0.9
    theta_emerged_fraction: float = 0.9
    unchanged_margin_db: float = 1.0
    emg_rho_threshold: float = 0.5
    samples_per_cycle: float = 2.5
    hardware_lowpass_hz: float | None = None
    h_freq: float | None = None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Thresholds:
        """Read the thresholds from a validated configuration.

        Parameters
        ----------
        config : mapping
            Validated configuration (``claims``, ``stats``, ``preprocess.h_freq``).

        Returns
        -------
        Thresholds
            The thresholds.
        """
        claims = config["claims"]
        return cls(
            alpha=float(config["stats"]["alpha"]),
            min_subjects=int(claims["min_subjects"]),
            alpha_abolished_fraction=float(claims["alpha_abolished_fraction"]),
            theta_emerged_fraction=float(claims["theta_emerged_fraction"]),
            unchanged_margin_db=float(claims["unchanged_margin_db"]),
            emg_rho_threshold=float(claims["emg_rho_threshold"]),
            samples_per_cycle=float(claims["samples_per_cycle"]),
            hardware_lowpass_hz=claims["hardware_lowpass_hz"],
            h_freq=config["preprocess"]["h_freq"],
        )


@dataclass(frozen=True)
class PairedEffect:
    """A paired target − baseline result: mean change, CI, adjusted p and subject count."""

    effect: float
    ci_low: float
    ci_high: float
    p_value: float
    n_subjects: int


@dataclass(frozen=True)
class PeakCounts:
    """Periodic-peak presence per subject in the two states (paired subjects only)."""

    n_subjects: int
    baseline_present: int
    target_present: int
    lost: int
    gained: int


@dataclass(frozen=True)
class Verdict:
    """A verdict and the notes explaining it (they go into the ``caveat`` column)."""

    verdict: str
    notes: tuple[str, ...] = ()


def usable_upper_hz(sfreq: float, t: Thresholds) -> float:
    """Highest frequency a recording sampled at ``sfreq`` can be analysed up to.

    Parameters
    ----------
    sfreq : float
        Sampling rate of the analysed data (Hz).
    t : Thresholds
        Thresholds (``samples_per_cycle``, ``h_freq``, ``hardware_lowpass_hz``).

    Returns
    -------
    float
        ``min(h_freq, hardware_lowpass_hz, sfreq / samples_per_cycle)``.
    """
    limits = [float(sfreq) / t.samples_per_cycle]
    limits += [float(v) for v in (t.h_freq, t.hardware_lowpass_hz) if v is not None]
    return min(limits)


def band_is_testable(fmax: float, sfreq: float, t: Thresholds) -> bool:
    """Whether a band with upper edge ``fmax`` can be measured at ``sfreq`` (see module doc)."""
    return float(fmax) <= usable_upper_hz(sfreq, t) + 1e-9


def too_few_subjects(
    n_subjects: int, t: Thresholds, what: str, *, wilcoxon: bool = False
) -> Verdict | None:
    """``not_testable`` when too few subjects have both states.

    Parameters
    ----------
    n_subjects : int
        Subjects with both states.
    t : Thresholds
        Thresholds (``min_subjects``, ``alpha``).
    what : str
        What is measured (for the note).
    wilcoxon : bool
        Also require that the exact Wilcoxon test can reach ``alpha`` at all
        (``2 / 2**n < alpha``, i.e. at least 6 subjects at alpha = 0.05): a test that
        cannot reject says nothing, so ``unchanged`` would mislead.

    Returns
    -------
    Verdict or None
        The ``not_testable`` verdict, or None when enough subjects.
    """
    if n_subjects < t.min_subjects:
        return Verdict(
            NOT_TESTABLE,
            (
                f"only {n_subjects} subject(s) with both states for {what} (at least "
                f"{t.min_subjects} needed)",
            ),
        )
    if wilcoxon and min_wilcoxon_p(n_subjects) >= t.alpha:
        return Verdict(
            NOT_TESTABLE,
            (
                f"only {n_subjects} subjects with both states for {what}: the smallest "
                f"attainable Wilcoxon p is {min_wilcoxon_p(n_subjects):.3g} >= alpha "
                f"{t.alpha:g}, so no change could be detected",
            ),
        )
    return None


def direction(result: PairedEffect, t: Thresholds) -> str | None:
    """``"decrease"``/``"increase"`` for a significant change (p < alpha, CI excludes 0)."""
    if not (math.isfinite(result.p_value) and result.p_value < t.alpha):
        return None
    if result.ci_high < 0:
        return "decrease"
    if result.ci_low > 0:
        return "increase"
    return None


def _unchanged_notes(result: PairedEffect, t: Thresholds, unit: str = "dB") -> tuple[str, ...]:
    notes = ["no significant change (absence of evidence, not evidence of no change)"]
    margin = t.unchanged_margin_db
    if unit == "dB" and math.isfinite(result.ci_low) and math.isfinite(result.ci_high):
        if -margin <= result.ci_low and result.ci_high <= margin:
            notes.append(f"the CI lies within ±{margin:g} dB: larger changes are unlikely")
        else:
            notes.append(f"the CI extends beyond ±{margin:g} dB: inconclusive")
    if result.n_subjects > 0 and min_wilcoxon_p(result.n_subjects) >= t.alpha:
        notes.append(
            f"with {result.n_subjects} subjects the smallest attainable p is "
            f"{min_wilcoxon_p(result.n_subjects):.3g}, so no change can reach significance"
        )
    return tuple(notes)


def power_verdict(result: PairedEffect, t: Thresholds, *, unit: str = "dB") -> Verdict:
    """``reduced`` / ``increased`` on a significant change, else ``unchanged``.

    Parameters
    ----------
    result : PairedEffect
        The paired change.
    t : Thresholds
        Thresholds.
    unit : str
        Unit of the change (the ``unchanged`` margin applies to dB only).

    Returns
    -------
    Verdict
        The verdict.
    """
    found = direction(result, t)
    if found == "decrease":
        return Verdict(REDUCED)
    if found == "increase":
        return Verdict(INCREASED)
    return Verdict(UNCHANGED, _unchanged_notes(result, t, unit))


def _peak_note(name: str, peaks: PeakCounts) -> str:
    return (
        f"periodic {name} peak in {peaks.baseline_present}/{peaks.n_subjects} baseline and "
        f"{peaks.target_present}/{peaks.n_subjects} target subjects"
    )


def alpha_verdict(power: PairedEffect, peaks: PeakCounts | None, t: Thresholds) -> Verdict:
    """Verdict of ``alpha_abolished`` (rules in the module docstring).

    Parameters
    ----------
    power : PairedEffect
        Posterior alpha power change (dB).
    peaks : PeakCounts or None
        Alpha-peak presence (None when no spectral fit is available).
    t : Thresholds
        Thresholds.

    Returns
    -------
    Verdict
        ``abolished``, ``reduced``, ``increased`` or ``unchanged`` with notes.
    """
    notes: list[str] = []
    if peaks is None:
        notes.append("no spectral parameterisation: peak presence unknown")
    else:
        notes.append(_peak_note("alpha", peaks))
        if peaks.baseline_present >= t.min_subjects:
            fraction = peaks.lost / peaks.baseline_present
            if fraction >= t.alpha_abolished_fraction:
                notes.append(
                    f"the peak is absent in the target state of {peaks.lost}/"
                    f"{peaks.baseline_present} subjects that had one at baseline "
                    f"(>= {t.alpha_abolished_fraction:.0%})"
                )
                return Verdict(ABOLISHED, tuple(notes))
        else:
            notes.append(
                f"fewer than {t.min_subjects} subjects have a baseline alpha peak: "
                "abolition cannot be judged"
            )
    base = power_verdict(power, t)
    return Verdict(base.verdict, (*notes, *base.notes))


def theta_verdict(power: PairedEffect, peaks: PeakCounts | None, t: Thresholds) -> Verdict:
    """Verdict of ``theta_emerges`` (rules in the module docstring).

    Parameters
    ----------
    power : PairedEffect
        Theta power change (dB).
    peaks : PeakCounts or None
        Theta-peak presence (None when no spectral fit is available).
    t : Thresholds
        Thresholds.

    Returns
    -------
    Verdict
        ``emerged``, ``reduced`` or ``unchanged`` with notes.
    """
    notes = ["no spectral parameterisation"] if peaks is None else [_peak_note("theta", peaks)]
    found = direction(power, t)
    if found == "increase":
        return Verdict(EMERGED, tuple(notes))
    if peaks is not None:
        without = peaks.n_subjects - peaks.baseline_present
        if without >= t.min_subjects and peaks.gained / without >= t.theta_emerged_fraction:
            notes.append(
                f"a peak appears in {peaks.gained}/{without} subjects without one at baseline"
            )
            return Verdict(EMERGED, tuple(notes))
    if found == "decrease":
        return Verdict(REDUCED, tuple(notes))
    return Verdict(UNCHANGED, (*notes, *_unchanged_notes(power, t)))


def emg_note(rho: float, p_value: float, n: int, t: Thresholds) -> str:
    """Caveat text on the gamma–muscle-index correlation (flags ``|rho| >= threshold``).

    Parameters
    ----------
    rho, p_value : float
        Spearman correlation of per-subject gamma change with muscle-index change, and its p.
    n : int
        Subjects in the correlation.
    t : Thresholds
        Thresholds.

    Returns
    -------
    str
        The note.
    """
    if not math.isfinite(rho):
        return "gamma vs muscle (EMG) index: correlation not computable"
    text = f"Spearman rho = {rho:.2f} (p = {p_value:.2g}, n = {n}) with the muscle-index change"
    if abs(rho) >= t.emg_rho_threshold:
        return (
            f"gamma change co-varies with the muscle (EMG) index change: {text}; the gamma "
            "effect may be muscle artefact (Whitham et al. 2007): check with "
            "preprocess.reference: csd"
        )
    return f"gamma change does not track the muscle (EMG) index: {text}"


def decodable_verdict(
    balanced_accuracy: float, ci_low: float, p_value: float | None, chance: float, t: Thresholds
) -> Verdict:
    """Verdict of ``state_decodable``: ``increased`` above chance, else ``unchanged``.

    Parameters
    ----------
    balanced_accuracy : float
        Held-out balanced accuracy.
    ci_low : float
        Lower CI bound of the balanced accuracy.
    p_value : float or None
        Permutation p-value (None when no permutation test ran).
    chance : float
        Chance level.
    t : Thresholds
        Thresholds.

    Returns
    -------
    Verdict
        The verdict.
    """
    if p_value is None or not math.isfinite(p_value):
        return Verdict(NOT_TESTABLE, ("no permutation test (classification.n_permutations: 0)",))
    if p_value < t.alpha and math.isfinite(ci_low) and ci_low > chance:
        return Verdict(INCREASED, (f"decodable: balanced accuracy above chance {chance:g}",))
    return Verdict(UNCHANGED, (f"not distinguishable from chance {chance:g}",))


def caveat_text(notes: Sequence[str]) -> str:
    """Join notes into the ``caveat`` cell (sentences separated by "; ")."""
    return "; ".join(n for n in dict.fromkeys(notes) if n)
