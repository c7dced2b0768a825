"""Section "Scalp topographies and spatial clusters".

Sources: ``channel_means.tsv`` (state maps), ``stats_channels.tsv`` (the contrast map: mean
paired difference per channel) and ``clusters.tsv`` (white sensors, cluster table).
"""

from __future__ import annotations

import pandas as pd

from eegstate.report import figures
from eegstate.report import formatting as fmt
from eegstate.report.context import ReportContext
from eegstate.report.images import embed
from eegstate.report.inputs import GroupTables, present
from eegstate.report.templating import render
from eegstate.report.view import Section, Table
from eegstate.stats.clusters import cluster_masks

KEY = "topomaps"


def map_values(tables: GroupTables, ctx: ReportContext) -> pd.DataFrame:
    """``channel, band, baseline_db, target_db, diff_db`` from the two tables (reshaped only).

    Parameters
    ----------
    tables : GroupTables
        ``channel_means`` and ``stats_channels``.
    ctx : ReportContext
        States.

    Returns
    -------
    pandas.DataFrame
        One row per channel × band of ``channel_means``; NaN where a state or the contrast is
        missing.
    """
    means = tables.channel_means
    keys = ["channel", "band"]
    out = means[keys].drop_duplicates().reset_index(drop=True)
    for column, state in (("baseline_db", ctx.baseline), ("target_db", ctx.target)):
        rows = means.loc[means["state"] == state, [*keys, "mean_db"]]
        out = out.merge(rows.rename(columns={"mean_db": column}), on=keys, how="left")
    diff = pd.DataFrame(columns=[*keys, "diff_db"])
    if present(tables.stats_channels):
        diff = tables.stats_channels[[*keys, "mean_db"]].rename(columns={"mean_db": "diff_db"})
    return out.merge(diff, on=keys, how="left")


def _clusters(clusters: pd.DataFrame, ctx: ReportContext) -> tuple[str, Table | None]:
    if clusters.empty:
        return "No suprathreshold cluster in any band.", None
    first = clusters.iloc[0]
    text = (
        "Cluster permutation test over channels per band (mne.stats."
        "permutation_cluster_1samp_test; channel adjacency from the montage; cluster-forming "
        f"threshold |t| > {float(first['t_threshold']):.2f}, {int(first['n_permutations'])} "
        f"sign-flip permutations, n = {int(first['n_subjects'])}). White sensors on the "
        f"contrast maps belong to clusters with p < {ctx.alpha:g}."
    )
    rows = [
        (
            r.band,
            int(r.cluster),
            r.direction,
            int(r.n_channels),
            fmt.plain(r.statistic, 1),
            fmt.format_p(r.p_value),
            r.channels,
        )
        for r in clusters.itertuples(index=False)
    ]
    header = ("Band", "Cluster", "Direction", "Channels (n)", "Σt", "p", "Channels")
    numeric = (False, True, False, True, True, True, False)
    return text, Table.of(header, rows, numeric=numeric)


def build(tables: GroupTables, ctx: ReportContext) -> Section:
    """Render the topography section.

    Parameters
    ----------
    tables : GroupTables
        ``channel_means``, ``stats_channels`` and ``clusters`` are read.
    ctx : ReportContext
        States, montage (``info``), significance level, figure sink (``topomaps``).

    Returns
    -------
    Section
        The section.
    """
    fig = None
    if present(tables.channel_means) and ctx.info is not None:
        fig = figures.plot_topomaps(
            map_values(tables, ctx),
            ctx.info,
            ctx.band_frame(),
            baseline=ctx.baseline,
            target=ctx.target,
            cluster_channels=cluster_masks(tables.clusters, ctx.alpha),
        )
    alt = (
        f"Topographic maps per band: {ctx.baseline} mean, {ctx.target} mean (shared dB scale) "
        f"and {ctx.target} − {ctx.baseline} difference (diverging scale centred at 0); white "
        "sensors mark significant clusters."
    )
    missing = (
        "No channel positions (electrodes tables): no topomaps."
        if ctx.info is None
        else "No channel band power to map (statistics step not run, or fewer than 3 channels "
        "with positions)."
    )
    figure = embed(fig, alt, sink=ctx.sink, key=KEY, missing=missing)
    text, table = ("", None) if tables.clusters is None else _clusters(tables.clusters, ctx)
    body = render(
        "sections/topomaps.html.j2",
        figure=figure,
        clusters_text=text,
        clusters_table=table,
    )
    return Section(KEY, "Scalp topographies and spatial clusters", body)
