"""Power and calibration of the claims: how often each verdict comes out at a given study size.

Two modes, both running the very claims engine of :mod:`eegstate.stats.claims`
(:func:`~eegstate.stats.claims.decide_claims`) on many simulated studies:

**From a pilot study** (:func:`pilot_block`). The per-subject values of an existing run
(:class:`~eegstate.stats.claims.ClaimMeasures`) are resampled: a study of ``n`` subjects draws
``n`` of the pilot's subjects with replacement (a subject drawn twice counts twice), each with
all of its measures at once, so the dependence between a subject's measures is kept. Two
scenarios:

``planted``
    The subjects as measured: the probability of each verdict is the power of the study design
    at the pilot's effect sizes (a plug-in estimate: it inherits the pilot's sampling error,
    and is optimistic when the pilot's effect was overestimated).
``null``
    Each drawn subject's states are swapped with probability 1/2 (baseline and target, in all
    its measures at once): under exchangeability of a subject's two states this is a true
    null, so the probability of any verdict other than ``unchanged`` / ``not_testable`` is the
    false-verdict rate, which the rules promise to keep at or below ``stats.alpha``.

The decoding claim needs the classifier to be refit on each resampled study
(:func:`decoding_block`): a subject drawn ``k`` times enters as one subject with ``k`` times its
recordings (so no model is ever tested on a copy of a subject it was trained on), the
estimator keeps the hyper-parameters the pilot's nested search chose most often (no inner
search), and the permutation test runs with ``decoding_permutations`` permutations; it uses
fewer replicates than the other claims.

**Planning** (:func:`planned_block`), for a study not yet run: each simulated subject's
target − baseline change of each family test is drawn from a normal distribution with a mean
effect and a between-subject SD (:data:`PLANNING_DEFAULTS`, overridable); the DMN specificity
checks use a control-network change drawn with mean 0 and the same SD; peak presence and
decoding are not modelled (peak tests are then not informative, so abolition and emergence
cannot be concluded, only reduced / increased).

Monte Carlo error: each probability ``p`` estimated from ``R`` replicates has the standard
error ``mc_se = sqrt(p (1 - p) / R)``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from eegstate.seeding import derive_seed
from eegstate.settings import PowerStepSettings, to_config
from eegstate.stats import verdicts as rules
from eegstate.stats.claims import (
    CLAIMS,
    ClaimMeasures,
    ClaimSettings,
    ClaimSpec,
    PairedSeries,
    decide_claims,
)
from eegstate.tables import POWER_COLUMNS, POWER_SUMMARY_COLUMNS

logger = logging.getLogger(__name__)

#: Scenarios of a pilot-based power analysis.
SCENARIOS: tuple[str, ...] = ("planted", "null")
#: Columns of the per-replicate verdict rows.
VERDICT_COLUMNS: tuple[str, ...] = ("claim", "n_subjects", "scenario", "replicate", "verdict")
#: Verdicts that mean "no change was concluded".
NO_CHANGE: tuple[str, ...] = (rules.UNCHANGED, rules.NOT_TESTABLE)

#: Planning defaults: family test -> (mean change, between-subject SD). Band power in dB from
#: the simulator's literature defaults (posterior alpha: mean of occipital -1.8 and parietal
#: -0.94 dB, Vlisides et al. 2018; theta 0 +/- 0.4 dB, Vlisides et al. 2017; gamma +1.5 +/- 1 dB,
#: direction of Hong et al. 2010, magnitude approximate); DMN connectivity as a standardised
#: effect (SD units): d = -0.63 for the ketamine DMN reduction in fMRI (Hum Brain Mapp 2020,
#: PMC7267897; EEG evidence is mixed).
PLANNING_DEFAULTS: dict[str, tuple[float, float]] = {
    "alpha": (-1.35, 1.0),
    "theta": (0.0, 0.4),
    "gamma": (1.5, 1.0),
    "dmn": (-0.63, 1.0),
}
#: Claim of each planning name.
PLANNING_CLAIMS: dict[str, str] = {
    "alpha": "alpha_abolished",
    "theta": "theta_emerges",
    "gamma": "gamma_increases",
    "dmn": "dmn_connectivity_reduced",
}


@dataclass(frozen=True)
class PowerSettings:
    """What a power analysis runs."""

    subject_counts: tuple[int, ...] = (6, 8, 12, 16, 24)
    replicates: int = 500
    decoding_replicates: int = 20
    decoding_permutations: int = 39
    seed: int = 42


def _draw(rng: np.random.Generator, subjects: Sequence[str], n: int, scenario: str):
    drawn = rng.choice(np.asarray(subjects, dtype=object), size=n, replace=True)
    swap = rng.random(n) < 0.5 if scenario == "null" else np.zeros(n, bool)
    return list(drawn), swap


@dataclass(frozen=True)
class Task:
    """A block of replicates of one study size and scenario (a unit of parallel work)."""

    n_subjects: int
    scenario: str
    first: int
    count: int


def tasks(power: PowerSettings, replicates: int, scenarios: Sequence[str], block: int = 50):
    """Split the replicates of every study size and scenario into blocks."""
    return [
        Task(n, scenario, first, min(block, replicates - first))
        for n in power.subject_counts
        for scenario in scenarios
        for first in range(0, replicates, block)
    ]


def _task_rng(seed: int, kind: str, task: Task) -> np.random.Generator:
    return np.random.default_rng(
        derive_seed(seed, kind, task.scenario, task.n_subjects, task.first)
    )


def pilot_block(
    measures: ClaimMeasures, settings: ClaimSettings, power: PowerSettings, task: Task
) -> pd.DataFrame:
    """Verdicts of every non-decoding claim on one block of resampled studies of a pilot.

    Parameters
    ----------
    measures : ClaimMeasures
        The pilot's per-subject values.
    settings : ClaimSettings
        Claims settings (the same as the pilot's run).
    power : PowerSettings
        Seed.
    task : Task
        Study size, scenario and replicate numbers (each block has its own seeded stream).

    Returns
    -------
    pandas.DataFrame
        ``claim, n_subjects, scenario, replicate, verdict``.
    """
    subjects = measures.subjects()
    if len(subjects) < 2:
        raise ValueError(
            f"the pilot has {len(subjects)} subject(s) with paired values; at least 2 are "
            "needed to resample studies"
        )
    rng = _task_rng(power.seed, "power", task)
    rows = []
    for replicate in range(task.first, task.first + task.count):
        drawn, swap = _draw(rng, subjects, task.n_subjects, task.scenario)
        claims = decide_claims(measures.resample(drawn, swap), settings).claims
        for claim, verdict in zip(claims["claim"], claims["verdict"], strict=True):
            if claim != "state_decodable":
                rows.append((claim, task.n_subjects, task.scenario, replicate, verdict))
    return pd.DataFrame(rows, columns=list(VERDICT_COLUMNS))


def _resampled_features(
    features: pd.DataFrame, drawn: Sequence[str], swap: np.ndarray, baseline: str, target: str
) -> pd.DataFrame:
    """Feature rows of a resampled study (a subject drawn k times: one subject, k copies)."""
    parts = []
    for k, (subject, flip) in enumerate(zip(drawn, swap, strict=True)):
        rows = features[features["subject"].astype(str) == str(subject)].copy()
        rows["recording"] = rows["recording"].astype(str) + f"#{k}"
        if flip:
            rows["state"] = rows["state"].map({baseline: target, target: baseline})
        parts.append(rows)
    return pd.concat(parts, ignore_index=True)


def most_chosen_params(best_params: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The hyper-parameters (``set_params`` names) the pilot's folds chose most often."""
    import json

    if not best_params:
        return {}
    counts: dict[str, int] = {}
    for params in best_params.values():
        key = json.dumps(params, sort_keys=True, default=str)
        counts[key] = counts.get(key, 0) + 1
    return json.loads(max(sorted(counts), key=lambda key: counts[key]))


def decoding_block(
    features: pd.DataFrame,
    summary: Mapping[str, Any],
    config: PowerStepSettings,
    power: PowerSettings,
    task: Task,
) -> pd.DataFrame:
    """Verdicts of ``state_decodable`` on one block of resampled studies (classifier refit).

    Parameters
    ----------
    features : pandas.DataFrame
        The pilot's ``features.tsv``.
    summary : mapping
        The pilot's ``classification.json`` (estimator, normalisation, chosen parameters).
    config : eegstate.settings.PowerStepSettings
        Settings of the run (classification, labels, thresholds, intervals).
    power : PowerSettings
        ``decoding_permutations`` and seed.
    task : Task
        Study size, scenario and replicate numbers.

    Returns
    -------
    pandas.DataFrame
        ``claim, n_subjects, scenario, replicate, verdict``.
    """
    from eegstate.classify import TooFewSubjectsError, evaluate, prepare_data
    from eegstate.classify.estimators import grid_from_chosen

    baseline, target = config.baseline, config.target
    options = config.classification
    grid = grid_from_chosen(options.estimator, most_chosen_params(summary.get("best_params") or {}))
    t = rules.Thresholds.from_config(config)
    subjects = sorted(features["subject"].astype(str).unique())
    rng = _task_rng(power.seed, "power-decoding", task)
    rows = []
    for replicate in range(task.first, task.first + task.count):
        drawn, swap = _draw(rng, subjects, task.n_subjects, task.scenario)
        table = _resampled_features(features, drawn, swap, baseline, target)
        try:
            data = prepare_data(
                table,
                label="state",
                group="subject",
                features=list(summary.get("feature_names") or options.features),
                baseline=baseline,
                target=target,
            )
            result = evaluate(
                data,
                estimator=options.estimator,
                param_grid=grid or None,
                param_grids=to_config(options.param_grids),
                normalize=options.normalize,
                inner_folds=options.inner_folds,
                n_permutations=power.decoding_permutations,
                seed=derive_seed(power.seed, "power-decoding", task.scenario, replicate),
                n_jobs=1,
                ci_level=config.report.ci_level,
                n_bootstrap=config.report.n_bootstrap,
            ).summary
            low = result.get("balanced_accuracy_ci_low")
            verdict = rules.decodable_verdict(
                float(result["balanced_accuracy"]),
                math.nan if low is None else float(low),
                result.get("p_value"),
                result.get("p_value_floor"),
                float(result.get("chance_level", 0.5) or 0.5),
                t,
            ).verdict
        except TooFewSubjectsError:
            verdict = rules.NOT_TESTABLE
        rows.append(("state_decodable", task.n_subjects, task.scenario, replicate, verdict))
    return pd.DataFrame(rows, columns=list(VERDICT_COLUMNS))


def _planned_spec(claim: str, tests: Sequence[str]) -> ClaimSpec:
    return ClaimSpec(claim=claim, measure=f"planned {claim}", primary=tests[0], tests=list(tests))


def planned_measures(
    rng: np.random.Generator,
    n: int,
    effects: Mapping[str, tuple[float, float]],
    metrics: Sequence[str] = ("aec_orth", "dwpli"),
) -> ClaimMeasures:
    """Per-subject values of one planned study (module docstring, "Planning").

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    n : int
        Subjects.
    effects : mapping
        Planning name (:data:`PLANNING_DEFAULTS` keys) -> (mean change, between-subject SD).
    metrics : sequence of str
        DMN metrics (each one family test with the same planned effect).

    Returns
    -------
    ClaimMeasures
        Values for the alpha, theta, gamma and DMN claims; no peaks, no decoding.
    """
    subjects = np.asarray([str(k) for k in range(n)], dtype=object)

    def series(name: str, claim: str, mean: float, sd: float, family: bool) -> PairedSeries:
        diff = rng.normal(mean, sd, n)
        values = pd.DataFrame(
            {"subject": subjects, "baseline": np.zeros(n), "target": diff, "diff": diff}
        )
        unit = "dB" if claim != PLANNING_CLAIMS["dmn"] else "SD"
        return PairedSeries(name, claim, f"planned {name}", unit, values, family)

    all_series: dict[str, PairedSeries] = {}
    specs: dict[str, ClaimSpec] = {}
    for name in ("alpha", "theta", "gamma"):
        claim = PLANNING_CLAIMS[name]
        mean, sd = effects[name]
        all_series[f"{name}_power"] = series(f"{name}_power", claim, mean, sd, True)
        specs[claim] = _planned_spec(claim, [f"{name}_power"])
    claim = PLANNING_CLAIMS["dmn"]
    mean, sd = effects["dmn"]
    tests = []
    for metric in metrics:
        dmn = series(f"dmn_{metric}", claim, mean, sd, True)
        control = series(f"control_{metric}", claim, 0.0, sd, False)
        contrast_diff = dmn.values["diff"] - control.values["diff"]
        contrast = replace(
            control,
            name=f"dmn_minus_control_{metric}",
            values=control.values.assign(target=contrast_diff, diff=contrast_diff),
        )
        for item in (dmn, control, contrast):
            all_series[item.name] = item
            tests.append(item.name)
    specs[claim] = _planned_spec(claim, tests)
    specs["state_decodable"] = ClaimSpec(
        claim="state_decodable", measure="not modelled in planning", available=False
    )
    return ClaimMeasures(specs=specs, series=all_series, peaks={})


def planned_block(
    settings: ClaimSettings,
    power: PowerSettings,
    effects: Mapping[str, tuple[float, float]],
    task: Task,
) -> pd.DataFrame:
    """Verdicts of one block of planned studies (no data yet).

    Parameters
    ----------
    settings : ClaimSettings
        Claims settings (thresholds, bootstrap, DMN metrics).
    power : PowerSettings
        Seed.
    effects : mapping
        Planning name -> (mean change, between-subject SD); see :func:`planning_effects`.
    task : Task
        Study size and replicate numbers (scenario ``planned``).

    Returns
    -------
    pandas.DataFrame
        ``claim, n_subjects, scenario, replicate, verdict``.
    """
    rng = _task_rng(power.seed, "power-plan", task)
    rows = []
    for replicate in range(task.first, task.first + task.count):
        measures = planned_measures(rng, task.n_subjects, effects, settings.dmn_metrics)
        claims = decide_claims(measures, settings).claims
        for claim, verdict in zip(claims["claim"], claims["verdict"], strict=True):
            if claim != "state_decodable":
                rows.append((claim, task.n_subjects, task.scenario, replicate, verdict))
    return pd.DataFrame(rows, columns=list(VERDICT_COLUMNS))


def planning_effects(
    means: Mapping[str, float] | None = None, sds: Mapping[str, float] | None = None
) -> dict[str, tuple[float, float]]:
    """:data:`PLANNING_DEFAULTS` with the given means and SDs replaced.

    Raises
    ------
    ValueError
        For an unknown name or a negative SD.
    """
    plan = dict(PLANNING_DEFAULTS)
    for kind, given in (("mean", means or {}), ("sd", sds or {})):
        for name, value in given.items():
            if name not in plan:
                raise ValueError(
                    f"unknown planning effect {name!r}; use {', '.join(PLANNING_DEFAULTS)} "
                    "(e.g. --effect alpha=-1.5 --sd alpha=1.0)"
                )
            mean, sd = plan[name]
            if kind == "sd" and float(value) < 0:
                raise ValueError(f"--sd {name}={value}: a standard deviation must be >= 0")
            plan[name] = (float(value), sd) if kind == "mean" else (mean, float(value))
    return plan


def run_blocks(
    work: Callable[[Task], pd.DataFrame],
    blocks: Sequence[Task],
    *,
    n_jobs: int = 1,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """Run blocks of replicates, in parallel when ``n_jobs != 1``; results do not depend on it.

    Parameters
    ----------
    work : callable
        Block -> verdict rows (picklable for parallel runs).
    blocks : sequence of Task
        The blocks.
    n_jobs : int
        Worker processes (joblib; -1 = all cores).
    progress : callable, optional
        Called with the number of replicates of each finished block.

    Returns
    -------
    pandas.DataFrame
        All verdict rows, in block order.
    """
    from joblib import Parallel, delayed, effective_n_jobs

    if effective_n_jobs(n_jobs) <= 1 or len(blocks) <= 1:
        parts = []
        for block in blocks:
            parts.append(work(block))
            if progress is not None:
                progress(block.count)
    else:
        runner = Parallel(n_jobs=n_jobs, return_as="generator")
        parts = []
        for block, part in zip(blocks, runner(delayed(work)(b) for b in blocks), strict=True):
            parts.append(part)
            if progress is not None:
                progress(block.count)
    if not parts:
        return pd.DataFrame(columns=list(VERDICT_COLUMNS))
    return pd.concat(parts, ignore_index=True)


def power_table(verdicts: pd.DataFrame) -> pd.DataFrame:
    """Probability of each verdict per claim, study size and scenario (``power.tsv``).

    Parameters
    ----------
    verdicts : pandas.DataFrame
        ``claim, n_subjects, scenario, replicate, verdict`` (one row per replicate).

    Returns
    -------
    pandas.DataFrame
        :data:`eegstate.tables.POWER_COLUMNS`, claims in table order, verdicts that occurred.
    """
    keys = ["claim", "n_subjects", "scenario"]
    counts = verdicts.groupby([*keys, "verdict"], sort=False).size().rename("count").reset_index()
    totals = verdicts.groupby(keys, sort=False).size().rename("replicates").reset_index()
    out = counts.merge(totals, on=keys)
    out["probability"] = out["count"] / out["replicates"]
    out["mc_se"] = np.sqrt(out["probability"] * (1 - out["probability"]) / out["replicates"])
    order = {claim: i for i, claim in enumerate(CLAIMS)}
    out["_claim"] = out["claim"].map(order)
    out = out.sort_values(["_claim", "n_subjects", "scenario", "verdict"], kind="stable")
    return out[list(POWER_COLUMNS)].reset_index(drop=True)


def power_summary(verdicts: pd.DataFrame, alpha: float) -> pd.DataFrame:
    """Probability of a "changed" verdict per claim, size and scenario (``power_summary.tsv``).

    "Changed" is any verdict other than ``unchanged`` and ``not_testable``: the power in the
    ``planted`` / ``planned`` scenarios, the false-verdict rate in the ``null`` scenario.

    Parameters
    ----------
    verdicts : pandas.DataFrame
        One row per replicate (see :func:`power_table`).
    alpha : float
        Nominal level (``stats.alpha``), repeated in the table for plots and reports.

    Returns
    -------
    pandas.DataFrame
        :data:`eegstate.tables.POWER_SUMMARY_COLUMNS`.
    """
    keys = ["claim", "n_subjects", "scenario"]
    changed = ~verdicts["verdict"].isin(NO_CHANGE)
    out = (
        verdicts.assign(_changed=changed)
        .groupby(keys, sort=False)["_changed"]
        .agg(["mean", "size"])
        .rename(columns={"mean": "probability_changed", "size": "replicates"})
        .reset_index()
    )
    p = out["probability_changed"]
    out["mc_se"] = np.sqrt(p * (1 - p) / out["replicates"])
    out["alpha"] = float(alpha)
    order = {claim: i for i, claim in enumerate(CLAIMS)}
    out = out.assign(_claim=out["claim"].map(order)).sort_values(
        ["_claim", "scenario", "n_subjects"], kind="stable"
    )
    return out[list(POWER_SUMMARY_COLUMNS)].reset_index(drop=True)
