"""The tables the group report renders (all written by earlier workflow steps).

The report reads nothing else and computes nothing: every number it shows is a value of one of
these tables (see :mod:`eegstate.tables` for their columns), of ``classification.json`` or of
the configuration. A missing table (None) makes its section say which step did not run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class GroupTables:
    """Inputs of the group report.

    Attributes
    ----------
    qc : pandas.DataFrame
        ``qc.tsv`` (one row per recording).
    coverage : pandas.DataFrame, optional
        ``coverage.tsv`` (recordings per subject and state).
    stats_regions, stats_channels : pandas.DataFrame, optional
        Band × region and band × channel contrasts.
    channel_means : pandas.DataFrame, optional
        ``channel_means.tsv`` (topomap state means).
    clusters : pandas.DataFrame, optional
        ``clusters.tsv``.
    psd_summary : pandas.DataFrame, optional
        ``psd_summary.tsv``.
    aperiodic_contrasts, aperiodic_peaks : pandas.DataFrame, optional
        Specparam summaries.
    subject_changes, group_changes : pandas.DataFrame, optional
        Per-subject paired values and their group means.
    claims, claims_tests : pandas.DataFrame, optional
        ``claims.tsv`` and ``claims_tests.tsv``.
    connectivity_summary : pandas.DataFrame, optional
        ``connectivity_summary.tsv`` (None or empty: connectivity not run).
    classification : mapping, optional
        ``classification.json``.
    classification_roc, classification_folds : pandas.DataFrame, optional
        ``classification_roc.tsv`` and ``classification_folds.tsv``.
    power_rates : pandas.DataFrame, optional
        Probability of a changed verdict per claim, subjects and scenario
        (``power_summary.tsv`` (:func:`eegstate.stats.power.power_summary`)); None when
        the power analysis did not run.
    power_figure : bytes, optional
        ``power.png``.
    track_summary : pandas.DataFrame, optional
        ``track/summary.tsv`` (None: no recording tracked).
    track_figures : mapping, optional
        Tracked recording -> bytes of its ``track.png``.
    citation : str, optional
        Citation of the analysed data.
    """

    qc: pd.DataFrame
    coverage: pd.DataFrame | None = None
    stats_regions: pd.DataFrame | None = None
    stats_channels: pd.DataFrame | None = None
    channel_means: pd.DataFrame | None = None
    clusters: pd.DataFrame | None = None
    psd_summary: pd.DataFrame | None = None
    aperiodic_contrasts: pd.DataFrame | None = None
    aperiodic_peaks: pd.DataFrame | None = None
    subject_changes: pd.DataFrame | None = None
    group_changes: pd.DataFrame | None = None
    claims: pd.DataFrame | None = None
    claims_tests: pd.DataFrame | None = None
    connectivity_summary: pd.DataFrame | None = None
    classification: Mapping[str, Any] | None = None
    classification_roc: pd.DataFrame | None = None
    classification_folds: pd.DataFrame | None = None
    power_rates: pd.DataFrame | None = None
    power_figure: bytes | None = None
    track_summary: pd.DataFrame | None = None
    track_figures: Mapping[str, bytes] | None = None
    citation: str | None = None


def present(table: pd.DataFrame | None) -> bool:
    """Whether a table was given and has rows."""
    return table is not None and not table.empty
