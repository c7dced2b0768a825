"""Command-line applications of classification: ``eegstate classify``, ``train``, ``predict``.

:func:`classify_table` evaluates a classifier on any feature table; :func:`train_model` fits
the configured classifier on a finished run and saves it; :func:`predict_recordings` applies a
saved model to new recordings. Model files are read and written by :mod:`eegstate.io`
(:func:`~eegstate.io.save_model`, :func:`~eegstate.io.load_model`); the science is in
:mod:`eegstate.classify`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from eegstate.io import load_model, read_table, save_model, write_table

logger = logging.getLogger(__name__)

#: The parts of the workflow configuration that decide how a recording becomes features.
RECORDING_CONFIG_KEYS: tuple[str, ...] = ("adapter", "seed", "preprocess", "bandpower", "regions")


def read_feature_table(path: str | Path) -> pd.DataFrame:
    """Read a feature table from CSV (``.csv``) or TSV (anything else)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"feature table not found: {path}")
    separator = "," if path.suffix.lower() == ".csv" else "\t"
    return pd.read_csv(path, sep=separator)


def classify_table(
    path: str | Path,
    *,
    label: str,
    group: str,
    recording: str | None = "recording",
    features: Sequence[str] | None = None,
    estimator: str = "logistic",
    normalize: str = "subject",
    baseline_label: str | None = None,
    n_permutations: int = 1000,
    inner_folds: int = 3,
    seed: int = 42,
    n_jobs: int = 1,
) -> dict[str, Any]:
    """Evaluate a classifier on any feature table (the ``eegstate classify`` command).

    Parameters
    ----------
    path : path
        CSV or TSV, one row per epoch or window.
    label, group : str
        Columns of the state label and of the subject.
    recording : str, optional
        Column identifying recordings, used when present.
    features : sequence of str, optional
        Glob patterns of feature columns (default: every numeric column, with a warning).
    estimator, normalize, n_permutations, inner_folds, seed, n_jobs :
        See :func:`eegstate.classify.evaluate`.
    baseline_label : str, optional
        Value of ``label`` that is the baseline (class 0).

    Returns
    -------
    dict
        The summary (balanced accuracy and its 95% CI, ROC AUC, per subject, p-value and its
        floor, and the ``normalize: none`` comparison when ``normalize`` is not ``none``).
    """
    from eegstate.classify import evaluate, prepare_data

    data = prepare_data(
        read_feature_table(path),
        label=label,
        group=group,
        recording=recording,
        features=features,
        baseline=baseline_label,
    )
    result = evaluate(
        data,
        estimator=estimator,
        normalize=normalize,
        inner_folds=inner_folds,
        n_permutations=n_permutations,
        seed=seed,
        n_jobs=n_jobs,
        compare_none=True,
    )
    return result.summary


def _common_channels(bandpower: pd.DataFrame) -> list[str]:
    """Channels present in every recording, in order of first appearance."""
    per_recording = bandpower.groupby("recording")["channel"].agg(set)
    common = set.intersection(*per_recording) if len(per_recording) else set()
    return [name for name in pd.unique(bandpower["channel"]) if name in common]


def train_model(
    *,
    config: Mapping[str, Any],
    model_out: str | Path,
    group_dir: str | Path | None = None,
    n_jobs: int | None = None,
) -> Any:
    """Fit the configured classifier on every subject of a workflow run and save it.

    Reads ``features.tsv``, ``bandpower.tsv`` (channels) and ``qc.tsv`` (sampling rates) of
    ``<results_dir>/<dataset>/group`` and stores with the model what new input must match.

    Parameters
    ----------
    config : mapping
        Validated configuration of the run.
    model_out : path
        The model file.
    group_dir : path, optional
        Folder of the group tables (default ``<results_dir>/<dataset>/group``).
    n_jobs : int, optional
        Overrides ``classification.n_jobs``.

    Returns
    -------
    eegstate.classify.TrainedModel
    """
    from eegstate.classify import fit_model, prepare_data

    group_dir = Path(group_dir or Path(config["results_dir"]) / config["dataset"] / "group")
    paths = {name: group_dir / f"{name}.tsv" for name in ("features", "bandpower", "qc")}
    missing = [str(path) for path in paths.values() if not path.is_file()]
    if missing:
        raise FileNotFoundError(
            f"missing workflow outputs {missing}; run the workflow with this configuration "
            "first (eegstate run ...)"
        )
    options = config["classification"]
    data = prepare_data(
        read_table(paths["features"]),
        features=options["features"],
        baseline=config["baseline"],
        target=config["target"],
    )
    qc = read_table(paths["qc"])
    metadata = {
        "dataset": config["dataset"],
        "level": options["level"],
        "bands": {name: list(edges) for name, edges in config["bandpower"]["bands"].items()},
        "channels": _common_channels(read_table(paths["bandpower"])),
        "sfreq": sorted({float(rate) for rate in qc["sfreq"].dropna()}),
        "config": {key: config[key] for key in RECORDING_CONFIG_KEYS},
    }
    model = fit_model(
        data,
        estimator=options["estimator"],
        param_grids=options["param_grids"],
        normalize=options["normalize"],
        inner_folds=options["inner_folds"],
        seed=config["seed"],
        n_jobs=options["n_jobs"] if n_jobs is None else n_jobs,
        metadata=metadata,
    )
    save_model(model, model_out)
    logger.info("saved model to %s", model_out)
    return model


