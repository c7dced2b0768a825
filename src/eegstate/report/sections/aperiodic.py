"""Section "Aperiodic-adjusted spectra": specparam exponent, offset and alpha-peak height.

Sources: ``subject_changes.tsv`` / ``group_changes.tsv`` (the figure), ``aperiodic_peaks.tsv``
(peak counts) and ``aperiodic_contrasts.tsv`` (the paired contrasts).
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

KEY = "aperiodic"
TITLE = "Aperiodic-adjusted spectra"
PARAMETERS = tuple(measure for measure, _ in figures.APERIODIC_PANELS)


def _peak_counts(peaks: pd.DataFrame | None, site: str, ctx: ReportContext) -> str:
    if not present(peaks):
        return ""
    rows = peaks[(peaks["site"].astype(str) == site) & (peaks["peak"] == "alpha")]
    parts = []
    for state in (ctx.baseline, ctx.target):
        row = rows[rows["state"] == state]
        if row.empty:
            continue
        r = row.iloc[0]
        text = f"{state}: alpha peak in {fmt.count(r.n_present, r.n_recordings)} recordings"
        if int(r.n_present):
            text += (
                f" (mean {fmt.plain(r.mean_freq)} Hz, {fmt.plain(r.mean_height_db)} dB above "
                "aperiodic)"
            )
        parts.append(text)
    return "; ".join(parts)


def _contrast_table(contrasts: pd.DataFrame, site: str, ctx: ReportContext) -> Table:
    rows = [
        (
            r.parameter,
            int(r.n_subjects),
            fmt.signed(r.mean_change, 3),
            fmt.interval(r.ci_low, r.ci_high, 3),
            fmt.p_cell(r.p_value),
            fmt.p_cell(r.p_holm),
        )
        for r in contrasts[contrasts["site"].astype(str) == site].itertuples(index=False)
    ]
    header = ("Parameter", "n", f"Mean Δ ({ctx.target} − {ctx.baseline})")
    header += (fmt.ci_label(ctx.ci_level), "Wilcoxon p", "Holm p")
    return Table.of(header, rows, numeric=(False, True, True, True, True, True))


def build(tables: GroupTables, ctx: ReportContext) -> Section:
    """Render the aperiodic section.

    Parameters
    ----------
    tables : GroupTables
        ``subject_changes``, ``group_changes``, ``aperiodic_peaks``, ``aperiodic_contrasts``.
    ctx : ReportContext
        States, peak threshold, figure sink (``aperiodic``).

    Returns
    -------
    Section
        The section.
    """
    changes = tables.subject_changes
    fits = changes[changes["measure"].isin(PARAMETERS)] if present(changes) else None
    if not present(fits):
        missing = "No spectral parameterisation available."
        figure = embed(None, "", sink=ctx.sink, key=KEY, missing=missing)
        body = render("sections/aperiodic.html.j2", figure=figure, available=False)
        return Section(KEY, TITLE, body)
    site = ctx.shown_site(fits["site"])
    fits = fits[fits["site"].astype(str) == site]
    means = tables.group_changes
    means = means[(means["site"].astype(str) == site) & means["measure"].isin(PARAMETERS)]
    fig = figures.plot_aperiodic(
        fits,
        means,
        site,
        baseline=ctx.baseline,
        target=ctx.target,
        min_height_db=ctx.min_peak_height_db,
    )
    alt = (
        f"Per-subject aperiodic exponent, offset and periodic alpha-peak height ({site} "
        f"channels), {ctx.baseline} vs {ctx.target}."
    )
    missing = "No subject has fits in both states."
    body = render(
        "sections/aperiodic.html.j2",
        available=True,
        figure=embed(fig, alt, sink=ctx.sink, key=KEY, missing=missing),
        site=site,
        threshold=f"{ctx.min_peak_height_db:g}",
        counts=_peak_counts(tables.aperiodic_peaks, site, ctx),
        table=(
            _contrast_table(tables.aperiodic_contrasts, site, ctx)
            if present(tables.aperiodic_contrasts)
            else None
        ),
    )
    return Section(KEY, TITLE, body)
