"""Classifier models trained on recordings analysed in memory, for the tracking tests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from eegstate.apps.classification import RECORDING_CONFIG_KEYS
from eegstate.classify import TrainedModel, epoch_features, fit_model, prepare_data
from eegstate.pipeline import analyse_raw, epoch_band_power_table, recording_settings


def train_region_model(
    recordings: Iterable[tuple[Any, Mapping[str, str]]],
    config: Mapping[str, Any],
    *,
    baseline: str,
    target: str,
    dataset: str,
    seed: int,
) -> TrainedModel:
    """A subject-normalised model of region band power, with the metadata ``predict`` reads.

    Parameters
    ----------
    recordings : iterable of (mne.io.BaseRaw, mapping)
        Each recording and its ``subject, session, recording, state``; analysed one after
        the other as the workflow does (:func:`eegstate.pipeline.analyse_raw`).
    config : mapping
        Validated configuration (the analysis and the stored model configuration).
    baseline, target : str
        The two states the model separates.
    dataset : str
        The dataset name stored in the metadata (with the analysed sampling rates).
    seed : int
        The model's seed.

    Returns
    -------
    eegstate.classify.TrainedModel
        The fitted model (not saved).
    """
    settings = recording_settings(config)
    tables, rates = [], set()
    for raw, identity in recordings:
        result = analyse_raw(raw, settings, identity)
        tables.append(epoch_band_power_table(result, settings, identity))
        rates.add(float(result.qc.sfreq))
    epochs = pd.concat(tables, ignore_index=True)
    data = prepare_data(epoch_features(epochs), baseline=baseline, target=target)
    metadata = {
        "dataset": dataset,
        "level": "region",
        "bands": {name: list(edges) for name, edges in config["bandpower"]["bands"].items()},
        "channels": sorted(set(epochs["channel"])),
        "sfreq": sorted(rates),
        "config": {key: config[key] for key in RECORDING_CONFIG_KEYS},
    }
    return fit_model(data, normalize="subject", seed=seed, metadata=metadata)
