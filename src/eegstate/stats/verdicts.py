"""The verdict rules of ``claims.tsv``: the one place where numbers become words.

Every verdict is decided from measured numbers only, with thresholds from the ``claims`` and
``stats`` sections of the configuration (:class:`Thresholds`). Vocabulary:
``abolished, reduced, unchanged, increased, emerged, not_testable``.

Definitions
-----------
paired test
    Per subject, target − baseline of the claim's measure (recordings of a subject and state
    averaged first); the two-sided Wilcoxon signed-rank test over subjects
    (:func:`eegstate.stats.paired.signed_rank_p`, exact) and the percentile-bootstrap CI of
    the mean change.
the family
    The paired tests that decide the claims: alpha, theta and gamma power and within-DMN
    connectivity for each metric of ``claims.dmn_metric``. Holm's step-down adjustment runs
    over the tests of the family that can be decided (next entry). The peak tests and the
    specificity checks below only choose *which* word a significant change gets, or veto it,
    so each claim says "changed" no more often than its family test allows.
testability floor
    With ``n`` subjects the exact Wilcoxon test cannot give a p below ``2 / 2**n``, and Holm
    over ``m`` tests multiplies the smallest p by ``m``. A test whose floor ``m · 2 / 2**n`` is
    not below ``stats.alpha`` could never reject: its claim is ``not_testable`` (with the
    reason), never ``unchanged``, and it leaves the family (``m`` is recomputed until stable;
    the rule depends on the numbers of subjects only, not on the data, so the family-wise
    error stays controlled).
significant decrease / increase
    Holm-adjusted p below ``stats.alpha`` **and** the bootstrap CI of the mean change entirely
    below / above 0.
peak present
    A specparam peak in ``stats.aperiodic.alpha_range`` (or ``theta_range``) at least
    ``stats.aperiodic.min_peak_height_db`` above the aperiodic fit, in the channel-average
    spectrum of the claim's site; per subject and state, present if present in any of the
    subject's recordings of that state.
slowed alpha peak
    The alpha peak is absent in the target state but a peak is present within
    ``stats.aperiodic.slowing_hz`` below the alpha range (e.g. 8 → 7 Hz): the rhythm slowed,
    it did not disappear. Such subjects do not count as losing the peak, and a theta peak that
    appears with it does not count as theta emerging.
peak test
    Exact McNemar test on the discordant subjects (peak lost vs peak gained; a two-sided
    binomial test at 1/2). It is informative only with at least
    ``max(claims.min_subjects, k)`` discordant subjects, ``k`` the smallest count whose floor
    ``2 / 2**k`` is below ``stats.alpha`` (6 at 0.05).
specific DMN change
    A significant within-DMN change (family test) counts only if the control network did not
    change significantly in the same direction (unadjusted Wilcoxon p < ``stats.alpha`` with
    the CI excluding 0) and DMN − control did not change significantly in the opposite
    direction. Band power changes alter source leakage and signal-to-noise, which moves the
    connectivity estimates of every network; a change seen in the control network as well is
    not evidence about the DMN.
usable upper frequency of a recording
    ``min(preprocess.h_freq, claims.hardware_lowpass_hz, sfreq / claims.samples_per_cycle)``;
    a band whose upper edge exceeds it cannot be measured in that recording.

Rules (applied in order; the first that matches decides)
--------------------------------------------------------

=========================  ==================================================================
claim                      rules
=========================  ==================================================================
any claim                  ``not_testable`` if its step did not run or wrote no rows, the band
                           is not configured or above the usable upper frequency of the
                           recordings (after dropping such recordings too few subjects
                           remain), fewer than ``claims.min_subjects`` subjects have both
                           states, or its testability floor is not below ``stats.alpha``.
``alpha_abolished``        on a significant decrease of alpha power: ``abolished`` if the
                           peak test is informative and significant with more subjects losing
                           than gaining the peak, and the peak is lost (not slowed) in at
                           least ``claims.alpha_abolished_fraction`` of the subjects that had
                           one at baseline; else ``reduced``. A significant increase is
                           ``increased`` (peaks lost while power rose are noted, never called
                           abolition); else ``unchanged``.
``theta_emerges``          on a significant increase of theta power: ``emerged`` if the peak
                           test is informative and significant with more subjects gaining
                           than losing a theta peak (slowed alpha peaks excluded), and a peak
                           appears in at least ``claims.theta_emerged_fraction`` of the
                           subjects without one at baseline; else ``increased``. A
                           significant decrease is ``reduced``; else ``unchanged``.
``gamma_increases``        ``increased`` / ``reduced`` on a significant increase / decrease
                           of gamma power, else ``unchanged``. Muscle caveat (verdict kept)
                           when the muscle (EMG) index rises significantly in the target state
                           (unadjusted), or the per-subject gamma change correlates with the
                           EMG-index change (Spearman rho >= ``claims.emg_rho_threshold`` with
                           p < ``stats.alpha``). The index is the spectral slope above the
                           analysed bands plus the aperiodic exponent fitted below them, so a
                           1/f rotation (which also flattens the slope) is not taken for
                           muscle.
``dmn_connectivity_        ``reduced`` / ``increased`` when at least one metric shows a
reduced``                  specific significant decrease / increase and no metric shows a
                           specific change the other way (then ``unchanged``, "metrics
                           disagree"); else ``unchanged``.
``state_decodable``        ``not_testable`` without a permutation test or when its floor (the
                           smallest attainable p, ``p_value_floor``) is not below
                           ``stats.alpha``; ``increased`` (decodable) if the permutation p is
                           below ``stats.alpha`` and the CI lower bound is above chance; else
                           ``unchanged`` (not distinguishable from chance).
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

from eegstate.settings import StatsStepSettings, build_settings
from eegstate.stats.paired import min_wilcoxon_p

ABOLISHED = "abolished"
REDUCED = "reduced"
UNCHANGED = "unchanged"
INCREASED = "increased"
EMERGED = "emerged"
NOT_TESTABLE = "not_testable"

DECREASE = "decrease"
INCREASE = "increase"


@dataclass(frozen=True)
class Thresholds:
    """Numbers the verdict rules use (``claims`` and ``stats`` config sections).

    No defaults here: the configuration schema holds them (:meth:`from_config`).
    """

    alpha: float
    min_subjects: int
    alpha_abolished_fraction: float
    theta_emerged_fraction: float
    unchanged_margin_db: float
    emg_rho_threshold: float
    samples_per_cycle: float
    hardware_lowpass_hz: float | None
    h_freq: float | None

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | StatsStepSettings) -> Thresholds:
        """Read the thresholds from the statistics settings (or a validated configuration).

        Parameters
        ----------
        config : eegstate.settings.StatsStepSettings or mapping
            The settings, or a validated configuration holding ``claims``, ``stats`` and
            ``preprocess`` (every option present).

        Returns
        -------
        Thresholds
            The thresholds.
        """
        s = stats_settings(config)
        return cls(
            alpha=s.stats.alpha,
            min_subjects=s.claims.min_subjects,
            alpha_abolished_fraction=s.claims.alpha_abolished_fraction,
            theta_emerged_fraction=s.claims.theta_emerged_fraction,
            unchanged_margin_db=s.claims.unchanged_margin_db,
            emg_rho_threshold=s.claims.emg_rho_threshold,
            samples_per_cycle=s.claims.samples_per_cycle,
            hardware_lowpass_hz=s.claims.hardware_lowpass_hz,
            h_freq=s.preprocess.h_freq,
        )

    @classmethod
    def defaults(cls) -> Thresholds:
        """The thresholds of the schema's defaults."""
        from eegstate.config import validate_config

        return cls.from_config(validate_config({}))


