"""The hypnogram-like figure of a track: state strip, index with events, component changes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from eegstate.track.core import TRACK_COLUMNS

#: States of the strip, bottom to top, and their colours.
STATE_LEVELS: dict[str, tuple[int, str]] = {
    "artefact": (0, "#9e9e9e"),
    "baseline": (1, "#4c72b0"),
    "altered": (2, "#c44e52"),
}
#: Components shown as rows of the change panel (most loaded first), at most.
MAX_COMPONENT_ROWS = 12


def track_figure(table: pd.DataFrame, events: Mapping[str, Any]) -> Any:
    """Draw a track (``track.tsv`` and ``events.json`` content).

    Panels: the state of each window as a step plot (baseline, altered, artefact: like a
    hypnogram); the index with its fitted trapezoid, the baseline segment, the dose and the
    onset, peak and offset with their intervals; the signed change of the components (rows;
    by loading when the index is unsupervised), in baseline robust SDs of each row.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    minutes = table["time_s"].to_numpy() / 60.0
    components = [c for c in table.columns if c not in TRACK_COLUMNS]
    loadings = events.get("index", {}).get("loadings") or {}
    if loadings:
        components = sorted(components, key=lambda c: -abs(loadings.get(c, 0.0)))
    components = components[:MAX_COMPONENT_ROWS]
    fig, axes = plt.subplots(
        3,
        1,
        figsize=(11, 7.5),
        sharex=True,
        gridspec_kw={"height_ratios": [1, 3, max(2, len(components) * 0.35)]},
        constrained_layout=True,
    )
    strip, main, heat = axes
    levels = table["state"].map(lambda s: STATE_LEVELS.get(s, (1, ""))[0]).to_numpy()
    strip.step(minutes, levels, where="mid", color="black", linewidth=1)
    for level, colour in STATE_LEVELS.values():
        strip.fill_between(minutes, level - 0.4, level + 0.4, where=levels == level,
                           step="mid", color=colour, alpha=0.6, linewidth=0)  # fmt: skip
    strip.set_yticks([v for v, _ in STATE_LEVELS.values()], list(STATE_LEVELS))
    strip.set_ylim(-0.6, 2.6)
    strip.set_title(f"{events.get('recording', '')}: state track ({events['index']['kind']} index)")
    main.plot(minutes, table["index"], ".", color="#555555", markersize=3, label="index")
    main.plot(minutes, table["fitted"], "-", color="#c44e52", linewidth=2, label="fitted")
    base = events.get("baseline", {})
    if base:
        main.axvspan(base["start_s"] / 60, base["stop_s"] / 60, color="#4c72b0", alpha=0.12,
                     label="baseline segment")  # fmt: skip
        main.axhline(base["threshold"], color="#c44e52", linestyle=":", linewidth=1,
                     label="altered threshold")  # fmt: skip
    if events.get("dose_s") is not None:
        main.axvline(events["dose_s"] / 60, color="black", linewidth=1.5, label="dose")
    for key, style in (("onset_s", "--"), ("peak_s", "-"), ("offset_s", "--")):
        if events.get(key) is None:
            continue
        for ax in (main, heat):
            ax.axvline(events[key] / 60, color="#8172b2", linestyle=style, linewidth=1.2)
        low, high = events.get(f"{key}_low"), events.get(f"{key}_high")
        if low is not None and high is not None:
            main.axvspan(low / 60, high / 60, color="#8172b2", alpha=0.2)
        main.annotate(key.removesuffix("_s"), (events[key] / 60, 1.0),
                      xycoords=("data", "axes fraction"), ha="center", va="bottom")  # fmt: skip
    main.set_ylabel("probability of target" if events["index"]["kind"] == "model" else "index (SD)")
    main.legend(loc="upper right", fontsize=8)
    if components:
        values = table[components].to_numpy(dtype=float)
        reference = table["state"].to_numpy() != "artefact"
        scale = np.nanstd(values[reference], axis=0)
        scale[~np.isfinite(scale) | (scale == 0)] = 1.0
        z = (values / scale).T
        limit = np.nanmax(np.abs(z)) if np.isfinite(z).any() else 1.0
        step = float(np.median(np.diff(minutes))) if minutes.size > 1 else 1.0
        image = heat.imshow(
            z, aspect="auto", cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest",
            extent=(minutes[0] - step / 2, minutes[-1] + step / 2, len(components) - 0.5, -0.5),
        )  # fmt: skip
        heat.set_yticks(range(len(components)), components, fontsize=7)
        fig.colorbar(image, ax=heat, label="change (SD of the row)")
    heat.set_xlabel("time (min)")
    return fig
