"""Section "State tracking": the altered state over time in the tracked recordings.

Source: ``track/summary.tsv`` (:func:`eegstate.track.summary.track_summary`) and each tracked
recording's ``track.png``. Shown only when the workflow tracks recordings (``track.recordings``).
"""

from __future__ import annotations

import pandas as pd

from eegstate.report import formatting as fmt
from eegstate.report.context import ReportContext
from eegstate.report.images import png_figure
from eegstate.report.inputs import GroupTables, present
from eegstate.report.templating import render
from eegstate.report.view import Section, Table

KEY = "track"
TITLE = "State tracking over time"
#: Columns of the summary shown in the table (the rest are in track/summary.tsv).
SHOWN: tuple[str, ...] = (
    "recording",
    "index",
    "event",
    "onset_s",
    "peak_s",
    "offset_s",
    "time_to_peak_s",
    "time_to_peak_vs_claim",
    "duration_s",
    "duration_vs_claim",
    "components_left_out",
)


def summary_table(summary: pd.DataFrame) -> Table:
    """The tracked recordings' events, one row per recording."""
    columns = [c for c in SHOWN if c in summary.columns]
    rows = [[fmt.text(row[c]) for c in columns] for row in summary.to_dict(orient="records")]
    numeric = [pd.api.types.is_numeric_dtype(summary[c]) for c in columns]
    return Table.of(columns, rows, numeric=numeric, table_id="track-table")


def build(tables: GroupTables, ctx: ReportContext) -> Section | None:
    """Render the tracking section (None when no recording is tracked).

    Parameters
    ----------
    tables : GroupTables
        ``track_summary`` and ``track_figures``.
    ctx : ReportContext
        Unused (uniform section interface).

    Returns
    -------
    Section or None
        The section.
    """
    summary = tables.track_summary
    if not present(summary):
        return None
    # imported only when recordings are tracked (the tracking package imports SciPy's signal
    # and MNE modules the rest of the report does not need)
    from eegstate.track.summary import track_section

    content = track_section(summary)
    figures = [
        png_figure(png, f"State index and components over time: {name}")
        for name, png in (tables.track_figures or {}).items()
    ]
    body = render(
        "sections/track.html.j2",
        lines=content["lines"],
        table=summary_table(summary),
        figures=figures,
    )
    return Section(KEY, TITLE, body)
