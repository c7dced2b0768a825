"""Assemble the self-contained group report (one HTML file, images as base64 PNG data URIs).

The page has no scripts and no external resources, and contains no timestamps, so the same
inputs give the same bytes.
"""

from __future__ import annotations

import base64
import html
import io
import logging
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from eegstate.io import write_text
from eegstate.report import figures, stats
from eegstate.report.claims_text import CLAIM_TITLES, claim_sentence, format_p

if TYPE_CHECKING:
    import mne
    from matplotlib.figure import Figure

logger = logging.getLogger(__name__)

DPI = 90

GAMMA_NOTE = (
    "Power above about 30 Hz is prone to muscle (EMG) artefact in scalp EEG; treat gamma-band "
    "differences with care (Whitham et al. 2007, Clin Neurophysiol 118:1877)."
)

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:0 auto;
max-width:1150px;padding:1em 2em;color:#222;line-height:1.45}
h1{font-size:1.6em;border-bottom:2px solid #444;padding-bottom:.2em}
h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #bbb}
table{border-collapse:collapse;font-size:.85em;margin:.6em 0}
th,td{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}
th{background:#f0f0f0}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.excluded td{background:#fde2e2}
dl.meta{display:grid;grid-template-columns:max-content auto;gap:.1em 1em}
dl.meta dt{font-weight:600}dl.meta dd{margin:0}
.note{background:#fff7d6;border-left:4px solid #e0b000;padding:.4em .8em;font-size:.9em}
.muted{color:#666;font-size:.9em}
img{max-width:100%;height:auto;display:block;margin:.5em 0}
pre{background:#f6f6f6;padding:.8em;overflow-x:auto;font-size:.85em}
ul.sentences li{margin:.15em 0}
ul.claims li{margin:.5em 0}
.citation{font-size:.9em}
.scroll{overflow-x:auto}
"""

# ----------------------------------------------------------------------------- formatting


def _esc(value: object) -> str:
    return html.escape(_text(value), quote=True)


def _text(value: object, digits: int = 6) -> str:
    if value is None:
        return ""
    if isinstance(value, float | np.floating):
        if not np.isfinite(value):
            return ""
        return f"{float(value):.{digits}g}"
    try:
        if pd.isna(value):  # pandas NA / NaT scalars
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)


def _signed(value: float, digits: int = 1) -> str:
    """Format with an explicit sign and a typographic minus (``0.0`` when it rounds to zero)."""
    rounded = round(float(value), digits)
    if rounded == 0:
        return f"{0.0:.{digits}f}"
    return f"{rounded:+.{digits}f}".replace("-", "−")


def _plain(value: float, digits: int = 1) -> str:
    rounded = round(float(value), digits) + 0.0  # + 0.0 turns -0.0 into 0.0
    return f"{rounded:.{digits}f}".replace("-", "−")


def _hz(fmin: float, fmax: float) -> str:
    return f"{float(fmin):g}–{float(fmax):g} Hz"


def _ci_label(ci_level: float) -> str:
    return f"{float(ci_level) * 100:g}% CI"


def _is_gamma(band: str, fmin: float) -> bool:
    return "gamma" in str(band).lower() or float(fmin) >= 30.0


def _is_excluded(value: object) -> bool:
    if value is None or value is False:
        return False
    if isinstance(value, float | np.floating) and not np.isfinite(value):
        return False
    try:
        if pd.isna(value):
            return False
    except (TypeError, ValueError):
        pass
    return str(value).strip().lower() not in ("", "false", "0", "none", "nan")


def _table(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    numeric: Sequence[bool] | None = None,
    row_classes: Sequence[str] | None = None,
    caption: str | None = None,
) -> str:
    parts = ['<div class="scroll"><table>']
    if caption:
        parts.append(f"<caption>{_esc(caption)}</caption>")
    parts.append("<thead><tr>" + "".join(f"<th>{_esc(h)}</th>" for h in header) + "</tr></thead>")
    parts.append("<tbody>")
    for i, row in enumerate(rows):
        cls = row_classes[i] if row_classes is not None else ""
        attr = f' class="{_esc(cls)}"' if cls else ""
        cells = []
        for j, cell in enumerate(row):
            num = numeric is not None and numeric[j]
            cells.append(f'<td class="num">{_esc(cell)}</td>' if num else f"<td>{_esc(cell)}</td>")
        parts.append(f"<tr{attr}>" + "".join(cells) + "</tr>")
    parts.append("</tbody></table></div>")
    return "\n".join(parts)


def figure_png(fig: Figure, *, dpi: int = DPI) -> bytes:
    """Render a figure to PNG bytes (no metadata timestamps) and release it.

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


def _img(
    fig: Figure | None,
    alt: str,
    *,
    sink: dict[str, bytes] | None = None,
    key: str | None = None,
    missing: str = "Figure not available.",
) -> str:
    """Embed a figure as a data URI; with ``sink`` and ``key`` also keep its PNG bytes."""
    if fig is None:
        if sink is not None and key is not None:
            sink[key] = figure_png(figures.plot_placeholder(missing))
        return f'<p class="muted">{_esc(missing)}</p>'
    png = figure_png(fig)
    if sink is not None and key is not None:
        sink[key] = png
    uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return f'<img src="{uri}" alt="{_esc(alt)}">'


# ----------------------------------------------------------------------------- metadata


def package_versions() -> dict[str, str]:
    """Versions of eegstate and the main scientific dependencies.

    Returns
    -------
    dict
        Package name -> version string (``"unknown"`` when not importable).
    """
    import importlib

    out: dict[str, str] = {}
    for name in ("eegstate", "mne", "numpy", "scipy", "pandas", "matplotlib"):
        try:
            module = importlib.import_module(name)
            out[name] = str(getattr(module, "__version__", "unknown"))
        except ImportError:
            out[name] = "unknown"
    return out


def _plain_config(value: Any) -> Any:
    """Convert a config to YAML-safe builtins (paths and numpy scalars to plain values)."""
    if isinstance(value, Mapping):
        return {str(k): _plain_config(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return [_plain_config(v) for v in items]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return _plain_config(value.tolist())
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def config_yaml(config: Mapping[str, Any] | None) -> str:
    """Dump the configuration as YAML (key order preserved).

    Parameters
    ----------
    config : mapping or None
        Configuration dictionary.

    Returns
    -------
    str
        YAML text.
    """
    import yaml

    return yaml.safe_dump(
        _plain_config(config or {}), sort_keys=False, allow_unicode=True, default_flow_style=False
    )


# ----------------------------------------------------------------------------- sections


def _header_section(
    *,
    title: str,
    dataset: str,
    baseline: str,
    target: str,
    bandpower: pd.DataFrame,
    coverage: pd.DataFrame,
    version: str,
) -> str:
    rec_cols = [c for c in ("subject", "session", "recording") if c in bandpower.columns]
    n_recordings = len(bandpower[rec_cols].astype(str).drop_duplicates())
    per_state = bandpower[[*rec_cols, "state"]].astype(str).drop_duplicates()
    state_counts = per_state.groupby("state", sort=False).size()
    n_paired = int(coverage["paired"].sum())
    items = [
        ("Dataset", dataset),
        ("Baseline state", baseline),
        ("Target state", target),
        ("Subjects", f"{len(coverage)} ({n_paired} with both states)"),
        ("Recordings", str(n_recordings)),
        ("Recordings per state", ", ".join(f"{s}: {n}" for s, n in state_counts.items())),
        ("eegstate version", version),
    ]
    meta = "".join(f"<dt>{_esc(k)}</dt><dd>{_esc(v)}</dd>" for k, v in items)
    parts = [f"<h1>{_esc(title)}</h1>", f'<dl class="meta">{meta}</dl>']
    unpaired = coverage[~coverage["paired"]]
    if len(unpaired):
        lacking = []
        for row in unpaired.itertuples(index=False):
            missing = [
                s for s, has in ((baseline, row.has_baseline), (target, row.has_target)) if not has
            ]
            lacking.append(f"{row.subject} (no {' or '.join(missing)})")
        parts.append(
            '<p class="note">'
            + _esc(
                f"{len(unpaired)} subject(s) lack one of the two states and are included in the "
                f"per-state summaries but not in the {target} − {baseline} contrasts: "
                + "; ".join(lacking)
                + "."
            )
            + "</p>"
        )
    parts.append(
        '<p class="muted">'
        + _esc(
            "All summaries are descriptive: group means over subjects with percentile-bootstrap "
            "intervals. Several recordings of a subject in one state are averaged in linear "
            "power first."
        )
        + "</p>"
    )
    return "\n".join(parts)


def _sentence(row: Any, band_row: Any, *, baseline: str, target: str, ci: str) -> str:
    n = int(row.n_subjects)
    text = (
        f"{row.band} ({_hz(band_row.fmin, band_row.fmax)}), {row.region}: "
        f"{_signed(row.mean_db)} dB [{_plain(row.ci_low)}, {_plain(row.ci_high)}] ({ci}) "
        f"{target} vs {baseline}; "
    )
    dec, inc = int(row.n_decrease), int(row.n_increase)
    if row.mean_db < 0:
        text += f"{dec}/{n} subjects lower" + (f", {inc} higher" if inc else "")
    elif row.mean_db > 0:
        text += f"{inc}/{n} subjects higher" + (f", {dec} lower" if dec else "")
    else:
        text += f"{dec}/{n} subjects lower, {inc}/{n} higher"
    return text + "."


def _contrast_section(
    contrast: pd.DataFrame,
    bands: pd.DataFrame,
    *,
    baseline: str,
    target: str,
    ci_level: float,
    n_bootstrap: int,
    seed: int,
) -> str:
    ci = _ci_label(ci_level)
    parts = [f"<h2>2. Band × region contrast: {_esc(target)} − {_esc(baseline)}</h2>"]
    if contrast.empty:
        parts.append('<p class="note">No subject has both states: no within-subject contrast.</p>')
        return "\n".join(parts)
    band_info = {str(r.band): r for r in bands.itertuples(index=False)}
    regions = list(dict.fromkeys(contrast["region"]))
    focus = [r for r in regions if stats.is_posterior(r)] or regions
    parts.append(
        "<p>"
        + _esc(
            f"Within-subject difference of band power (dB), {target} minus {baseline}, averaged "
            f"over subjects with both states; {ci} from a percentile bootstrap over subjects "
            f"({n_bootstrap} resamples, seed {seed}). Highlights for "
            f"{', '.join(str(r) for r in focus)}:"
        )
        + "</p>"
    )
    items = []
    for band in bands["band"]:
        sub = contrast[(contrast["band"] == band) & contrast["region"].isin(focus)]
        for row in sub.itertuples(index=False):
            sentence = _sentence(row, band_info[str(band)], baseline=baseline, target=target, ci=ci)
            items.append(f"<li>{_esc(sentence)}</li>")
        if len(sub) and _is_gamma(band, band_info[str(band)].fmin):
            items.append(f'<li class="note">{_esc(GAMMA_NOTE)}</li>')
    parts.append('<ul class="sentences">' + "\n".join(items) + "</ul>")

    rows = []
    for row in contrast.itertuples(index=False):
        b = band_info.get(str(row.band))
        rows.append(
            (
                row.band,
                _hz(b.fmin, b.fmax) if b is not None else "",
                row.region,
                int(row.n_subjects),
                _signed(row.mean_db, 2),
                f"[{_plain(row.ci_low, 2)}, {_plain(row.ci_high, 2)}]",
                f"{int(row.n_decrease)}/{int(row.n_subjects)}",
                f"{int(row.n_increase)}/{int(row.n_subjects)}",
            )
        )
    header = ("Band", "Range", "Region", "n subjects", "Mean Δ (dB)", ci, "Lower", "Higher")
    numeric = [False, False, False, True, True, True, True, True]
    if "p_holm" in contrast.columns:
        rows = [
            (*r, format_p(float(c.p_value)), format_p(float(c.p_holm)))
            for r, c in zip(rows, contrast.itertuples(index=False), strict=True)
        ]
        header = (*header, "Wilcoxon p", "Holm p")
        numeric += [True, True]
        parts.append(
            '<p class="muted">'
            + _esc(
                "p: two-sided Wilcoxon signed-rank test over subjects; Holm: adjusted over "
                "every band × region of this table."
            )
            + "</p>"
        )
    parts.append(_table(header, rows, numeric=numeric))
    return "\n".join(parts)


def _psd_section(
    psd: pd.DataFrame,
    bandpower: pd.DataFrame,
    bands: pd.DataFrame,
    *,
    baseline: str,
    target: str,
    ci_level: float,
    n_bootstrap: int,
    seed: int,
    sink: dict[str, bytes] | None = None,
) -> str:
    parts = ["<h2>3. Power spectra per state</h2>"]
    if psd.empty:
        parts.append('<p class="muted">No PSD data.</p>')
        return "\n".join(parts)
    kwargs = {"ci_level": ci_level, "n_bootstrap": n_bootstrap, "seed": seed}
    panels = [("All channels", stats.psd_state_summary(psd, **kwargs))]
    posterior = stats.posterior_channels(bandpower)
    if posterior:
        post = stats.psd_state_summary(psd, channels=posterior, **kwargs)
        if not post.empty:
            panels.append((f"Posterior channels (n={len(posterior)})", post))
    fig = figures.plot_psd(panels, bands, baseline=baseline, target=target, ci_level=ci_level)
    alt = (
        f"Group power spectral density per state ({', '.join(t for t, _ in panels)}): mean over "
        f"subjects with {_ci_label(ci_level)} bands; frequency bands shaded."
    )
    parts.append(_img(fig, alt, sink=sink, key="psd"))
    parts.append(
        '<p class="muted">'
        + _esc(
            "Per subject and state, spectra are averaged over channels (and recordings) in linear "
            f"power, then converted to dB; lines are group means and shaded areas "
            f"{_ci_label(ci_level)}s (bootstrap over subjects)."
        )
        + "</p>"
    )
    return "\n".join(parts)


def _topomap_section(
    bandpower: pd.DataFrame,
    info: mne.Info,
    bands: pd.DataFrame,
    *,
    baseline: str,
    target: str,
    clusters: pd.DataFrame | None = None,
    alpha: float = 0.05,
    sink: dict[str, bytes] | None = None,
) -> str:
    from eegstate.stats.clusters import cluster_masks

    parts = ["<h2>4. Scalp topographies and spatial clusters</h2>"]
    means = stats.channel_state_means(bandpower, baseline, target)
    masks = cluster_masks(clusters, alpha) if clusters is not None else None
    fig = (
        figures.plot_topomaps(
            means, info, bands, baseline=baseline, target=target, cluster_channels=masks
        )
        if len(means)
        else None
    )
    alt = (
        f"Topographic maps per band: {baseline} mean, {target} mean (shared dB scale) and "
        f"{target} − {baseline} difference (diverging scale centred at 0); white sensors mark "
        "significant clusters."
    )
    parts.append(_img(fig, alt, sink=sink, key="topomaps"))
    parts.append(
        '<p class="muted">'
        + _esc(
            "State means use every subject with that state; the difference uses subjects with "
            "both states."
        )
        + "</p>"
    )
    if clusters is not None:
        parts.append(_clusters_table(clusters, alpha))
    return "\n".join(parts)


def _clusters_table(clusters: pd.DataFrame, alpha: float) -> str:
    if clusters.empty:
        return '<p class="muted">No suprathreshold cluster in any band.</p>'
    first = clusters.iloc[0]
    text = (
        f"Cluster permutation test over channels per band (mne.stats."
        f"permutation_cluster_1samp_test; channel adjacency from the montage; cluster-forming "
        f"threshold |t| > {float(first['t_threshold']):.2f}, {int(first['n_permutations'])} "
        f"sign-flip permutations, n = {int(first['n_subjects'])}). White sensors on the "
        f"contrast maps belong to clusters with p < {alpha:g}."
    )
    rows = [
        (
            r.band,
            int(r.cluster),
            r.direction,
            int(r.n_channels),
            _plain(r.statistic, 1),
            format_p(float(r.p_value)),
            r.channels,
        )
        for r in clusters.itertuples(index=False)
    ]
    header = ("Band", "Cluster", "Direction", "Channels (n)", "Σt", "p", "Channels")
    numeric = (False, True, False, True, True, True, False)
    return f'<p class="muted">{_esc(text)}</p>' + _table(header, rows, numeric=numeric)


def _paired_section(
    bandpower: pd.DataFrame, bands: pd.DataFrame, *, baseline: str, target: str
) -> str:
    parts = ["<h2>6. Per-subject posterior band power</h2>"]
    posterior = stats.posterior_channels(bandpower)
    label = "Posterior" if posterior else "All-channel"
    paired = stats.posterior_subject_values(bandpower, baseline, target)
    if paired.empty:
        parts.append('<p class="muted">No subject has both states.</p>')
        return "\n".join(parts)
    fig = figures.plot_paired(paired, bands, baseline=baseline, target=target, region_label=label)
    alt = (
        f"Per-subject {label.lower()} band power, one line per subject from {baseline} to "
        f"{target}, for each band; black line is the mean."
    )
    parts.append(_img(fig, alt))
    what = (
        f"{len(posterior)} channels of the parietal and occipital regions"
        if posterior
        else "all channels (no posterior region configured)"
    )
    parts.append(
        '<p class="muted">'
        + _esc(
            f"Power averaged in linear units over {what}; red lines rise, blue lines fall "
            f"from {baseline} to {target}."
        )
        + "</p>"
    )
    if any(_is_gamma(r.band, r.fmin) for r in bands.itertuples(index=False)):
        parts.append(f'<p class="note">{_esc("Gamma band: " + GAMMA_NOTE)}</p>')
    return "\n".join(parts)


def _qc_section(qc: pd.DataFrame) -> str:
    parts = ["<h2>9. Quality control</h2>"]
    if qc is None or qc.empty:
        parts.append('<p class="muted">No QC rows.</p>')
        return "\n".join(parts)
    columns = [str(c) for c in qc.columns]
    excluded = (
        [_is_excluded(v) for v in qc["excluded"]] if "excluded" in qc.columns else [False] * len(qc)
    )
    numeric = [pd.api.types.is_numeric_dtype(qc[c]) for c in qc.columns]
    rows = [list(r) for r in qc.itertuples(index=False, name=None)]
    n_excl = int(sum(excluded))
    parts.append(
        "<p>"
        + _esc(
            f"{len(qc)} recording(s); {n_excl} excluded (highlighted rows, reason in "
            "the 'excluded' column)."
        )
        + "</p>"
    )
    parts.append(
        _table(
            columns,
            rows,
            numeric=numeric,
            row_classes=["excluded" if e else "" for e in excluded],
        )
    )
    return "\n".join(parts)


def _config_section(
    config: Mapping[str, Any] | None, versions: Mapping[str, str], citation: str | None = None
) -> str:
    parts = ["<h2>10. Data citation, configuration and software</h2>"]
    if citation:
        parts.append(f'<p class="citation"><strong>Data:</strong> {_esc(citation)}</p>')
    parts.append(f"<pre>{_esc(config_yaml(config))}</pre>")
    parts.append(_table(("Package", "Version"), list(versions.items())))
    return "\n".join(parts)


def _claims_section(
    claims: pd.DataFrame | None, *, baseline: str, target: str, design_note: str | None
) -> str:
    parts = [f"<h2>1. What the data say: {_esc(target)} vs {_esc(baseline)}</h2>"]
    if design_note:
        parts.append(f'<p class="note">{_esc("Design: " + design_note)}</p>')
    if claims is None or claims.empty:
        parts.append('<p class="muted">Claims were not evaluated (no claims table).</p>')
        return "\n".join(parts)
    items = []
    for row in claims.to_dict("records"):
        verdict = str(row["verdict"])
        items.append(
            f'<li class="claim verdict-{_esc(verdict)}"><strong>'
            f"{_esc(CLAIM_TITLES.get(str(row['claim']), row['claim']))}</strong> — "
            f"{_esc(claim_sentence(row))}</li>"
        )
    parts.append('<ul class="sentences claims">' + "\n".join(items) + "</ul>")
    rows = [
        (
            r.claim,
            r.verdict,
            _text(r.effect, 3),
            f"[{_text(r.ci_low, 3)}, {_text(r.ci_high, 3)}]" if _text(r.ci_low) else "",
            _text(r.p_value, 2),
            int(r.n_subjects),
            r.measure,
            r.caveat,
        )
        for r in claims.itertuples(index=False)
    ]
    header = ("Claim", "Verdict", "Effect", "CI", "p", "n", "Measure", "Caveat")
    numeric = (False, False, True, True, True, True, False, False)
    table = _table(header, rows, numeric=numeric).replace(
        '<div class="scroll"><table>', '<div class="scroll"><table id="claims-table">', 1
    )
    parts.append(table)
    parts.append(
        '<p class="muted">'
        + _esc(
            "Verdicts come from measured numbers only, by the rules documented in "
            "eegstate.stats.verdicts (thresholds from the config sections claims and stats). "
            "Band-power and DMN p-values: Wilcoxon signed-rank, Holm-adjusted over the paired "
            "claims; decoding: subject-aware permutation p. Intervals: percentile bootstrap "
            "over subjects."
        )
        + "</p>"
    )
    return "\n".join(parts)


def _aperiodic_section(
    aperiodic: pd.DataFrame | None,
    *,
    baseline: str,
    target: str,
    site: str,
    min_height_db: float,
    ci_level: float,
    n_bootstrap: int,
    seed: int,
    sink: dict[str, bytes] | None = None,
) -> str:
    from eegstate.stats import paired_contrasts

    parts = ["<h2>5. Aperiodic-adjusted spectra</h2>"]
    if aperiodic is None or aperiodic.empty:
        parts.append('<p class="muted">No spectral parameterisation available.</p>')
        if sink is not None:
            sink["aperiodic"] = figure_png(figures.plot_placeholder("No aperiodic fits."))
        return "\n".join(parts)
    if site not in set(aperiodic["site"]):
        site = str(aperiodic["site"].iloc[0])
    fig = figures.plot_aperiodic(
        aperiodic, site, baseline=baseline, target=target, min_height_db=min_height_db
    )
    alt = (
        f"Per-subject aperiodic exponent, offset and periodic alpha-peak height ({site} "
        f"channels), {baseline} vs {target}."
    )
    parts.append(
        _img(fig, alt, sink=sink, key="aperiodic", missing="No subject has fits in both states.")
    )
    rows = aperiodic[aperiodic["site"] == site].copy()
    present = rows["alpha_present"].astype(str).str.lower() == "true"
    rows["alpha_peak_db"] = rows["alpha_height_db"].where(present, 0.0)
    long = rows.melt(
        id_vars=["subject", "state"],
        value_vars=["exponent", "offset", "alpha_peak_db"],
        var_name="parameter",
    )
    contrast = paired_contrasts(
        long,
        baseline,
        target,
        ["parameter"],
        value="value",
        linear=False,
        ci_level=ci_level,
        n_bootstrap=n_bootstrap,
        seed=seed,
    )
    counts = []
    for state in (baseline, target):
        sub = rows[rows["state"] == state]
        has = sub[sub["alpha_present"].astype(str).str.lower() == "true"]
        counts.append(
            f"{state}: alpha peak in {len(has)}/{len(sub)} recordings"
            + (
                f" (mean {has['alpha_freq'].astype(float).mean():.1f} Hz, "
                f"{has['alpha_height_db'].astype(float).mean():.1f} dB above aperiodic)"
                if len(has)
                else ""
            )
        )
    parts.append(
        "<p>"
        + _esc(
            f"specparam fits (fixed aperiodic mode) of each recording's {site} channel-average "
            f"spectrum; a peak counts as present at >= {min_height_db:g} dB above the aperiodic "
            "fit. " + "; ".join(counts) + "."
        )
        + "</p>"
    )
    table_rows = [
        (
            r.parameter,
            int(r.n_subjects),
            _signed(r.mean, 3),
            f"[{_plain(r.ci_low, 3)}, {_plain(r.ci_high, 3)}]",
            format_p(float(r.p_value)),
        )
        for r in contrast.itertuples(index=False)
    ]
    header = ("Parameter", "n", f"Mean Δ ({target} − {baseline})", _ci_label(ci_level), "p")
    parts.append(_table(header, table_rows, numeric=(False, True, True, True, True)))
    parts.append(
        '<p class="muted">'
        + _esc(
            "A flatter (smaller) exponent or lower offset lowers band power without any change "
            "of the oscillation; a falling peak height above the aperiodic fit is a weaker "
            "oscillation (Donoghue et al. 2020, Nat Neurosci 23:1655). Absent peaks count as "
            "0 dB in the peak-height contrast."
        )
        + "</p>"
    )
    return "\n".join(parts)


def _dmn_section(
    connectivity: pd.DataFrame | None,
    dmn_summary: pd.DataFrame | None,
    *,
    baseline: str,
    target: str,
    band: str,
    metric: str,
    sink: dict[str, bytes] | None = None,
) -> str:
    parts = ["<h2>7. Default-mode-network connectivity</h2>"]
    missing = "DMN connectivity: step not run (connectivity disabled or outputs missing)."
    if connectivity is None or connectivity.empty:
        parts.append(_img(None, "", sink=sink, key="dmn", missing=missing))
        return "\n".join(parts)
    try:
        from eegstate.connectivity.figures import plot_connectivity_matrices, plot_dmn_change
    except ImportError:  # pragma: no cover - the connectivity package ships with eegstate
        parts.append(_img(None, "", sink=sink, key="dmn", missing=missing))
        return "\n".join(parts)
    try:
        matrices = plot_connectivity_matrices(
            connectivity, baseline=baseline, target=target, band=band, metric=metric
        )
    except ValueError as err:
        matrices = None
        missing = f"DMN connectivity matrices not available: {err}."
    alt = f"{band} {metric} node matrices per state and their paired contrast."
    parts.append(_img(matrices, alt, sink=sink, key="dmn", missing=missing))
    if dmn_summary is not None and not dmn_summary.empty:
        try:
            change = plot_dmn_change(
                dmn_summary, baseline=baseline, target=target, band=band, metric=metric
            )
        except ValueError:
            change = None
        parts.append(_img(change, f"Per-subject within-DMN and within-control {metric}."))
    parts.append(
        '<p class="muted">'
        + _esc(
            "Template-head source estimates (centimetre accuracy); EEG connectivity is not fMRI "
            "'DMN activity'. Read the DMN result as a tested hypothesis."
        )
        + "</p>"
    )
    return "\n".join(parts)


def _classification_section(
    summary: Mapping[str, Any] | None,
    predictions: pd.DataFrame | None,
    folds: pd.DataFrame | None,
    *,
    sink: dict[str, bytes] | None = None,
) -> str:
    parts = ["<h2>8. State classification</h2>"]
    if not summary:
        parts.append(
            _img(
                None,
                "",
                sink=sink,
                key="classification",
                missing="Classification: step not run (outputs missing).",
            )
        )
        return "\n".join(parts)
    roc = subjects = None
    try:
        from eegstate.classify import roc_curves, subject_accuracy

        roc = roc_curves(predictions) if predictions is not None and len(predictions) else None
        subjects = subject_accuracy(folds) if folds is not None and len(folds) else None
    except (ImportError, ValueError) as err:
        logger.warning("classification figures not available: %s", err)
    fig = figures.plot_classification(roc, subjects)
    alt = "ROC curves of held-out subjects and per-subject balanced accuracy."
    parts.append(_img(fig, alt, sink=sink, key="classification"))
    items = [
        ("Estimator", summary.get("estimator", "")),
        ("Balanced accuracy (held-out epochs)", _text(summary.get("balanced_accuracy"))),
        ("ROC AUC", _text(summary.get("roc_auc"))),
        ("Permutation p", _text(summary.get("p_value"))),
        ("Permutations", _text(summary.get("n_permutations"))),
        ("Subjects", _text(summary.get("n_subjects"))),
        ("Normalisation", summary.get("normalize", "")),
    ]
    meta = "".join(f"<dt>{_esc(k)}</dt><dd>{_esc(v)}</dd>" for k, v in items)
    parts.append(f'<dl class="meta">{meta}</dl>')
    parts.append(
        '<p class="muted">'
        + _esc(
            "Nested leave-one-subject-out evaluation: every prediction is for a subject the "
            "model never saw. Near-perfect accuracy on real data can signal leakage."
        )
        + "</p>"
    )
    return "\n".join(parts)


# ----------------------------------------------------------------------------- public API


@dataclass(frozen=True)
class GroupResults:
    """Optional results shown in the group report (None: the section says it is missing)."""

    claims: pd.DataFrame | None = None
    stats_regions: pd.DataFrame | None = None
    clusters: pd.DataFrame | None = None
    aperiodic: pd.DataFrame | None = None
    connectivity: pd.DataFrame | None = None
    dmn_summary: pd.DataFrame | None = None
    classification: Mapping[str, Any] | None = None
    classification_predictions: pd.DataFrame | None = None
    classification_folds: pd.DataFrame | None = None
    citation: str | None = None


def _option(config: Mapping[str, Any] | None, section: str, key: str, default: Any) -> Any:
    value = (config or {}).get(section, {}) or {}
    return value.get(key, default) if isinstance(value, Mapping) else default


def build_group_report(
    *,
    bandpower: pd.DataFrame,
    region_bandpower: pd.DataFrame,
    psd: pd.DataFrame,
    qc: pd.DataFrame,
    info: mne.Info,
    baseline: str,
    target: str,
    dataset: str,
    config: Mapping[str, Any] | None,
    seed: int = 0,
    ci_level: float = 0.95,
    n_bootstrap: int = 2000,
    title: str | None = None,
    results: GroupResults | None = None,
    figure_sink: dict[str, bytes] | None = None,
) -> str:
    """Build the group report as one self-contained HTML document.

    Parameters
    ----------
    bandpower : pandas.DataFrame
        Channel band power (:data:`eegstate.tables.BANDPOWER_COLUMNS`).
    region_bandpower : pandas.DataFrame
        Region band power (:data:`eegstate.tables.REGION_BANDPOWER_COLUMNS`).
    psd : pandas.DataFrame
        Spectra (:data:`eegstate.tables.PSD_COLUMNS`).
    qc : pandas.DataFrame
        Quality control, one row per recording (:data:`eegstate.tables.QC_COLUMNS`).
    info : mne.Info
        Info with a montage covering the channels of ``bandpower`` (case-insensitive).
    baseline, target : str
        State labels; contrasts are ``target − baseline``.
    dataset : str
        Dataset name shown in the header.
    config : mapping or None
        Configuration shown as YAML (its ``stats``, ``claims`` options, when present, set the
        significance level, the aperiodic site and the DMN band and metric shown).
    seed : int
        Seed of the bootstraps.
    ci_level : float
        Confidence level of intervals.
    n_bootstrap : int
        Bootstrap resamples over subjects.
    title : str, optional
        Page title; defaults to ``"<dataset>: <target> vs <baseline>"``.
    results : GroupResults, optional
        Claims, statistics, spectral fits, connectivity, classification and the data
        citation; sections whose inputs are missing say so.
    figure_sink : dict, optional
        Filled with the PNG bytes of the main figures (``psd``, ``topomaps``, ``aperiodic``,
        ``dmn``, ``classification``; a placeholder PNG when a figure is not available).

    Returns
    -------
    str
        HTML document (UTF-8 text, images embedded as base64 PNG, no scripts or external
        resources, no timestamps).
    """
    from eegstate.stats.claims import DESIGN_CAVEAT, site_name

    t0 = time.perf_counter()
    if baseline == target:
        raise ValueError("baseline and target states must differ")
    stats._check_columns(bandpower, ("subject", "state", "channel", "region", "band"), "bandpower")
    res = results or GroupResults()
    bandpower = bandpower.copy()
    bandpower["region"] = bandpower["region"].fillna("")
    title = title or f"eegstate group report — {dataset}: {target} vs {baseline}"
    bands = stats.band_table(bandpower)
    coverage = stats.state_coverage(bandpower, baseline, target)
    versions = package_versions()
    boot = {"ci_level": ci_level, "n_bootstrap": n_bootstrap, "seed": seed}
    if res.stats_regions is not None and not res.stats_regions.empty:
        contrast = res.stats_regions
    else:
        contrast = stats.summarise_contrast(region_bandpower, baseline, target, **boot)
    alpha = float(_option(config, "stats", "alpha", 0.05))
    aperiodic_opts = _option(config, "stats", "aperiodic", {}) or {}
    design = DESIGN_CAVEAT if _option(config, "claims", "open_label_fixed_order", False) else None
    sections = [
        _header_section(
            title=title,
            dataset=dataset,
            baseline=baseline,
            target=target,
            bandpower=bandpower,
            coverage=coverage,
            version=versions["eegstate"],
        ),
        _claims_section(res.claims, baseline=baseline, target=target, design_note=design),
        _contrast_section(contrast, bands, baseline=baseline, target=target, **boot),
        _psd_section(
            psd, bandpower, bands, baseline=baseline, target=target, sink=figure_sink, **boot
        ),
        _topomap_section(
            bandpower,
            info,
            bands,
            baseline=baseline,
            target=target,
            clusters=res.clusters,
            alpha=alpha,
            sink=figure_sink,
        ),
        _aperiodic_section(
            res.aperiodic,
            baseline=baseline,
            target=target,
            site=site_name(_option(config, "claims", "alpha_regions", ["parietal", "occipital"])),
            min_height_db=float(aperiodic_opts.get("min_peak_height_db", 1.0)),
            sink=figure_sink,
            **boot,
        ),
        _paired_section(bandpower, bands, baseline=baseline, target=target),
        _dmn_section(
            res.connectivity,
            res.dmn_summary,
            baseline=baseline,
            target=target,
            band=str(_option(config, "claims", "dmn_band", "alpha")),
            metric=str(_option(config, "claims", "dmn_metric", "aec_orth")),
            sink=figure_sink,
        ),
        _classification_section(
            res.classification,
            res.classification_predictions,
            res.classification_folds,
            sink=figure_sink,
        ),
        _qc_section(qc),
        _config_section(config, versions, res.citation),
    ]
    doc = "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{_esc(title)}</title>",
            f"<style>{_CSS}</style>",
            "</head>",
            "<body>",
            *sections,
            "</body>",
            "</html>",
            "",
        ]
    )
    logger.info("Built group report (%d kB) in %.1f s", len(doc) // 1024, time.perf_counter() - t0)
    return doc


def write_group_report(
    path: str | os.PathLike[str],
    *,
    bandpower: pd.DataFrame,
    region_bandpower: pd.DataFrame,
    psd: pd.DataFrame,
    qc: pd.DataFrame,
    info: mne.Info,
    baseline: str,
    target: str,
    dataset: str,
    config: Mapping[str, Any] | None,
    seed: int = 0,
    ci_level: float = 0.95,
    n_bootstrap: int = 2000,
    title: str | None = None,
    results: GroupResults | None = None,
    figure_sink: dict[str, bytes] | None = None,
) -> Path:
    """Build the group report and write it atomically.

    The document is written to a temporary file in the destination directory, flushed to
    disk and moved into place with :func:`os.replace`, so readers never see a partial file.

    Parameters
    ----------
    path : str or os.PathLike
        Destination ``.html`` file; missing parent directories are created.
    bandpower, region_bandpower, psd, qc, info, baseline, target, dataset, config, seed, \
ci_level, n_bootstrap, title, results, figure_sink
        As in :func:`build_group_report`.

    Returns
    -------
    pathlib.Path
        The written path.
    """
    doc = build_group_report(
        bandpower=bandpower,
        region_bandpower=region_bandpower,
        psd=psd,
        qc=qc,
        info=info,
        baseline=baseline,
        target=target,
        dataset=dataset,
        config=config,
        seed=seed,
        ci_level=ci_level,
        n_bootstrap=n_bootstrap,
        title=title,
        results=results,
        figure_sink=figure_sink,
    )
    out = write_text(doc, path)
    logger.info("Wrote group report %s", out)
    return out
