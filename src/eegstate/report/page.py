"""Assemble the self-contained group report: header, numbered sections, one HTML file.

Images are base64 PNG data URIs; the page has no scripts, no external resources and no
timestamps, so the same tables give the same bytes. The report computes nothing: each section
(:mod:`eegstate.report.sections`) renders values of the tables in :class:`GroupTables`.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eegstate.io import write_text
from eegstate.report.context import ReportContext
from eegstate.report.inputs import GroupTables
from eegstate.report.sections import SECTIONS, header
from eegstate.report.sections.about import package_versions
from eegstate.report.templating import render

if TYPE_CHECKING:
    import mne

logger = logging.getLogger(__name__)


def build_group_report(
    tables: GroupTables,
    *,
    config: Mapping[str, Any],
    info: mne.Info | None = None,
    title: str | None = None,
    figure_sink: MutableMapping[str, bytes] | None = None,
) -> str:
    """Build the group report as one self-contained HTML document.

    Parameters
    ----------
    tables : GroupTables
        Every table the report shows (written by the statistics, classification and power
        steps); missing ones make their sections say which step did not run.
    config : mapping
        Configuration (validated here once, so a partial mapping gets its defaults): states,
        dataset, significance level, claim regions, DMN band and metrics; shown as YAML.
    info : mne.Info, optional
        Channel positions for the topomaps (no topomaps without it).
    title : str, optional
        Page title; defaults to ``"eegstate group report — <dataset>: <target> vs
        <baseline>"``.
    figure_sink : mutable mapping, optional
        Filled with the PNG bytes of the main figures (``psd``, ``topomaps``, ``aperiodic``,
        ``dmn``, ``classification``; a placeholder PNG when a figure is not available).

    Returns
    -------
    str
        HTML document (UTF-8 text, images embedded as base64 PNG, no scripts or external
        resources, no timestamps).
    """
    from eegstate.config import validate_config

    t0 = time.perf_counter()
    ctx = ReportContext.from_config(
        validate_config(config),
        info=info,
        title=title,
        versions=package_versions(),
        sink=figure_sink,
    )
    sections = [section for module in SECTIONS if (section := module.build(tables, ctx))]
    doc = str(
        render("page.html.j2", title=ctx.title, header=header.build(tables, ctx), sections=sections)
    )
    logger.info("Built group report (%d kB) in %.1f s", len(doc) // 1024, time.perf_counter() - t0)
    return doc


def write_group_report(
    path: str | os.PathLike[str],
    tables: GroupTables,
    *,
    config: Mapping[str, Any],
    info: mne.Info | None = None,
    title: str | None = None,
    figure_sink: MutableMapping[str, bytes] | None = None,
) -> Path:
    """Build the group report and write it atomically.

    The document is written to a temporary file in the destination directory and moved into
    place (:func:`eegstate.io.write_text`), so readers never see a partial file.

    Parameters
    ----------
    path : str or os.PathLike
        Destination ``.html`` file; missing parent directories are created.
    tables, config, info, title, figure_sink
        As in :func:`build_group_report`.

    Returns
    -------
    pathlib.Path
        The written path.
    """
    doc = build_group_report(tables, config=config, info=info, title=title, figure_sink=figure_sink)
    out = write_text(doc, path)
    logger.info("Wrote group report %s", out)
    return out