def stats_settings(config: Mapping[str, Any] | StatsStepSettings) -> StatsStepSettings:
    """The statistics settings of a validated configuration mapping (or the object itself)."""
    if isinstance(config, StatsStepSettings):
        return config
    return build_settings(StatsStepSettings, config)


@dataclass(frozen=True)
class PairedEffect:
    """A paired target − baseline result: mean change, CI, p-value and subject count.

    ``p_value`` is Holm-adjusted for family tests and raw for the checks outside the family.
    """

    effect: float
    ci_low: float
    ci_high: float
    p_value: float
    n_subjects: int


@dataclass(frozen=True)
class PeakCounts:
    """Periodic-peak presence per subject in the two states (paired subjects only).

    ``lost`` counts subjects with a baseline peak and none in the target state, excluding
    ``slowed`` ones (alpha: a peak just below the band instead); ``gained`` the reverse
    (theta: excluding ``slowed`` ones, whose new theta peak is the slowed alpha peak).
    """

    n_subjects: int
    baseline_present: int
    target_present: int
    lost: int
    gained: int
    slowed: int = 0


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


def holm_floor(n_subjects: int, family_size: int) -> float:
    """Smallest Holm-adjusted p a test of ``n_subjects`` pairs can reach in a family.

    Parameters
    ----------
    n_subjects : int
        Pairs of the test.
    family_size : int
        Tests in the Holm family (at least 1).

    Returns
    -------
    float
        ``min(1, m · 2 / 2**n)``.
    """
    return min(1.0, max(1, int(family_size)) * min_wilcoxon_p(n_subjects))


