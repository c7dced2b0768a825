"""Classification features: one row per epoch, one column per feature.

Feature names say what they measure: ``<band>_db_<unit>`` is absolute band power in dB and
``<band>_rel_<unit>`` relative power, where ``<unit>`` is a scalp region (``alpha_db_occipital``)
or a channel (``alpha_db_O1``). Region values pool the region's channels with the same rule as
the group tables (:func:`eegstate.bandpower.combine_channels`: linear mean, then dB). A
per-recording summary such as the DMN connectivity table can be added; its values are repeated
on every epoch of the recording (``dmn_minus_control_<metric>_<band>`` and so on).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import pandas as pd

from eegstate.bandpower import combine_channels
from eegstate.tables import FEATURE_ID_COLUMNS

logger = logging.getLogger(__name__)

#: Feature levels: band power per region, per channel, or both.
FEATURE_LEVELS: tuple[str, ...] = ("region", "channel", "both")

#: DMN summary values widened by :func:`dmn_features`, and the prefix of their feature names.
_DMN_VALUES: dict[str, str] = {
    "dmn_mean": "dmn",
    "control_mean": "control",
    "dmn_minus_control": "dmn_minus_control",
}

_KINDS = (("power_db", "db"), ("relative_power", "rel"))


def _widen(long: pd.DataFrame, unit: str) -> pd.DataFrame:
    """Pivot a per epoch x unit x band table to one row per epoch (input order kept)."""
    ids = list(FEATURE_ID_COLUMNS)
    bands = list(pd.unique(long["band"]))
    units = list(pd.unique(long[unit]))
    wide = long.pivot(index=ids, columns=["band", unit], values=[kind for kind, _ in _KINDS])
    columns, names = [], []
    for band in bands:
        for kind, short in _KINDS:
            for name in units:
                columns.append((kind, band, name))
                names.append(f"{band}_{short}_{name}")
    wide = wide.reindex(columns=pd.MultiIndex.from_tuples(columns))
    wide.columns = names
    order = long.loc[:, ids].drop_duplicates()
    return order.merge(wide.reset_index(), on=ids, how="left", validate="one_to_one")


def region_epoch_features(epoch_bandpower: pd.DataFrame) -> pd.DataFrame:
    """Band power and relative power per epoch, region and band, as wide features.

    Channels in no region are left out.
    """
    in_region = epoch_bandpower.loc[epoch_bandpower["region"].astype(str) != ""]
    if in_region.empty:
        raise ValueError("no channel of the band-power table belongs to a configured region")
    pooled = combine_channels(in_region, [*FEATURE_ID_COLUMNS, "region", "band"])
    return _widen(pooled, "region")


def channel_epoch_features(epoch_bandpower: pd.DataFrame) -> pd.DataFrame:
    """Band power and relative power per epoch, channel and band, as wide features."""
    return _widen(epoch_bandpower, "channel")


def dmn_features(dmn_summary: pd.DataFrame) -> pd.DataFrame:
    """Widen a per-recording DMN summary to one row per recording.

    Parameters
    ----------
    dmn_summary : pandas.DataFrame
        ``dmn_summary.tsv`` (:data:`eegstate.tables.DMN_SUMMARY_COLUMNS`; one row per
        recording x band x metric). Only subject, recording, band, metric and the three
        values are used.

    Returns
    -------
    pandas.DataFrame
        ``subject, recording`` and, per metric and band, ``dmn_<metric>_<band>``,
        ``control_<metric>_<band>`` and ``dmn_minus_control_<metric>_<band>``.
    """
    required = ["subject", "recording", "band", "metric", *_DMN_VALUES]
    missing = [column for column in required if column not in dmn_summary.columns]
    if missing:
        raise ValueError(f"the DMN summary table lacks columns {missing}")
    table = dmn_summary.assign(subject=dmn_summary["subject"].astype(str))
    wide = table.pivot(
        index=["subject", "recording"], columns=["metric", "band"], values=list(_DMN_VALUES)
    )
    wide.columns = [f"{_DMN_VALUES[value]}_{metric}_{band}" for value, metric, band in wide.columns]
    return wide.reset_index()


def merge_recording_features(
    features: pd.DataFrame, per_recording: pd.DataFrame, *, what: str = "per-recording table"
) -> pd.DataFrame:
    """Add per-recording feature columns to every epoch of the recording.

    Parameters
    ----------
    features : pandas.DataFrame
        Epoch features (:data:`eegstate.tables.FEATURE_ID_COLUMNS` plus features).
    per_recording : pandas.DataFrame
        ``subject, recording`` plus feature columns, one row per recording.
    what : str
        Name of the table for error messages.

    Returns
    -------
    pandas.DataFrame
        ``features`` with the new columns appended.

    Raises
    ------
    ValueError
        If a recording of ``features`` has no row in ``per_recording`` or a column clashes.
    """
    new = [column for column in per_recording.columns if column not in ("subject", "recording")]
    clash = sorted(set(new) & set(features.columns))
    if clash:
        raise ValueError(f"{what} repeats feature columns {clash}")
    merged = features.merge(
        per_recording, on=["subject", "recording"], how="left", validate="many_to_one"
    )
    absent = merged.loc[merged[new].isna().all(axis=1), "recording"].unique()
    if new and len(absent):
        raise ValueError(f"{what} has no row for recordings {sorted(absent)}")
    return merged


def epoch_features(
    epoch_bandpower: pd.DataFrame,
    *,
    level: str = "region",
    dmn_summary: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Assemble the classification feature table: one row per epoch.

    Parameters
    ----------
    epoch_bandpower : pandas.DataFrame
        Per-epoch band power of one or more recordings (columns
        :data:`eegstate.tables.EPOCH_BANDPOWER_COLUMNS`).
    level : {"region", "channel", "both"}
        Band power per scalp region, per channel, or both.
    dmn_summary : pandas.DataFrame, optional
        Per-recording DMN summary (``dmn_summary.tsv``, see :func:`dmn_features`); its values
        are broadcast to the recording's epochs.

    Returns
    -------
    pandas.DataFrame
        :data:`eegstate.tables.FEATURE_ID_COLUMNS` then feature columns, rows in input order.
    """
    if level not in FEATURE_LEVELS:
        raise ValueError(f"unknown feature level {level!r}; use one of {', '.join(FEATURE_LEVELS)}")
    table = epoch_bandpower.assign(subject=epoch_bandpower["subject"].astype(str))
    parts = []
    if level in ("region", "both"):
        parts.append(region_epoch_features(table))
    if level in ("channel", "both"):
        parts.append(channel_epoch_features(table))
    features = parts[0]
    for extra in parts[1:]:
        clash = sorted(set(feature_columns(extra)) & set(feature_columns(features)))
        if clash:
            raise ValueError(f"region and channel feature names clash: {clash}")
        features = features.merge(extra, on=list(FEATURE_ID_COLUMNS), validate="one_to_one")
    if dmn_summary is not None:
        features = merge_recording_features(
            features, dmn_features(dmn_summary), what="the DMN summary"
        )
    logger.info(
        "features: %d epochs of %d recordings x %d features",
        len(features),
        features["recording"].nunique(),
        len(feature_columns(features)),
    )
    return features


def feature_columns(table: pd.DataFrame, exclude: Sequence[str] = FEATURE_ID_COLUMNS) -> list[str]:
    """Names of the feature columns of a feature table (every column not in ``exclude``)."""
    return [column for column in table.columns if column not in exclude]
