"""Subject-aware permutation test of a subject-wise cross-validated classifier.

Under the null hypothesis a subject's recordings are exchangeable: which one is the target
does not change its features. Labels are therefore permuted *at recording level within each
subject* (a block of epochs sharing subject, recording and label keeps one label), which
preserves every subject's number of baseline and target recordings and the dependence between
epochs of a recording. Permuting epochs independently would ignore that dependence and give
p-values that are far too small.

Each permutation repeats the outer leave-one-subject-out loop with the hyper-parameters the
nested search chose for that fold (not a new search): a search per permutation would cost
``n_grid x inner_folds`` times more. The observed score uses the same fixed parameters (the
refit of the nested search), so observed and permuted scores are the same computation; the
one asymmetry is that the parameters were chosen on the true labels, which can only make the
observed score slightly more favourable (a mildly liberal test when grids are large).
Subject-wise normalisation that uses labels (``baseline``) is recomputed from the permuted
labels, because it is part of what is being tested. Exact shortcuts keep the refits cheap (a
fold whose training labels repeat reuses its predictions; a label-free scaler is fit once per
fold) and permutations run in parallel with ``n_jobs``; results do not depend on ``n_jobs``.

The p-value is ``(1 + #{permuted >= observed}) / (1 + n_permutations)`` (Phipson & Smyth
2010), never zero.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from eegstate.classify.metrics import balanced_accuracy
from eegstate.classify.normalize import normalize_per_subject

logger = logging.getLogger(__name__)


def permuted_labels(
    y: np.ndarray,
    groups: np.ndarray,
    recordings: np.ndarray,
    n_permutations: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Labels permuted at recording level within each subject.

    Parameters
    ----------
    y : numpy.ndarray of int
        Labels of the epochs.
    groups, recordings : numpy.ndarray
        Subject and recording of each epoch.
    n_permutations : int
        Number of permutations.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    numpy.ndarray, shape (n_permutations, n_epochs)
        Each row a permutation of ``y``: a block of epochs with the same subject, recording
        and label receives the label of another block of the same subject.
    """
    keys = np.char.add(
        np.char.add(np.asarray(groups).astype(str), "\x1f"),
        np.char.add(np.char.add(np.asarray(recordings).astype(str), "\x1f"), y.astype(str)),
    )
    _, first, block_of = np.unique(keys, return_index=True, return_inverse=True)
    block_label = np.asarray(y)[first]
    block_group = np.asarray(groups)[first]
    subject_blocks = [np.flatnonzero(block_group == g) for g in np.unique(block_group)]
    out = np.empty((n_permutations, len(y)), dtype=y.dtype)
    for i in range(n_permutations):
        labels = block_label.copy()
        for blocks in subject_blocks:
            labels[blocks] = block_label[blocks][rng.permutation(len(blocks))]
        out[i] = labels[block_of]
    return out


def _label_free_types() -> tuple[type, ...]:
    """Transformers whose fit ignores the labels (their fit can be shared by permutations)."""
    from sklearn.decomposition import PCA
    from sklearn.feature_selection import VarianceThreshold
    from sklearn.preprocessing import (
        MaxAbsScaler,
        MinMaxScaler,
        Normalizer,
        PowerTransformer,
        QuantileTransformer,
        RobustScaler,
        StandardScaler,
    )

    return (
        MaxAbsScaler,
        MinMaxScaler,
        Normalizer,
        PCA,
        PowerTransformer,
        QuantileTransformer,
        RobustScaler,
        StandardScaler,
        VarianceThreshold,
    )


def split_label_free_prefix(estimator: Any) -> tuple[Any | None, Any]:
    """Split a ``Pipeline`` into its label-free transformer prefix and its final step.

    Returns ``(None, estimator)`` unless the estimator is a ``Pipeline`` whose every step but
    the last is one of a fixed list of transformers that do not look at the labels (scalers,
    PCA, variance threshold); only then is fitting the prefix once per fold and the final step
    per permutation exactly the same as refitting the whole pipeline.
    """
    from sklearn.pipeline import Pipeline

    if not isinstance(estimator, Pipeline) or len(estimator.steps) < 2:
        return None, estimator
    label_free = _label_free_types()
    prefix = [step for _, step in estimator.steps[:-1]]
    if all(step in (None, "passthrough") or type(step) in label_free for step in prefix):
        return estimator[:-1], estimator.steps[-1][1]
    return None, estimator