@dataclass(frozen=True)
class Family:
    """The decidable tests of a Holm family and every test's testability floor.

    ``sizes[name]`` is the family size the test's floor was computed with: the final size for
    members, the size of the family it was removed from for the others.
    """

    members: tuple[str, ...]
    floors: dict[str, float]
    sizes: dict[str, int]

    @property
    def size(self) -> int:
        """Number of tests the Holm adjustment runs over."""
        return len(self.members)


def decidable_family(n_subjects: Mapping[str, int], t: Thresholds) -> Family:
    """The tests of a Holm family that can be decided, with their floors.

    Starting from every test with at least ``claims.min_subjects`` subjects, tests whose
    floor ``m · 2 / 2**n`` is not below ``stats.alpha`` are removed and ``m`` recomputed
    until no test is removed. Depends only on the numbers of subjects.

    Parameters
    ----------
    n_subjects : mapping
        Test name -> number of paired subjects.
    t : Thresholds
        Thresholds (``alpha``, ``min_subjects``).

    Returns
    -------
    Family
        The decidable tests (in the order given) and every test's floor and family size.
    """
    family = [name for name, n in n_subjects.items() if n >= t.min_subjects]
    sizes = {name: max(len(family), 1) for name in n_subjects}
    while True:
        keep = [name for name in family if holm_floor(n_subjects[name], len(family)) < t.alpha]
        for name in set(family) - set(keep):
            sizes[name] = len(family)
        if len(keep) == len(family):
            break
        family = keep
    for name in family:
        sizes[name] = len(family)
    floors = {name: holm_floor(n, sizes[name]) for name, n in n_subjects.items()}
    return Family(tuple(family), floors, sizes)


