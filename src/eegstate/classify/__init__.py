"""Classification of brain states (target vs baseline) from EEG features, subject-wise.

Pure functions on tables and arrays (no files, no Snakemake):

* :func:`epoch_features` — per-epoch feature table from per-epoch band power;
* :func:`prepare_data` — arrays (features, 0/1 labels, subjects, recordings) from any table;
* :func:`evaluate` — nested leave-one-subject-out evaluation with a subject-aware
  permutation test; :func:`roc_curves` and :func:`subject_accuracy` feed reports;
* :func:`fit_model`, :func:`predict_features` — a final model for new recordings, saved and
  loaded safely with :func:`model_to_bytes` / :func:`model_from_bytes` (skops).

Example
-------
>>> from sklearn.neighbors import KNeighborsClassifier          # doctest: +SKIP
>>> data = prepare_data(features, label="state", group="subject",
...                     baseline="baseline", target="dissociative")
>>> result = evaluate(data, estimator=KNeighborsClassifier(), n_permutations=200)
>>> result.summary["balanced_accuracy"], result.summary["p_value"]
"""

from __future__ import annotations

from eegstate.classify.data import (
    ClassificationData,
    TooFewSubjectsError,
    prepare_data,
    select_features,
)
from eegstate.classify.estimators import (
    BUILTIN_ESTIMATORS,
    DEFAULT_PARAM_GRIDS,
    EstimatorChoice,
    make_estimator,
)
from eegstate.classify.evaluate import Evaluation, evaluate, nested_loso
from eegstate.classify.features import FEATURE_LEVELS, dmn_features, epoch_features
from eegstate.classify.metrics import roc_curves, subject_accuracy
from eegstate.classify.model import (
    IncompatibleInputError,
    TrainedModel,
    check_bandpower_input,
    fit_model,
    predict_features,
    recording_predictions,
)
from eegstate.classify.normalize import NORMALIZATIONS, normalize_per_subject
from eegstate.classify.permutation import permuted_labels
from eegstate.classify.persist import (
    TRUSTED_TYPES,
    ModelFileError,
    model_from_bytes,
    model_to_bytes,
)

__all__ = [
    "BUILTIN_ESTIMATORS",
    "DEFAULT_PARAM_GRIDS",
    "FEATURE_LEVELS",
    "NORMALIZATIONS",
    "TRUSTED_TYPES",
    "ClassificationData",
    "EstimatorChoice",
    "Evaluation",
    "IncompatibleInputError",
    "ModelFileError",
    "TooFewSubjectsError",
    "TrainedModel",
    "check_bandpower_input",
    "dmn_features",
    "epoch_features",
    "evaluate",
    "fit_model",
    "make_estimator",
    "model_from_bytes",
    "model_to_bytes",
    "nested_loso",
    "normalize_per_subject",
    "permuted_labels",
    "predict_features",
    "prepare_data",
    "recording_predictions",
    "roc_curves",
    "select_features",
    "subject_accuracy",
]
