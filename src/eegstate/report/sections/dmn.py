"""Section "Default-mode-network connectivity": node matrices, per-subject network means and the
claim's tests for every metric of ``claims.dmn_metric``.

Sources: ``connectivity_summary.tsv`` (matrices), ``subject_changes.tsv`` /
``group_changes.tsv`` (per-subject within-network means) and ``claims_tests.tsv`` (within-DMN,
within-control and DMN − control changes with their tests).
"""

from __future__ import annotations

import pandas as pd

from eegstate.report import formatting as fmt
from eegstate.report.context import ReportContext
from eegstate.report.images import embed
from eegstate.report.inputs import GroupTables, present
from eegstate.report.templating import render
from eegstate.report.view import Section, Table

KEY = "dmn"
TITLE = "Default-mode-network connectivity"
CLAIM = "dmn_connectivity_reduced"

#: Test-name prefixes of ``claims_tests.tsv`` and what each tests.
TESTS: tuple[tuple[str, str], ...] = (
    ("dmn_", "within DMN (Holm family)"),
    ("control_", "within control network (check)"),
    ("dmn_minus_control_", "DMN − control (check)"),
)


def tests_table(tests: pd.DataFrame | None, metrics: tuple[str, ...]) -> Table | None:
    """The DMN claim's tests per metric (rows of ``claims_tests.tsv``), None without any."""
    if not present(tests):
        return None
    by_name = {str(r.test): r for r in tests[tests["claim"] == CLAIM].itertuples(index=False)}
    rows = []
    for metric in metrics:
        for prefix, label in TESTS:
            r = by_name.get(f"{prefix}{metric}")
            if r is None:
                continue
            rows.append(
                (
                    metric,
                    label,
                    int(r.n_subjects),
                    fmt.signed(r.effect, 4),
                    fmt.interval(r.ci_low, r.ci_high, 4),
                    f"{int(r.n_decrease)}/{int(r.n_increase)}",
                    fmt.p_cell(r.p_value),
                    fmt.p_cell(r.p_holm),
                    r.result,
                )
            )
    if not rows:
        return None
    header = ("Metric", "Change", "n", "Mean Δ", "CI", "↓/↑", "p", "Holm p", "Result")
    numeric = (False, False, True, True, True, True, True, True, False)
    return Table.of(header, rows, numeric=numeric)


def _figures(tables: GroupTables, ctx: ReportContext, metrics: tuple[str, ...]):
    from eegstate.connectivity.figures import plot_connectivity_matrices, plot_dmn_change

    summary = tables.connectivity_summary
    matrices = plot_connectivity_matrices(
        summary, baseline=ctx.baseline, target=ctx.target, band=ctx.dmn_band, metrics=metrics
    )
    alt = (
        f"{ctx.dmn_band} node matrices per state and their paired contrast ({', '.join(metrics)})."
    )
    shown = [embed(matrices, alt, sink=ctx.sink, key=KEY)]
    changes = tables.subject_changes
    if present(changes) and changes["measure"].isin(metrics).any():
        with_rows = tuple(m for m in metrics if (changes["measure"] == m).any())
        fig = plot_dmn_change(
            changes,
            tables.group_changes,
            baseline=ctx.baseline,
            target=ctx.target,
            band=ctx.dmn_band,
            metrics=with_rows,
        )
        shown.append(
            embed(fig, f"Per-subject within-DMN and within-control {', '.join(with_rows)}.")
        )
    return shown


def build(tables: GroupTables, ctx: ReportContext) -> Section:
    """Render the DMN section.

    Parameters
    ----------
    tables : GroupTables
        ``connectivity_summary``, ``subject_changes``, ``group_changes``, ``claims_tests``.
    ctx : ReportContext
        States, the claim's band and metrics, figure sink (``dmn``).

    Returns
    -------
    Section
        The section.
    """
    summary = tables.connectivity_summary
    rows = summary[summary["band"] == ctx.dmn_band] if present(summary) else None
    metrics = tuple(m for m in ctx.dmn_metrics if present(rows) and (rows["metric"] == m).any())
    if not metrics:
        missing = "DMN connectivity: step not run (connectivity disabled or outputs missing)."
        if present(summary):
            missing = f"DMN connectivity: no {ctx.dmn_band} rows of {', '.join(ctx.dmn_metrics)}."
        figure = embed(None, "", sink=ctx.sink, key=KEY, missing=missing)
        body = render("sections/dmn.html.j2", available=False, figures=[figure])
        return Section(KEY, TITLE, body)
    body = render(
        "sections/dmn.html.j2",
        available=True,
        figures=_figures(tables, ctx, metrics),
        table=tests_table(tables.claims_tests, metrics),
        ctx=ctx,
    )
    return Section(KEY, TITLE, body)
