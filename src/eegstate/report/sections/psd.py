"""Section "Power spectra per state": group spectra with bootstrap bands, all channels and the
posterior site. Source: ``psd_summary.tsv``."""

from __future__ import annotations

import pandas as pd

from eegstate.report import figures
from eegstate.report import formatting as fmt
from eegstate.report.context import ReportContext
from eegstate.report.images import embed
from eegstate.report.inputs import GroupTables, present
from eegstate.report.templating import render
from eegstate.report.view import Section

KEY = "psd"


def panels(summary: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """Figure panels: (title, that site's rows of ``psd_summary.tsv``), in table order."""
    out = []
    for site in dict.fromkeys(summary["site"].astype(str)):
        rows = summary[summary["site"].astype(str) == site]
        n = int(rows["n_channels"].iloc[0])
        title = "All channels" if site == "all" else f"Posterior site {site} (n={n} channels)"
        out.append((title, rows))
    return out


def build(tables: GroupTables, ctx: ReportContext) -> Section:
    """Render the PSD section.

    Parameters
    ----------
    tables : GroupTables
        ``psd_summary`` is read.
    ctx : ReportContext
        Settings and the figure sink (``psd``).

    Returns
    -------
    Section
        The section.
    """
    title = "Power spectra per state"
    ci = fmt.ci_label(ctx.ci_level)
    if not present(tables.psd_summary):
        figure = embed(None, "", sink=ctx.sink, key=KEY, missing="No PSD data.")
        body = render("sections/psd.html.j2", figure=figure, ci=ci, available=False)
        return Section(KEY, title, body)
    shown = panels(tables.psd_summary)
    fig = figures.plot_psd(
        shown, ctx.band_frame(), baseline=ctx.baseline, target=ctx.target, ci_level=ctx.ci_level
    )
    alt = (
        f"Group power spectral density per state ({', '.join(t for t, _ in shown)}): mean over "
        f"subjects with {ci} bands; frequency bands shaded."
    )
    figure = embed(fig, alt, sink=ctx.sink, key=KEY)
    body = render("sections/psd.html.j2", figure=figure, ci=ci, available=True)
    return Section(KEY, title, body)
