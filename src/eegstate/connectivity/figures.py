"""Report figures of DMN connectivity (pure: group tables in, matplotlib Figures out).

* :func:`plot_connectivity_matrices`: node x node matrix per state (mean over subjects) and
  the paired contrast (target minus baseline, mean over subjects with both states).
* :func:`plot_dmn_change`: per-subject within-DMN and within-control connectivity in the two
  states, one line per subject, the group mean in black.

Figures are built with :class:`matplotlib.figure.Figure` (no pyplot state), so they can be
created in worker processes and saved or embedded by the caller.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from eegstate.connectivity.nodes import NODES, node_names

#: Axis labels of the metrics.
METRIC_LABELS: dict[str, str] = {
    "aec_orth": "orthogonalised envelope correlation",
    "dwpli": "debiased wPLI",
}


def _select(table: pd.DataFrame, band: str, metric: str) -> pd.DataFrame:
    rows = table[(table["band"] == band) & (table["metric"] == metric)]
    if rows.empty:
        raise ValueError(f"no connectivity rows for band {band!r} and metric {metric!r}")
    return rows


def subject_matrices(
    connectivity: pd.DataFrame, band: str, metric: str
) -> dict[str, dict[str, np.ndarray]]:
    """Return, per state and subject, the symmetric node matrix (mean over recordings).

    Parameters
    ----------
    connectivity : pandas.DataFrame
        Group ``connectivity.tsv``.
    band, metric : str
        Which band and metric.

    Returns
    -------
    dict
        ``state -> subject -> (n_nodes, n_nodes)`` matrix in node order (NaN where missing,
        zero diagonal).
    """
    names = node_names()
    index = {name: i for i, name in enumerate(names)}
    rows = _select(connectivity, band, metric)
    means = rows.groupby(["state", "subject", "node_a", "node_b"], sort=False)["value"].mean()
    out: dict[str, dict[str, np.ndarray]] = {}
    for (state, subject, node_a, node_b), value in means.items():
        matrix = out.setdefault(state, {}).setdefault(subject, _empty(len(names)))
        matrix[index[node_a], index[node_b]] = matrix[index[node_b], index[node_a]] = value
    return out


def _empty(n: int) -> np.ndarray:
    matrix = np.full((n, n), np.nan)
    np.fill_diagonal(matrix, 0.0)
    return matrix


def _network_boundaries(axis, n: int) -> None:
    networks = [node.network for node in NODES]
    for i in range(1, n):
        if networks[i] != networks[i - 1]:
            axis.axhline(i - 0.5, color="white", linewidth=2)
            axis.axvline(i - 0.5, color="white", linewidth=2)


def plot_connectivity_matrices(
    connectivity: pd.DataFrame,
    *,
    baseline: str,
    target: str,
    band: str = "alpha",
    metric: str = "dwpli",
):
    """Plot the node matrix of each state and their paired contrast.

    Parameters
    ----------
    connectivity : pandas.DataFrame
        Group ``connectivity.tsv``.
    baseline, target : str
        State labels; the contrast is target minus baseline.
    band, metric : str
        Which band and metric.

    Returns
    -------
    matplotlib.figure.Figure
        Three panels: baseline, target, contrast (white lines separate networks).
    """
    from matplotlib.figure import Figure

    names = node_names()
    per_state = subject_matrices(connectivity, band, metric)
    for state in (baseline, target):
        if state not in per_state:
            raise ValueError(f"no {band} {metric} connectivity for state {state!r}")
    means = {
        state: np.nanmean(np.stack(list(per_state[state].values())), axis=0)
        for state in (baseline, target)
    }
    paired = sorted(set(per_state[baseline]) & set(per_state[target]))
    if paired:
        contrast = np.nanmean(
            np.stack([per_state[target][s] - per_state[baseline][s] for s in paired]), axis=0
        )
    else:
        contrast = _empty(len(names))
    figure = Figure(figsize=(13.5, 4.4), layout="constrained")
    axes = figure.subplots(1, 3)
    upper = float(np.nanmax([np.nanmax(m) for m in means.values()])) or 1.0
    lower = min(0.0, float(np.nanmin([np.nanmin(m) for m in means.values()])))
    limit = float(np.nanmax(np.abs(contrast))) or 1.0
    panels = (
        (means[baseline], f"{baseline} (n={len(per_state[baseline])})", "viridis", lower, upper),
        (means[target], f"{target} (n={len(per_state[target])})", "viridis", lower, upper),
        (contrast, f"{target} − {baseline} (paired n={len(paired)})", "RdBu_r", -limit, limit),
    )
    for axis, (matrix, title, cmap, vmin, vmax) in zip(axes, panels, strict=True):
        image = axis.imshow(matrix, cmap=cmap, vmin=vmin, vmax=vmax)
        axis.set_xticks(range(len(names)), names, rotation=90)
        axis.set_yticks(range(len(names)), names)
        axis.set_title(title)
        _network_boundaries(axis, len(names))
        figure.colorbar(image, ax=axis, shrink=0.8)
    figure.suptitle(f"{band} {METRIC_LABELS.get(metric, metric)}: subject means")
    return figure


def plot_dmn_change(
    summary: pd.DataFrame,
    *,
    baseline: str,
    target: str,
    band: str = "alpha",
    metric: str = "dwpli",
):
    """Plot per-subject within-DMN and within-control connectivity in both states.

    Parameters
    ----------
    summary : pandas.DataFrame
        Group ``dmn_summary.tsv``.
    baseline, target : str
        State labels (x axis order).
    band, metric : str
        Which band and metric.

    Returns
    -------
    matplotlib.figure.Figure
        Two panels (DMN, control network); one grey line per subject with both states, the
        mean over those subjects in black.
    """
    from matplotlib.figure import Figure

    rows = _select(summary, band, metric)
    figure = Figure(figsize=(8.5, 4.2), layout="constrained")
    axes = figure.subplots(1, 2, sharey=True)
    for axis, column, title in zip(
        axes, ("dmn_mean", "control_mean"), ("within DMN", "within control network"), strict=True
    ):
        wide = rows.pivot_table(index="subject", columns="state", values=column, aggfunc="mean")
        wide = wide.reindex(columns=[baseline, target]).dropna()
        for values in wide.to_numpy():
            axis.plot([0, 1], values, color="0.6", marker="o", linewidth=1)
        if len(wide):
            axis.plot([0, 1], wide.mean().to_numpy(), color="black", marker="o", linewidth=2.5)
            lower = int((wide[target] < wide[baseline]).sum())
            title = f"{title}: lower in {lower}/{len(wide)} subjects"
        axis.set_xticks([0, 1], [baseline, target])
        axis.set_xlim(-0.3, 1.3)
        axis.set_title(title)
        axis.axhline(0, color="0.85", linewidth=0.8, zorder=0)
    axes[0].set_ylabel(f"{band} {METRIC_LABELS.get(metric, metric)}")
    return figure
