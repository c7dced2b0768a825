"""Section "Band × region contrast": within-subject target − baseline per band and region.

Source: ``stats_regions.tsv``. When no row could reach significance (every ``p_floor`` at or
above ``stats.alpha``, e.g. Holm over 25 tests with at most 9 subjects) the section says so
once, with the numbers, and shows effect sizes and intervals only.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from eegstate.report import formatting as fmt
from eegstate.report.context import GAMMA_NOTE, ReportContext
from eegstate.report.inputs import GroupTables, present
from eegstate.report.templating import render
from eegstate.report.view import Section, Table

KEY = "contrasts"


def _sentence(row: Any, ctx: ReportContext, ci: str) -> str:
    band = ctx.band(row.band)
    fmin, fmax = (band.fmin, band.fmax) if band else (row.fmin, row.fmax)
    n, dec, inc = int(row.n_subjects), int(row.n_decrease), int(row.n_increase)
    text = (
        f"{row.band} ({fmt.hz(fmin, fmax)}), {row.region}: {fmt.signed(row.mean_db)} dB "
        f"{fmt.interval(row.ci_low, row.ci_high)} ({ci}) {ctx.target} vs {ctx.baseline}; "
    )
    if row.mean_db < 0:
        text += f"{dec}/{n} subjects lower" + (f", {inc} higher" if inc else "")
    elif row.mean_db > 0:
        text += f"{inc}/{n} subjects higher" + (f", {dec} lower" if dec else "")
    else:
        text += f"{dec}/{n} subjects lower, {inc}/{n} higher"
    return text + "."


def focus_regions(regions: list[str], ctx: ReportContext) -> list[str]:
    """Regions of the posterior site (``claims.alpha_regions``) present, else every region."""
    wanted = {r.lower() for r in ctx.alpha_regions}
    return [r for r in regions if r.lower() in wanted] or regions


def floor_note(stats: pd.DataFrame, ctx: ReportContext) -> str:
    """The one-sentence explanation when no row could reach significance ("" otherwise).

    Parameters
    ----------
    stats : pandas.DataFrame
        ``stats_regions.tsv`` (with ``p_floor``).
    ctx : ReportContext
        Settings (``alpha``, ``ci_level``).

    Returns
    -------
    str
        The note, or "" when some row's floor is below ``stats.alpha``.
    """
    floors = pd.to_numeric(stats["p_floor"], errors="coerce")
    if floors.isna().all() or (floors < ctx.alpha).any():
        return ""
    n = stats["n_subjects"].astype(int)
    subjects = f"{n.min()}" if n.min() == n.max() else f"{n.min()}–{n.max()}"
    return (
        f"With {subjects} subjects and Holm's adjustment over {len(stats)} band × region tests, "
        f"the smallest attainable adjusted p is {fmt.significant(floors.min(), 3)}, not below "
        f"α = {ctx.alpha:g}: no row could reach significance, whatever the data. Only effect "
        f"sizes and {fmt.ci_label(ctx.ci_level)}s are shown; the claims section tests the few "
        "contrasts the claims name."
    )


def _table(stats: pd.DataFrame, ctx: ReportContext, significance: bool) -> Table:
    ci = fmt.ci_label(ctx.ci_level)
    header = ["Band", "Range", "Region", "n subjects", "Mean Δ (dB)", ci, "Lower", "Higher"]
    numeric = [False, False, False, True, True, True, True, True]
    rows, classes = [], []
    for r in stats.itertuples(index=False):
        band = ctx.band(r.band)
        cells = [
            r.band,
            fmt.hz(band.fmin, band.fmax) if band else fmt.hz(r.fmin, r.fmax),
            r.region,
            int(r.n_subjects),
            fmt.signed(r.mean_db, 2),
            fmt.interval(r.ci_low, r.ci_high, 2),
            fmt.count(r.n_decrease, r.n_subjects),
            fmt.count(r.n_increase, r.n_subjects),
        ]
        significant = False
        if significance:
            cells += [fmt.p_cell(r.p_value), fmt.p_cell(r.p_holm), fmt.significant(r.p_floor, 2)]
            significant = not fmt.is_missing(r.p_holm) and float(r.p_holm) < ctx.alpha
        rows.append(cells)
        classes.append("sig" if significant else "")
    if significance:
        header += ["Wilcoxon p", "Holm p", "Floor"]
        numeric += [True, True, True]
    return Table.of(header, rows, numeric=numeric, classes=classes)


def build(tables: GroupTables, ctx: ReportContext) -> Section:
    """Render the band × region section.

    Parameters
    ----------
    tables : GroupTables
        ``stats_regions`` is read.
    ctx : ReportContext
        Settings.

    Returns
    -------
    Section
        The section.
    """
    title = f"Band × region contrast: {ctx.target} − {ctx.baseline}"
    stats = tables.stats_regions
    if not present(stats):
        body = render("sections/contrasts.html.j2", ctx=ctx, available=False)
        return Section(KEY, title, body)
    ci = fmt.ci_label(ctx.ci_level)
    focus = focus_regions(list(dict.fromkeys(stats["region"].astype(str))), ctx)
    sentences = []
    for band in ctx.bands:
        rows = stats[(stats["band"] == band.name) & stats["region"].isin(focus)]
        sentences += [(_sentence(r, ctx, ci), False) for r in rows.itertuples(index=False)]
        if len(rows) and band.is_gamma:
            sentences.append((GAMMA_NOTE, True))
    note = floor_note(stats, ctx)
    body = render(
        "sections/contrasts.html.j2",
        ctx=ctx,
        available=True,
        ci=ci,
        focus=", ".join(focus),
        sentences=sentences,
        floor_note=note,
        table=_table(stats, ctx, significance=not note),
    )
    return Section(KEY, title, body)
