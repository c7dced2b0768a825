"""Report figures of DMN connectivity (pure: group summary tables in, matplotlib Figures out).

* :func:`plot_connectivity_matrices`: node x node matrix per state (mean over subjects) and
  the paired contrast (target minus baseline, mean over subjects with both states), from
  ``connectivity_summary.tsv``;
* :func:`plot_dmn_change`: per-subject within-DMN and within-control connectivity in the two
  states, one line per subject, the group mean in black, from ``subject_changes.tsv`` and
  ``group_changes.tsv``.

The summaries are computed by :mod:`eegstate.stats.summaries`; these functions only draw them.
Figures are built with :class:`matplotlib.figure.Figure` (no pyplot state), so they can be
created in worker processes and saved or embedded by the caller.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from eegstate.connectivity.nodes import NODES, node_names

#: Axis labels of the metrics.
METRIC_LABELS: dict[str, str] = {
    "aec_orth": "orthogonalised envelope correlation",
    "dwpli": "debiased wPLI",
}

#: Networks of ``subject_changes.tsv`` (``site``) and their panel titles.
NETWORKS: tuple[tuple[str, str], ...] = (
    ("dmn", "within DMN"),
    ("control", "within control network"),
)


def _matrix(rows: pd.DataFrame, column: str) -> np.ndarray:
    """Symmetric node matrix of a summary column (NaN where missing, zero diagonal)."""
    names = node_names()
    index = {name: i for i, name in enumerate(names)}
    matrix = np.full((len(names), len(names)), np.nan)
    np.fill_diagonal(matrix, 0.0)
    for a, b, value in zip(rows["node_a"], rows["node_b"], rows[column], strict=True):
        matrix[index[a], index[b]] = matrix[index[b], index[a]] = float(value)
    return matrix


def _network_boundaries(axis, n: int) -> None:
    networks = [node.network for node in NODES]
    for i in range(1, n):
        if networks[i] != networks[i - 1]:
            axis.axhline(i - 0.5, color="white", linewidth=2)
            axis.axvline(i - 0.5, color="white", linewidth=2)


def _limit(values: np.ndarray, default: float = 1.0) -> float:
    finite = values[np.isfinite(values)]
    top = float(np.max(np.abs(finite))) if finite.size else 0.0
    return top or default


def plot_connectivity_matrices(
    summary: pd.DataFrame,
    *,
    baseline: str,
    target: str,
    band: str = "alpha",
    metrics: Sequence[str] = ("dwpli",),
):
    """Plot the node matrix of each state and their paired contrast, one row per metric.

    Parameters
    ----------
    summary : pandas.DataFrame
        ``connectivity_summary.tsv``.
    baseline, target : str
        State labels; the contrast is target minus baseline.
    band : str
        Band shown.
    metrics : sequence of str
        Metrics shown (rows).

    Returns
    -------
    matplotlib.figure.Figure
        Per metric three panels: baseline, target, contrast (white lines separate networks).

    Raises
    ------
    ValueError
        If a metric has no rows for the band.
    """
    from matplotlib.figure import Figure

    names = node_names()
    figure = Figure(figsize=(13.5, 4.4 * len(metrics)), layout="constrained")
    axes = figure.subplots(len(metrics), 3, squeeze=False)
    for row_axes, metric in zip(axes, metrics, strict=True):
        rows = summary[(summary["band"] == band) & (summary["metric"] == metric)]
        if rows.empty:
            raise ValueError(f"no connectivity rows for band {band!r} and metric {metric!r}")
        means = [_matrix(rows, "baseline_mean"), _matrix(rows, "target_mean")]
        contrast = _matrix(rows, "mean_change")
        both = np.concatenate([m[np.isfinite(m)] for m in means])
        upper = float(both.max()) if both.size else 1.0
        lower = min(0.0, float(both.min()) if both.size else 0.0)
        limit = _limit(contrast)
        label = METRIC_LABELS.get(metric, metric)
        panels = (
            (means[0], f"{baseline} (n={int(rows['n_baseline'].max())})", "viridis", lower, upper),
            (means[1], f"{target} (n={int(rows['n_target'].max())})", "viridis", lower, upper),
            (
                contrast,
                f"{target} − {baseline} (paired n={int(rows['n_paired'].max())})",
                "RdBu_r",
                -limit,
                limit,
            ),
        )
        for axis, (matrix, title, cmap, vmin, vmax) in zip(row_axes, panels, strict=True):
            image = axis.imshow(matrix, cmap=cmap, vmin=vmin, vmax=vmax or 1.0)
            axis.set_xticks(range(len(names)), names, rotation=90)
            axis.set_yticks(range(len(names)), names)
            axis.set_title(title, fontsize=10)
            _network_boundaries(axis, len(names))
            figure.colorbar(image, ax=axis, shrink=0.8)
        row_axes[0].set_ylabel(f"{band} {label}", fontsize=11)
    figure.suptitle("Node connectivity, subject means")
    return figure


def plot_dmn_change(
    changes: pd.DataFrame,
    means: pd.DataFrame,
    *,
    baseline: str,
    target: str,
    band: str = "alpha",
    metrics: Sequence[str] = ("dwpli",),
):
    """Plot per-subject within-DMN and within-control connectivity in both states.

    Parameters
    ----------
    changes : pandas.DataFrame
        ``subject_changes.tsv`` (rows with ``measure`` a metric, ``site`` ``dmn`` or
        ``control``).
    means : pandas.DataFrame
        ``group_changes.tsv`` (the black lines).
    baseline, target : str
        State labels (x axis order).
    band : str
        Band shown.
    metrics : sequence of str
        Metrics shown (rows).

    Returns
    -------
    matplotlib.figure.Figure
        Per metric two panels (DMN, control network); one grey line per subject with both
        states, the group mean in black.

    Raises
    ------
    ValueError
        If a metric has no rows for the band.
    """
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8.5, 4.2 * len(metrics)), layout="constrained")
    axes = figure.subplots(len(metrics), 2, squeeze=False, sharey="row")
    for row_axes, metric in zip(axes, metrics, strict=True):
        rows = changes[(changes["band"] == band) & (changes["measure"] == metric)]
        if rows.empty:
            raise ValueError(f"no per-subject {band} {metric} connectivity")
        for axis, (network, title) in zip(row_axes, NETWORKS, strict=True):
            part = rows[rows["site"] == network]
            for values in part[["baseline", "target"]].to_numpy(dtype=float):
                axis.plot([0, 1], values, color="0.6", marker="o", linewidth=1)
            mean = means[
                (means["band"] == band) & (means["measure"] == metric) & (means["site"] == network)
            ]
            if len(mean):
                pair = mean[["baseline_mean", "target_mean"]].to_numpy(dtype=float)[0]
                axis.plot([0, 1], pair, color="black", marker="o", linewidth=2.5)
            axis.set_xticks([0, 1], [baseline, target])
            axis.set_xlim(-0.3, 1.3)
            axis.set_title(f"{metric}: {title}", fontsize=10)
            axis.axhline(0, color="0.85", linewidth=0.8, zorder=0)
        row_axes[0].set_ylabel(f"{band} {METRIC_LABELS.get(metric, metric)}")
    return figure
