"""From a feature table to the arrays of a classification: features, labels, subjects.

Labels are binary: the target state is 1, the baseline state 0. Any feature table works (the
workflow's ``features.tsv`` or one made elsewhere): name the label and subject columns, and
optionally glob patterns selecting the feature columns.
"""

from __future__ import annotations

import fnmatch
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from eegstate.tables import FEATURE_ID_COLUMNS

logger = logging.getLogger(__name__)


class TooFewSubjectsError(ValueError):
    """Fewer than two subjects have epochs of both states: nothing to cross-validate."""


@dataclass
class ClassificationData:
    """Arrays of one classification problem (one row per epoch).

    Attributes
    ----------
    X : numpy.ndarray, shape (n_epochs, n_features)
        Features, not normalised.
    y : numpy.ndarray of int, shape (n_epochs,)
        1 for the target state, 0 for the baseline.
    groups : numpy.ndarray of str
        Subject of each epoch (the unit of cross-validation).
    recordings : numpy.ndarray of str
        Recording of each epoch (the unit of prediction aggregation and of the permutation
        test); without a recording column, each subject x label block is one recording.
    feature_names : list of str
        Names of the columns of ``X``.
    index : pandas.DataFrame
        ``subject, recording, state, epoch`` of each row, for prediction tables.
    classes : tuple of str
        Label values of class 0 (baseline) and class 1 (target).
    """

    X: np.ndarray
    y: np.ndarray
    groups: np.ndarray
    recordings: np.ndarray
    feature_names: list[str]
    index: pd.DataFrame
    classes: tuple[str, str]

    @property
    def n_subjects(self) -> int:
        """Number of distinct subjects."""
        return len(np.unique(self.groups))


def select_features(
    table: pd.DataFrame,
    patterns: Sequence[str] | str | None = None,
    *,
    exclude: Sequence[str] = (),
) -> list[str]:
    """Feature columns of a table.

    Parameters
    ----------
    table : pandas.DataFrame
        Feature table.
    patterns : str or sequence of str, optional
        Shell-style globs (``alpha_*``); a column is used when it matches any. Without them,
        every numeric column not in ``exclude`` and not an identifier column
        (:data:`eegstate.tables.FEATURE_ID_COLUMNS`) is used, and a warning lists them.
    exclude : sequence of str
        Columns never used (label, subject, recording); identifier columns are never used
        either.

    Returns
    -------
    list of str
        Column names, in table order.

    Raises
    ------
    ValueError
        If nothing matches, or a selected column is not numeric.
    """
    excluded = set(exclude) | set(FEATURE_ID_COLUMNS)
    candidates = [column for column in table.columns if column not in excluded]
    if patterns:
        patterns = [patterns] if isinstance(patterns, str) else list(patterns)
        columns = [c for c in candidates if any(fnmatch.fnmatchcase(c, p) for p in patterns)]
        if not columns:
            raise ValueError(f"no column matches the feature patterns {patterns}")
        not_numeric = [c for c in columns if not pd.api.types.is_numeric_dtype(table[c])]
        if not_numeric:
            raise ValueError(f"feature columns must be numeric; not numeric: {not_numeric}")
        return columns
    columns = [
        c
        for c in candidates
        if pd.api.types.is_numeric_dtype(table[c])
        and not pd.api.types.is_bool_dtype(table[c])
        and table[c].notna().any()
    ]
    if not columns:
        raise ValueError("the table has no numeric feature column")
    logger.warning(
        "no feature patterns given; using all %d numeric columns: %s", len(columns), columns
    )
    return columns


