"""Subject-wise nested cross-validation of a state classifier.

Outer loop: leave one subject out (``LeaveOneGroupOut``), so the model is always tested on a
person it has never seen. Inner loop, on the training subjects only: ``GroupKFold`` grid
search of the hyper-parameters (``inner_folds`` folds, capped by the number of training
subjects), scored by balanced accuracy. Every scaler, selector or PCA is a step of the sklearn
``Pipeline`` and so is fit on training subjects only. Subject-wise normalisation
(:mod:`eegstate.classify.normalize`) runs before, per subject, learning nothing across
subjects.

Predictions of each held-out epoch are kept and aggregated per recording (mean probability);
metrics are computed pooled over all held-out epochs and per held-out subject, with a
bootstrap-over-subjects CI of the pooled balanced accuracy, and a subject-aware permutation
test (:mod:`eegstate.classify.permutation`, exact when the design has few labellings) gives a
p-value and the floor below which no p could go. Optionally the same evaluation without
subject-wise normalisation is reported beside the configured one (``normalize_comparison``):
what the classifier does on a new person's single recording, with nothing assumed about that
person's other recordings.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from eegstate.classify.data import ClassificationData
from eegstate.classify.estimators import EstimatorChoice, make_estimator, target_probability
from eegstate.classify.metrics import (
    balanced_accuracy,
    balanced_accuracy_ci,
    fold_table,
    recording_table,
    summarize,
)
from eegstate.classify.normalize import NORMALIZATIONS, normalize_per_subject
from eegstate.classify.permutation import count_labellings, permutation_test
from eegstate.seeding import derive_seed

logger = logging.getLogger(__name__)

#: Keys deriving the seed of the balanced-accuracy bootstrap from the master seed: those of
#: the ``state_decodable`` claim, so the claims table and ``classification.json`` agree.
CI_SEED_KEYS: tuple[str, ...] = ("claims", "state_decodable")


@dataclass
class Evaluation:
    """Result of :func:`evaluate`.

    Attributes
    ----------
    predictions : pandas.DataFrame
        Per held-out epoch (:data:`eegstate.tables.CLASSIFICATION_PREDICTION_COLUMNS`).
    folds : pandas.DataFrame
        Per held-out subject (:data:`eegstate.tables.CLASSIFICATION_FOLD_COLUMNS`).
    recordings : pandas.DataFrame
        Per held-out recording (:data:`eegstate.tables.CLASSIFICATION_RECORDING_COLUMNS`).
    summary : dict
        JSON-ready metrics, p-value and settings (``classification.json``).
    permutation_scores : numpy.ndarray
        Balanced accuracy under each scored labelling: every distinct labelling (the observed
        one first) for an exact test, the random permutations otherwise.
    """

    predictions: pd.DataFrame
    folds: pd.DataFrame
    recordings: pd.DataFrame
    summary: dict[str, Any]
    permutation_scores: np.ndarray = field(default_factory=lambda: np.empty(0))


def _plain(value: Any) -> Any:
    """numpy scalars -> Python scalars (for JSON)."""
    return value.item() if isinstance(value, np.generic) else value


def normalized_features(data: ClassificationData, normalize: str) -> np.ndarray:
    """The feature matrix after subject-wise normalisation (baseline = class 0 epochs)."""
    reference = data.y == 0 if normalize == "baseline" else None
    return normalize_per_subject(data.X, data.groups, normalize, reference=reference)


def inner_search(
    choice: EstimatorChoice,
    X: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    *,
    inner_folds: int = 3,
    n_jobs: int = 1,
) -> tuple[Any, dict[str, Any]]:
    """Choose hyper-parameters by group-wise cross-validation and refit on all of ``X``.

    Parameters
    ----------
    choice : EstimatorChoice
        Estimator and grid.
    X, y, groups : numpy.ndarray
        Training data and the subject of each row.
    inner_folds : int
        ``GroupKFold`` folds, capped by the number of subjects. With fewer than two subjects
        or an empty grid there is no search and the estimator is fit as configured.
    n_jobs : int
        Parallel jobs of the grid search.

    Returns
    -------
    model : estimator
        Fitted on all rows with the chosen parameters.
    best_params : dict
        The chosen parameters (empty without a search).
    """
    from sklearn.base import clone
    from sklearn.model_selection import GridSearchCV, GroupKFold

    n_subjects = len(np.unique(groups))
    n_splits = min(inner_folds, n_subjects)
    n_candidates = int(np.prod([len(values) for values in choice.param_grid.values()]))
    if not choice.param_grid or n_candidates <= 1 or n_splits < 2:
        fixed = {key: values[0] for key, values in choice.param_grid.items()}
        model = clone(choice.estimator).set_params(**fixed).fit(X, y)
        return model, {key: _plain(value) for key, value in fixed.items()}
    search = GridSearchCV(
        clone(choice.estimator),
        choice.param_grid,
        scoring="balanced_accuracy",
        cv=GroupKFold(n_splits=n_splits),
        n_jobs=n_jobs,
        refit=True,
        error_score="raise",
    )
    search.fit(X, y, groups=groups)
    return search.best_estimator_, {key: _plain(v) for key, v in search.best_params_.items()}


def nested_loso(
    choice: EstimatorChoice,
    X: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    *,
    inner_folds: int = 3,
    n_jobs: int = 1,
) -> tuple[np.ndarray, np.ndarray, dict[str, dict[str, Any]]]:
    """Leave-one-subject-out predictions with an inner group-wise search per fold.

    Returns
    -------
    probability : numpy.ndarray
        Held-out probability of the target state for every row.
    y_pred : numpy.ndarray
        Held-out predicted class for every row.
    best_params : dict
        Held-out subject -> hyper-parameters chosen on the other subjects.
    """
    from sklearn.model_selection import LeaveOneGroupOut

    probability = np.empty(len(y))
    predicted = np.empty(len(y), dtype=int)
    best_params: dict[str, dict[str, Any]] = {}
    for train, test in LeaveOneGroupOut().split(X, y, groups):
        subject = str(groups[test[0]])
        if len(np.unique(y[train])) < 2:
            raise ValueError(f"without subject {subject} the training data have one class only")
        model, best_params[subject] = inner_search(
            choice, X[train], y[train], groups[train], inner_folds=inner_folds, n_jobs=n_jobs
        )
        probability[test] = target_probability(model, X[test])
        predicted[test] = model.predict(X[test])
        logger.debug("held-out subject %s: params %s", subject, best_params[subject])
    return probability, predicted, best_params


@dataclass
class _Outer:
    """Outer leave-one-subject-out loop of one normalisation (see :func:`evaluate`)."""

    X: np.ndarray
    predictions: pd.DataFrame
    folds: pd.DataFrame
    recordings: pd.DataFrame
    summary: dict[str, Any]
    best_params: dict[str, dict[str, Any]]


def _outer_loop(
    choice: EstimatorChoice,
    data: ClassificationData,
    normalize: str,
    *,
    inner_folds: int,
    ci_level: float,
    n_bootstrap: int,
    seed: int,
) -> _Outer:
    """Normalise, run the nested loop, tabulate, and bootstrap the balanced-accuracy CI."""
    from threadpoolctl import threadpool_limits

    X = normalized_features(data, normalize)
    logger.info(
        "evaluating %s (normalize=%s) on %d epochs of %d subjects, %d features",
        choice.name,
        normalize,
        len(data.y),
        data.n_subjects,
        X.shape[1],
    )
    # Small problems: multi-threaded BLAS only adds overhead and oversubscribes shared cores.
    # The inner searches run in this process (not on evaluate's n_jobs): each fits a few
    # candidates on a few folds, and worker processes cost more than the fits (measured on the
    # demo's 1080 epochs x 74 features, 12 subjects: 5.4 s in one process, 8.9 s with
    # n_jobs=2). n_jobs goes to the permutation test, where each worker has much to do.
    with threadpool_limits(limits=1, user_api="blas"):
        probability, predicted, best_params = nested_loso(
            choice, X, data.y, data.groups, inner_folds=inner_folds, n_jobs=1
        )
    predictions = data.index.assign(y_true=data.y, probability=probability, y_pred=predicted)
    folds = fold_table(predictions, best_params)
    recordings = recording_table(predictions)
    summary = summarize(predictions, folds, recordings)
    low, high = balanced_accuracy_ci(
        predictions,
        ci_level=ci_level,
        n_bootstrap=n_bootstrap,
        seed=derive_seed(seed, *CI_SEED_KEYS),
    )
    summary["balanced_accuracy_ci_low"] = low if np.isfinite(low) else None
    summary["balanced_accuracy_ci_high"] = high if np.isfinite(high) else None
    return _Outer(X, predictions, folds, recordings, summary, best_params)


def evaluate(
    data: ClassificationData,
    *,
    estimator: str | Any = "logistic",
    param_grid: Mapping[str, Sequence[Any]] | None = None,
    param_grids: Mapping[str, Mapping[str, Sequence[Any]]] | None = None,
    normalize: str = "subject",
    inner_folds: int = 3,
    n_permutations: int = 1000,
    seed: int = 0,
    n_jobs: int = 1,
    ci_level: float = 0.95,
    n_bootstrap: int = 2000,
    compare_none: bool = False,
) -> Evaluation:
    """Subject-wise nested evaluation with a subject-aware permutation test.

    Parameters
    ----------
    data : ClassificationData
        Features, labels, subjects and recordings (:func:`eegstate.classify.prepare_data`).
    estimator : str or estimator
        Built-in name (``logistic``, ``linear_svm``, ``random_forest``), import path
        ``"package.module:factory"``, or an unfitted sklearn-compatible classifier.
    param_grid : mapping, optional
        Grid of this estimator (overrides ``param_grids``); for estimator objects, keys are
        ``set_params`` names (e.g. ``"kneighborsclassifier__n_neighbors"``).
    param_grids : mapping, optional
        Grids by estimator name (``classification.param_grids``).
    normalize : {"none", "subject", "baseline"}
        Subject-wise normalisation (see :mod:`eegstate.classify.normalize`).
    inner_folds : int
        Folds of the inner ``GroupKFold`` search (capped by the training subjects).
    n_permutations : int
        Permutations of the test (0 skips it; ``p_value`` is then null). When the design has
        at most this many distinct labellings, each is scored once instead (exact test).
    seed : int
        Master seed (estimators' randomness, the permutations and the bootstrap).
    n_jobs : int
        Worker processes of the permutation test (the inner searches run in this process).
    ci_level, n_bootstrap : float, int
        Level and resamples of the bootstrap-over-subjects CI of the pooled balanced
        accuracy (:func:`eegstate.classify.metrics.balanced_accuracy_ci`, seeded by
        ``derive_seed(seed, *CI_SEED_KEYS)``).
    compare_none : bool
        When ``normalize`` is not ``none``, also evaluate ``normalize="none"`` with the same
        estimator, grid, folds and seed but no permutation test, as
        ``summary["normalize_comparison"]`` (otherwise that key is null).

    Returns
    -------
    Evaluation
    """
    from sklearn.base import clone

    choice = make_estimator(estimator, seed=seed, param_grids=param_grids, param_grid=param_grid)
    settings = {
        "inner_folds": inner_folds,
        "ci_level": ci_level,
        "n_bootstrap": n_bootstrap,
        "seed": seed,
    }
    outer = _outer_loop(choice, data, normalize, **settings)
    summary = outer.summary

    test = None
    if n_permutations > 0:
        fold_estimators = {
            subject: clone(choice.estimator).set_params(**params)
            for subject, params in outer.best_params.items()
        }
        observed = balanced_accuracy(data.y, outer.predictions["y_pred"].to_numpy())
        test = permutation_test(
            data.X if normalize == "baseline" else outer.X,
            data.y,
            data.groups,
            data.recordings,
            fold_estimators,
            observed,
            n_permutations=n_permutations,
            normalize=normalize,
            seed=seed,
            n_jobs=n_jobs,
        )
        logger.info(
            "%s permutation test: balanced accuracy %.3f, permuted mean %.3f, p = %.4g "
            "(%d labellings scored of %d; smallest attainable p %.4g)",
            "exact" if test.exact else "Monte Carlo",
            observed,
            float(np.mean(test.scores)),
            test.p_value,
            len(test.scores),
            test.n_labellings,
            test.p_value_floor,
        )

    comparison = None
    if compare_none and normalize != "none":
        plain = _outer_loop(choice, data, "none", **settings).summary
        comparison = {
            "normalize": "none",
            "assumption": NORMALIZATIONS["none"],
            "balanced_accuracy": plain["balanced_accuracy"],
            "ci_low": plain["balanced_accuracy_ci_low"],
            "ci_high": plain["balanced_accuracy_ci_high"],
            "roc_auc": plain["roc_auc"],
            "n_subjects": plain["n_subjects"],
            "per_subject_balanced_accuracy": {
                subject: metrics["balanced_accuracy"]
                for subject, metrics in plain["per_subject"].items()
            },
        }
        logger.info(
            "without subject-wise normalisation: balanced accuracy %s (configured %s: %s)",
            comparison["balanced_accuracy"],
            normalize,
            summary["balanced_accuracy"],
        )

    scores = test.scores if test is not None else np.empty(0)
    summary.update(
        {
            "p_value": test.p_value if test is not None else None,
            "p_value_floor": test.p_value_floor if test is not None else None,
            "permutation_exact": test.exact if test is not None else None,
            "n_permutations": int(n_permutations),
            "permutation_mean": round(float(np.mean(scores)), 6) if len(scores) else None,
            "n_distinct_labellings": min(
                count_labellings(data.y, data.groups, data.recordings), 10**15
            ),
            "permutation_scheme": "labels permuted at recording level within subject (every "
            "distinct labelling once when there are at most n_permutations); outer folds "
            "refit with their chosen hyper-parameters",
            "ci_level": float(ci_level),
            "n_bootstrap": int(n_bootstrap),
            "estimator": choice.name,
            "normalize": normalize,
            "normalize_assumption": NORMALIZATIONS[normalize],
            "normalize_comparison": comparison,
            "classes": {"0": data.classes[0], "1": data.classes[1]},
            "best_params": outer.best_params,
            "inner_folds": int(inner_folds),
            "seed": int(seed),
            "feature_names": list(data.feature_names),
        }
    )
    return Evaluation(outer.predictions, outer.folds, outer.recordings, summary, scores)
