"""Figures as embedded PNG data URIs (no metadata timestamps, so the bytes are reproducible)."""

from __future__ import annotations

import base64
import io
from collections.abc import MutableMapping
from typing import TYPE_CHECKING

from eegstate.report import figures
from eegstate.report.view import Figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure as MplFigure

#: Resolution of the embedded figures.
DPI = 90


def figure_png(fig: MplFigure, *, dpi: int = DPI) -> bytes:
    """Render a matplotlib figure to PNG bytes (no timestamp metadata) and release it.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        Figure to render; it is closed afterwards.
    dpi : int
        Resolution.

    Returns
    -------
    bytes
        The PNG.
    """
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    finally:
        figures.close_figure(fig)
    return buf.getvalue()


def png_figure(png: bytes, alt: str) -> Figure:
    """Embed PNG bytes (e.g. a figure file written by another step).

    Parameters
    ----------
    png : bytes
        The PNG file's bytes.
    alt : str
        Alternative text.

    Returns
    -------
    Figure
        The embedded figure.
    """
    return Figure(alt=alt, uri="data:image/png;base64," + base64.b64encode(png).decode("ascii"))


def embed(
    fig: MplFigure | None,
    alt: str,
    *,
    sink: MutableMapping[str, bytes] | None = None,
    key: str | None = None,
    missing: str = "Figure not available.",
) -> Figure:
    """Embed a figure; with ``sink`` and ``key`` also keep its PNG bytes (or a placeholder).

    Parameters
    ----------
    fig : matplotlib.figure.Figure or None
        The figure; None when it cannot be drawn.
    alt : str
        Alternative text.
    sink : mutable mapping, optional
        Receives ``key`` -> PNG bytes (a placeholder PNG saying ``missing`` when ``fig`` is
        None), for the figure files next to the report.
    key : str, optional
        Name of the figure in ``sink``.
    missing : str
        Why the figure is not available (shown instead of it).

    Returns
    -------
    Figure
        What the template shows.
    """
    if fig is None:
        if sink is not None and key is not None:
            sink[key] = figure_png(figures.plot_placeholder(missing))
        return Figure(alt=alt, missing=missing)
    png = figure_png(fig)
    if sink is not None and key is not None:
        sink[key] = png
    return png_figure(png, alt)
