"""Section "What the data say": the popular claims as hypotheses and their measured verdicts.

Sources: ``claims.tsv`` (verdicts), ``claims_tests.tsv`` (every test behind them) and
``classification.json`` (the decoding test's floor).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from eegstate.report import formatting as fmt
from eegstate.report.claims_text import CLAIM_TITLES, SentenceDetails, claim_sentence
from eegstate.report.context import ReportContext
from eegstate.report.inputs import GroupTables, present
from eegstate.report.templating import render
from eegstate.report.view import Section, Table

KEY = "claims"

#: Claim of the DMN verdict and the prefix of its family tests in ``claims_tests.tsv``.
DMN_CLAIM, DMN_PREFIX = "dmn_connectivity_reduced", "dmn_"


def decisive_dmn_metric(row: Mapping[str, Any], tests: pd.DataFrame | None) -> str | None:
    """The DMN metric whose test the claims row shows (its effect, CI and n are that test's).

    Parameters
    ----------
    row : mapping
        The ``dmn_connectivity_reduced`` row of ``claims.tsv``.
    tests : pandas.DataFrame or None
        ``claims_tests.tsv``.

    Returns
    -------
    str or None
        E.g. ``dwpli``; None when no within-DMN test has the row's numbers.
    """
    if not present(tests) or fmt.is_missing(row.get("effect")):
        return None
    rows = tests[tests["claim"] == DMN_CLAIM]
    rows = rows[rows["test"].astype(str).str.startswith(DMN_PREFIX)]
    for test in rows.itertuples(index=False):
        same = (test.effect, test.ci_low, test.ci_high) == (
            row["effect"],
            row["ci_low"],
            row["ci_high"],
        )
        if same and not str(test.test).startswith("dmn_minus_control"):
            return str(test.test).removeprefix(DMN_PREFIX)
    return None


def _details(row: Mapping[str, Any], tables: GroupTables) -> SentenceDetails:
    claim = str(row["claim"])
    if claim == DMN_CLAIM:
        metric = decisive_dmn_metric(row, tables.claims_tests)
        return SentenceDetails(measure=f"within-DMN {metric}" if metric else None)
    if claim == "state_decodable" and tables.classification:
        floor = tables.classification.get("p_value_floor")
        return SentenceDetails(p_floor=None if floor is None else float(floor))
    return SentenceDetails()


def _items(tables: GroupTables, ctx: ReportContext) -> list[dict[str, str]]:
    items = []
    for row in tables.claims.to_dict("records"):
        verdict = str(row["verdict"])
        caveat = "" if verdict == "not_testable" else fmt.text(row.get("caveat")).strip()
        items.append(
            {
                "verdict": verdict,
                "hypothesis": CLAIM_TITLES.get(str(row["claim"]), str(row["claim"])),
                "sentence": claim_sentence(
                    row, baseline=ctx.baseline, target=ctx.target, details=_details(row, tables)
                ),
                "caveat": caveat,
            }
        )
    return items


def _claims_table(claims: pd.DataFrame) -> Table:
    rows = [
        (
            r.claim,
            r.verdict,
            fmt.text(r.effect, 3),
            fmt.interval(r.ci_low, r.ci_high, 3, fixed=False),
            fmt.text(r.p_value, 2),
            int(r.n_subjects),
            r.measure,
            fmt.text(r.caveat),
        )
        for r in claims.itertuples(index=False)
    ]
    header = ("Claim", "Verdict", "Effect", "CI", "p", "n", "Measure", "Caveat")
    numeric = (False, False, True, True, True, True, False, False)
    return Table.of(header, rows, numeric=numeric, table_id="claims-table")


def _tests_table(tests: pd.DataFrame) -> Table:
    rows = [
        (
            r.claim,
            r.test,
            r.measure,
            "yes" if fmt.truthy(r.in_family) else "check",
            int(r.n_subjects),
            fmt.significant(r.effect),
            fmt.interval(r.ci_low, r.ci_high, 3, fixed=False),
            f"{int(r.n_decrease)}/{int(r.n_increase)}",
            fmt.p_cell(r.p_value),
            fmt.p_cell(r.p_holm),
            fmt.significant(r.p_floor, 2),
            r.result,
        )
        for r in tests.itertuples(index=False)
    ]
    header = ("Claim", "Test", "Measure", "Holm family", "n", "Effect", "CI", "↓/↑", "p")
    header += ("Holm p", "Floor", "Result")
    numeric = (False, False, False, False, True, True, True, True, True, True, True, False)
    return Table.of(header, rows, numeric=numeric, table_id="claims-tests")


def build(tables: GroupTables, ctx: ReportContext) -> Section:
    """Render the claims section.

    Parameters
    ----------
    tables : GroupTables
        ``claims``, ``claims_tests`` and ``classification`` are read.
    ctx : ReportContext
        States, significance level, design note.

    Returns
    -------
    Section
        The section.
    """
    available = present(tables.claims)
    body = render(
        "sections/claims.html.j2",
        ctx=ctx,
        available=available,
        items=_items(tables, ctx) if available else [],
        claims_table=_claims_table(tables.claims) if available else None,
        tests_table=_tests_table(tables.claims_tests) if present(tables.claims_tests) else None,
    )
    return Section(KEY, f"What the data say: {ctx.target} vs {ctx.baseline}", body)
