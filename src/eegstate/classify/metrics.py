"""Metrics of held-out predictions: pooled, per subject, per recording; report helpers.

Every function takes the per-epoch prediction table of an evaluation (columns
:data:`eegstate.tables.CLASSIFICATION_PREDICTION_COLUMNS`) and returns plain tables or
numbers, so reports and tests can use them without re-running anything.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from eegstate.tables import CLASSIFICATION_FOLD_COLUMNS, CLASSIFICATION_RECORDING_COLUMNS

#: Chance level of balanced accuracy and ROC AUC for two classes.
CHANCE_LEVEL = 0.5


def balanced_accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Mean of the recalls of both classes; NaN unless both classes are present."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    recalls = [np.mean(y_pred[y_true == k] == k) for k in (0, 1) if np.any(y_true == k)]
    return float(np.mean(recalls)) if len(recalls) == 2 else float("nan")


def roc_auc(y_true: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve; NaN unless both classes are present."""
    from sklearn.metrics import roc_auc_score

    y_true = np.asarray(y_true)
    if len(np.unique(y_true)) < 2:
        return float("nan")
    return float(roc_auc_score(y_true, score))


def fold_table(predictions: pd.DataFrame, best_params: Mapping[str, Mapping]) -> pd.DataFrame:
    """One row per held-out subject: epochs, balanced accuracy, ROC AUC, accuracy, params.

    Parameters
    ----------
    predictions : pandas.DataFrame
        Per-epoch predictions.
    best_params : mapping
        Subject -> hyper-parameters chosen for its fold.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`eegstate.tables.CLASSIFICATION_FOLD_COLUMNS`.
    """
    rows = []
    for subject, part in predictions.groupby("subject", sort=False):
        y, pred = part["y_true"].to_numpy(), part["y_pred"].to_numpy()
        rows.append(
            {
                "subject": subject,
                "n_epochs": len(part),
                "balanced_accuracy": balanced_accuracy(y, pred),
                "roc_auc": roc_auc(y, part["probability"].to_numpy()),
                "accuracy": float(np.mean(y == pred)),
                "best_params": json.dumps(
                    best_params.get(subject, {}), sort_keys=True, default=str
                ),
            }
        )
    return pd.DataFrame(rows, columns=list(CLASSIFICATION_FOLD_COLUMNS))


def recording_table(predictions: pd.DataFrame, threshold: float = 0.5) -> pd.DataFrame:
    """Aggregate epoch predictions per recording: mean probability, label by ``threshold``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`eegstate.tables.CLASSIFICATION_RECORDING_COLUMNS`; ``y_true`` is the
        recording's majority epoch label.
    """
    grouped = predictions.groupby(["subject", "recording"], sort=False)
    table = grouped.agg(
        state=("state", "first"),
        n_epochs=("y_true", "size"),
        y_true=("y_true", lambda values: int(values.mean() >= 0.5)),
        probability=("probability", "mean"),
    ).reset_index()
    table["y_pred"] = (table["probability"] >= threshold).astype(int)
    return table[list(CLASSIFICATION_RECORDING_COLUMNS)]


