"""Within-subject target − baseline contrasts per band × region, band × channel or channel set.

Every contrast follows one recipe (:func:`paired_contrasts`): recordings of a subject in one
state are averaged (in linear power for dB values), subjects with both states are paired, and
the differences are summarised by their mean, a percentile-bootstrap CI over subjects, the
two-sided Wilcoxon signed-rank p-value and the Holm-adjusted p-value over the whole table
(every band × region, or every band × channel, is one family).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from eegstate.bandpower import combine_channels
from eegstate.stats.paired import (
    check_columns,
    holm_adjust,
    paired_differences,
    subject_state_means,
    summarise_differences,
)
from eegstate.stats.verdicts import holm_floor
from eegstate.tables import STATS_CHANNEL_COLUMNS, STATS_REGION_COLUMNS

logger = logging.getLogger(__name__)


def band_table(df: pd.DataFrame) -> pd.DataFrame:
    """Return the distinct bands of a band-power table, ordered by lower edge.

    Parameters
    ----------
    df : pandas.DataFrame
        Table with columns ``band``, ``fmin`` and ``fmax``.

    Returns
    -------
    pandas.DataFrame
        One row per band with columns ``band``, ``fmin``, ``fmax``.
    """
    check_columns(df, ("band", "fmin", "fmax"), "band-power table")
    bands = df.groupby("band", sort=False)[["fmin", "fmax"]].first().reset_index()
    return bands.sort_values(["fmin", "fmax", "band"], kind="stable").reset_index(drop=True)


def paired_contrasts(
    table: pd.DataFrame,
    baseline: str,
    target: str,
    keys: Sequence[str],
    *,
    value: str = "power_db",
    linear: bool = True,
    ci_level: float = 0.95,
    n_bootstrap: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """Summarise target − baseline per combination of ``keys``, with a Holm-adjusted family.

    Parameters
    ----------
    table : pandas.DataFrame
        Tidy table with ``subject``, ``state``, ``keys`` and ``value``.
    baseline, target : str
        State labels; differences are ``target − baseline``.
    keys : sequence of str
        Columns defining one contrast (e.g. ``["band", "region"]``), in output order of first
        appearance.
    value : str
        Column to contrast.
    linear : bool
        Whether ``value`` is in dB (recordings then averaged in linear power).
    ci_level, n_bootstrap, seed
        Percentile bootstrap over subjects (same seed for every combination).

    Returns
    -------
    pandas.DataFrame
        ``keys`` and ``n_subjects, mean, ci_low, ci_high, n_decrease, n_increase, statistic,
        p_value, p_holm, p_floor`` (the smallest Holm p the row's subjects allow,
        :func:`eegstate.stats.verdicts.holm_floor`); combinations without a paired subject are
        left out.
    """
    if baseline == target:
        raise ValueError("baseline and target states must differ")
    check_columns(table, ("subject", "state", *keys, value), "table")
    df = table[table["state"].isin([baseline, target])]
    columns = [*keys, "n_subjects", "mean", "ci_low", "ci_high", "n_decrease", "n_increase"]
    columns += ["statistic", "p_value", "p_holm", "p_floor"]
    if df.empty:
        return pd.DataFrame(columns=columns)
    means = subject_state_means(df, list(keys), value, linear=linear)
    diffs = paired_differences(means, baseline, target, list(keys), value)
    if diffs.empty:
        logger.warning("No subject has both %r and %r: empty contrast", baseline, target)
        return pd.DataFrame(columns=columns)
    wide = diffs.pivot_table(
        index="subject", columns=list(keys), values="diff_db", aggfunc="first", sort=False
    )
    combos = list(wide.columns)
    values = wide.to_numpy(dtype=float)
    complete = np.all(np.isfinite(values), axis=0)
    kwargs = {"ci_level": ci_level, "n_bootstrap": n_bootstrap, "seed": seed}
    parts = []
    if complete.any():  # the usual case: one vectorised call for every complete column
        summary = summarise_differences(values[:, complete], **kwargs)
        parts.append(summary.set_axis(np.flatnonzero(complete)))
    for j in np.flatnonzero(~complete):  # columns some subjects lack: their own bootstrap
        col = values[:, j]
        parts.append(summarise_differences(col[np.isfinite(col)], **kwargs).set_axis([j]))
    out = pd.concat(parts).sort_index().reset_index(drop=True)
    for i, key in enumerate(keys):
        out[key] = [combo[i] if isinstance(combo, tuple) else combo for combo in combos]
    p = out["p_value"].to_numpy(dtype=float)
    out["p_holm"] = holm_adjust(p)
    family = int(np.isfinite(p).sum())
    out["p_floor"] = [holm_floor(int(n), family) for n in out["n_subjects"]]
    return out[columns]


def _band_contrasts(
    table: pd.DataFrame,
    baseline: str,
    target: str,
    place: str,
    columns: Sequence[str],
    *,
    ci_level: float,
    n_bootstrap: int,
    seed: int,
) -> pd.DataFrame:
    check_columns(table, ("band", "fmin", "fmax", place, "power_db"), "band-power table")
    table = table[table[place].astype(str) != ""]
    out = paired_contrasts(
        table,
        baseline,
        target,
        ["band", place],
        ci_level=ci_level,
        n_bootstrap=n_bootstrap,
        seed=seed,
    )
    if out.empty:
        return pd.DataFrame(columns=list(columns))
    bands = band_table(table)
    out = out.rename(columns={"mean": "mean_db"}).merge(bands, on="band", how="left")
    order = {band: i for i, band in enumerate(bands["band"])}
    out["_order"] = out["band"].map(order)
    out = out.sort_values("_order", kind="stable").drop(columns="_order")
    return out[list(columns)].reset_index(drop=True)


def region_contrasts(
    region_bandpower: pd.DataFrame,
    baseline: str,
    target: str,
    *,
    ci_level: float = 0.95,
    n_bootstrap: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """Band × region contrasts (``stats_regions.tsv``).

    Parameters
    ----------
    region_bandpower : pandas.DataFrame
        :data:`eegstate.tables.REGION_BANDPOWER_COLUMNS`.
    baseline, target : str
        State labels.
    ci_level, n_bootstrap, seed
        Bootstrap settings.

    Returns
    -------
    pandas.DataFrame
        :data:`eegstate.tables.STATS_REGION_COLUMNS`; bands by frequency, Holm over all rows.
    """
    return _band_contrasts(
        region_bandpower,
        baseline,
        target,
        "region",
        STATS_REGION_COLUMNS,
        ci_level=ci_level,
        n_bootstrap=n_bootstrap,
        seed=seed,
    )


def channel_contrasts(
    bandpower: pd.DataFrame,
    baseline: str,
    target: str,
    *,
    ci_level: float = 0.95,
    n_bootstrap: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """Band × channel contrasts (``stats_channels.tsv``).

    Parameters
    ----------
    bandpower : pandas.DataFrame
        :data:`eegstate.tables.BANDPOWER_COLUMNS`.
    baseline, target : str
        State labels.
    ci_level, n_bootstrap, seed
        Bootstrap settings.

    Returns
    -------
    pandas.DataFrame
        :data:`eegstate.tables.STATS_CHANNEL_COLUMNS`; Holm over every band × channel (the
        spatial inference with more power is the cluster test, :mod:`eegstate.stats.clusters`).
    """
    return _band_contrasts(
        bandpower,
        baseline,
        target,
        "channel",
        STATS_CHANNEL_COLUMNS,
        ci_level=ci_level,
        n_bootstrap=n_bootstrap,
        seed=seed,
    )


def site_channels(bandpower: pd.DataFrame, regions: Sequence[str] | None) -> list[str]:
    """Channels of the given scalp regions in a band-power table (all channels for None).

    Parameters
    ----------
    bandpower : pandas.DataFrame
        Table with ``channel`` and ``region``.
    regions : sequence of str or None
        Region names (case-insensitive); None or empty means every channel.

    Returns
    -------
    list of str
        Channel names in order of first appearance (empty when no channel is in the regions).
    """
    check_columns(bandpower, ("channel", "region"), "bandpower")
    if not regions:
        return [str(c) for c in dict.fromkeys(bandpower["channel"])]
    wanted = {str(r).lower() for r in regions}
    mask = bandpower["region"].astype(str).str.lower().isin(wanted)
    return [str(c) for c in dict.fromkeys(bandpower.loc[mask, "channel"])]


#: Columns of :func:`site_differences` and :func:`value_differences` (paired subjects).
_DIFFERENCE_COLUMNS: tuple[str, ...] = ("subject", "baseline_db", "target_db", "diff_db")


def _subject_differences(
    rows: pd.DataFrame, baseline: str, target: str, value: str, *, linear: bool
) -> pd.DataFrame:
    """Per-subject state means of one value and their paired target − baseline difference.

    The recipe shared by :func:`site_differences` and :func:`value_differences`: recordings
    of a subject and state are averaged (:func:`eegstate.stats.paired.subject_state_means`),
    then subjects with both states are paired
    (:func:`eegstate.stats.paired.paired_differences`).

    Parameters
    ----------
    rows : pandas.DataFrame
        One row per recording with ``subject``, ``state`` and ``value``.
    baseline, target : str
        State labels.
    value : str
        Column to average and difference.
    linear : bool
        Whether ``value`` is in dB (recordings then averaged in linear power).

    Returns
    -------
    pandas.DataFrame
        Columns ``subject``, ``baseline_db``, ``target_db``, ``diff_db`` (no rows when no subject
        has both states).
    """
    if rows.empty:
        return pd.DataFrame(columns=list(_DIFFERENCE_COLUMNS))
    means = subject_state_means(rows, [], value, linear=linear)
    out = paired_differences(means, baseline, target, [], value)
    if not len(out):
        return pd.DataFrame(columns=list(_DIFFERENCE_COLUMNS))
    return out[list(_DIFFERENCE_COLUMNS)]


def site_differences(
    bandpower: pd.DataFrame, baseline: str, target: str, band: str, channels: Sequence[str]
) -> pd.DataFrame:
    """Per-subject band power over a channel set and its target − baseline difference.

    Channels are pooled per recording with :func:`eegstate.bandpower.combine_channels`
    (linear mean), then recordings per subject and state (linear mean).

    Parameters
    ----------
    bandpower : pandas.DataFrame
        :data:`eegstate.tables.BANDPOWER_COLUMNS`.
    baseline, target : str
        State labels.
    band : str
        Band name.
    channels : sequence of str
        Channels to pool.

    Returns
    -------
    pandas.DataFrame
        Columns ``subject``, ``baseline_db``, ``target_db``, ``diff_db`` (paired subjects).
    """
    check_columns(bandpower, ("subject", "state", "recording", "channel", "band"), "bandpower")
    rows = bandpower[
        (bandpower["band"] == band)
        & bandpower["channel"].isin(list(channels))
        & bandpower["state"].isin([baseline, target])
    ]
    if rows.empty:
        return pd.DataFrame(columns=list(_DIFFERENCE_COLUMNS))
    pooled = combine_channels(rows, ["subject", "session", "recording", "state"])
    return _subject_differences(pooled, baseline, target, "power_db", linear=True)


def value_differences(table: pd.DataFrame, baseline: str, target: str, value: str) -> pd.DataFrame:
    """Per-subject mean of a non-dB column per state and the target − baseline difference.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows of recordings with ``subject``, ``state`` and ``value``.
    baseline, target : str
        State labels.
    value : str
        Column (e.g. ``dmn_minus_control`` or ``emg_slope_median``), averaged as is.

    Returns
    -------
    pandas.DataFrame
        Columns ``subject``, ``baseline_db``, ``target_db``, ``diff_db`` (paired subjects
        with finite values; ``_db`` is only the shared column naming).
    """
    rows = table[table["state"].isin([baseline, target])].copy()
    rows[value] = pd.to_numeric(rows[value], errors="coerce")
    rows = rows[np.isfinite(rows[value].to_numpy(dtype=float))]
    return _subject_differences(rows, baseline, target, value, linear=False)
