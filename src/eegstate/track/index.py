"""The state index of each window: unsupervised distance from baseline, or a model's probability.

Unsupervised index
------------------
1. Each component ``x_k`` (band power per region and over all channels in dB, aperiodic
   exponent, within-DMN connectivity) is turned into a robust z-score against the baseline
   segment's windows: ``z_k = (x_k - median_b(x_k)) / (1.4826 · MAD_b(x_k))`` (components that
   do not vary over the baseline windows are left out, and said so).
2. The direction of largest change is the first principal component ``w`` (unit vector) of the
   z-scores of all clean windows (:class:`sklearn.decomposition.PCA`, centred); its sign is
   chosen so that the mean projection of the whole track lies above the baseline windows'
   median. Without a change of state this direction is noise and the index stays within its
   baseline spread; with one, it is the profile of the change (loadings in ``events.json``).
3. ``index = (z·w - median_b(z·w)) / (1.4826 · MAD_b(z·w))``: a signed projection in units of
   the baseline's robust SD, linear in the size of the change (a norm such as the Mahalanobis
   distance is not: it has a noise floor, which delays the apparent onset of a gradual change).

The signed change of each component in its own units (``x_k - median_b(x_k)``: dB, exponent,
connectivity) is reported beside the index, so a reader sees *what* changed.

Supervised index
----------------
The saved model's probability of the target state, per epoch exactly as ``eegstate predict``
computes it (the model's preprocessing, features and :func:`eegstate.classify.predict_features`),
averaged over the window's clean epochs. The model's subject-wise normalisation takes its
statistics from the tracked recording: ``subject`` z-scores every feature over all clean epochs
of the recording (as ``eegstate predict`` does for the recordings it is given; it assumes the
recording spans both states), ``baseline`` subtracts the mean of the baseline segment's epochs.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

#: Scale of a median absolute deviation to a normal standard deviation.
MAD_TO_SD = 1.4826


def robust_location_scale(values: np.ndarray) -> tuple[float, float]:
    """Median and MAD-based SD of the finite ``values`` (NaN, NaN when there are none)."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return float("nan"), float("nan")
    median = float(np.median(x))
    return median, MAD_TO_SD * float(np.median(np.abs(x - median)))


@dataclass
class UnsupervisedIndex:
    """The unsupervised index and how it was built.

    Attributes
    ----------
    index : numpy.ndarray
        Per window (NaN for windows left out).
    changes : pandas.DataFrame
        Signed change of each component from its baseline median (own units).
    loadings : dict
        Component -> weight of the direction ``w``.
    left_out : dict
        Component -> why it is not part of the index.
    """

    index: np.ndarray
    changes: pd.DataFrame
    loadings: dict[str, float]
    left_out: dict[str, str]


def unsupervised_index(
    components: pd.DataFrame, baseline: np.ndarray, valid: np.ndarray
) -> UnsupervisedIndex:
    """Signed projection of the components' baseline z-scores (module docstring).

    Parameters
    ----------
    components : pandas.DataFrame
        One row per window, one column per component.
    baseline : numpy.ndarray of bool
        Windows of the baseline segment.
    valid : numpy.ndarray of bool
        Windows with enough clean epochs.

    Returns
    -------
    UnsupervisedIndex

    Raises
    ------
    ValueError
        When fewer than 3 valid baseline windows are available (the baseline spread is then
        unknown), or no component varies over them.
    """
    from sklearn.decomposition import PCA

    reference = baseline & valid
    if reference.sum() < 3:
        raise ValueError(
            f"only {int(reference.sum())} clean windows lie in the baseline segment; at least 3 "
            "are needed to measure the baseline's spread: lengthen the baseline (--baseline or "
            "'track.baseline_s') or shorten 'track.step_s'"
        )
    changes = pd.DataFrame(index=components.index)
    z_columns, left_out = {}, {}
    for name in components.columns:
        values = components[name].to_numpy(dtype=float)
        median, scale = robust_location_scale(values[reference])
        changes[name] = values - median
        if not np.isfinite(scale) or scale <= 0:
            left_out[name] = "does not vary over the baseline windows"
            continue
        finite = np.isfinite(values[valid])
        if not finite.all():
            left_out[name] = "missing in some windows"
            continue
        z_columns[name] = (values - median) / scale
    if not z_columns:
        raise ValueError("no component varies over the baseline windows; nothing to track")
    names = list(z_columns)
    z = np.column_stack([z_columns[n] for n in names])
    pca = PCA(n_components=1, svd_solver="full").fit(z[valid])
    direction = pca.components_[0]
    projection = z @ direction
    base_median, _ = robust_location_scale(projection[reference])
    if np.nanmean(projection[valid]) < base_median:
        direction, projection = -direction, -projection
    median, scale = robust_location_scale(projection[reference])
    index = np.full(len(components), np.nan)
    index[valid] = (projection[valid] - median) / scale
    return UnsupervisedIndex(
        index=index,
        changes=changes,
        loadings={n: float(w) for n, w in zip(names, direction, strict=True)},
        left_out=left_out,
    )


def supervised_probabilities(
    model: object,
    features: np.ndarray,
    baseline: np.ndarray,
    feature_names: Sequence[str],
) -> np.ndarray:
    """Per-epoch probability of the target state with the model's normalisation.

    Parameters
    ----------
    model : eegstate.classify.TrainedModel
        The loaded model.
    features : numpy.ndarray, shape (n_epochs, n_features)
        The model's features of the clean epochs, columns in ``feature_names`` order.
    baseline : numpy.ndarray of bool, shape (n_epochs,)
        Epochs of the baseline segment (the reference of ``normalize: baseline``).
    feature_names : sequence of str
        The model's feature names.

    Returns
    -------
    numpy.ndarray, shape (n_epochs,)
        Probability of the target state.
    """
    from eegstate.classify import predict_features

    table = pd.DataFrame(features, columns=list(feature_names))
    table.insert(0, "epoch", np.arange(len(table)))
    # two pseudo-recordings of one subject: the baseline segment and the rest
    table.insert(0, "recording", np.where(baseline, "baseline", "track"))
    table.insert(0, "subject", "tracked")
    result = predict_features(model, table, baseline_recordings=["baseline"])
    return result["probability"].to_numpy(dtype=float)
