"""Classification steps of the workflow: the feature table and the evaluation (file I/O).

The science is in :mod:`eegstate.classify` (pure functions); these steps read inputs, call it
and write outputs atomically. The ``eegstate classify``, ``train`` and ``predict`` commands are
in :mod:`eegstate.apps.classification`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from eegstate.io import read_table, write_table, write_text
from eegstate.settings import (
    ClassificationSettings,
    IntervalSettings,
    build_settings,
    settings_fields,
    to_config,
)
from eegstate.steps.base import Step, StepCall
from eegstate.tables import (
    CLASSIFICATION_FOLD_COLUMNS,
    CLASSIFICATION_PREDICTION_COLUMNS,
    CLASSIFICATION_RECORDING_COLUMNS,
)

logger = logging.getLogger(__name__)


def build_features(
    *,
    epoch_files: Sequence[str | Path],
    features_out: str | Path,
    level: str = "region",
    dmn_summary_path: str | Path | None = None,
) -> pd.DataFrame:
    """Write ``features.tsv`` from per-recording ``*_bandpower-epochs.tsv`` tables.

    Parameters
    ----------
    epoch_files : sequence of path
        Per-epoch band power of every recording.
    features_out : path
        The feature table (one row per epoch).
    level : {"region", "channel", "both"}
        Feature level.
    dmn_summary_path : path, optional
        Per-recording DMN summary table to broadcast to the epochs.

    Returns
    -------
    pandas.DataFrame
        The feature table.
    """
    from eegstate.classify.features import epoch_features

    if not epoch_files:
        raise ValueError("no per-epoch band-power tables to build features from")
    epochs = pd.concat([read_table(path) for path in epoch_files], ignore_index=True)
    dmn = read_table(dmn_summary_path) if dmn_summary_path else None
    if dmn is not None:
        uncovered = sorted(set(epochs["recording"]) - set(dmn["recording"]))
        if uncovered:
            # A feature missing for some recordings cannot be used by the classifiers; the
            # connectivity step skips low-density montages and excluded recordings.
            logger.warning(
                "DMN connectivity features left out: no DMN summary for %d recording(s) (%s)",
                len(uncovered),
                ", ".join(uncovered[:5]),
            )
            dmn = None
    features = epoch_features(epochs, level=level, dmn_summary=dmn)
    write_table(features, features_out)
    return features


@dataclass(frozen=True)
class ClassificationStepSettings:
    """The options the classification step consumes."""

    seed: int
    baseline: str
    target: str
    classification: ClassificationSettings
    report: IntervalSettings


def _json_text(summary: Mapping[str, Any]) -> str:
    return json.dumps(summary, indent=2, allow_nan=False, default=str) + "\n"


def evaluate_classifier(
    *,
    features_path: str | Path,
    config: ClassificationStepSettings | Mapping[str, Any],
    summary_out: str | Path,
    folds_out: str | Path,
    predictions_out: str | Path,
    recordings_out: str | Path,
    n_jobs: int | None = None,
) -> dict[str, Any]:
    """Evaluate the configured classifier on ``features.tsv`` and write its results.

    Parameters
    ----------
    features_path : path
        Feature table of the workflow.
    config : ClassificationStepSettings or mapping
        ``seed``, ``baseline``, ``target``, ``classification`` and the report's interval
        options (a configuration mapping holding them is built into the settings object).
    summary_out, folds_out, predictions_out, recordings_out : path
        ``classification.json`` and the per-fold, per-epoch and per-recording TSVs.
    n_jobs : int, optional
        Overrides ``classification.n_jobs`` (the workflow passes the rule's threads).

    Returns
    -------
    dict
        The summary written to ``summary_out``; with a subject-wise normalisation it holds the
        ``normalize: none`` evaluation as ``normalize_comparison``.
    """
    from eegstate.classify import TooFewSubjectsError, evaluate, prepare_data

    settings = (
        config
        if isinstance(config, ClassificationStepSettings)
        else build_settings(ClassificationStepSettings, config)
    )
    options = settings.classification
    try:
        data = prepare_data(
            read_table(features_path),
            label="state",
            group="subject",
            features=list(options.features),
            baseline=settings.baseline,
            target=settings.target,
        )
    except TooFewSubjectsError as err:
        # A dataset of one subject still gets its other results; say why this one is empty.
        logger.warning("classification skipped: %s", err)
        summary = {"skipped": str(err), "balanced_accuracy": None, "roc_auc": None}
        for columns, path in (
            (CLASSIFICATION_FOLD_COLUMNS, folds_out),
            (CLASSIFICATION_PREDICTION_COLUMNS, predictions_out),
            (CLASSIFICATION_RECORDING_COLUMNS, recordings_out),
        ):
            write_table(pd.DataFrame(columns=list(columns)), path)
        write_text(_json_text(summary), summary_out)
        return summary
    result = evaluate(
        data,
        estimator=options.estimator,
        param_grids=to_config(options.param_grids),
        normalize=options.normalize,
        inner_folds=options.inner_folds,
        n_permutations=options.n_permutations,
        seed=settings.seed,
        n_jobs=options.n_jobs if n_jobs is None else n_jobs,
        ci_level=settings.report.ci_level,
        n_bootstrap=settings.report.n_bootstrap,
        compare_none=True,
    )
    summary = {**result.summary, "feature_level": options.level}
    write_table(result.folds, folds_out, CLASSIFICATION_FOLD_COLUMNS)
    write_table(result.predictions, predictions_out, CLASSIFICATION_PREDICTION_COLUMNS)
    write_table(result.recordings, recordings_out, CLASSIFICATION_RECORDING_COLUMNS)
    write_text(_json_text(summary), summary_out)
    logger.info(
        "balanced accuracy %.3f (ROC AUC %s, p = %s, smallest attainable p %s) over %d subjects",
        summary["balanced_accuracy"],
        summary["roc_auc"],
        summary["p_value"],
        summary["p_value_floor"],
        summary["n_subjects"],
    )
    return summary


def _run_features(call: StepCall) -> pd.DataFrame:
    return build_features(
        epoch_files=call.inputs["epochs"],
        features_out=call.outputs["features"],
        level=call.config["classification"]["level"],
        dmn_summary_path=call.optional("dmn_summary"),
    )


def _run_classification(call: StepCall) -> dict[str, Any]:
    return evaluate_classifier(
        features_path=call.inputs["features"],
        config=call.config,
        summary_out=call.outputs["summary"],
        folds_out=call.outputs["folds"],
        predictions_out=call.outputs["predictions"],
        recordings_out=call.outputs["recordings"],
        n_jobs=call.threads,
    )


#: The feature table (written by the ``group_tables`` rule, :mod:`eegstate.steps.group`; the
#: ``features`` step remains for running it alone) and the ``evaluate_classifier`` rule's
#: step. The evaluation reads only the report's interval options, so other report options
#: never rerun it.
STEPS = (
    Step("features", consumes=("classification.level",), run=_run_features),
    Step(
        "classification",
        consumes=(
            *(f for f in settings_fields(ClassificationStepSettings) if f != "report"),
            "report.ci_level",
            "report.n_bootstrap",
        ),
        run=_run_classification,
    ),
)


#: Names that moved to :mod:`eegstate.apps.classification` or :mod:`eegstate.io`.
_MOVED = {
    "read_feature_table": "eegstate.apps.classification",
    "classify_table": "eegstate.apps.classification",
    "train_model": "eegstate.apps.classification",
    "recording_epoch_bandpower": "eegstate.apps.classification",
    "predict_recordings": "eegstate.apps.classification",
    "RECORDING_CONFIG_KEYS": "eegstate.apps.classification",
    "save_model": "eegstate.io",
    "load_model": "eegstate.io",
}


def __getattr__(name: str) -> Any:
    """Old import paths of the moved names keep working, with a deprecation warning."""
    if name not in _MOVED:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib
    import warnings

    warnings.warn(
        f"eegstate.steps.classify.{name} moved to {_MOVED[name]}.{name}",
        DeprecationWarning,
        stacklevel=2,
    )
    return getattr(importlib.import_module(_MOVED[name]), name)
