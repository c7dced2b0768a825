"""Per-recording report with :class:`mne.Report`: raw PSD, epochs drop log, band topomaps.

Kept cheap, so that it costs well under the analysis it reports (about 0.75 s of CPU on a
180-s demo recording, half the first version's 1.5 s): its three figures are drawn from data
the recording job already holds, each on a :class:`matplotlib.figure.Figure` rendered by Agg
(never pyplot), with fixed axes positions instead of a layout engine (which measures every
artist's extent first), the raw PSD's channels as one line collection, and tick-less topomap
axes. Matplotlib spends most of a small figure's time creating axes and ticks, so the figures
have as few as their content needs. Excluded recordings get a small page stating why.
"""

from __future__ import annotations

import html
import logging
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from eegstate.io import atomic_path
from eegstate.report import figures

if TYPE_CHECKING:
    from matplotlib.figure import Figure

logger = logging.getLogger(__name__)

#: Drop reasons the drop log leaves out (MNE's :func:`mne.viz.plot_drop_log` default).
DROP_LOG_IGNORE: tuple[str, ...] = ("IGNORED",)
#: Most drop reasons shown as bars (MNE's default).
DROP_LOG_MAX_BARS = 20


def _atomic_write(path: Path, write) -> Path:
    with atomic_path(path, suffix=".html") as tmp:  # MNE chooses the format by the ending
        write(tmp)
    return path


def _figure(width: float, height: float) -> Figure:
    """A figure without a layout engine (its axes are placed by hand)."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


def _raw_psd_figure(raw: Any, fmax: float) -> Figure:
    """Mean-over-time PSD of every channel of the raw recording (Welch, dB)."""
    from matplotlib.collections import LineCollection

    spectrum = raw.compute_psd(fmax=fmax, picks="eeg", verbose="error")
    data = 10.0 * np.log10(np.maximum(spectrum.get_data(), 1e-30) * 1e12)
    freqs = np.asarray(spectrum.freqs, dtype=float)
    fig = _figure(7.0, 3.2)
    ax = fig.add_axes((0.09, 0.15, 0.89, 0.75))
    # one artist for all channels: drawn in one pass, unlike one Line2D per channel
    lines = np.stack([np.broadcast_to(freqs, data.shape), data], axis=-1)
    ax.add_collection(LineCollection(lines, colors="0.3", linewidths=0.5, alpha=0.6))
    finite = data[np.isfinite(data)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    margin = 0.05 * (high - low) or 1.0
    ax.set_xlim(float(freqs[0]), float(freqs[-1]) if len(freqs) > 1 else float(freqs[0]) + 1)
    ax.set_ylim(low - margin, high + margin)
    ax.set_xlabel("Frequency (Hz)")
    ax.set_ylabel("PSD (dB re 1 µV²/Hz)")
    ax.set_title("Raw recording (before preprocessing), one line per channel", fontsize=9)
    ax.grid(alpha=0.3, lw=0.5)
    return fig


def drop_log_counts(
    drop_log: Sequence[Sequence[str]], ignore: Sequence[str] = DROP_LOG_IGNORE
) -> tuple[int, int, dict[str, float]]:
    """What :func:`mne.viz.plot_drop_log` shows: removed epochs and % per drop reason.

    Parameters
    ----------
    drop_log : sequence of sequence of str
        :attr:`mne.Epochs.drop_log` (one tuple of reasons per original epoch).
    ignore : sequence of str
        Reasons left out.

    Returns
    -------
    removed : int
        Epochs removed for a reason not ignored.
    total : int
        Epochs not removed for an ignored reason.
    percent : dict
        Reason (channel name or rejection step) -> % of the usable epochs it removed, largest
        first (at most :data:`DROP_LOG_MAX_BARS`).
    """
    removed = sum(1 for reasons in drop_log if reasons and not set(reasons) & set(ignore))
    total = sum(1 for reasons in drop_log if not set(reasons) & set(ignore))
    scores = Counter(r for reasons in drop_log for r in reasons if r not in ignore)
    used = sum(1 for d in drop_log if any(r not in ignore for r in d) or len(d) == 0)
    names = list(scores)
    share = 100.0 * np.array([scores[name] for name in names], dtype=float) / max(used, 1)
    order = np.flipud(np.argsort(share))[:DROP_LOG_MAX_BARS]  # MNE's order, ties included
    return removed, total, {names[i]: float(share[i]) for i in order}


def _drop_log_figure(drop_log: Sequence[Sequence[str]]) -> Figure:
    """Bar chart of the drop log: the figure of :func:`mne.viz.plot_drop_log`, drawn cheaply."""
    removed, total, percent = drop_log_counts(drop_log)
    fig = _figure(6.4, 4.0)
    ax = fig.add_axes((0.1, 0.3, 0.86, 0.62))  # room below for the rotated reasons
    share = 100.0 * removed / total if total else 0.0
    ax.set_title(f"{removed} of {total} epochs removed ({share:.1f}%)")
    if not percent:
        ax.text(0.5, 0.5, "No drops", ha="center", fontsize=14, transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    x = np.arange(len(percent))
    ax.bar(x, list(percent.values()), color="lightgray", width=0.8, align="center")
    ax.set_xticks(x, list(percent), rotation=45, size=9, horizontalalignment="right")
    ax.set_ylabel("% of epochs removed")
    ax.grid(axis="y")
    return fig


def _band_topomaps(bandpower: Any, info: Any) -> Figure | None:
    """One topomap of band power (dB) per band, from the recording's band-power table."""
    bands = figures.pd.DataFrame(bandpower).groupby("band", sort=False)[["fmin"]].first()
    bands = bands.sort_values("fmin")
    picked, kept = figures._info_positions(info, list(dict.fromkeys(bandpower["channel"])))
    if len(kept) < 3:
        return None
    width = 2.2 * len(bands) + 0.5
    fig = _figure(width, 2.6)
    for i, band in enumerate(bands.index):
        left = (0.25 + 2.2 * i) / width
        ax = fig.add_axes((left, 0.06, 1.55 / width, 0.8))
        cax = fig.add_axes((left + 1.65 / width, 0.2, 0.08 / width, 0.55))
        values = bandpower[bandpower["band"] == band].set_index("channel")["power_db"]
        data = values.reindex(kept).to_numpy(dtype=float)
        low, high = float(np.nanmin(data)), float(np.nanmax(data))
        im = figures._topomap(ax, data, picked, (low, high), "viridis")
        ax.set_title(str(band), fontsize=9)
        ax.set_axis_off()  # a topomap has no ticks; not drawing its axes saves most of the time
        bar = fig.colorbar(im, cax=cax)
        ticks = [low, (low + high) / 2.0, high]
        bar.set_ticks(ticks, labels=[f"{t:.1f}" for t in ticks])
        bar.minorticks_off()
        bar.ax.tick_params(labelsize=7)
        bar.set_label("dB", fontsize=8)
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
        fig = _drop_log_figure(epochs.drop_log)
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
