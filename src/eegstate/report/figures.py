"""Matplotlib figures of the group report.

Each function returns a :class:`matplotlib.figure.Figure` created directly (not through
``pyplot``), so no GUI backend is involved and nothing is registered in pyplot's global figure
list; callers may still pass figures to :func:`close_figure` once rendered. They draw the
values of the group tables they are given (means, intervals and per-subject values computed by
the statistics step); they compute no statistics.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import mne
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.image import AxesImage

logger = logging.getLogger(__name__)

BASELINE_COLOR = "#1f77b4"
TARGET_COLOR = "#d62728"
_OTHER_COLORS = ("#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


def new_figure(width: float, height: float) -> Figure:
    """Create a figure with a constrained layout, without touching pyplot.

    Parameters
    ----------
    width, height : float
        Size in inches.

    Returns
    -------
    matplotlib.figure.Figure
        The new figure.
    """
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def close_figure(fig: Figure) -> None:
    """Release a figure (also from pyplot's registry if it was created there).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        Figure to release.
    """
    import matplotlib.pyplot as plt

    plt.close(fig)
    fig.clear()


def state_colors(states: Sequence[str], baseline: str, target: str) -> dict[str, str]:
    """Assign fixed colours: baseline blue, target red, other states from a palette.

    Parameters
    ----------
    states : sequence of str
        State labels to colour.
    baseline, target : str
        Baseline and target labels.

    Returns
    -------
    dict
        State label -> colour.
    """
    colors = {baseline: BASELINE_COLOR, target: TARGET_COLOR}
    others = [s for s in states if s not in colors]
    for i, state in enumerate(others):
        colors[state] = _OTHER_COLORS[i % len(_OTHER_COLORS)]
    return colors


def _shade_bands(ax: Axes, bands: pd.DataFrame, fmax: float) -> None:
    for i, row in enumerate(bands.itertuples(index=False)):
        lo, hi = float(row.fmin), min(float(row.fmax), fmax)
        if hi <= lo:
            continue
        if i % 2 == 0:
            ax.axvspan(lo, hi, color="0.92", zorder=0, lw=0)
        ax.axvline(lo, color="0.75", lw=0.6, zorder=0.5)
        ax.text(
            (lo + hi) / 2.0,
            0.99,
            str(row.band),
            transform=ax.get_xaxis_transform(),
            ha="center",
            va="top",
            fontsize=8,
            color="0.3",
        )


def plot_psd(
    panels: Sequence[tuple[str, pd.DataFrame]],
    bands: pd.DataFrame,
    *,
    baseline: str,
    target: str,
    ci_level: float,
) -> Figure:
    """Plot group PSDs per state (mean and CI band), one panel per channel selection.

    Parameters
    ----------
    panels : sequence of (str, pandas.DataFrame)
        Panel title and one site's rows of ``psd_summary.tsv``.
    bands : pandas.DataFrame
        Columns ``band``, ``fmin``, ``fmax``; shaded and labelled on the axes.
    baseline, target : str
        State labels (fixed colours).
    ci_level : float
        Confidence level, for the legend.

    Returns
    -------
    matplotlib.figure.Figure
        The figure (linear frequency axis).
    """
    n = max(len(panels), 1)
    fig = new_figure(5.2 * n, 3.6)
    axes = fig.subplots(1, n, squeeze=False, sharey=True)[0]
    for ax, (title, summary) in zip(axes, panels, strict=False):
        states = list(dict.fromkeys(summary["state"]))
        order = [s for s in (baseline, target) if s in states] + [
            s for s in states if s not in (baseline, target)
        ]
        colors = state_colors(order, baseline, target)
        fmax = float(summary["freq"].max()) if not summary.empty else 1.0
        _shade_bands(ax, bands, fmax)
        for state in order:
            sub = summary[summary["state"] == state].sort_values("freq")
            n_sub = int(sub["n_subjects"].max()) if not sub.empty else 0
            ax.fill_between(
                sub["freq"], sub["ci_low"], sub["ci_high"], color=colors[state], alpha=0.25, lw=0
            )
            ax.plot(
                sub["freq"],
                sub["mean_db"],
                color=colors[state],
                lw=1.4,
                label=f"{state} (n={n_sub})",
            )
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("Frequency (Hz)")
        ax.set_xlim(float(summary["freq"].min()) if not summary.empty else 0.0, fmax)
        ax.grid(alpha=0.3, lw=0.5)
        ax.legend(fontsize=8, loc="lower left", title=f"mean ± {ci_level:.0%} CI", title_fontsize=8)
    axes[0].set_ylabel("PSD (dB re 1 µV²/Hz)")
    return fig


def _info_positions(info: mne.Info, channels: Sequence[str]) -> tuple[mne.Info, list[str]]:
    """Pick ``info`` to the given channels (case-insensitive) that have a 3-D position."""
    import mne

    lookup = {name.lower(): i for i, name in enumerate(info["ch_names"])}
    picks: list[int] = []
    kept: list[str] = []
    for ch in channels:
        idx = lookup.get(str(ch).lower())
        if idx is None:
            continue
        loc = np.asarray(info["chs"][idx]["loc"][:3], dtype=float)
        if not np.all(np.isfinite(loc)) or not np.any(loc):
            continue
        if idx in picks:
            continue
        picks.append(idx)
        kept.append(str(ch))
    return mne.pick_info(info, picks), kept


def _topomap(
    ax: Axes,
    values: np.ndarray,
    info: mne.Info,
    vlim: tuple[float, float],
    cmap: str,
    mask: np.ndarray | None = None,
) -> AxesImage:
    """Draw one topomap with linear interpolation.

    MNE's default cubic (Clough-Tocher) interpolation estimates gradients iteratively from an
    uninitialised array in SciPy, so its run time (0.001-0.3 s per map) and, in principle, its
    pixels vary from run to run. Linear interpolation is fast and gives reproducible bytes.
    """
    import mne

    im, _ = mne.viz.plot_topomap(
        values,
        info,
        axes=ax,
        show=False,
        vlim=vlim,
        cmap=cmap,
        contours=0,
        res=64,
        sensors=True,
        image_interp="linear",
        mask=mask,
        mask_params={
            "marker": "o",
            "markerfacecolor": "white",
            "markeredgecolor": "black",
            "linewidth": 0,
            "markersize": 6,
        },
    )
    return im


def plot_topomaps(
    channel_means: pd.DataFrame,
    info: mne.Info,
    bands: pd.DataFrame,
    *,
    baseline: str,
    target: str,
    cluster_channels: Mapping[str, set[str]] | None = None,
) -> Figure | None:
    """Topomaps per band: baseline mean, target mean (shared scale) and target − baseline.

    Parameters
    ----------
    channel_means : pandas.DataFrame
        ``channel``, ``band``, ``baseline_db``, ``target_db`` (``channel_means.tsv``) and
        ``diff_db`` (``stats_channels.tsv`` ``mean_db``).
    info : mne.Info
        Measurement info with a montage; channels matched case-insensitively.
    bands : pandas.DataFrame
        Columns ``band``, ``fmin``, ``fmax`` (row order).
    baseline, target : str
        State labels (column titles).
    cluster_channels : mapping, optional
        Band -> lower-case names of channels in significant clusters; drawn as white-filled
        sensors on the contrast map.

    Returns
    -------
    matplotlib.figure.Figure or None
        None when fewer than three channels have positions.
    """

    channels = list(dict.fromkeys(channel_means["channel"].astype(str)))
    info_picked, kept = _info_positions(info, channels)
    if len(kept) < 3:
        logger.warning("Fewer than 3 channels with positions in info: no topomaps")
        return None
    n_bands = len(bands)
    fig = new_figure(9.0, 2.5 * n_bands + 0.3)
    axes = fig.subplots(n_bands, 3, squeeze=False)
    titles = (f"{baseline} (dB)", f"{target} (dB)", f"{target} − {baseline} (dB)")
    for r, row in enumerate(bands.itertuples(index=False)):
        sub = channel_means[channel_means["band"] == row.band].copy()
        sub["channel"] = sub["channel"].astype(str)
        sub = sub.set_index("channel").reindex(kept)
        base = sub["baseline_db"].to_numpy(dtype=float)
        targ = sub["target_db"].to_numpy(dtype=float)
        diff = sub["diff_db"].to_numpy(dtype=float)
        both = np.concatenate([base[np.isfinite(base)], targ[np.isfinite(targ)]])
        vlim = (float(both.min()), float(both.max())) if both.size else (0.0, 1.0)
        finite_diff = diff[np.isfinite(diff)]
        lim = float(np.max(np.abs(finite_diff))) if finite_diff.size else 1.0
        lim = lim if lim > 0 else 1.0
        specs = (
            (base, vlim, "viridis"),
            (targ, vlim, "viridis"),
            (diff, (-lim, lim), "RdBu_r"),
        )
        for c, (values, lims, cmap) in enumerate(specs):
            ax = axes[r, c]
            if not np.all(np.isfinite(values)):
                ax.set_axis_off()
                ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes)
                continue
            mask = None
            if c == 2 and cluster_channels:
                marked = cluster_channels.get(str(row.band), set())
                mask = np.array([ch.lower() in marked for ch in kept])
            im = _topomap(ax, values, info_picked, lims, cmap, mask)
            if c != 0:  # one colour bar for the shared baseline/target scale, one for contrast
                fig.colorbar(im, ax=axes[r, :2] if c == 1 else ax, shrink=0.8, label="dB")
            if r == 0:
                ax.set_title(titles[c], fontsize=10)
        axes[r, 0].text(
            -0.08,
            0.5,
            f"{row.band}\n{float(row.fmin):g}–{float(row.fmax):g} Hz",
            transform=axes[r, 0].transAxes,
            rotation=90,
            ha="right",
            va="center",
            fontsize=10,
        )
    return fig


def _paired_panel(
    ax: Axes, values: np.ndarray, mean: Sequence[float] | None, *, baseline: str, target: str
) -> None:
    """One line per subject from baseline to target (red rising, blue falling), mean in black."""
    for pair in values:
        color = TARGET_COLOR if pair[1] > pair[0] else BASELINE_COLOR
        ax.plot([0, 1], pair, color=color, alpha=0.55, lw=1.0, marker="o", ms=3)
    if mean is not None:
        ax.plot([0, 1], list(mean), color="black", lw=2.5, marker="s", ms=5)
    ax.set_xticks([0, 1], [baseline, target], fontsize=8)
    ax.set_xlim(-0.3, 1.3)
    ax.grid(axis="y", alpha=0.3, lw=0.5)


def _pairs(changes: pd.DataFrame, means: pd.DataFrame, column: str, key: str):
    """Per-subject (baseline, target) values and the group mean pair of one measure or band."""
    rows = changes[changes[column] == key]
    values = rows[["baseline", "target"]].to_numpy(dtype=float)
    found = means[means[column] == key]
    mean = None
    if len(found):
        mean = (float(found["baseline_mean"].iloc[0]), float(found["target_mean"].iloc[0]))
    return values, mean


def plot_paired(
    changes: pd.DataFrame,
    means: pd.DataFrame,
    bands: pd.DataFrame,
    *,
    baseline: str,
    target: str,
    region_label: str,
) -> Figure:
    """Per-subject paired plot per band: one line per subject from baseline to target.

    Parameters
    ----------
    changes : pandas.DataFrame
        Rows of ``subject_changes.tsv`` of one site (``band``, ``subject``, ``baseline``,
        ``target``).
    means : pandas.DataFrame
        The matching rows of ``group_changes.tsv`` (``band``, ``baseline_mean``,
        ``target_mean``): the black line.
    bands : pandas.DataFrame
        Columns ``band``, ``fmin``, ``fmax`` (panel order).
    baseline, target : str
        State labels (x tick labels).
    region_label : str
        Channel selection shown in the y label.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per band.
    """
    n = max(len(bands), 1)
    fig = new_figure(2.3 * n + 0.6, 3.4)
    axes = fig.subplots(1, n, squeeze=False)[0]
    for ax, row in zip(axes, bands.itertuples(index=False), strict=False):
        values, mean = _pairs(changes, means, "band", row.band)
        _paired_panel(ax, values, mean, baseline=baseline, target=target)
        ax.set_title(f"{row.band} ({float(row.fmin):g}–{float(row.fmax):g} Hz)", fontsize=9)
    axes[0].set_ylabel(f"{region_label} power (dB)")
    return fig


def plot_placeholder(text: str) -> Figure:
    """A small figure that only states why a figure is not available.

    Parameters
    ----------
    text : str
        The reason.

    Returns
    -------
    matplotlib.figure.Figure
        The figure.
    """
    fig = new_figure(6.0, 1.2)
    ax = fig.subplots()
    ax.set_axis_off()
    ax.text(0.5, 0.5, text, ha="center", va="center", wrap=True, fontsize=10, color="0.3")
    return fig


#: Panels of :func:`plot_aperiodic`: measure of ``subject_changes.tsv`` and axis title.
APERIODIC_PANELS: tuple[tuple[str, str], ...] = (
    ("exponent", "aperiodic exponent"),
    ("offset", "aperiodic offset (log10 µV²/Hz)"),
    ("alpha_peak_db", "alpha peak above aperiodic (dB)"),
)


def plot_aperiodic(
    changes: pd.DataFrame,
    means: pd.DataFrame,
    site: str,
    *,
    baseline: str,
    target: str,
    min_height_db: float,
) -> Figure | None:
    """Per-subject aperiodic exponent, offset and periodic alpha-peak height in both states.

    Parameters
    ----------
    changes : pandas.DataFrame
        Rows of ``subject_changes.tsv`` of the site (``measure``, ``subject``, ``baseline``,
        ``target``).
    means : pandas.DataFrame
        The matching rows of ``group_changes.tsv`` (the black lines).
    site : str
        Site whose fits are shown (title).
    baseline, target : str
        State labels.
    min_height_db : float
        Peak-presence threshold (dashed line; absent peaks are drawn at 0 dB).

    Returns
    -------
    matplotlib.figure.Figure or None
        Three panels, one line per subject with both states; None when no subject has fits
        in both states.
    """
    if changes.empty:
        return None
    fig = new_figure(10.0, 3.4)
    axes = fig.subplots(1, 3)
    for ax, (measure, label) in zip(axes, APERIODIC_PANELS, strict=True):
        values, mean = _pairs(changes, means, "measure", measure)
        if not len(values):
            ax.set_axis_off()
            continue
        _paired_panel(ax, values, mean, baseline=baseline, target=target)
        if measure == "alpha_peak_db":
            ax.axhline(min_height_db, color="0.5", ls="--", lw=0.8)
        ax.set_title(label, fontsize=9)
    fig.suptitle(f"Spectral parameterisation, {site} channels", fontsize=10)
    return fig


def plot_classification(roc: pd.DataFrame | None, subjects: pd.DataFrame | None) -> Figure:
    """ROC curves (pooled and per held-out subject) and per-subject balanced accuracy.

    Parameters
    ----------
    roc : pandas.DataFrame or None
        ``classification_roc.tsv``: ``scope`` ("pooled" or a subject), ``fpr``, ``tpr``.
    subjects : pandas.DataFrame or None
        ``classification_folds.tsv``: ``subject``, ``balanced_accuracy`` (bar order).

    Returns
    -------
    matplotlib.figure.Figure
        Two panels.
    """
    fig = new_figure(9.5, 3.8)
    ax_roc, ax_bar = fig.subplots(1, 2)
    if roc is not None and len(roc):
        for scope, part in roc.groupby("scope", sort=False):
            pooled = scope == "pooled"
            ax_roc.plot(
                part["fpr"],
                part["tpr"],
                color="black" if pooled else "0.7",
                lw=2.2 if pooled else 0.8,
                label="pooled" if pooled else None,
                zorder=3 if pooled else 2,
            )
        ax_roc.legend(fontsize=8, loc="lower right")
    ax_roc.plot([0, 1], [0, 1], color="0.5", ls="--", lw=0.8)
    ax_roc.set_xlabel("false-positive rate")
    ax_roc.set_ylabel("true-positive rate")
    ax_roc.set_title("ROC, held-out subjects (grey: per subject)", fontsize=9)
    ax_roc.set_aspect("equal")
    if subjects is not None and len(subjects):
        values = subjects["balanced_accuracy"].to_numpy(dtype=float)
        ax_bar.bar(range(len(values)), values, color="#4c72b0")
        ax_bar.set_xticks(range(len(values)), subjects["subject"].astype(str), rotation=90)
    ax_bar.axhline(0.5, color="0.4", ls="--", lw=0.8)
    ax_bar.set_ylim(0, 1.02)
    ax_bar.set_ylabel("balanced accuracy")
    ax_bar.set_title("per held-out subject (dashed: chance)", fontsize=9)
    return fig
