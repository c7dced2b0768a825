"""Per-recording report with :class:`mne.Report`: raw PSD, epochs drop log, band topomaps.

Kept cheap (a few matplotlib figures from data the recording job already holds) so the report
adds well under a second per recording. Excluded recordings get a small page stating why.
"""

from __future__ import annotations

import html
import logging
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from eegstate.io import atomic_path
from eegstate.report import figures

logger = logging.getLogger(__name__)


def _atomic_write(path: Path, write) -> Path:
    with atomic_path(path, suffix=".html") as tmp:  # MNE chooses the format by the ending
        write(tmp)
    return path


def _raw_psd_figure(raw: Any, fmax: float):
    """Mean-over-time PSD of every channel of the raw recording (Welch, dB)."""
    spectrum = raw.compute_psd(fmax=fmax, picks="eeg", verbose="error")
    data = 10.0 * np.log10(np.maximum(spectrum.get_data(), 1e-30) * 1e12)
    fig = figures.new_figure(7.0, 3.2)
    ax = fig.subplots()
    ax.plot(spectrum.freqs, data.T, color="0.3", lw=0.5, alpha=0.6)
    ax.set_xlabel("Frequency (Hz)")
    ax.set_ylabel("PSD (dB re 1 µV²/Hz)")
    ax.set_title("Raw recording (before preprocessing), one line per channel", fontsize=9)
    ax.grid(alpha=0.3, lw=0.5)
    return fig


def _band_topomaps(bandpower: Any, info: Any):
    """One topomap of band power (dB) per band, from the recording's band-power table."""
    bands = figures.pd.DataFrame(bandpower).groupby("band", sort=False)[["fmin"]].first()
    bands = bands.sort_values("fmin")
    picked, kept = figures._info_positions(info, list(dict.fromkeys(bandpower["channel"])))
    if len(kept) < 3:
        return None
    fig = figures.new_figure(2.2 * len(bands) + 0.5, 2.6)
    axes = np.atleast_1d(fig.subplots(1, len(bands)))
    for ax, band in zip(axes, bands.index, strict=True):
        values = bandpower[bandpower["band"] == band].set_index("channel")["power_db"]
        data = values.reindex(kept).to_numpy(dtype=float)
        im = figures._topomap(ax, data, picked, (float(data.min()), float(data.max())), "viridis")
        ax.set_title(str(band), fontsize=9)
        fig.colorbar(im, ax=ax, shrink=0.7, label="dB")
    return fig


def write_recording_report(
    path: str | Path,
    *,
    identity: Mapping[str, str],
    raw: Any = None,
    epochs: Any = None,
    bandpower: Any = None,
    excluded: str = "",
    fmax: float = 100.0,
) -> Path:
    """Write ``<recording>_report.html`` (an :class:`mne.Report`) atomically.

    Parameters
    ----------
    path : path
        Output HTML.
    identity : mapping
        ``subject``, ``recording``, ``state``.
    raw : mne.io.BaseRaw, optional
        The recording as read (for its PSD).
    epochs : mne.Epochs, optional
        The preprocessed epochs (drop log; channel positions).
    bandpower : pandas.DataFrame, optional
        The recording's band-power table (topomaps).
    excluded : str
        Exclusion reason; when given, a small page stating it is written instead.
    fmax : float
        Highest frequency of the raw PSD.

    Returns
    -------
    pathlib.Path
        The written path.
    """
    import mne

    path = Path(path)
    title = f"eegstate recording report: {identity['recording']} ({identity['state']})"
    if excluded:
        text = (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title></head><body><h1>{html.escape(title)}</h1>"
            f"<p><strong>Excluded from the group results:</strong> {html.escape(excluded)}</p>"
            "</body></html>\n"
        )
        return _atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    t0 = time.perf_counter()
    report = mne.Report(title=title, verbose="error")
    if raw is not None:
        fig = _raw_psd_figure(raw, min(fmax, raw.info["sfreq"] / 2.0))
        report.add_figure(fig, title="Raw PSD", image_format="png")
        figures.close_figure(fig)
    if epochs is not None:
        fig = epochs.plot_drop_log(show=False)
        report.add_figure(fig, title="Epochs drop log", image_format="png")
        figures.close_figure(fig)
    if bandpower is not None and epochs is not None and len(bandpower):
        fig = _band_topomaps(bandpower, epochs.info)
        if fig is not None:
            report.add_figure(fig, title="Band power topomaps", image_format="png")
            figures.close_figure(fig)

    def save(tmp: Path) -> None:
        report.save(tmp, open_browser=False, overwrite=True, verbose="error")

    out = _atomic_write(path, save)
    logger.info("wrote %s in %.2f s", out.name, time.perf_counter() - t0)
    return out