def encode_labels(
    values: pd.Series, baseline: str | None = None, target: str | None = None
) -> tuple[np.ndarray, tuple[str, str]]:
    """Binary labels: target 1, baseline 0.

    Parameters
    ----------
    values : pandas.Series
        Label of each row (two distinct values).
    baseline, target : str, optional
        Which value is which. With only ``baseline`` the other value is the target; with
        neither, values ``0``/``1`` (or ``False``/``True``) are kept, and otherwise the first
        value in sorted order is taken as the baseline (with a warning).

    Returns
    -------
    y : numpy.ndarray of int
        0/1 labels.
    classes : tuple of str
        Values of class 0 and class 1.

    Raises
    ------
    ValueError
        If the labels do not have exactly two values or the named ones are absent.
    """
    text = values.astype(str)
    distinct = sorted(pd.unique(text))
    if len(distinct) != 2:
        raise ValueError(f"classification needs exactly two label values, found {distinct}")
    if baseline is None and target is None:
        if set(distinct) in ({"0", "1"}, {"False", "True"}, {"0.0", "1.0"}):
            baseline, target = distinct
        else:
            baseline, target = distinct
            logger.warning(
                "no baseline label given; taking %r as baseline (0) and %r as target (1)",
                baseline,
                target,
            )
    baseline = str(baseline) if baseline is not None else None
    target = str(target) if target is not None else None
    for name, value in (("baseline", baseline), ("target", target)):
        if value is not None and value not in distinct:
            raise ValueError(f"{name} label {value!r} is not among the labels {distinct}")
    if baseline is None:
        baseline = next(v for v in distinct if v != target)
    if target is None:
        target = next(v for v in distinct if v != baseline)
    if baseline == target:
        raise ValueError(f"baseline and target labels must differ (both {baseline!r})")
    return (text == target).to_numpy(dtype=int), (baseline, target)


def prepare_data(
    table: pd.DataFrame,
    *,
    label: str = "state",
    group: str = "subject",
    recording: str | None = "recording",
    features: Sequence[str] | str | None = None,
    baseline: str | None = None,
    target: str | None = None,
) -> ClassificationData:
    """Turn a feature table into :class:`ClassificationData`.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per epoch (or window).
    label, group : str
        Columns holding the state label and the subject.
    recording : str, optional
        Column identifying recordings; if absent, each subject x label block is a recording.
    features : str or sequence of str, optional
        Glob patterns of feature columns (see :func:`select_features`).
    baseline, target : str, optional
        Label values (see :func:`encode_labels`).

    Returns
    -------
    ClassificationData

    Raises
    ------
    ValueError
        If a column is missing or features have missing values.
    TooFewSubjectsError
        If fewer than two subjects have epochs of both states.

    Notes
    -----
    Subjects with epochs of one state only (e.g. a recording excluded by quality control) are
    left out with a warning: they carry no within-subject contrast and subject-wise
    normalisation needs both states.
    """
    for name, column in (("label", label), ("group", group)):
        if column not in table.columns:
            raise ValueError(f"{name} column {column!r} not in the table; columns: {list(table)}")
    has_recording = recording is not None and recording in table.columns
    exclude = [label, group, *([recording] if has_recording else [])]
    names = select_features(table, features, exclude=exclude)
    X = table[names].to_numpy(dtype=float)
    bad = [name for name, ok in zip(names, np.isfinite(X).all(axis=0), strict=True) if not ok]
    if bad:
        raise ValueError(
            f"feature columns with missing or infinite values: {bad}; drop them with a "
            "feature pattern or fix the input"
        )
    y, classes = encode_labels(table[label], baseline, target)
    groups = table[group].astype(str).to_numpy()
    complete = pd.Series(y).groupby(groups).nunique() == 2
    if not complete.all():
        dropped = sorted(complete.index[~complete])
        logger.warning(
            "leaving out subjects with epochs of one state only (no within-subject contrast; "
            "subject-wise normalisation needs both): %s",
            dropped,
        )
        keep = ~np.isin(groups, dropped)
        table, X, y, groups = table.loc[keep], X[keep], y[keep], groups[keep]
    if len(np.unique(groups)) < 2:
        raise TooFewSubjectsError(
            "subject-wise evaluation needs at least two subjects with both states, found "
            f"{len(np.unique(groups))}"
        )
    if has_recording:
        recordings = table[recording].astype(str).to_numpy()
    else:
        recordings = np.char.add(np.char.add(groups.astype(str), "/"), table[label].astype(str))
    index = pd.DataFrame(
        {
            "subject": groups,
            "recording": recordings,
            "state": table[label].astype(str).to_numpy(),
            "epoch": table["epoch"].to_numpy() if "epoch" in table else np.arange(len(table)),
        }
    )
    return ClassificationData(X, y, groups, recordings, names, index, classes)
