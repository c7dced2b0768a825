"""Figure of a power analysis: power and false-verdict rate against study size, per claim."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Panel title of each scenario.
SCENARIO_TITLES: dict[str, str] = {
    "planted": "Power (pilot effects, resampled subjects)",
    "planned": "Power (planned effect sizes)",
    "null": "False-verdict rate (states swapped within subject)",
}


def plot_power(summary: pd.DataFrame) -> Figure:
    """Probability of a "changed" verdict vs subjects, one line per claim, one panel per scenario.

    Parameters
    ----------
    summary : pandas.DataFrame
        :data:`eegstate.tables.POWER_SUMMARY_COLUMNS`.

    Returns
    -------
    matplotlib.figure.Figure
        The figure (the nominal level ``alpha`` drawn on the null panel), not yet closed.
    """
    from eegstate.report.figures import new_figure

    scenarios = [s for s in SCENARIO_TITLES if s in set(summary["scenario"])]
    fig = new_figure(5.2 * max(len(scenarios), 1), 3.6)
    axes = fig.subplots(1, max(len(scenarios), 1), squeeze=False)[0]
    for ax, scenario in zip(axes, scenarios, strict=False):
        part = summary[summary["scenario"] == scenario]
        for claim, rows in part.groupby("claim", sort=False):
            rows = rows.sort_values("n_subjects")
            x = rows["n_subjects"].to_numpy(float)
            y = rows["probability_changed"].to_numpy(float)
            se = rows["mc_se"].to_numpy(float)
            line = ax.plot(x, y, marker="o", label=str(claim))[0]
            ax.fill_between(x, np.clip(y - 2 * se, 0, 1), np.clip(y + 2 * se, 0, 1),
                            color=line.get_color(), alpha=0.15, linewidth=0)  # fmt: skip
        if scenario == "null" and len(part):
            ax.axhline(float(part["alpha"].iloc[0]), color="k", linestyle="--", label="alpha")
            ax.set_ylim(0, max(0.2, float(part["probability_changed"].max()) * 1.2))
        else:
            ax.set_ylim(0, 1.02)
        ax.set_title(SCENARIO_TITLES[scenario], fontsize=9)
        ax.set_xlabel("subjects")
        ax.set_ylabel('P(verdict "changed")')
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7, loc="best")
    return fig
