"""Section "Quality control": every recording, excluded ones highlighted. Source: ``qc.tsv``."""

from __future__ import annotations

from typing import Any

import pandas as pd

from eegstate.report import formatting as fmt
from eegstate.report.context import ReportContext
from eegstate.report.inputs import GroupTables, present
from eegstate.report.templating import render
from eegstate.report.view import Section, Table

KEY = "qc"


def is_excluded(value: Any) -> bool:
    """Whether a QC ``excluded`` cell holds a reason (empty, False, 0, none and NaN do not)."""
    text = fmt.text(value).strip().lower()
    return text not in ("", "false", "0", "none", "nan")


def build(tables: GroupTables, ctx: ReportContext) -> Section:
    """Render the QC section.

    Parameters
    ----------
    tables : GroupTables
        ``qc`` is read.
    ctx : ReportContext
        Unused (uniform section interface).

    Returns
    -------
    Section
        The section.
    """
    qc = tables.qc
    table = None
    n_excluded = 0
    if present(qc):
        excluded = (
            [is_excluded(v) for v in qc["excluded"]] if "excluded" in qc else [False] * len(qc)
        )
        n_excluded = int(sum(excluded))
        table = Table.of(
            [str(c) for c in qc.columns],
            [[fmt.text(v) for v in row] for row in qc.itertuples(index=False, name=None)],
            numeric=[pd.api.types.is_numeric_dtype(qc[c]) for c in qc.columns],
            classes=["excluded" if e else "" for e in excluded],
        )
    body = render(
        "sections/qc.html.j2",
        table=table,
        n_recordings=0 if qc is None else len(qc),
        n_excluded=n_excluded,
    )
    return Section(KEY, "Quality control", body)