def confusion(y_true: np.ndarray, y_pred: np.ndarray) -> list[list[int]]:
    """2 x 2 confusion matrix, rows true class (baseline, target), columns predicted."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    return [[int(np.sum((y_true == t) & (y_pred == p))) for p in (0, 1)] for t in (0, 1)]


def _finite_or_none(value: float) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), 6)


def summarize(
    predictions: pd.DataFrame, folds: pd.DataFrame, recordings: pd.DataFrame
) -> dict[str, Any]:
    """Pooled, per-subject and per-recording metrics as a JSON-ready mapping.

    Returns
    -------
    dict
        ``balanced_accuracy``, ``roc_auc``, ``accuracy`` (pooled over held-out epochs),
        ``confusion_matrix``, ``per_subject`` (subject -> metrics), ``subject_mean`` (mean and
        SD over subjects), ``recordings`` (recording-level accuracy), counts and
        ``chance_level``.
    """
    y, pred = predictions["y_true"].to_numpy(), predictions["y_pred"].to_numpy()
    per_subject = {
        str(row.subject): {
            "n_epochs": int(row.n_epochs),
            "balanced_accuracy": _finite_or_none(row.balanced_accuracy),
            "roc_auc": _finite_or_none(row.roc_auc),
            "accuracy": _finite_or_none(row.accuracy),
        }
        for row in folds.itertuples()
    }
    subject_ba = folds["balanced_accuracy"].to_numpy(dtype=float)
    rec_y, rec_pred = recordings["y_true"].to_numpy(), recordings["y_pred"].to_numpy()
    return {
        "balanced_accuracy": _finite_or_none(balanced_accuracy(y, pred)),
        "roc_auc": _finite_or_none(roc_auc(y, predictions["probability"].to_numpy())),
        "accuracy": _finite_or_none(float(np.mean(y == pred))),
        "confusion_matrix": confusion(y, pred),
        "per_subject": per_subject,
        "subject_mean": {
            "balanced_accuracy": _finite_or_none(np.nanmean(subject_ba)),
            "balanced_accuracy_sd": _finite_or_none(np.nanstd(subject_ba, ddof=1))
            if np.sum(np.isfinite(subject_ba)) > 1
            else None,
            "roc_auc": _finite_or_none(np.nanmean(folds["roc_auc"].to_numpy(dtype=float)))
            if folds["roc_auc"].notna().any()
            else None,
        },
        "recordings": {
            "n_recordings": len(recordings),
            "accuracy": _finite_or_none(float(np.mean(rec_y == rec_pred))),
            "balanced_accuracy": _finite_or_none(balanced_accuracy(rec_y, rec_pred)),
            "roc_auc": _finite_or_none(roc_auc(rec_y, recordings["probability"].to_numpy())),
        },
        "n_subjects": int(predictions["subject"].nunique()),
        "n_recordings": len(recordings),
        "n_epochs": len(predictions),
        "chance_level": CHANCE_LEVEL,
    }


def balanced_accuracy_ci(
    predictions: pd.DataFrame | None, *, ci_level: float, n_bootstrap: int, seed: int
) -> tuple[float, float]:
    """Percentile-bootstrap CI of the pooled balanced accuracy, resampling subjects.

    Each resample draws subjects with replacement and pools their held-out epochs (so a
    subject drawn twice counts twice); the interval is the percentile interval of the
    resampled balanced accuracies. Resamples lacking one class are dropped.

    Parameters
    ----------
    predictions : pandas.DataFrame or None
        Per-epoch predictions (``subject``, ``y_true``, ``y_pred``), e.g.
        ``classification_predictions.tsv``.
    ci_level : float
        Confidence level in (0, 1).
    n_bootstrap : int
        Bootstrap resamples.
    seed : int
        Seed of the resampling.

    Returns
    -------
    tuple of float
        ``(ci_low, ci_high)``; NaN when unavailable (no predictions, fewer than two subjects).
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


def roc_curves(predictions: pd.DataFrame) -> pd.DataFrame:
    """ROC curve points, pooled over held-out epochs and per held-out subject (for reports).

    Returns
    -------
    pandas.DataFrame
        Columns ``scope`` ("pooled" or the subject), ``fpr``, ``tpr``, ``threshold``.
        Subjects with a single class have no curve.
    """
    from sklearn.metrics import roc_curve

    parts = [("pooled", predictions)]
    parts += [(str(s), part) for s, part in predictions.groupby("subject", sort=False)]
    frames = []
    for scope, part in parts:
        if part["y_true"].nunique() < 2:
            continue
        fpr, tpr, threshold = roc_curve(part["y_true"], part["probability"])
        frames.append(
            pd.DataFrame({"scope": scope, "fpr": fpr, "tpr": tpr, "threshold": threshold})
        )
    return pd.concat(frames, ignore_index=True)


def subject_accuracy(folds: pd.DataFrame) -> pd.DataFrame:
    """Per-subject balanced accuracy and AUC sorted by subject (for a report bar chart)."""
    columns = ["subject", "n_epochs", "balanced_accuracy", "roc_auc", "accuracy"]
    return folds.loc[:, columns].sort_values("subject", kind="stable").reset_index(drop=True)
