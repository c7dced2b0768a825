"""Descriptive group summaries for the report: per-subject means, paired contrasts, bootstraps.

Everything here is descriptive (means and percentile-bootstrap intervals over subjects); the
generic paired helpers live in :mod:`eegstate.stats.paired` and formal inference in
:mod:`eegstate.stats`. Recordings of the same subject and state are averaged in linear
power before any dB value is used, so every subject counts once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from eegstate.stats.contrasts import band_table, region_contrasts
from eegstate.stats.paired import bootstrap_mean_ci, paired_differences, subject_state_means
from eegstate.stats.paired import check_bootstrap_args as _check_bootstrap_args
from eegstate.stats.paired import check_columns as _check_columns

logger = logging.getLogger(__name__)

__all__ = [
    "CONTRAST_COLUMNS",
    "PSD_SUMMARY_COLUMNS",
    "band_table",
    "bootstrap_mean_ci",
    "channel_state_means",
    "is_posterior",
    "paired_differences",
    "posterior_channels",
    "posterior_subject_values",
    "psd_state_summary",
    "state_coverage",
    "subject_state_means",
    "summarise_contrast",
]

#: Lower-case substrings that mark a region as posterior (parietal / occipital).
POSTERIOR_KEYWORDS: tuple[str, ...] = ("pariet", "occip", "posterior")

CONTRAST_COLUMNS: tuple[str, ...] = (
    "region",
    "band",
    "n_subjects",
    "mean_db",
    "ci_low",
    "ci_high",
    "n_decrease",
    "n_increase",
)
PSD_SUMMARY_COLUMNS: tuple[str, ...] = (
    "state",
    "freq",
    "mean_db",
    "ci_low",
    "ci_high",
    "n_subjects",
)


def is_posterior(region: object) -> bool:
    """Return whether a region name denotes a posterior (parietal or occipital) region.

    Parameters
    ----------
    region : object
        Region label; compared case-insensitively against :data:`POSTERIOR_KEYWORDS`.

    Returns
    -------
    bool
        True for names such as ``"occipital"``, ``"Parietal"`` or ``"posterior"``.
    """
    name = str(region).lower()
    return any(key in name for key in POSTERIOR_KEYWORDS)


def _ordered_unique(values: Iterable[object]) -> list[object]:
    return list(dict.fromkeys(values))


def state_coverage(df: pd.DataFrame, baseline: str, target: str) -> pd.DataFrame:
    """Tell, per subject, whether baseline and target recordings exist.

    Parameters
    ----------
    df : pandas.DataFrame
        Table with ``subject`` and ``state`` columns.
    baseline, target : str
        State labels.

    Returns
    -------
    pandas.DataFrame
        Columns ``subject``, ``has_baseline``, ``has_target``, ``paired`` in order of first
        appearance.
    """
    _check_columns(df, ("subject", "state"), "table")
    subjects = _ordered_unique(df["subject"])
    states = df.groupby("subject", sort=False)["state"].agg(lambda s: set(s))
    rows = []
    for subject in subjects:
        have = states.loc[subject]
        rows.append(
            {
                "subject": subject,
                "has_baseline": baseline in have,
                "has_target": target in have,
            }
        )
    out = pd.DataFrame(rows, columns=["subject", "has_baseline", "has_target"])
    out["paired"] = out["has_baseline"] & out["has_target"]
    return out


def summarise_contrast(
    region_bandpower: pd.DataFrame,
    baseline: str,
    target: str,
    *,
    ci_level: float = 0.95,
    n_bootstrap: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """Summarise the within-subject target − baseline band-power difference per region × band.

    Recordings of one subject in one state are first averaged in linear power. Only subjects
    with both states enter the contrast. The interval is a percentile bootstrap of the mean
    difference over subjects (``numpy.random.default_rng(seed)``, same resamples for every
    region × band with the same number of subjects).

    Parameters
    ----------
    region_bandpower : pandas.DataFrame
        Table with :data:`eegstate.tables.REGION_BANDPOWER_COLUMNS`.
    baseline, target : str
        State labels; the difference is ``target − baseline``.
    ci_level : float
        Confidence level of the interval.
    n_bootstrap : int
        Bootstrap resamples over subjects.
    seed : int
        Random seed.

    Returns
    -------
    pandas.DataFrame
        Columns ``region``, ``band``, ``n_subjects``, ``mean_db``, ``ci_low``, ``ci_high``,
        ``n_decrease``, ``n_increase``; bands ordered by frequency, regions by first
        appearance.
    """
    _check_bootstrap_args(ci_level, n_bootstrap)
    out = region_contrasts(
        region_bandpower, baseline, target, ci_level=ci_level, n_bootstrap=n_bootstrap, seed=seed
    )
    if out.empty:
        logger.warning("No subject has both %r and %r: empty contrast", baseline, target)
    return out.reset_index(drop=True)[list(CONTRAST_COLUMNS)]


def _match_channels(available: Iterable[object], wanted: Iterable[str]) -> list[object]:
    lookup: dict[str, list[object]] = {}
    for name in available:
        lookup.setdefault(str(name).lower(), []).append(name)
    out: list[object] = []
    for name in wanted:
        out.extend(lookup.get(str(name).lower(), []))
    return _ordered_unique(out)


def psd_state_summary(
    psd: pd.DataFrame,
    *,
    ci_level: float = 0.95,
    n_bootstrap: int = 2000,
    seed: int = 0,
    channels: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Group PSD per state: mean over subjects of channel-averaged spectra, with bootstrap CI.

    Per subject and state, the spectra of the selected channels (and of all recordings of that
    state) are averaged in linear power (µV²/Hz) and converted to dB; the group mean and a
    percentile-bootstrap interval over subjects are then taken in dB.

    Parameters
    ----------
    psd : pandas.DataFrame
        Table with :data:`eegstate.tables.PSD_COLUMNS`.
    ci_level : float
        Confidence level of the interval.
    n_bootstrap : int
        Bootstrap resamples over subjects.
    seed : int
        Random seed (``numpy.random.default_rng``).
    channels : sequence of str, optional
        Channels to average (matched case-insensitively); all channels when None.

    Returns
    -------
    pandas.DataFrame
        Columns ``state``, ``freq``, ``mean_db``, ``ci_low``, ``ci_high``, ``n_subjects``;
        one row per state × frequency, states by first appearance, frequencies ascending.
    """
    _check_bootstrap_args(ci_level, n_bootstrap)
    _check_columns(psd, ("subject", "state", "channel", "freq", "psd_db"), "psd")
    df = psd
    if channels is not None:
        picked = _match_channels(df["channel"].unique(), channels)
        df = df[df["channel"].isin(picked)]
    if df.empty:
        return pd.DataFrame(columns=list(PSD_SUMMARY_COLUMNS))
    means = subject_state_means(df, ["freq"], value="psd_db")
    frames = []
    for state in _ordered_unique(means["state"]):
        wide = means[means["state"] == state].pivot(
            index="subject", columns="freq", values="psd_db"
        )
        wide = wide.sort_index(axis=1)
        arr = wide.to_numpy(dtype=float)
        freqs = wide.columns.to_numpy(dtype=float)
        mean = np.full(freqs.size, np.nan)
        low = np.full(freqs.size, np.nan)
        high = np.full(freqs.size, np.nan)
        count = np.sum(np.isfinite(arr), axis=0)
        complete = np.all(np.isfinite(arr), axis=0)
        if complete.any():
            m, lo, hi = bootstrap_mean_ci(
                arr[:, complete], ci_level=ci_level, n_bootstrap=n_bootstrap, seed=seed
            )
            mean[complete], low[complete], high[complete] = m, lo, hi
        for j in np.flatnonzero(~complete):  # frequencies some subjects lack: own bootstrap
            col = arr[:, j]
            m, lo, hi = bootstrap_mean_ci(
                col[np.isfinite(col)], ci_level=ci_level, n_bootstrap=n_bootstrap, seed=seed
            )
            mean[j], low[j], high[j] = float(m), float(lo), float(hi)
        frames.append(
            pd.DataFrame(
                {
                    "state": state,
                    "freq": freqs,
                    "mean_db": mean,
                    "ci_low": low,
                    "ci_high": high,
                    "n_subjects": count.astype(int),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)[list(PSD_SUMMARY_COLUMNS)]


def posterior_channels(bandpower: pd.DataFrame) -> list[str]:
    """Return the channels of ``bandpower`` that lie in a posterior region.

    Parameters
    ----------
    bandpower : pandas.DataFrame
        Table with ``channel`` and ``region`` columns.

    Returns
    -------
    list of str
        Channel names in order of first appearance (empty if no posterior region exists).
    """
    _check_columns(bandpower, ("channel", "region"), "bandpower")
    mask = bandpower["region"].fillna("").map(is_posterior).astype(bool)
    return [str(c) for c in _ordered_unique(bandpower.loc[mask, "channel"])]


def channel_state_means(bandpower: pd.DataFrame, baseline: str, target: str) -> pd.DataFrame:
    """Group means per channel × band for the topomaps.

    Parameters
    ----------
    bandpower : pandas.DataFrame
        Table with :data:`eegstate.tables.BANDPOWER_COLUMNS`.
    baseline, target : str
        State labels.

    Returns
    -------
    pandas.DataFrame
        Columns ``channel``, ``band``, ``baseline_db`` and ``target_db`` (means over all
        subjects having that state) and ``diff_db`` (mean target − baseline over subjects
        having both).
    """
    df = bandpower[bandpower["state"].isin([baseline, target])]
    means = subject_state_means(df, ["channel", "band"])
    keys = ["channel", "band"]
    state_mean = means.groupby(["state", *keys], sort=False)["power_db"].mean()
    out = pd.DataFrame(index=pd.MultiIndex.from_frame(means[keys].drop_duplicates()))
    for label, state in (("baseline_db", baseline), ("target_db", target)):
        if state in state_mean.index.get_level_values(0):
            out[label] = state_mean.loc[state].reindex(out.index).to_numpy()
        else:
            out[label] = np.nan
    diffs = paired_differences(means, baseline, target, keys)
    out["diff_db"] = diffs.groupby(keys, sort=False)["diff_db"].mean().reindex(out.index)
    return out.reset_index()


def posterior_subject_values(bandpower: pd.DataFrame, baseline: str, target: str) -> pd.DataFrame:
    """Per-subject posterior band power (channels of posterior regions, linear average).

    Parameters
    ----------
    bandpower : pandas.DataFrame
        Table with :data:`eegstate.tables.BANDPOWER_COLUMNS`.
    baseline, target : str
        State labels.

    Returns
    -------
    pandas.DataFrame
        Output of :func:`paired_differences` keyed by ``band`` (paired subjects only). Uses all
        channels when no posterior region is present.
    """
    chans = posterior_channels(bandpower)
    df = bandpower[bandpower["state"].isin([baseline, target])]
    if chans:
        df = df[df["channel"].isin(chans)]
    means = subject_state_means(df, ["band"])
    return paired_differences(means, baseline, target, ["band"])