def recording_id(path: Path) -> str:
    """A recording identifier from a file name (``..._bandpower-epochs.tsv`` suffix removed)."""
    name = path.name.removesuffix("_bandpower-epochs.tsv")
    name = re.sub(r"(\.[A-Za-z0-9]+)+$", "", name) if name == path.name else name
    return re.sub(r"[^A-Za-z0-9_-]+", "-", name) or "recording"


def recording_epoch_bandpower(
    path: str | Path, metadata: Mapping[str, Any], *, subject: str, adapter: str | None = None
) -> pd.DataFrame:
    """Per-epoch band power of one new recording, processed as the model's training data.

    ``*_bandpower-epochs.tsv`` tables (already processed) are read as they are; any other file
    is read as a raw recording and preprocessed with the model's stored configuration.

    Raises
    ------
    IncompatibleInputError
        If channels the model needs are missing or the sampling rate is too low.
    """
    from eegstate.classify.model import IncompatibleInputError, check_sampling_rate
    from eegstate.datasets import prepare_raw
    from eegstate.io import read_raw
    from eegstate.pipeline import analyse_raw, epoch_band_power_table, recording_settings

    path = Path(path)
    recording = recording_id(path)
    if path.name.endswith("_bandpower-epochs.tsv"):
        table = read_table(path)
        return table.assign(subject=subject, recording=recording)
    config = metadata["config"]
    raw = prepare_raw(adapter or config["adapter"], read_raw(path))
    present = {name.lower() for name in raw.ch_names}
    missing = [name for name in metadata["channels"] if name.lower() not in present]
    if missing:
        raise IncompatibleInputError(
            f"{path}: missing {len(missing)} channels the model needs: {missing}"
        )
    check_sampling_rate(
        metadata, config["preprocess"]["resample_sfreq"] or raw.info["sfreq"], str(path)
    )
    identity = {"subject": subject, "session": "", "recording": recording, "state": ""}
    settings = recording_settings(config)
    result = analyse_raw(raw, settings, identity, source=str(path))
    return epoch_band_power_table(result, settings, identity)


def predict_recordings(
    *,
    model_path: str | Path,
    inputs: Sequence[str | Path],
    out: str | Path,
    baseline: str | Path | None = None,
    subject: str = "new",
    trusted: Sequence[str] = (),
    adapter: str | None = None,
) -> pd.DataFrame:
    """Predict the state of new recordings with a saved model (``eegstate predict``).

    All inputs are taken as recordings of one subject ``subject`` (the unit of the model's
    subject-wise normalisation).

    Parameters
    ----------
    model_path : path
        Model file from :func:`train_model`.
    inputs : sequence of path
        Raw recordings (any format MNE reads) or ``*_bandpower-epochs.tsv`` tables.
    out : path
        Per-epoch predictions (TSV); the per-recording table goes next to it as
        ``<stem>_recordings.tsv``.
    baseline : path, optional
        The subject's baseline recording (required by ``normalize=baseline`` models); it is
        also predicted.
    subject : str
        Subject label written to the tables.
    trusted : sequence of str
        Extra types to trust when loading the model.
    adapter : str, optional
        Dataset adapter for channel-name fix-ups (default: the model's).

    Returns
    -------
    pandas.DataFrame
        One row per recording: ``subject, recording, source, n_epochs, probability,
        y_pred, label``.
    """
    from eegstate.classify import (
        check_bandpower_input,
        epoch_features,
        predict_features,
        recording_predictions,
    )

    model = load_model(model_path, trusted=trusted)
    metadata = model.metadata
    paths = [Path(p) for p in inputs]
    if baseline is not None and Path(baseline) not in paths:
        paths.insert(0, Path(baseline))
    if not paths:
        raise ValueError("no recordings to predict")
    tables, sources = [], {}
    for path in paths:
        table = recording_epoch_bandpower(path, metadata, subject=subject, adapter=adapter)
        recording = str(table["recording"].iloc[0])
        if recording in sources:
            raise ValueError(f"{path} and {sources[recording]} have the same name {recording!r}")
        sources[recording] = str(path)
        tables.append(table)
    epochs = pd.concat(tables, ignore_index=True)
    check_bandpower_input(metadata, epochs)
    wanted = {name.lower() for name in metadata["channels"]}
    epochs = epochs.loc[epochs["channel"].str.lower().isin(wanted)]
    features = epoch_features(epochs, level=metadata["level"])
    baseline_ids = [recording_id(Path(baseline))] if baseline is not None else []
    per_epoch = predict_features(model, features, baseline_recordings=baseline_ids)
    per_epoch.insert(2, "source", per_epoch["recording"].map(sources))
    per_recording = recording_predictions(per_epoch, metadata["classes"])
    per_recording.insert(2, "source", per_recording["recording"].map(sources))
    out = Path(out)
    write_table(per_epoch, out)
    write_table(per_recording, out.with_name(f"{out.stem}_recordings.tsv"))
    return per_recording