def not_testable_floor(n_subjects: int, family_size: int, t: Thresholds, what: str) -> Verdict:
    """``not_testable`` because no change could reach significance (the floor).

    Parameters
    ----------
    n_subjects : int
        Subjects of the test.
    family_size : int
        Holm family size used for the floor.
    t : Thresholds
        Thresholds.
    what : str
        What is measured (for the note).

    Returns
    -------
    Verdict
        The verdict with the reason.
    """
    if n_subjects < t.min_subjects:
        return Verdict(
            NOT_TESTABLE,
            (
                f"only {n_subjects} subject(s) with both states for {what} (at least "
                f"{t.min_subjects} needed, claims.min_subjects)",
            ),
        )
    floor = holm_floor(n_subjects, family_size)
    return Verdict(
        NOT_TESTABLE,
        (
            f"only {n_subjects} subjects with both states for {what}: with Holm over "
            f"{family_size} test(s) the smallest attainable adjusted p is "
            f"{family_size} x 2/2^{n_subjects} = {floor:.3g} >= alpha {t.alpha:g}, so no "
            f"change could be detected; at least {min_subjects_for(family_size, t)} subjects "
            "are needed",
        ),
    )


def min_subjects_for(family_size: int, t: Thresholds) -> int:
    """Smallest number of subjects whose floor with ``family_size`` tests is below alpha."""
    n = max(1, t.min_subjects)
    while holm_floor(n, family_size) >= t.alpha:
        n += 1
    return n


def direction(result: PairedEffect, t: Thresholds) -> str | None:
    """``"decrease"``/``"increase"`` for a significant change (p < alpha, CI excludes 0)."""
    if not (math.isfinite(result.p_value) and result.p_value < t.alpha):
        return None
    if result.ci_high < 0:
        return DECREASE
    if result.ci_low > 0:
        return INCREASE
    return None


def _opposite(found: str) -> str:
    return INCREASE if found == DECREASE else DECREASE


def unchanged_notes(result: PairedEffect, t: Thresholds, unit: str = "dB") -> tuple[str, ...]:
    """Notes of an ``unchanged`` verdict: what "no significant change" does and does not say."""
    notes = ["no significant change (absence of evidence, not evidence of no change)"]
    margin = t.unchanged_margin_db
    if unit == "dB" and math.isfinite(result.ci_low) and math.isfinite(result.ci_high):
        if -margin <= result.ci_low and result.ci_high <= margin:
            notes.append(f"the CI lies within ±{margin:g} dB: larger changes are unlikely")
        else:
            notes.append(f"the CI extends beyond ±{margin:g} dB: inconclusive")
    return tuple(notes)


