"""A small self-contained page listing excluded recordings and why (when none is usable).

Written in place of the group report when every recording of a dataset was excluded, so the
failing run points at a page that exists. The full group report replaces it once recordings are
usable.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from eegstate.io import write_text

#: QC columns shown per excluded recording.
COLUMNS: tuple[str, ...] = ("recording", "subject", "session", "state", "path", "excluded")

_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2em;max-width:70em;color:#222}"
    "table{border-collapse:collapse;font-size:0.9em}"
    "th,td{border:1px solid #ccc;padding:0.3em 0.6em;text-align:left;vertical-align:top}"
    "th{background:#f0f0f0}td.reason{background:#fde2e2}"
)


def exclusions_html(qc: pd.DataFrame, *, dataset: str, qc_path: str | Path) -> str:
    """HTML page listing every excluded recording of ``qc`` with its reason.

    Parameters
    ----------
    qc : pandas.DataFrame
        The group QC table (:data:`eegstate.tables.QC_COLUMNS`).
    dataset : str
        Dataset name (title).
    qc_path : str or pathlib.Path
        Where the QC table was written (named on the page).

    Returns
    -------
    str
        A complete HTML document (no scripts, no external resources).
    """
    excluded = qc[qc["excluded"].astype(str) != ""]
    columns = [column for column in COLUMNS if column in qc.columns]
    head = "".join(f"<th>{html.escape(column)}</th>" for column in columns)
    rows = []
    for _, row in excluded.iterrows():
        cells = "".join(
            f'<td class="reason">{html.escape(str(row[c]))}</td>'
            if c == "excluded"
            else f"<td>{html.escape(str(row[c]))}</td>"
            for c in columns
        )
        rows.append(f"<tr>{cells}</tr>")
    title = f"eegstate: no usable recording in {dataset}"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>"
        f"<p>All {len(excluded)} of {len(qc)} recordings were excluded, so there are no group "
        "results. Each recording is listed with the reason; the same rows are in "
        f"<code>{html.escape(str(qc_path))}</code> (column <code>excluded</code>) and each "
        "recording job's log is under <code>logs/recording/</code>. Fix or replace the "
        "recordings (or the options the reasons name) and run again: the group report then "
        "replaces this page.</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        "</body></html>\n"
    )


def write_exclusions_page(
    qc: pd.DataFrame, path: str | Path, *, dataset: str, qc_path: str | Path
) -> Path:
    """Write :func:`exclusions_html` to ``path`` atomically and return the path."""
    return write_text(exclusions_html(qc, dataset=dataset, qc_path=qc_path), path)
