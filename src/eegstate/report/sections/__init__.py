"""One module per section of the group report, each turning tables into a rendered section.

Every module has ``build(tables, ctx)``: it reads only :class:`~eegstate.report.inputs.GroupTables`
and the :class:`~eegstate.report.context.ReportContext`, formats the values
(:mod:`eegstate.report.formatting`) and renders its template ``templates/sections/<key>.html.j2``.
:data:`SECTIONS` is the page order (the header is rendered separately, above them).
"""

from __future__ import annotations

from eegstate.report.sections import (
    about,
    aperiodic,
    claims,
    classification,
    contrasts,
    dmn,
    power,
    psd,
    qc,
    subjects,
    topomaps,
    track,
)

#: Numbered sections in page order.
SECTIONS = (
    claims,
    contrasts,
    psd,
    topomaps,
    aperiodic,
    subjects,
    dmn,
    classification,
    power,
    track,
    qc,
    about,
)

__all__ = ["SECTIONS"]
