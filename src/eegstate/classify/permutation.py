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

Exact or Monte Carlo (:func:`permutation_test`). When the design allows at most
``n_permutations`` distinct labellings (:func:`count_labellings`; ``2 ** n_subjects`` with one
baseline and one target recording per subject), each of them is scored exactly once, the
observed labelling among them, and ``p = #{labellings scoring >= observed} / #labellings``:
the exact permutation p-value, never below ``1 / #labellings``. Otherwise ``n_permutations``
random labellings are drawn and ``p = (1 + #{permuted >= observed}) / (1 + n_permutations)``
(Phipson & Smyth 2010), never zero.

The floor of the attainable p (:func:`p_value_floor`). With few subjects no effect, however
strong, can give a small p: the observed labelling and every labelling that necessarily scores
the same are among those counted. One such labelling is the *global flip* (every subject's
baseline and target recordings swapped), a valid within-subject labelling when every subject
has as many baseline as target recordings. When the features do not depend on the labels
(normalisation ``none`` or ``subject``), refitting on the flipped labels is the same problem
with the class names swapped: a classifier whose fit treats its two classes symmetrically
(logistic regression, linear SVM, LDA, trees; up to ties at probability 0.5) then predicts
exactly the flipped classes, and balanced accuracy, the mean of the two class recalls, is
unchanged. So the exact p cannot go below ``2 / #labellings`` for such classifiers, which is a
bound for the usual ones rather than a law for every estimator. With ``baseline``
normalisation the flip also changes the features (the other recording becomes the reference),
so it is not a symmetry and the floor is ``1 / #labellings``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import combinations
from math import comb, prod
from typing import Any

import numpy as np

from eegstate.classify.metrics import balanced_accuracy
from eegstate.classify.normalize import normalize_per_subject
from eegstate.seeding import derive_seed

logger = logging.getLogger(__name__)

#: Largest number of label values (rows x epochs) held at once by the permutation test; the
#: labellings are generated and scored in chunks of at most this size.
MAX_LABEL_VALUES = 2**22


@dataclass(frozen=True)
class LabelBlocks:
    """The units the permutation test relabels: epochs sharing subject, recording and label.

    Attributes
    ----------
    block_of : numpy.ndarray of int, shape (n_epochs,)
        Block of each epoch.
    labels : numpy.ndarray, shape (n_blocks,)
        Observed label of each block.
    subjects : list of numpy.ndarray of int
        Blocks of each subject (subjects in sorted order).
    """

    block_of: np.ndarray
    labels: np.ndarray
    subjects: list[np.ndarray]

    def n_labellings(self) -> int:
        """Distinct labellings: per subject, the ways to choose its target blocks (product)."""
        return prod(comb(len(b), int(np.sum(self.labels[b]))) for b in self.subjects)

    def flip_is_labelling(self) -> bool:
        """Whether swapping every label is a within-subject labelling (balanced subjects)."""
        return all(2 * int(np.sum(self.labels[b])) == len(b) for b in self.subjects)


def label_blocks(y: np.ndarray, groups: np.ndarray, recordings: np.ndarray) -> LabelBlocks:
    """Group epochs into the blocks the permutations relabel (see :class:`LabelBlocks`).

    Parameters
    ----------
    y : numpy.ndarray of int
        Labels (0/1) of the epochs.
    groups, recordings : numpy.ndarray
        Subject and recording of each epoch.

    Returns
    -------
    LabelBlocks
    """
    y = np.asarray(y)
    keys = np.char.add(
        np.char.add(np.asarray(groups).astype(str), "\x1f"),
        np.char.add(np.char.add(np.asarray(recordings).astype(str), "\x1f"), y.astype(str)),
    )
    _, first, block_of = np.unique(keys, return_index=True, return_inverse=True)
    block_group = np.asarray(groups)[first]
    subjects = [np.flatnonzero(block_group == g) for g in np.unique(block_group)]
    return LabelBlocks(block_of.reshape(-1), y[first], subjects)


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
        Source of randomness. Successive calls with the same generator continue one stream:
        drawing ``a`` then ``b`` permutations gives the rows of one draw of ``a + b``.

    Returns
    -------
    numpy.ndarray, shape (n_permutations, n_epochs)
        Each row a permutation of ``y``: a block of epochs with the same subject, recording
        and label receives the label of another block of the same subject.
    """
    blocks = label_blocks(y, groups, recordings)
    out = np.empty((n_permutations, len(y)), dtype=np.asarray(y).dtype)
    for i in range(n_permutations):
        labels = blocks.labels.copy()
        for members in blocks.subjects:
            labels[members] = blocks.labels[members][rng.permutation(len(members))]
        out[i] = labels[blocks.block_of]
    return out


def _subject_patterns(labels: np.ndarray) -> np.ndarray:
    """Every distinct 0/1 labelling of one subject's blocks, the observed one first.

    Returns
    -------
    numpy.ndarray, shape (n_patterns, n_blocks)
        ``comb(n_blocks, n_target_blocks)`` rows.
    """
    n_blocks, n_target = len(labels), int(np.sum(labels))
    observed = tuple(np.flatnonzero(labels))
    chosen = [observed, *(c for c in combinations(range(n_blocks), n_target) if c != observed)]
    patterns = np.zeros((len(chosen), n_blocks), dtype=labels.dtype)
    for row, targets in enumerate(chosen):
        patterns[row, list(targets)] = 1
    return patterns


def all_labellings(
    y: np.ndarray, groups: np.ndarray, recordings: np.ndarray, chunk_rows: int
) -> Iterator[np.ndarray]:
    """Every distinct within-subject recording-level labelling, exactly once, in chunks.

    The labellings are the product over subjects of every way to choose which of a subject's
    blocks (:func:`label_blocks`) are the target, keeping its number of target blocks: the
    values :func:`permuted_labels` can produce. The first row is the observed labelling.
    Rows are built lazily from their index (mixed radix over subjects), so memory stays at
    ``chunk_rows`` rows however many labellings there are.

    Parameters
    ----------
    y : numpy.ndarray of int
        Observed labels (0/1) of the epochs.
    groups, recordings : numpy.ndarray
        Subject and recording of each epoch.
    chunk_rows : int
        Most rows yielded at a time.

    Yields
    ------
    numpy.ndarray, shape (n_rows, n_epochs)
        Consecutive labellings; :func:`count_labellings` rows in all.
    """
    blocks = label_blocks(y, groups, recordings)
    patterns = [_subject_patterns(blocks.labels[members]) for members in blocks.subjects]
    shape = tuple(len(p) for p in patterns)
    total = blocks.n_labellings()
    chunk_rows = max(1, int(chunk_rows))
    for start in range(0, total, chunk_rows):
        rows = np.arange(start, min(start + chunk_rows, total))
        block_labels = np.empty((len(rows), len(blocks.labels)), dtype=blocks.labels.dtype)
        for members, pattern, index in zip(
            blocks.subjects, patterns, np.unravel_index(rows, shape), strict=True
        ):
            block_labels[:, members] = pattern[index]
        yield block_labels[:, blocks.block_of]


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


#: Fewest label sets worth a worker process: starting joblib's workers (each imports
#: scikit-learn and receives the features) costs about as much as scoring this many labellings
#: of a small design (about 0.1 s each for 12 folds of 1080 epochs x 74 features), so fewer
#: sets per worker are scored in this process.
MIN_LABEL_SETS_PER_WORKER = 32


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
        Worker processes (joblib; -1 = all cores), at most one per
        :data:`MIN_LABEL_SETS_PER_WORKER` label sets. Results do not depend on it.

    Returns
    -------
    numpy.ndarray, shape (n_permutations,)
    """
    from joblib import Parallel, delayed, effective_n_jobs

    workers = min(effective_n_jobs(n_jobs), len(label_sets) // MIN_LABEL_SETS_PER_WORKER)
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
    bounds how small a p-value the test can give (:func:`p_value_floor`).
    """
    return label_blocks(y, groups, recordings).n_labellings()


def permutation_p_value(observed: float, scores: np.ndarray) -> float:
    """``(1 + #{scores >= observed}) / (1 + len(scores))``."""
    scores = np.asarray(scores, dtype=float)
    return float((1 + np.sum(scores >= observed - 1e-12)) / (1 + len(scores)))


def p_value_floor(
    n_labellings: int, n_permutations: int, *, exact: bool, flip_is_symmetry: bool
) -> float:
    """The smallest p-value the permutation test can give with these data and settings.

    Parameters
    ----------
    n_labellings : int
        Distinct within-subject labellings (:func:`count_labellings`).
    n_permutations : int
        Random permutations of a Monte Carlo test.
    exact : bool
        Whether every labelling is scored (exact test) instead of ``n_permutations`` draws.
    flip_is_symmetry : bool
        Whether the global flip of the labels is a labelling that scores as the observed one
        does (balanced subjects, label-free features; see the module docstring).

    Returns
    -------
    float
        ``k / n_labellings`` for the exact test, ``max(1 / (1 + n_permutations),
        k / n_labellings)`` for the Monte Carlo test, where ``k`` (2 with the flip, else 1)
        counts the labellings that necessarily score as high as the observed one.
    """
    floor = (2 if flip_is_symmetry else 1) / n_labellings
    return floor if exact else max(1 / (1 + n_permutations), floor)


@dataclass
class PermutationTest:
    """Result of :func:`permutation_test`.

    Attributes
    ----------
    p_value : float
        Exact or Monte Carlo p-value.
    p_value_floor : float
        Smallest p this test could give (:func:`p_value_floor`).
    exact : bool
        True when every distinct labelling was scored once.
    n_labellings : int
        Distinct within-subject labellings of the design.
    scores : numpy.ndarray
        Balanced accuracy of every scored labelling: all labellings, the observed first,
        for the exact test; the random permutations otherwise.
    """

    p_value: float
    p_value_floor: float
    exact: bool
    n_labellings: int
    scores: np.ndarray


def permutation_test(
    X: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    recordings: np.ndarray,
    fold_estimators: Mapping[str, Any],
    observed: float,
    *,
    n_permutations: int,
    normalize: str = "none",
    seed: int = 0,
    n_jobs: int = 1,
) -> PermutationTest:
    """Subject-aware permutation test of an outer leave-one-subject-out loop.

    Exact (every distinct labelling once) when there are at most ``n_permutations``
    labellings, else Monte Carlo with ``n_permutations`` draws from a generator seeded by
    ``derive_seed(seed, "classification-permutation")``. Labellings are generated and scored
    in chunks of at most :data:`MAX_LABEL_VALUES` values; results depend neither on the chunks
    nor on ``n_jobs``.

    Parameters
    ----------
    X : numpy.ndarray
        Features as :func:`permutation_scores` takes them.
    y : numpy.ndarray of int
        Observed labels.
    groups, recordings : numpy.ndarray
        Subject and recording of each epoch.
    fold_estimators : mapping
        Held-out subject -> unfitted estimator with that fold's chosen hyper-parameters.
    observed : float
        Observed balanced accuracy.
    n_permutations : int
        Random permutations (at least 1); also the largest number of labellings enumerated.
    normalize : str
        Subject-wise normalisation of the evaluation.
    seed : int
        Master seed.
    n_jobs : int
        Worker processes.

    Returns
    -------
    PermutationTest
    """
    blocks = label_blocks(y, groups, recordings)
    n_labellings = blocks.n_labellings()
    exact = n_labellings <= n_permutations
    chunk_rows = max(1, MAX_LABEL_VALUES // max(1, len(y)))
    if exact:
        label_chunks = all_labellings(y, groups, recordings, chunk_rows)
    else:
        rng = np.random.default_rng(derive_seed(seed, "classification-permutation"))
        sizes = [min(chunk_rows, n_permutations - s) for s in range(0, n_permutations, chunk_rows)]
        label_chunks = (permuted_labels(y, groups, recordings, n, rng) for n in sizes)
    scores = np.concatenate(
        [
            permutation_scores(
                X, labels, groups, fold_estimators, normalize=normalize, n_jobs=n_jobs
            )
            for labels in label_chunks
        ]
    )
    if exact:
        if abs(scores[0] - observed) > 1e-9:
            logger.warning(
                "the refit on the observed labels scores %.6f, the evaluation %.6f: the "
                "estimator is not deterministic; the exact p counts the evaluation's score",
                scores[0],
                observed,
            )
        # The observed labelling counts once, with its observed score.
        p_value = permutation_p_value(observed, scores[1:])
    else:
        p_value = permutation_p_value(observed, scores)
    floor = p_value_floor(
        n_labellings,
        n_permutations,
        exact=exact,
        flip_is_symmetry=blocks.flip_is_labelling() and normalize != "baseline",
    )
    return PermutationTest(p_value, floor, exact, n_labellings, scores)