def power_verdict(result: PairedEffect, t: Thresholds, *, unit: str = "dB") -> Verdict:
    """``reduced`` / ``increased`` on a significant change, else ``unchanged``.

    Parameters
    ----------
    result : PairedEffect
        The paired change (Holm-adjusted p).
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
    if found == DECREASE:
        return Verdict(REDUCED)
    if found == INCREASE:
        return Verdict(INCREASED)
    return Verdict(UNCHANGED, unchanged_notes(result, t, unit))


def mcnemar_p(lost: int, gained: int) -> float:
    """Exact two-sided McNemar p-value of the discordant counts (binomial test at 1/2)."""
    from scipy.stats import binomtest

    n = int(lost) + int(gained)
    if n == 0:
        return 1.0
    return float(binomtest(int(lost), n, 0.5, alternative="two-sided").pvalue)


def min_informative_subjects(t: Thresholds) -> int:
    """Discordant subjects the peak test needs: its floor ``2 / 2**k`` must be below alpha."""
    k = 1
    while min_wilcoxon_p(k) >= t.alpha:
        k += 1
    return max(k, t.min_subjects)


def _peak_note(name: str, peaks: PeakCounts) -> str:
    text = (
        f"periodic {name} peak in {peaks.baseline_present}/{peaks.n_subjects} baseline and "
        f"{peaks.target_present}/{peaks.n_subjects} target subjects (lost in {peaks.lost}, "
        f"gained in {peaks.gained}"
    )
    if peaks.slowed:
        what = "slowed below the alpha band" if name == "alpha" else "from a slowed alpha peak"
        text += f"; {peaks.slowed} {what}"
    return text + ")"


def peak_shift(peaks: PeakCounts, t: Thresholds, *, change: str) -> tuple[bool, str]:
    """Whether the peaks were significantly lost (``change="loss"``) or gained, and a note.

    Parameters
    ----------
    peaks : PeakCounts
        Peak presence counts.
    t : Thresholds
        Thresholds.
    change : {"loss", "gain"}
        The direction tested.

    Returns
    -------
    significant : bool
        The peak test is informative, significant and in the direction asked.
    note : str
        The McNemar result, or why it is not informative.
    """
    discordant = peaks.lost + peaks.gained
    needed = min_informative_subjects(t)
    if discordant < needed:
        return False, (
            f"peak test not informative: {discordant} subject(s) lost or gained the peak, at "
            f"least {needed} needed for an exact McNemar p below alpha {t.alpha:g}"
        )
    p = mcnemar_p(peaks.lost, peaks.gained)
    more = peaks.lost > peaks.gained if change == "loss" else peaks.gained > peaks.lost
    word = "lost" if change == "loss" else "gained"
    note = f"exact McNemar p = {p:.3g} ({peaks.lost} lost vs {peaks.gained} gained)"
    return (p < t.alpha and more), note + ("" if p < t.alpha and more else f": not {word}")


def alpha_verdict(power: PairedEffect, peaks: PeakCounts | None, t: Thresholds) -> Verdict:
    """Verdict of ``alpha_abolished`` (rules in the module docstring).

    Parameters
    ----------
    power : PairedEffect
        Posterior alpha power change (dB, Holm-adjusted p).
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
    found = direction(power, t)
    if found == DECREASE:
        if peaks is None:
            return Verdict(REDUCED, tuple(notes))
        lost, note = peak_shift(peaks, t, change="loss")
        notes.append(note)
        fraction = peaks.lost / peaks.baseline_present if peaks.baseline_present else 0.0
        if lost and fraction >= t.alpha_abolished_fraction:
            notes.append(
                f"the peak is absent in the target state of {peaks.lost}/"
                f"{peaks.baseline_present} subjects that had one at baseline "
                f"(>= {t.alpha_abolished_fraction:.0%})"
            )
            return Verdict(ABOLISHED, tuple(notes))
        if lost:
            notes.append(
                f"the peak is lost in {peaks.lost}/{peaks.baseline_present} subjects with one "
                f"at baseline, fewer than {t.alpha_abolished_fraction:.0%} "
                "(claims.alpha_abolished_fraction): reduced, not abolished"
            )
        return Verdict(REDUCED, tuple(notes))
    if found == INCREASE:
        if peaks is not None and peaks.lost:
            notes.append(
                f"alpha power rose although {peaks.lost} subject(s) lost the peak: not abolition"
            )
        return Verdict(INCREASED, tuple(notes))
    return Verdict(UNCHANGED, (*notes, *unchanged_notes(power, t)))


def theta_verdict(power: PairedEffect, peaks: PeakCounts | None, t: Thresholds) -> Verdict:
    """Verdict of ``theta_emerges`` (rules in the module docstring).

    Parameters
    ----------
    power : PairedEffect
        Theta power change (dB, Holm-adjusted p).
    peaks : PeakCounts or None
        Theta-peak presence (None when no spectral fit is available).
    t : Thresholds
        Thresholds.

    Returns
    -------
    Verdict
        ``emerged``, ``increased``, ``reduced`` or ``unchanged`` with notes.
    """
    notes = ["no spectral parameterisation"] if peaks is None else [_peak_note("theta", peaks)]
    found = direction(power, t)
    if found == INCREASE:
        if peaks is None:
            return Verdict(INCREASED, tuple(notes))
        gained, note = peak_shift(peaks, t, change="gain")
        notes.append(note)
        without = peaks.n_subjects - peaks.baseline_present
        fraction = peaks.gained / without if without else 0.0
        if gained and fraction >= t.theta_emerged_fraction:
            notes.append(
                f"a theta peak appears in {peaks.gained}/{without} subjects without one at "
                f"baseline (>= {t.theta_emerged_fraction:.0%})"
            )
            return Verdict(EMERGED, tuple(notes))
        notes.append("theta power rose, but no theta peak emerged: increased, not emerged")
        return Verdict(INCREASED, tuple(notes))
    if found == DECREASE:
        return Verdict(REDUCED, tuple(notes))
    return Verdict(UNCHANGED, (*notes, *unchanged_notes(power, t)))