class _Fold:
    """One outer fold of the permutation loop: its rows, its model and fixed inputs.

    The fold's model object is refit for every permutation: by the sklearn convention ``fit``
    starts afresh, so this equals fitting a clone (and skips the cost of cloning), except for
    estimators with ``warm_start=True``, which are cloned every time.
    """

    def __init__(self, estimator: Any, test: np.ndarray, X: np.ndarray | None) -> None:
        from sklearn.base import clone

        self.test = test
        prefix, final = split_label_free_prefix(estimator)
        self.X_train = self.X_test = None
        if prefix is None or X is None:
            final = estimator
        else:
            fitted = clone(prefix).fit(X[~test])
            self.X_train, self.X_test = fitted.transform(X[~test]), fitted.transform(X[test])
        self.model = clone(final)
        self.warm = any(
            key.endswith("warm_start") and value for key, value in final.get_params().items()
        )

    def predict(self, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        from sklearn.base import clone

        model = clone(self.model) if self.warm else self.model
        if self.X_train is not None:
            return model.fit(self.X_train, y[~self.test]).predict(self.X_test)
        return model.fit(X[~self.test], y[~self.test]).predict(X[self.test])


def _score_permutations(
    X: np.ndarray,
    label_sets: np.ndarray,
    groups: np.ndarray,
    fold_estimators: Mapping[str, Any],
    normalize: str,
) -> np.ndarray:
    """Leave-one-subject-out balanced accuracy for each row of ``label_sets`` (one worker).

    Exact shortcuts: a fold whose training labels (and features) repeat an earlier
    permutation reuses its predictions, a label-free pipeline prefix (the scaler) is fit
    once per fold when the features do not depend on the labels, and each fold refits one
    model object instead of a fresh clone (see :class:`_Fold`).
    """
    import sklearn
    from threadpoolctl import threadpool_limits

    relabels_features = normalize == "baseline"
    scores = np.empty(len(label_sets))
    # Inputs were validated once by the caller; per-fit validation would dominate the cost.
    with (
        threadpool_limits(limits=1),
        sklearn.config_context(assume_finite=True, skip_parameter_validation=True),
    ):
        folds = [
            _Fold(estimator, groups == subject, None if relabels_features else X)
            for subject, estimator in fold_estimators.items()
        ]
        cache: list[dict[bytes, np.ndarray]] = [{} for _ in folds]
        for i, y in enumerate(label_sets):
            features = X
            if relabels_features:
                features = normalize_per_subject(X, groups, "baseline", reference=y == 0)
            predicted = np.empty_like(y)
            for fold, seen in zip(folds, cache, strict=True):
                key = y.tobytes() if relabels_features else y[~fold.test].tobytes()
                if key not in seen:
                    seen[key] = fold.predict(features, y)
                predicted[fold.test] = seen[key]
            scores[i] = balanced_accuracy(y, predicted)
    return scores


def permutation_scores(
    X: np.ndarray,
    label_sets: np.ndarray,
    groups: np.ndarray,
    fold_estimators: Mapping[str, Any],
    *,
    normalize: str = "none",
    n_jobs: int = 1,
) -> np.ndarray:
    """Balanced accuracy of the outer loop refit on each set of permuted labels.

    Parameters
    ----------
    X : numpy.ndarray
        Features: already normalised, except for ``normalize="baseline"`` where they are the
        raw features and the baseline normalisation is redone with each permuted labelling.
    label_sets : numpy.ndarray, shape (n_permutations, n_epochs)
        Permuted labels (:func:`permuted_labels`).
    groups : numpy.ndarray
        Subject of each epoch.
    fold_estimators : mapping
        Held-out subject -> unfitted estimator with that fold's chosen hyper-parameters.
    normalize : str
        Subject-wise normalisation of the evaluation.
    n_jobs : int
        Worker processes (joblib; -1 = all cores). Results do not depend on it.

    Returns
    -------
    numpy.ndarray, shape (n_permutations,)
    """
    from joblib import Parallel, delayed, effective_n_jobs

    workers = min(effective_n_jobs(n_jobs), len(label_sets)) if len(label_sets) else 1
    if workers <= 1:
        return _score_permutations(X, label_sets, groups, fold_estimators, normalize)
    chunks = np.array_split(np.arange(len(label_sets)), workers)
    parts = Parallel(n_jobs=workers)(
        delayed(_score_permutations)(X, label_sets[chunk], groups, fold_estimators, normalize)
        for chunk in chunks
    )
    return np.concatenate(parts)


def count_labellings(y: np.ndarray, groups: np.ndarray, recordings: np.ndarray) -> int:
    """Number of distinct labellings the within-subject recording permutations can produce.

    With few subjects this is small (two recordings per subject: ``2 ** n_subjects``), which
    bounds how small a p-value the test can give (about ``1 / count``, or ``2 / count`` when a
    classifier scores the same on swapped labels).
    """
    from math import comb

    blocks = pd.DataFrame({"group": groups, "recording": recordings, "y": y}).drop_duplicates()
    total = 1
    for _, part in blocks.groupby("group"):
        total *= comb(len(part), int(part["y"].sum()))
    return total


def permutation_p_value(observed: float, scores: np.ndarray) -> float:
    """``(1 + #{scores >= observed}) / (1 + len(scores))``."""
    scores = np.asarray(scores, dtype=float)
    return float((1 + np.sum(scores >= observed - 1e-12)) / (1 + len(scores)))
