"""Group report: a self-contained HTML page rendering the group tables (it computes nothing).

* :mod:`.page` assembles the page (:func:`build_group_report`, :func:`write_group_report`);
* :mod:`.sections` holds one module per section, :mod:`.templates` their Jinja2 templates;
* :mod:`.inputs` (:class:`GroupTables`) lists the tables rendered and :mod:`.context` the
  settings read from the configuration;
* :mod:`.formatting` is the one place where numbers become text, :mod:`.claims_text` words the
  verdicts, :mod:`.figures` draws the tables;
* :mod:`.recording` writes the per-recording MNE reports and :mod:`.exclusions` the page shown
  when every recording is excluded.

Heavy dependencies (matplotlib, mne) are imported inside the functions that need them, so
importing this package is cheap.
"""

from __future__ import annotations

from eegstate.report.inputs import GroupTables
from eegstate.report.page import build_group_report, write_group_report

__all__ = ["GroupTables", "build_group_report", "write_group_report"]
