"""Group report: descriptive band-power summaries and a self-contained HTML page.

Heavy dependencies (matplotlib, mne) are imported inside the functions that need them, so
importing this package is cheap.
"""

from __future__ import annotations

from eegstate.report.html import GroupResults, build_group_report, write_group_report
from eegstate.report.stats import psd_state_summary, summarise_contrast

__all__ = [
    "GroupResults",
    "build_group_report",
    "psd_state_summary",
    "summarise_contrast",
    "write_group_report",
]
