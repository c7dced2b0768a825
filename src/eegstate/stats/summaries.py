"""Group summaries behind the report's figures and sentences (pure: tables in, tables out).

The group report only renders; every number it shows is computed here (or in the other
:mod:`eegstate.stats` modules) and written by the statistics step as a group table:

* :func:`state_coverage` -> ``coverage.tsv`` (who has which state);
* :func:`psd_summary` -> ``psd_summary.tsv`` (group spectra with bootstrap CIs per site);
* :func:`channel_state_means` -> ``channel_means.tsv`` (topomap values per state);
* :mod:`eegstate.stats.changes` -> ``subject_changes.tsv`` and ``group_changes.tsv`` (the
  per-subject paired plots and their group means), ``aperiodic_contrasts.tsv``,
  ``aperiodic_peaks.tsv``;
* :func:`connectivity_summary` -> ``connectivity_summary.tsv`` (DMN matrices);
* :func:`report_summaries` computes all of them from the group tables and the configuration;

Sites are the claims' channel sets (:func:`claim_site`): the posterior site is
``claims.alpha_regions``, the frontal site ``claims.theta_regions``, one definition for the
claims, the statistics and the report.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from eegstate.seeding import derive_seed
from eegstate.settings import StatsStepSettings
from eegstate.stats.changes import (
    aperiodic_contrasts,
    aperiodic_peaks,
    aperiodic_site,
    empty_table,
    group_changes,
    subject_changes,
)
from eegstate.stats.claims import site_name
from eegstate.stats.contrasts import band_table, site_channels
from eegstate.stats.paired import (
    bootstrap_mean_ci,
    check_bootstrap_args,
    check_columns,
    paired_differences,
    subject_state_means,
)
from eegstate.stats.verdicts import stats_settings
from eegstate.tables import (
    APERIODIC_CONTRAST_COLUMNS,
    APERIODIC_PEAK_COLUMNS,
    CHANNEL_MEANS_COLUMNS,
    CLASSIFICATION_ROC_COLUMNS,
    CONNECTIVITY_SUMMARY_COLUMNS,
    COVERAGE_COLUMNS,
    GROUP_CHANGES_COLUMNS,
    PSD_SUMMARY_COLUMNS,
    SUBJECT_CHANGES_COLUMNS,
)

logger = logging.getLogger(__name__)

#: Names of the summary tables (``group/<name>.tsv``), in the order they are written.
SUMMARY_TABLES: dict[str, tuple[str, ...]] = {
    "coverage": COVERAGE_COLUMNS,
    "psd_summary": PSD_SUMMARY_COLUMNS,
    "channel_means": CHANNEL_MEANS_COLUMNS,
    "subject_changes": SUBJECT_CHANGES_COLUMNS,
    "group_changes": GROUP_CHANGES_COLUMNS,
    "aperiodic_contrasts": APERIODIC_CONTRAST_COLUMNS,
    "aperiodic_peaks": APERIODIC_PEAK_COLUMNS,
    "connectivity_summary": CONNECTIVITY_SUMMARY_COLUMNS,
    "classification_roc": CLASSIFICATION_ROC_COLUMNS,
}


def _ordered(values: Any) -> list[Any]:
    return list(dict.fromkeys(values))


def claim_site(bandpower: pd.DataFrame, regions: Sequence[str] | None) -> tuple[str, list[str]]:
    """Name and channels of a claim's channel site, falling back to every channel.

    Parameters
    ----------
    bandpower : pandas.DataFrame
        Table with ``channel`` and ``region``.
    regions : sequence of str or None
        The claim's regions (e.g. ``claims.alpha_regions``); None or empty: every channel.

    Returns
    -------
    name : str
        :func:`eegstate.stats.claims.site_name` of the regions, or ``all`` when no channel lies
        in them.
    channels : list of str
        The site's channels.
    """
    channels = site_channels(bandpower, regions)
    if channels:
        return site_name(regions), channels
    return "all", site_channels(bandpower, None)


def state_coverage(bandpower: pd.DataFrame, baseline: str, target: str) -> pd.DataFrame:
    """Recordings per subject and state, and which subjects have both contrast states.

    Parameters
    ----------
    bandpower : pandas.DataFrame
        Table with ``subject``, ``state`` and ``recording`` (usable recordings).
    baseline, target : str
        State labels.

    Returns
    -------
    pandas.DataFrame
        :data:`eegstate.tables.COVERAGE_COLUMNS`; subjects in order of first appearance, per
        subject the baseline, the target, then other states. A missing baseline or target
        state has a row with ``n_recordings`` 0.
    """
    check_columns(bandpower, ("subject", "state", "recording"), "bandpower")
    recordings = bandpower[["subject", "state", "recording"]].astype(str).drop_duplicates()
    counts = recordings.groupby(["subject", "state"], sort=False).size()
    rows = []
    for subject in _ordered(recordings["subject"]):
        have = counts.loc[subject]
        paired = baseline in have.index and target in have.index
        states = [baseline, target, *(s for s in have.index if s not in (baseline, target))]
        for state in states:
            n = int(have.get(state, 0))
            rows.append({"subject": subject, "state": state, "n_recordings": n, "paired": paired})
    return pd.DataFrame(rows, columns=list(COVERAGE_COLUMNS))


def _match_channels(available: Sequence[object], wanted: Sequence[str]) -> list[object]:
    lookup: dict[str, list[object]] = {}
    for name in available:
        lookup.setdefault(str(name).lower(), []).append(name)
    return _ordered(name for want in wanted for name in lookup.get(str(want).lower(), []))


def _state_spectrum(
    means: pd.DataFrame, *, ci_level: float, n_bootstrap: int, seed: int
) -> pd.DataFrame:
    """Mean over subjects and bootstrap CI per frequency of one state's subject spectra."""
    wide = means.pivot(index="subject", columns="freq", values="psd_db").sort_index(axis=1)
    arr = wide.to_numpy(dtype=float)
    freqs = wide.columns.to_numpy(dtype=float)
    mean, low, high = (np.full(freqs.size, np.nan) for _ in range(3))
    complete = np.all(np.isfinite(arr), axis=0)
    kwargs = {"ci_level": ci_level, "n_bootstrap": n_bootstrap, "seed": seed}
    if complete.any():
        m, lo, hi = bootstrap_mean_ci(arr[:, complete], **kwargs)
        mean[complete], low[complete], high[complete] = m, lo, hi
    for j in np.flatnonzero(~complete):  # frequencies some subjects lack: their own bootstrap
        col = arr[:, j]
        m, lo, hi = bootstrap_mean_ci(col[np.isfinite(col)], **kwargs)
        mean[j], low[j], high[j] = float(m), float(lo), float(hi)
    return pd.DataFrame(
        {
            "freq": freqs,
            "n_subjects": np.sum(np.isfinite(arr), axis=0).astype(int),
            "mean_db": mean,
            "ci_low": low,
            "ci_high": high,
        }
    )


