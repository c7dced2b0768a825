"""Final models: fit on every subject, describe with metadata, check new input, predict.

A trained model is the fitted sklearn estimator plus metadata saying what input it expects
(feature names, bands, channels, sampling rate, preprocessing and normalisation) and with
which package versions it was made. New input is checked against that metadata before any
prediction; incompatible input is refused with :class:`IncompatibleInputError` naming what
differs. Saving and loading live in :mod:`eegstate.classify.persist`.
"""

from __future__ import annotations

import logging
import platform
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from eegstate.classify.data import ClassificationData
from eegstate.classify.estimators import make_estimator, target_probability
from eegstate.classify.evaluate import inner_search, normalized_features
from eegstate.classify.normalize import NORMALIZATIONS, normalize_per_subject

logger = logging.getLogger(__name__)

#: Identifies eegstate model metadata and its layout version.
MODEL_FORMAT = "eegstate-model"
MODEL_FORMAT_VERSION = 1

#: Packages whose versions are recorded in a model.
RECORDED_PACKAGES: tuple[str, ...] = (
    "eegstate",
    "scikit-learn",
    "numpy",
    "scipy",
    "pandas",
    "mne",
    "skops",
)


class IncompatibleInputError(ValueError):
    """New input does not match what a trained model expects."""


@dataclass
class TrainedModel:
    """A fitted estimator and the metadata describing its expected input."""

    estimator: Any
    metadata: dict[str, Any]

    @property
    def feature_names(self) -> list[str]:
        """Feature columns, in the order the estimator expects."""
        return list(self.metadata["feature_names"])


def package_versions() -> dict[str, str]:
    """Installed versions of Python and :data:`RECORDED_PACKAGES`."""
    from importlib.metadata import PackageNotFoundError, version

    versions = {"python": platform.python_version()}
    for package in RECORDED_PACKAGES:
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def fit_model(
    data: ClassificationData,
    *,
    estimator: str | Any = "logistic",
    param_grid: Mapping[str, Sequence[Any]] | None = None,
    param_grids: Mapping[str, Mapping[str, Sequence[Any]]] | None = None,
    normalize: str = "subject",
    inner_folds: int = 3,
    seed: int = 0,
    n_jobs: int = 1,
    metadata: Mapping[str, Any] | None = None,
) -> TrainedModel:
    """Fit the chosen pipeline on all subjects (hyper-parameters by ``GroupKFold`` search).

    Parameters
    ----------
    data : ClassificationData
        Training data of every subject.
    estimator, param_grid, param_grids, normalize, inner_folds, seed, n_jobs :
        As in :func:`eegstate.classify.evaluate`.
    metadata : mapping, optional
        What the input looked like (bands, channels, sampling rate, preprocessing, ...);
        stored with the model and checked on prediction.

    Returns
    -------
    TrainedModel
    """
    from threadpoolctl import threadpool_limits

    choice = make_estimator(estimator, seed=seed, param_grids=param_grids, param_grid=param_grid)
    with threadpool_limits(limits=1, user_api="blas"):
        fitted, best_params = inner_search(
            choice,
            normalized_features(data, normalize),
            data.y,
            data.groups,
            inner_folds=inner_folds,
            n_jobs=n_jobs,
        )
    logger.info("fitted %s on %d subjects, params %s", choice.name, data.n_subjects, best_params)
    meta = {
        **dict(metadata or {}),
        "format": MODEL_FORMAT,
        "format_version": MODEL_FORMAT_VERSION,
        "feature_names": list(data.feature_names),
        "estimator": choice.name,
        "best_params": best_params,
        "normalize": normalize,
        "normalize_assumption": NORMALIZATIONS[normalize],
        "classes": list(data.classes),
        "subjects": sorted(str(s) for s in np.unique(data.groups)),
        "n_epochs": len(data.y),
        "n_recordings": len(np.unique(data.recordings)),
        "seed": int(seed),
        "versions": package_versions(),
    }
    return TrainedModel(fitted, meta)


def check_bandpower_input(metadata: Mapping[str, Any], epoch_bandpower: pd.DataFrame) -> None:
    """Refuse per-epoch band power whose bands or channels differ from the model's.

    Raises
    ------
    IncompatibleInputError
        Listing missing channels, missing or extra bands, per recording.
    """
    problems = []
    bands = set(metadata.get("bands", {}))
    channels = list(metadata.get("channels", []))
    for recording, part in epoch_bandpower.groupby("recording", sort=False):
        present_bands = set(part["band"].astype(str))
        if bands and present_bands != bands:
            problems.append(
                f"{recording}: bands {sorted(present_bands)} differ from the model's "
                f"{sorted(bands)} (missing {sorted(bands - present_bands)}, extra "
                f"{sorted(present_bands - bands)})"
            )
        present = {name.lower() for name in part["channel"].astype(str)}
        missing = [name for name in channels if name.lower() not in present]
        if missing:
            problems.append(f"{recording}: missing channels {missing}")
    if problems:
        raise IncompatibleInputError("input incompatible with the model: " + "; ".join(problems))


