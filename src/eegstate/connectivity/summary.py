"""Tidy connectivity tables and the within-network summary (DMN vs control)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from eegstate.connectivity.nodes import CONTROL_NETWORKS, DMN, node_names, within_network_pairs
from eegstate.tables import CONNECTIVITY_COLUMNS, DMN_SUMMARY_COLUMNS, RECORDING_COLUMNS


def connectivity_table(
    matrices: Mapping[tuple[str, str], np.ndarray], identity: Mapping[str, str]
) -> pd.DataFrame:
    """Turn connectivity matrices into the long ``connectivity.tsv`` rows of one recording.

    Parameters
    ----------
    matrices : mapping
        ``(band, metric)`` -> symmetric (n_nodes, n_nodes) matrix in node order.
    identity : mapping
        ``subject, session, recording, state``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`eegstate.tables.CONNECTIVITY_COLUMNS`, one row per node pair
        (upper triangle).
    """
    names = node_names()
    upper_a, upper_b = np.triu_indices(len(names), k=1)
    frames = []
    for (band, metric), matrix in matrices.items():
        frames.append(
            pd.DataFrame(
                {
                    **{key: identity[key] for key in RECORDING_COLUMNS},
                    "band": band,
                    "metric": metric,
                    "node_a": [names[i] for i in upper_a],
                    "node_b": [names[j] for j in upper_b],
                    "value": np.asarray(matrix)[upper_a, upper_b],
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=list(CONNECTIVITY_COLUMNS))
    return pd.concat(frames, ignore_index=True)[list(CONNECTIVITY_COLUMNS)]


def network_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Mean within-DMN and within-control connectivity per recording, band and metric.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows of ``connectivity.tsv`` (any number of recordings).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`eegstate.tables.DMN_SUMMARY_COLUMNS`.
    """
    if table.empty:
        return pd.DataFrame(columns=list(DMN_SUMMARY_COLUMNS))
    pairs = pd.Series(list(zip(table["node_a"], table["node_b"], strict=True)), index=table.index)
    keys = [*RECORDING_COLUMNS, "band", "metric"]
    dmn = table[pairs.isin(within_network_pairs((DMN,)))]
    control = table[pairs.isin(within_network_pairs(CONTROL_NETWORKS))]
    summary = (
        dmn.groupby(keys, sort=False, dropna=False)["value"]
        .mean()
        .rename("dmn_mean")
        .to_frame()
        .join(
            control.groupby(keys, sort=False, dropna=False)["value"].mean().rename("control_mean")
        )
        .reset_index()
    )
    summary["dmn_minus_control"] = summary["dmn_mean"] - summary["control_mean"]
    return summary[list(DMN_SUMMARY_COLUMNS)]