def psd_summary(
    psd: pd.DataFrame,
    sites: Mapping[str, Sequence[str]],
    *,
    ci_level: float = 0.95,
    n_bootstrap: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """Group PSD per site and state: mean over subjects of site-averaged spectra, with CI.

    Per subject and state, the spectra of the site's channels (and of all recordings of that
    state) are averaged in linear power (µV²/Hz) and converted to dB; the group mean and a
    percentile-bootstrap interval over subjects are then taken in dB.

    Parameters
    ----------
    psd : pandas.DataFrame
        :data:`eegstate.tables.PSD_COLUMNS`.
    sites : mapping
        Site name -> channels (matched case-insensitively), e.g. ``{"all": [...],
        "parietal+occipital": [...]}``; sites without a matching channel are left out.
    ci_level, n_bootstrap : float, int
        Bootstrap settings.
    seed : int
        Seed; each site and state uses ``derive_seed(seed, site, state)``.

    Returns
    -------
    pandas.DataFrame
        :data:`eegstate.tables.PSD_SUMMARY_COLUMNS`; sites in the given order, states by
        first appearance, frequencies ascending.
    """
    check_bootstrap_args(ci_level, n_bootstrap)
    check_columns(psd, ("subject", "state", "channel", "freq", "psd_db"), "psd")
    available = _ordered(psd["channel"])
    frames = []
    for site, wanted in sites.items():
        picked = _match_channels(available, list(wanted))
        rows = psd[psd["channel"].isin(picked)]
        if rows.empty:
            continue
        means = subject_state_means(rows, ["freq"], value="psd_db")
        for state in _ordered(means["state"]):
            part = _state_spectrum(
                means[means["state"] == state],
                ci_level=ci_level,
                n_bootstrap=n_bootstrap,
                seed=derive_seed(seed, str(site), str(state)),
            )
            frames.append(part.assign(site=site, n_channels=len(picked), state=state))
    if not frames:
        return empty_table(PSD_SUMMARY_COLUMNS)
    return pd.concat(frames, ignore_index=True)[list(PSD_SUMMARY_COLUMNS)]


def channel_state_means(bandpower: pd.DataFrame) -> pd.DataFrame:
    """Group band power per band × channel × state (means over subjects, in dB).

    Parameters
    ----------
    bandpower : pandas.DataFrame
        :data:`eegstate.tables.BANDPOWER_COLUMNS`.

    Returns
    -------
    pandas.DataFrame
        :data:`eegstate.tables.CHANNEL_MEANS_COLUMNS`; bands by frequency, channels and states
        by first appearance.
    """
    check_columns(bandpower, ("subject", "state", "channel", "band", "power_db"), "bandpower")
    if bandpower.empty:
        return empty_table(CHANNEL_MEANS_COLUMNS)
    means = subject_state_means(bandpower, ["channel", "band"])
    out = (
        means.groupby(["band", "channel", "state"], sort=False)["power_db"]
        .agg(n_subjects="size", mean_db="mean")
        .reset_index()
    )
    bands = band_table(bandpower)
    out = out.merge(bands, on="band", how="left")
    order = {band: i for i, band in enumerate(bands["band"])}
    out = out.sort_values("band", key=lambda s: s.map(order), kind="stable")
    return out[list(CHANNEL_MEANS_COLUMNS)].reset_index(drop=True)


def connectivity_summary(
    connectivity: pd.DataFrame | None, baseline: str, target: str
) -> pd.DataFrame:
    """Group node-pair connectivity per band, metric and state, and the paired change.

    Parameters
    ----------
    connectivity : pandas.DataFrame or None
        ``connectivity.tsv``.
    baseline, target : str
        State labels.

    Returns
    -------
    pandas.DataFrame
        :data:`eegstate.tables.CONNECTIVITY_SUMMARY_COLUMNS` (empty without connectivity);
        bands, metrics and pairs by first appearance.
    """
    if connectivity is None or connectivity.empty:
        return empty_table(CONNECTIVITY_SUMMARY_COLUMNS)
    keys = ["band", "metric", "node_a", "node_b"]
    rows = connectivity[connectivity["state"].isin([baseline, target])].copy()
    rows["value"] = pd.to_numeric(rows["value"], errors="coerce")
    rows = rows[np.isfinite(rows["value"].to_numpy(dtype=float))]
    if rows.empty:
        return empty_table(CONNECTIVITY_SUMMARY_COLUMNS)
    means = subject_state_means(rows, keys, "value", linear=False)
    out = means[keys].drop_duplicates().reset_index(drop=True)
    for role, state in (("baseline", baseline), ("target", target)):
        part = means[means["state"] == state].groupby(keys, sort=False)["value"]
        stats = part.agg(["size", "mean"]).reset_index()
        stats = stats.rename(columns={"size": f"n_{role}", "mean": f"{role}_mean"})
        out = out.merge(stats, on=keys, how="left")
    diffs = paired_differences(means, baseline, target, keys, "value")
    change = diffs.groupby(keys, sort=False)["diff_db"].agg(["size", "mean"]).reset_index()
    change = change.rename(columns={"size": "n_paired", "mean": "mean_change"})
    out = out.merge(change, on=keys, how="left")
    for column in ("n_baseline", "n_target", "n_paired"):
        out[column] = out[column].fillna(0).astype(int)
    return out[list(CONNECTIVITY_SUMMARY_COLUMNS)]


def _roc_table(predictions: pd.DataFrame | None) -> pd.DataFrame:
    if predictions is None or predictions.empty:
        return empty_table(CLASSIFICATION_ROC_COLUMNS)
    from eegstate.classify import roc_curves

    out = roc_curves(predictions.astype({"subject": str}))
    return out[list(CLASSIFICATION_ROC_COLUMNS)]


def report_summaries(
    *,
    bandpower: pd.DataFrame,
    psd: pd.DataFrame,
    config: StatsStepSettings | Mapping[str, Any],
    aperiodic: pd.DataFrame | None = None,
    dmn_summary: pd.DataFrame | None = None,
    connectivity: pd.DataFrame | None = None,
    predictions: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """Every summary table of the group report (:data:`SUMMARY_TABLES`).

    Parameters
    ----------
    bandpower : pandas.DataFrame
        ``bandpower.tsv``.
    psd : pandas.DataFrame
        ``psd.tsv``.
    config : eegstate.settings.StatsStepSettings or mapping
        States, seed, bootstrap settings, ``claims`` regions, DMN band and metrics (a
        validated configuration mapping is built into the settings object).
    aperiodic, dmn_summary, connectivity, predictions : pandas.DataFrame, optional
        ``aperiodic.tsv``, ``dmn_summary.tsv``, ``connectivity.tsv`` and
        ``classification_predictions.tsv`` (None: that step did not run).

    Returns
    -------
    dict
        Table name -> table, keys and columns as in :data:`SUMMARY_TABLES`.
    """
    st = stats_settings(config)
    baseline, target, seed = st.baseline, st.target, st.seed
    boot = {"ci_level": st.report.ci_level, "n_bootstrap": st.report.n_bootstrap}
    claims = st.claims
    posterior = claim_site(bandpower, claims.alpha_regions)
    sites = {"all": site_channels(bandpower, None), posterior[0]: posterior[1]}
    fit_site = aperiodic_site(aperiodic, posterior[0])
    metrics = list(claims.dmn_metrics)
    changes = subject_changes(
        bandpower,
        baseline=baseline,
        target=target,
        power_site=posterior,
        aperiodic=aperiodic,
        fit_site=fit_site,
        dmn_summary=dmn_summary,
        dmn_band=claims.dmn_band,
        dmn_metrics=metrics,
    )
    tables = {
        "coverage": state_coverage(bandpower, baseline, target),
        "psd_summary": psd_summary(psd, sites, seed=derive_seed(seed, "summaries", "psd"), **boot),
        "channel_means": channel_state_means(bandpower[bandpower["channel"].astype(str) != ""]),
        "subject_changes": changes,
        "group_changes": group_changes(changes),
        "aperiodic_contrasts": aperiodic_contrasts(
            aperiodic,
            fit_site,
            baseline,
            target,
            seed=derive_seed(seed, "summaries", "aperiodic"),
            **boot,
        ),
        "aperiodic_peaks": aperiodic_peaks(aperiodic),
        "connectivity_summary": connectivity_summary(connectivity, baseline, target),
        "classification_roc": _roc_table(predictions),
    }
    for name, table in tables.items():
        logger.debug("summary %s: %d rows", name, len(table))
    return tables


__all__ = [
    "SUMMARY_TABLES",
    "channel_state_means",
    "claim_site",
    "connectivity_summary",
    "psd_summary",
    "report_summaries",
    "state_coverage",
]
