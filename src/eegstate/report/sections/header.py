"""Page header: title, dataset, states and how many subjects and recordings have each state."""

from __future__ import annotations

from markupsafe import Markup

from eegstate.report import formatting as fmt
from eegstate.report.context import ReportContext
from eegstate.report.inputs import GroupTables, present
from eegstate.report.templating import render


def _coverage(tables: GroupTables, ctx: ReportContext) -> tuple[list[tuple[str, str]], str]:
    """Meta items on subjects and recordings, and the note on subjects lacking a state."""
    cov = tables.coverage
    if not present(cov):
        return [("Subjects", "coverage table not available (statistics step not run)")], ""
    subjects = list(dict.fromkeys(cov["subject"].astype(str)))
    paired = cov.loc[cov["paired"].map(fmt.truthy).astype(bool), "subject"]
    recordings = cov[cov["n_recordings"].astype(int) > 0]
    per_state = recordings.groupby("state", sort=False)["n_recordings"].sum()
    items = [
        ("Subjects", f"{len(subjects)} ({paired.nunique()} with both states)"),
        ("Recordings", str(int(recordings["n_recordings"].sum()))),
        ("Recordings per state", ", ".join(f"{s}: {int(n)}" for s, n in per_state.items())),
    ]
    lacking = []
    for subject in subjects:
        rows = cov[cov["subject"].astype(str) == subject]
        missing = [
            s
            for s in (ctx.baseline, ctx.target)
            if not (rows.loc[rows["state"] == s, "n_recordings"].astype(int) > 0).any()
        ]
        if missing:
            lacking.append(f"{subject} (no {' or '.join(missing)})")
    note = ""
    if lacking:
        note = (
            f"{len(lacking)} subject(s) lack one of the two states and are included in the "
            f"per-state summaries but not in the {ctx.target} − {ctx.baseline} contrasts: "
            + "; ".join(lacking)
            + "."
        )
    return items, note


def build(tables: GroupTables, ctx: ReportContext) -> Markup:
    """Render the header.

    Parameters
    ----------
    tables : GroupTables
        The report's tables (``coverage``).
    ctx : ReportContext
        Settings (and ``versions["eegstate"]``).

    Returns
    -------
    markupsafe.Markup
        The header HTML.
    """
    items, note = _coverage(tables, ctx)
    meta = [
        ("Dataset", ctx.dataset),
        ("Baseline state", ctx.baseline),
        ("Target state", ctx.target),
        *items,
        ("eegstate version", ctx.versions.get("eegstate", "unknown")),
    ]
    return render("sections/header.html.j2", title=ctx.title, meta=meta, note=note)