def _describe(result: PairedEffect, label: str) -> str:
    if not math.isfinite(result.effect):
        return f"{label}: no data"
    return (
        f"{label} {result.effect:+.3g} [{result.ci_low:.3g}, {result.ci_high:.3g}], "
        f"p = {result.p_value:.3g}, n = {result.n_subjects}"
    )


@dataclass(frozen=True)
class NetworkTest:
    """Within-DMN change of one metric (family test) and its specificity checks."""

    metric: str
    dmn: PairedEffect
    control: PairedEffect | None
    contrast: PairedEffect | None


def specific_direction(test: NetworkTest, t: Thresholds) -> tuple[str | None, str]:
    """The direction of a specific significant within-DMN change (or None), and a note.

    Parameters
    ----------
    test : NetworkTest
        The metric's DMN test (Holm-adjusted p) and control / DMN − control checks (raw p).
    t : Thresholds
        Thresholds.

    Returns
    -------
    direction : str or None
        ``"decrease"`` / ``"increase"`` when significant and specific.
    note : str
        The numbers, and why a significant change was not specific.
    """
    found = direction(test.dmn, t)
    parts = [_describe(test.dmn, f"{test.metric} within-DMN (Holm)")]
    if test.control is not None:
        parts.append(_describe(test.control, "within-control"))
    if test.contrast is not None:
        parts.append(_describe(test.contrast, "DMN − control"))
    note = "; ".join(parts)
    if found is None:
        return None, note
    control = direction(test.control, t) if test.control is not None else None
    contrast = direction(test.contrast, t) if test.contrast is not None else None
    if control == found or contrast == _opposite(found):
        return None, (
            f"{note}: the control network changed as much or more in the same direction, so "
            f"the within-DMN {found} is not specific to the DMN (band power changes alter "
            "source leakage and signal-to-noise, and with them every network's estimate)"
        )
    if test.control is None:
        note += "; no control network to check specificity"
    return found, note


def network_verdict(tests: Sequence[NetworkTest], t: Thresholds) -> Verdict:
    """Verdict of ``dmn_connectivity_reduced`` from the tests of its metrics.

    Parameters
    ----------
    tests : sequence of NetworkTest
        One per metric (only decidable family tests).
    t : Thresholds
        Thresholds.

    Returns
    -------
    Verdict
        ``reduced``, ``increased`` or ``unchanged`` with notes.
    """
    directions, notes = [], []
    for test in tests:
        found, note = specific_direction(test, t)
        notes.append(note)
        if found is not None:
            directions.append(found)
    kinds = set(directions)
    if kinds == {DECREASE}:
        return Verdict(REDUCED, tuple(notes))
    if kinds == {INCREASE}:
        return Verdict(INCREASED, tuple(notes))
    if len(kinds) == 2:
        return Verdict(UNCHANGED, ("the metrics disagree (one decreases, one increases)", *notes))
    return Verdict(
        UNCHANGED,
        ("no specific significant change (absence of evidence, not evidence of no change)", *notes),
    )


