"""Section "State classification": held-out accuracy, the permutation test and its floor, and
the normalisation used beside the ``normalize: none`` result (a new person's single recording).

Sources: ``classification.json``, ``classification_roc.tsv``, ``classification_folds.tsv``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eegstate.report import figures
from eegstate.report import formatting as fmt
from eegstate.report.context import ReportContext
from eegstate.report.images import embed
from eegstate.report.inputs import GroupTables, present
from eegstate.report.templating import render
from eegstate.report.view import Section, Table

KEY = "classification"
TITLE = "State classification"


def _accuracy(value: Any, low: Any, high: Any) -> str:
    text = fmt.plain(value, 3)
    ci = fmt.interval(low, high, 3)
    return f"{text} {ci}".strip()


def permutation_text(summary: Mapping[str, Any]) -> str:
    """The permutation p with its kind and floor, e.g. ``0.00399 (Monte Carlo, 500 ...)``."""
    p = summary.get("p_value")
    if p is None:
        return "no permutation test (classification.n_permutations: 0)"
    if summary.get("permutation_exact"):
        kind = f"exact over all {summary.get('n_distinct_labellings')} labellings"
    else:
        kind = f"Monte Carlo, {summary.get('n_permutations')} permutations"
    text = f"{fmt.significant(p, 3)} ({kind}"
    floor = summary.get("p_value_floor")
    if floor is not None:
        text += f"; smallest attainable p {fmt.significant(floor, 3)}"
    return text + ")"


def floor_note(summary: Mapping[str, Any], ctx: ReportContext) -> str:
    """Why no decoding result could be significant, when the floor is not below alpha."""
    floor = summary.get("p_value_floor")
    if floor is None or float(floor) < ctx.alpha:
        return ""
    return (
        f"With {summary.get('n_subjects')} subjects the permutation test cannot give a p below "
        f"{fmt.significant(floor, 3)} (every labelling and its global flip score alike), not "
        f"below α = {ctx.alpha:g}: whatever the accuracy, decoding is not testable here, and "
        "'not decodable' would mislead."
    )


def comparison_table(summary: Mapping[str, Any], ctx: ReportContext) -> Table:
    """The main normalisation beside ``normalize: none`` (when it differs), with assumptions."""
    ci = fmt.ci_label(float(summary.get("ci_level", ctx.ci_level)))
    header = ("Normalisation", "What it assumes", "Balanced accuracy", ci, "ROC AUC", "Subjects")
    header += ("Permutation p",)
    main = summary.get("normalize", "")
    rows = [
        (
            f"{main} (main result)",
            summary.get("normalize_assumption", ""),
            fmt.plain(summary.get("balanced_accuracy"), 3),
            fmt.interval(
                summary.get("balanced_accuracy_ci_low"), summary.get("balanced_accuracy_ci_high"), 3
            ),
            fmt.plain(summary.get("roc_auc"), 3),
            fmt.text(summary.get("n_subjects")),
            fmt.significant(summary.get("p_value"), 3),
        )
    ]
    other = summary.get("normalize_comparison")
    if other:
        rows.append(
            (
                f"{other.get('normalize', 'none')} (a new person's single recording)",
                other.get("assumption", ""),
                fmt.plain(other.get("balanced_accuracy"), 3),
                fmt.interval(other.get("ci_low"), other.get("ci_high"), 3),
                fmt.plain(other.get("roc_auc"), 3),
                fmt.text(other.get("n_subjects")),
                "not tested",
            )
        )
    numeric = (False, False, True, True, True, True, True)
    return Table.of(header, rows, numeric=numeric, table_id="normalisation")


def build(tables: GroupTables, ctx: ReportContext) -> Section:
    """Render the classification section.

    Parameters
    ----------
    tables : GroupTables
        ``classification``, ``classification_roc``, ``classification_folds``.
    ctx : ReportContext
        Significance level, figure sink (``classification``).

    Returns
    -------
    Section
        The section.
    """
    summary = tables.classification
    if not summary:
        missing = "Classification: step not run (outputs missing)."
        figure = embed(None, "", sink=ctx.sink, key=KEY, missing=missing)
        body = render("sections/classification.html.j2", available=False, figure=figure)
        return Section(KEY, TITLE, body)
    folds = tables.classification_folds
    roc = tables.classification_roc
    fig = figures.plot_classification(
        roc if present(roc) else None,
        folds.sort_values("subject", kind="stable") if present(folds) else None,
    )
    alt = "ROC curves of held-out subjects and per-subject balanced accuracy."
    ci = fmt.ci_label(float(summary.get("ci_level", ctx.ci_level)))
    items = [
        ("Estimator", str(summary.get("estimator", ""))),
        (
            f"Balanced accuracy (held-out epochs, {ci})",
            _accuracy(
                summary.get("balanced_accuracy"),
                summary.get("balanced_accuracy_ci_low"),
                summary.get("balanced_accuracy_ci_high"),
            ),
        ),
        ("ROC AUC", fmt.plain(summary.get("roc_auc"), 3)),
        ("Chance level", fmt.text(summary.get("chance_level"))),
        ("Permutation p", permutation_text(summary)),
        ("Subjects", fmt.text(summary.get("n_subjects"))),
        ("Normalisation", str(summary.get("normalize", ""))),
    ]
    body = render(
        "sections/classification.html.j2",
        available=True,
        figure=embed(fig, alt, sink=ctx.sink, key=KEY),
        items=items,
        floor_note=floor_note(summary, ctx),
        table=comparison_table(summary, ctx),
        has_comparison=bool(summary.get("normalize_comparison")),
    )
    return Section(KEY, TITLE, body)