def check_sampling_rate(metadata: Mapping[str, Any], sfreq: float, source: str) -> None:
    """Refuse a recording whose Nyquist frequency is below the model's highest band edge.

    A different (high enough) rate is accepted: band power is computed in physical units on
    the same frequency grid step (the Welch window is set in seconds).
    """
    bands = metadata.get("bands", {})
    highest = max([high for _, high in bands.values()], default=0.0)
    if sfreq / 2 < highest:
        raise IncompatibleInputError(
            f"{source}: sampling rate {sfreq:g} Hz (Nyquist {sfreq / 2:g} Hz) cannot measure "
            f"the model's bands up to {highest:g} Hz"
        )
    trained = metadata.get("sfreq") or []
    if trained and not any(np.isclose(sfreq, rate) for rate in trained):
        logger.warning(
            "%s: sampling rate %g Hz differs from the training data (%s Hz)",
            source,
            sfreq,
            ", ".join(f"{rate:g}" for rate in trained),
        )


def check_feature_columns(metadata: Mapping[str, Any], features: pd.DataFrame) -> None:
    """Refuse a feature table that lacks any of the model's features."""
    missing = [name for name in metadata["feature_names"] if name not in features.columns]
    if missing:
        raise IncompatibleInputError(
            f"input lacks {len(missing)} of the model's {len(metadata['feature_names'])} "
            f"features: {missing}"
        )


def predict_features(
    model: TrainedModel,
    features: pd.DataFrame,
    *,
    baseline_recordings: Sequence[str] = (),
) -> pd.DataFrame:
    """Per-epoch probability of the target state for a feature table.

    The model's subject-wise normalisation is applied per ``subject`` of ``features``: with
    ``subject`` the subject's epochs given here must span its states; with ``baseline`` the
    epochs of ``baseline_recordings`` are each subject's reference.

    Parameters
    ----------
    model : TrainedModel
        Trained model.
    features : pandas.DataFrame
        ``subject, recording, epoch`` and (at least) the model's feature columns.
    baseline_recordings : sequence of str
        Recordings serving as baseline (``normalize="baseline"`` only).

    Returns
    -------
    pandas.DataFrame
        ``subject, recording, epoch, probability, y_pred, label`` (label: state name).
    """
    check_feature_columns(model.metadata, features)
    names = model.feature_names
    X = features[names].to_numpy(dtype=float)
    bad = [name for name, ok in zip(names, np.isfinite(X).all(axis=0), strict=True) if not ok]
    if bad:
        raise IncompatibleInputError(f"features with missing or infinite values: {bad}")
    groups = features["subject"].astype(str).to_numpy()
    method = model.metadata["normalize"]
    reference = None
    if method == "baseline":
        if not baseline_recordings:
            raise IncompatibleInputError(
                "this model normalises features to each subject's baseline recording; name "
                "the baseline recording of the new subject"
            )
        reference = features["recording"].isin(list(baseline_recordings)).to_numpy()
    if method == "subject" and features["recording"].nunique() < 2:
        logger.warning(
            "normalize=subject assumes the recordings of a subject span its states; "
            "only one recording given, so its probabilities are relative to itself"
        )
    X = normalize_per_subject(X, groups, method, reference=reference)
    probability = target_probability(model.estimator, X)
    predicted = np.asarray(model.estimator.predict(X), dtype=int)
    classes = list(model.metadata["classes"])
    return pd.DataFrame(
        {
            "subject": groups,
            "recording": features["recording"].astype(str).to_numpy(),
            "epoch": features["epoch"].to_numpy(),
            "probability": probability,
            "y_pred": predicted,
            "label": [classes[k] for k in predicted],
        }
    )


def recording_predictions(epoch_predictions: pd.DataFrame, classes: Sequence[str]) -> pd.DataFrame:
    """Per-recording label from the mean epoch probability (threshold 0.5).

    Returns
    -------
    pandas.DataFrame
        ``subject, recording, n_epochs, probability, y_pred, label``.
    """
    table = (
        epoch_predictions.groupby(["subject", "recording"], sort=False)
        .agg(n_epochs=("probability", "size"), probability=("probability", "mean"))
        .reset_index()
    )
    table["y_pred"] = (table["probability"] >= 0.5).astype(int)
    table["label"] = [classes[k] for k in table["y_pred"]]
    return table
