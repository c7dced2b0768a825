"""Per-subject paired values behind the report's paired plots, and their group summaries.

* :func:`subject_changes` (:func:`power_changes`, :func:`aperiodic_changes`,
  :func:`network_changes`) -> ``subject_changes.tsv``: each paired subject's baseline and
  target value of posterior band power, the specparam parameters and within-network
  connectivity;
* :func:`group_changes` -> ``group_changes.tsv``: their group means;
* :func:`aperiodic_contrasts` and :func:`aperiodic_peaks` -> ``aperiodic_contrasts.tsv`` and
  ``aperiodic_peaks.tsv``.

Pure functions (tables in, tables out), used by :mod:`eegstate.stats.summaries`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from eegstate.stats.contrasts import (
    band_table,
    paired_contrasts,
    site_differences,
    value_differences,
)
from eegstate.tables import (
    APERIODIC_CONTRAST_COLUMNS,
    APERIODIC_PEAK_COLUMNS,
    GROUP_CHANGES_COLUMNS,
    SUBJECT_CHANGES_COLUMNS,
)


def empty_table(columns: Sequence[str]) -> pd.DataFrame:
    """An empty table with the given columns (what an absent input summarises to)."""
    return pd.DataFrame(columns=list(columns))


#: Specparam parameters contrasted and plotted per subject (``alpha_peak_db``: the alpha-peak
#: height above the aperiodic fit, 0 dB when no peak is present).
APERIODIC_PARAMETERS: tuple[str, ...] = ("exponent", "offset", "alpha_peak_db")

#: Peak kinds of ``aperiodic.tsv`` summarised per state.
PEAK_KINDS: tuple[str, ...] = ("alpha", "theta", "alpha_slow")

#: Within-network means of ``dmn_summary.tsv`` and their site names in ``subject_changes.tsv``.
NETWORK_COLUMNS: dict[str, str] = {"dmn": "dmn_mean", "control": "control_mean"}


def _change_rows(diffs: pd.DataFrame, measure: str, site: str, band: str) -> pd.DataFrame:
    """``subject, baseline_db, target_db, diff_db`` -> :data:`SUBJECT_CHANGES_COLUMNS` rows."""
    return pd.DataFrame(
        {
            "measure": measure,
            "site": site,
            "band": band,
            "subject": diffs["subject"].astype(str).to_numpy(),
            "baseline": diffs["baseline_db"].to_numpy(dtype=float),
            "target": diffs["target_db"].to_numpy(dtype=float),
            "diff": diffs["diff_db"].to_numpy(dtype=float),
        },
        columns=list(SUBJECT_CHANGES_COLUMNS),
    )


def _aperiodic_values(aperiodic: pd.DataFrame, site: str) -> pd.DataFrame:
    """Rows of one site with ``alpha_peak_db`` (peak height above the fit, 0 without a peak)."""
    rows = aperiodic[aperiodic["site"].astype(str) == site].copy()
    present = rows["alpha_present"].astype(str).str.lower() == "true"
    height = pd.to_numeric(rows["alpha_height_db"], errors="coerce")
    rows["alpha_peak_db"] = height.where(present, 0.0)
    return rows


def aperiodic_site(aperiodic: pd.DataFrame | None, posterior: str) -> str | None:
    """The site whose specparam fits are shown: the posterior site, else the first fitted one."""
    if aperiodic is None or aperiodic.empty:
        return None
    sites = list(dict.fromkeys(aperiodic["site"].astype(str)))
    return posterior if posterior in sites else sites[0]


def _concat_changes(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty_table(SUBJECT_CHANGES_COLUMNS)
    return pd.concat(frames, ignore_index=True)[list(SUBJECT_CHANGES_COLUMNS)]


def power_changes(
    bandpower: pd.DataFrame, baseline: str, target: str, site: tuple[str, Sequence[str]]
) -> pd.DataFrame:
    """Per-subject band power of a channel site, every band (``measure`` ``power_db``).

    Channels are pooled per recording as for the claims
    (:func:`eegstate.stats.contrasts.site_differences`), then recordings per subject and state.

    Parameters
    ----------
    bandpower : pandas.DataFrame
        :data:`eegstate.tables.BANDPOWER_COLUMNS`.
    baseline, target : str
        State labels.
    site : (str, sequence of str)
        Site name and channels (:func:`claim_site`).

    Returns
    -------
    pandas.DataFrame
        :data:`eegstate.tables.SUBJECT_CHANGES_COLUMNS`, bands by frequency.
    """
    name, channels = site
    frames = [
        _change_rows(
            site_differences(bandpower, baseline, target, str(band), list(channels)),
            "power_db",
            name,
            str(band),
        )
        for band in band_table(bandpower)["band"]
    ]
    return _concat_changes(frames)


def aperiodic_changes(
    aperiodic: pd.DataFrame | None, site: str | None, baseline: str, target: str
) -> pd.DataFrame:
    """Per-subject specparam parameters (:data:`APERIODIC_PARAMETERS`) at one site.

    Parameters
    ----------
    aperiodic : pandas.DataFrame or None
        ``aperiodic.tsv``.
    site : str or None
        The site (:func:`aperiodic_site`).
    baseline, target : str
        State labels.

    Returns
    -------
    pandas.DataFrame
        :data:`eegstate.tables.SUBJECT_CHANGES_COLUMNS` (``band`` ""); recordings of a subject
        and state averaged.
    """
    if aperiodic is None or aperiodic.empty or site is None:
        return empty_table(SUBJECT_CHANGES_COLUMNS)
    rows = _aperiodic_values(aperiodic, site)
    frames = [
        _change_rows(value_differences(rows, baseline, target, parameter), parameter, site, "")
        for parameter in APERIODIC_PARAMETERS
    ]
    return _concat_changes(frames)


def network_changes(
    dmn_summary: pd.DataFrame | None,
    baseline: str,
    target: str,
    band: str,
    metrics: Sequence[str],
) -> pd.DataFrame:
    """Per-subject within-DMN and within-control means of a band, per metric.

    Parameters
    ----------
    dmn_summary : pandas.DataFrame or None
        ``dmn_summary.tsv``.
    baseline, target : str
        State labels.
    band : str
        Band (``claims.dmn_band``).
    metrics : sequence of str
        Metrics (``claims.dmn_metric``).

    Returns
    -------
    pandas.DataFrame
        :data:`eegstate.tables.SUBJECT_CHANGES_COLUMNS` (``measure`` the metric, ``site``
        ``dmn`` or ``control``); recordings of a subject and state averaged.
    """
    if dmn_summary is None or dmn_summary.empty:
        return empty_table(SUBJECT_CHANGES_COLUMNS)
    in_band = dmn_summary[dmn_summary["band"] == band]
    frames = []
    for metric in metrics:
        rows = in_band[in_band["metric"] == metric]
        for network, column in NETWORK_COLUMNS.items():
            diffs = value_differences(rows, baseline, target, column)
            frames.append(_change_rows(diffs, metric, network, band))
    return _concat_changes(frames)


def subject_changes(
    bandpower: pd.DataFrame,
    *,
    baseline: str,
    target: str,
    power_site: tuple[str, Sequence[str]],
    aperiodic: pd.DataFrame | None = None,
    fit_site: str | None = None,
    dmn_summary: pd.DataFrame | None = None,
    dmn_band: str = "alpha",
    dmn_metrics: Sequence[str] = (),
) -> pd.DataFrame:
    """Per-subject baseline and target values of every measure the report plots.

    :func:`power_changes` at ``power_site``, :func:`aperiodic_changes` at ``fit_site`` and
    :func:`network_changes` of ``dmn_band`` and ``dmn_metrics``, in that order.

    Parameters
    ----------
    bandpower : pandas.DataFrame
        :data:`eegstate.tables.BANDPOWER_COLUMNS`.
    baseline, target : str
        State labels.
    power_site : (str, sequence of str)
        The posterior site (:func:`claim_site`).
    aperiodic : pandas.DataFrame, optional
        ``aperiodic.tsv``.
    fit_site : str, optional
        Site of the specparam parameters (:func:`aperiodic_site`).
    dmn_summary : pandas.DataFrame, optional
        ``dmn_summary.tsv``.
    dmn_band : str
        Band of the DMN claim.
    dmn_metrics : sequence of str
        Metrics of the DMN claim.

    Returns
    -------
    pandas.DataFrame
        :data:`eegstate.tables.SUBJECT_CHANGES_COLUMNS` (subjects with both states).
    """
    return _concat_changes(
        [
            power_changes(bandpower, baseline, target, power_site),
            aperiodic_changes(aperiodic, fit_site, baseline, target),
            network_changes(dmn_summary, baseline, target, dmn_band, dmn_metrics),
        ]
    )


def group_changes(changes: pd.DataFrame) -> pd.DataFrame:
    """Group means of the per-subject values of :func:`subject_changes`.

    Parameters
    ----------
    changes : pandas.DataFrame
        :data:`eegstate.tables.SUBJECT_CHANGES_COLUMNS`.

    Returns
    -------
    pandas.DataFrame
        :data:`eegstate.tables.GROUP_CHANGES_COLUMNS`, in the order of ``changes``.
    """
    if changes.empty:
        return empty_table(GROUP_CHANGES_COLUMNS)
    out = (
        changes.groupby(["measure", "site", "band"], sort=False)
        .agg(
            n_subjects=("subject", "size"),
            baseline_mean=("baseline", "mean"),
            target_mean=("target", "mean"),
        )
        .reset_index()
    )
    return out[list(GROUP_CHANGES_COLUMNS)]


def aperiodic_contrasts(
    aperiodic: pd.DataFrame | None,
    site: str | None,
    baseline: str,
    target: str,
    *,
    ci_level: float = 0.95,
    n_bootstrap: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """Paired target − baseline contrast of each specparam parameter at one site.

    Parameters
    ----------
    aperiodic : pandas.DataFrame or None
        ``aperiodic.tsv``.
    site : str or None
        The site (:func:`aperiodic_site`).
    baseline, target : str
        State labels.
    ci_level, n_bootstrap, seed
        Bootstrap settings.

    Returns
    -------
    pandas.DataFrame
        :data:`eegstate.tables.APERIODIC_CONTRAST_COLUMNS`; Holm over the parameters.
    """
    if aperiodic is None or aperiodic.empty or site is None:
        return empty_table(APERIODIC_CONTRAST_COLUMNS)
    rows = _aperiodic_values(aperiodic, site)
    long = rows.melt(
        id_vars=["subject", "state"], value_vars=list(APERIODIC_PARAMETERS), var_name="parameter"
    )
    long["value"] = pd.to_numeric(long["value"], errors="coerce")
    long = long[np.isfinite(long["value"].to_numpy(dtype=float))]
    out = paired_contrasts(
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
    if out.empty:
        return empty_table(APERIODIC_CONTRAST_COLUMNS)
    out = out.rename(columns={"mean": "mean_change"}).assign(site=site)
    return out[list(APERIODIC_CONTRAST_COLUMNS)].reset_index(drop=True)


def aperiodic_peaks(aperiodic: pd.DataFrame | None) -> pd.DataFrame:
    """Periodic-peak presence, frequency and height per site, state and peak kind.

    Parameters
    ----------
    aperiodic : pandas.DataFrame or None
        ``aperiodic.tsv``.

    Returns
    -------
    pandas.DataFrame
        :data:`eegstate.tables.APERIODIC_PEAK_COLUMNS`; sites and states by first appearance.
    """
    if aperiodic is None or aperiodic.empty:
        return empty_table(APERIODIC_PEAK_COLUMNS)
    rows = []
    for (site, state), part in aperiodic.groupby(["site", "state"], sort=False):
        for kind in PEAK_KINDS:
            if f"{kind}_present" not in part.columns:
                continue
            present = part[f"{kind}_present"].astype(str).str.lower() == "true"
            has = part[present]
            rows.append(
                {
                    "site": site,
                    "state": state,
                    "peak": kind,
                    "n_recordings": len(part),
                    "n_present": int(present.sum()),
                    "mean_freq": pd.to_numeric(has[f"{kind}_freq"]).mean() if len(has) else np.nan,
                    "mean_height_db": (
                        pd.to_numeric(has[f"{kind}_height_db"]).mean() if len(has) else np.nan
                    ),
                }
            )
    return pd.DataFrame(rows, columns=list(APERIODIC_PEAK_COLUMNS))


__all__ = [
    "APERIODIC_PARAMETERS",
    "NETWORK_COLUMNS",
    "PEAK_KINDS",
    "aperiodic_changes",
    "aperiodic_contrasts",
    "aperiodic_peaks",
    "aperiodic_site",
    "empty_table",
    "group_changes",
    "network_changes",
    "power_changes",
    "subject_changes",
]
