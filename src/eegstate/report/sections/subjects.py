"""Section "Per-subject posterior band power": one line per subject from baseline to target.

Sources: ``subject_changes.tsv`` (``power_db`` at the posterior site) and ``group_changes.tsv``.
"""

from __future__ import annotations

from eegstate.report import figures
from eegstate.report.context import GAMMA_NOTE, ReportContext
from eegstate.report.images import embed
from eegstate.report.inputs import GroupTables, present
from eegstate.report.templating import render
from eegstate.report.view import Section

KEY = "subjects"
MEASURE = "power_db"


def build(tables: GroupTables, ctx: ReportContext) -> Section:
    """Render the per-subject section.

    Parameters
    ----------
    tables : GroupTables
        ``subject_changes`` and ``group_changes``.
    ctx : ReportContext
        States, bands and the posterior site.

    Returns
    -------
    Section
        The section.
    """
    title = "Per-subject posterior band power"
    changes = tables.subject_changes
    power = changes[changes["measure"] == MEASURE] if present(changes) else None
    if not present(power):
        body = render("sections/subjects.html.j2", available=False)
        return Section(KEY, title, body)
    site = ctx.shown_site(power["site"])
    power = power[power["site"].astype(str) == site]
    means = tables.group_changes
    means = means[(means["measure"] == MEASURE) & (means["site"].astype(str) == site)]
    label = "All-channel" if site == "all" else "Posterior"
    fig = figures.plot_paired(
        power, means, ctx.band_frame(), baseline=ctx.baseline, target=ctx.target, region_label=label
    )
    alt = (
        f"Per-subject {label.lower()} band power, one line per subject from {ctx.baseline} to "
        f"{ctx.target}, for each band; black line is the mean."
    )
    what = (
        "all channels (no channel in claims.alpha_regions)"
        if site == "all"
        else f"the channels of the posterior site {site} (claims.alpha_regions)"
    )
    body = render(
        "sections/subjects.html.j2",
        available=True,
        figure=embed(fig, alt),
        what=what,
        ctx=ctx,
        gamma_note=GAMMA_NOTE if any(b.is_gamma for b in ctx.bands) else "",
    )
    return Section(KEY, title, body)
