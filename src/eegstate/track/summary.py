"""Group summary of tracked recordings: events and latencies beside the claimed time course.

:func:`track_summary` turns the ``events.json`` records of every tracked recording into one
tidy table (``track/summary.tsv``); :func:`track_section` gives the content of the group
report's section (title, plain-language lines, the table, the figures). Both measure and
compare only; the statements say what was measured.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

#: Columns of ``track/summary.tsv``.
SUMMARY_COLUMNS: tuple[str, ...] = (
    "recording",
    "index",
    "event",
    "event_fraction",
    "dose_s",
    *(
        f"{name}{suffix}"
        for name in ("onset_s", "peak_s", "offset_s", "onset_latency_s", "time_to_peak_s")
        for suffix in ("", "_low", "_high")
    ),
    *(f"duration_s{suffix}" for suffix in ("", "_low", "_high")),
    "claimed_time_to_peak_min",
    "time_to_peak_vs_claim",
    "claimed_duration_min",
    "duration_vs_claim",
    "n_windows",
    "n_windows_left_out",
    "components_left_out",
)  # fmt: skip


def track_summary(records: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """One row per tracked recording (:data:`SUMMARY_COLUMNS`) from ``events.json`` records."""
    rows = []
    for record in records:
        row = {key: record.get(key) for key in SUMMARY_COLUMNS}
        row["index"] = record["index"]["kind"]
        for key in ("claimed_time_to_peak_min", "claimed_duration_min"):
            value = record.get(key)
            row[key] = "" if value is None else f"{value[0]:g}-{value[1]:g}"
        left = record.get("components_left_out") or {}
        row["components_left_out"] = "; ".join(f"{k}: {v}" for k, v in left.items())
        rows.append(row)
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


def _minutes(value: Any) -> str:
    return "n/a" if value is None or pd.isna(value) else f"{float(value) / 60:.1f}"


def describe_row(row: Mapping[str, Any]) -> str:
    """A sentence stating what was measured for one recording."""
    name = row["recording"]
    if not row["event"]:
        return f"{name}: no altered state detected ({row['index']} index)."
    parts = [
        f"{name}: altered state from {_minutes(row['onset_s'])} min "
        f"({_minutes(row['onset_s_low'])}-{_minutes(row['onset_s_high'])}), peak at "
        f"{_minutes(row['peak_s'])} min ({_minutes(row['peak_s_low'])}-"
        f"{_minutes(row['peak_s_high'])}), back at baseline at {_minutes(row['offset_s'])} min"
    ]
    if row.get("dose_s") is not None and not pd.isna(row.get("dose_s")):
        parts.append(
            f"; time to peak after the dose {_minutes(row['time_to_peak_s'])} min "
            f"({_minutes(row['time_to_peak_s_low'])}-{_minutes(row['time_to_peak_s_high'])}; "
            f"claimed {row['claimed_time_to_peak_min']}: {row['time_to_peak_vs_claim']})"
        )
    if row.get("duration_s") is not None and not pd.isna(row.get("duration_s")):
        parts.append(
            f"; duration {_minutes(row['duration_s'])} min ({_minutes(row['duration_s_low'])}-"
            f"{_minutes(row['duration_s_high'])}; claimed {row['claimed_duration_min']}: "
            f"{row['duration_vs_claim']})"
        )
    return "".join(parts) + "."


def track_section(
    summary: pd.DataFrame, figures: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Content of the group report's "State tracking" section.

    Parameters
    ----------
    summary : pandas.DataFrame
        ``track/summary.tsv``.
    figures : mapping, optional
        Recording -> path of its ``track.png``.

    Returns
    -------
    dict
        ``title``, ``lines`` (one measured statement per recording), ``table`` (the summary)
        and ``figures`` (recording -> path).
    """
    return {
        "title": "State tracking",
        "lines": [describe_row(row) for row in summary.to_dict(orient="records")],
        "table": summary,
        "figures": dict(figures or {}),
    }
