"""Section "Statistical power of the claims": how often each claim's verdict says "changed".

Source: ``power_summary.tsv`` and ``power.png`` of the power analysis
(:mod:`eegstate.steps.power`, :func:`eegstate.stats.power.power_summary`).
Scenarios: ``planted`` (subjects resampled, the study's own effect: the power) and ``null``
(labels swapped within subject: the rate of false "changed" verdicts, to compare with
``stats.alpha``).
"""

from __future__ import annotations

import pandas as pd

from eegstate.report import formatting as fmt
from eegstate.report.claims_text import CLAIM_TITLES
from eegstate.report.context import ReportContext
from eegstate.report.images import png_figure
from eegstate.report.inputs import GroupTables, present
from eegstate.report.templating import render
from eegstate.report.view import Figure, Section, Table

KEY = "power"
TITLE = "Statistical power of the claims"
SCENARIOS = ("planted", "null")


def _cell(rates: pd.DataFrame, claim: str, n: int, scenario: str) -> tuple[str, str, str]:
    row = rates[
        (rates["claim"] == claim) & (rates["n_subjects"] == n) & (rates["scenario"] == scenario)
    ]
    if row.empty:
        return fmt.DASH, "", ""
    r = row.iloc[0]
    return fmt.plain(r.probability, 2), f"± {fmt.plain(r.mc_se, 2)}", fmt.text(r.replicates)


def power_table(rates: pd.DataFrame, ctx: ReportContext) -> Table:
    """Per claim and number of subjects: changed-verdict probability under both scenarios.

    Parameters
    ----------
    rates : pandas.DataFrame
        ``power_summary.tsv`` (:func:`eegstate.stats.power.power_summary`).
    ctx : ReportContext
        The nominal level (``stats.alpha``).

    Returns
    -------
    Table
        One row per claim × number of subjects, in the order of the table.
    """
    rows = []
    keys = rates[["claim", "n_subjects"]].drop_duplicates()
    for claim, n in keys.itertuples(index=False):
        planted = _cell(rates, claim, int(n), "planted")
        null = _cell(rates, claim, int(n), "null")
        replicates = planted[2] or null[2]
        rows.append(
            (claim, int(n), planted[0], planted[1], null[0], null[1], f"{ctx.alpha:g}", replicates)
        )
    header = ("Claim", "n subjects", "Power (planted)", "MC SE", "False-verdict rate (null)")
    header += ("MC SE", "Nominal α", "Replicates")
    numeric = (False, True, True, True, True, True, True, True)
    return Table.of(header, rows, numeric=numeric, table_id="power-table")


def build(tables: GroupTables, ctx: ReportContext) -> Section:
    """Render the power section.

    Parameters
    ----------
    tables : GroupTables
        ``power_rates`` and ``power_figure`` (None: the power analysis did not run).
    ctx : ReportContext
        The nominal level.

    Returns
    -------
    Section
        The section.
    """
    rates = tables.power_rates
    if not present(rates):
        body = render("sections/power.html.j2", available=False)
        return Section(KEY, TITLE, body)
    figure = (
        png_figure(
            tables.power_figure,
            "Probability of a changed verdict per claim against the number of subjects, "
            "planted effect and null.",
        )
        if tables.power_figure
        else Figure(alt="", missing="group/power.png not available.")
    )
    claims = [c for c in dict.fromkeys(rates["claim"].astype(str))]
    body = render(
        "sections/power.html.j2",
        available=True,
        table=power_table(rates, ctx),
        figure=figure,
        ctx=ctx,
        hypotheses=[(c, CLAIM_TITLES.get(c, c)) for c in claims],
    )
    return Section(KEY, TITLE, body)