def emg_note(
    *,
    emg_change: PairedEffect | None,
    rho: float,
    rho_p: float,
    n: int,
    t: Thresholds,
    overlaps_band: bool = False,
    corrected: bool = True,
) -> str:
    """Caveat text on muscle (EMG) activity behind a gamma change.

    Parameters
    ----------
    emg_change : PairedEffect or None
        Paired change of the per-recording EMG index (raw p), None when unavailable.
    rho, rho_p : float
        Spearman correlation of per-subject gamma change with EMG-index change, and its p.
    n : int
        Subjects in the correlation.
    t : Thresholds
        Thresholds.
    overlaps_band : bool
        The EMG index was measured over a range that overlaps the gamma band (then a genuine
        gamma change moves it too and it cannot separate the two).
    corrected : bool
        The index was corrected for the aperiodic exponent (otherwise a 1/f rotation moves it).

    Returns
    -------
    str
        The note.
    """
    if emg_change is None or not math.isfinite(emg_change.effect):
        return (
            "muscle (EMG) index unavailable (no frequency range above the gamma band below the "
            "usable upper frequency): muscle artefact cannot be checked; compare with "
            "preprocess.reference: csd"
        )
    rose = direction(emg_change, t) == INCREASE
    tracks = math.isfinite(rho) and rho >= t.emg_rho_threshold and rho_p < t.alpha
    kind = (
        "slope above the bands corrected for the aperiodic exponent"
        if corrected
        else "slope above the bands, not corrected for aperiodic changes"
    )
    text = (
        f"EMG index change {emg_change.effect:+.3g} (p = {emg_change.p_value:.2g}; {kind}); "
        "gamma vs EMG-index change: "
        + (f"Spearman rho = {rho:.2f} (p = {rho_p:.2g}, n = {n})" if math.isfinite(rho) else "n/a")
    )
    overlap = (
        "; the EMG index range overlaps the gamma band (preprocess.emg_fmin), so a genuine "
        "gamma change moves it too"
        if overlaps_band
        else ""
    )
    if rose or tracks:
        why = (
            "the muscle (EMG) index rose in the target state"
            if rose
            else ("the gamma change tracks the muscle (EMG) index change")
        )
        return (
            f"{why}: {text}; the gamma effect may be muscle artefact (Whitham et al. 2007): "
            f"check with preprocess.reference: csd{overlap}"
        )
    return f"gamma change not explained by muscle (EMG) activity: {text}{overlap}"


def decodable_verdict(
    balanced_accuracy: float,
    ci_low: float,
    p_value: float | None,
    p_floor: float | None,
    chance: float,
    t: Thresholds,
) -> Verdict:
    """Verdict of ``state_decodable``.

    Parameters
    ----------
    balanced_accuracy : float
        Held-out balanced accuracy.
    ci_low : float
        Lower CI bound of the balanced accuracy.
    p_value : float or None
        Permutation p-value (None when no permutation test ran).
    p_floor : float or None
        Smallest p the permutation test could give (``p_value_floor``).
    chance : float
        Chance level.
    t : Thresholds
        Thresholds.

    Returns
    -------
    Verdict
        ``not_testable``, ``increased`` (decodable) or ``unchanged``.
    """
    if p_value is None or not math.isfinite(p_value):
        return Verdict(NOT_TESTABLE, ("no permutation test (classification.n_permutations: 0)",))
    if p_floor is not None and math.isfinite(p_floor) and p_floor >= t.alpha:
        return Verdict(
            NOT_TESTABLE,
            (
                f"the permutation test cannot give p below {p_floor:.3g} with these subjects "
                f"(every labelling and its global flip score alike), >= alpha {t.alpha:g}: "
                "no result could be significant, so 'not decodable' would mislead "
                f"(balanced accuracy {balanced_accuracy:.3g}, p = {p_value:.3g})",
            ),
        )
    if p_value < t.alpha and math.isfinite(ci_low) and ci_low > chance:
        return Verdict(INCREASED, (f"decodable: balanced accuracy above chance {chance:g}",))
    return Verdict(UNCHANGED, (f"not distinguishable from chance {chance:g}",))


def caveat_text(notes: Sequence[str]) -> str:
    """Join notes into the ``caveat`` cell (sentences separated by "; ")."""
    return "; ".join(n for n in dict.fromkeys(notes) if n)
