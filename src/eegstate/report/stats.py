"""Descriptive group summaries for the report: per-subject means, paired contrasts, bootstraps.

Everything here is descriptive (means and percentile-bootstrap intervals over subjects); formal
inference lives elsewhere. Recordings of the same subject and state are averaged in linear
power before any dB value is used, so every subject counts once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

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


def _check_columns(df: pd.DataFrame, required: Iterable[str], name: str) -> None:
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise ValueError(f"{name} is missing column(s): {', '.join(missing)}")


def _check_bootstrap_args(ci_level: float, n_bootstrap: int) -> None:
    if not 0.0 < float(ci_level) < 1.0:
        raise ValueError(f"ci_level must be in (0, 1), got {ci_level!r}")
    if int(n_bootstrap) < 1:
        raise ValueError(f"n_bootstrap must be >= 1, got {n_bootstrap!r}")


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


def band_table(df: pd.DataFrame) -> pd.DataFrame:
    """Return the distinct bands of a band-power table, ordered by lower edge.

    Parameters
    ----------
    df : pandas.DataFrame
        Table with columns ``band``, ``fmin`` and ``fmax``.

    Returns
    -------
    pandas.DataFrame
        One row per band with columns ``band``, ``fmin``, ``fmax``.
    """
    _check_columns(df, ("band", "fmin", "fmax"), "band-power table")
    bands = df.groupby("band", sort=False)[["fmin", "fmax"]].first().reset_index()
    return bands.sort_values(["fmin", "fmax", "band"], kind="stable").reset_index(drop=True)


def _ordered_unique(values: Iterable[object]) -> list[object]:
    return list(dict.fromkeys(values))


def subject_state_means(
    df: pd.DataFrame, keys: Sequence[str], value: str = "power_db"
) -> pd.DataFrame:
    """Average a dB column per subject × state × ``keys``, in linear power.

    Parameters
    ----------
    df : pandas.DataFrame
        Tidy table with ``subject``, ``state``, the ``keys`` columns and ``value`` (in dB).
    keys : sequence of str
        Further grouping columns (e.g. ``["region", "band"]``).
    value : str
        Name of the dB column to average.

    Returns
    -------
    pandas.DataFrame
        Columns ``subject``, ``state``, ``*keys``, ``value`` and ``n_recordings``.
    """
    by = ["subject", "state", *keys]
    _check_columns(df, (*by, value), "table")
    work = df[by].copy()
    work["_lin"] = np.power(10.0, df[value].to_numpy(dtype=float) / 10.0)
    grouped = work.groupby(by, sort=False, dropna=False)
    out = grouped["_lin"].mean().reset_index()
    out[value] = 10.0 * np.log10(out.pop("_lin").to_numpy(dtype=float))
    out["n_recordings"] = grouped.size().to_numpy()
    return out


def bootstrap_mean_ci(
    values: np.ndarray, *, ci_level: float = 0.95, n_bootstrap: int = 2000, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean over axis 0 with a percentile-bootstrap confidence interval.

    Observations (rows, typically subjects) are resampled with replacement using
    ``numpy.random.default_rng(seed)``; the same seed and number of rows give the same
    resamples, so intervals are reproducible.

    Parameters
    ----------
    values : numpy.ndarray
        Array of shape ``(n,)`` or ``(n, m)``, without NaN.
    ci_level : float
        Confidence level in (0, 1).
    n_bootstrap : int
        Number of bootstrap resamples.
    seed : int
        Seed of the random generator.

    Returns
    -------
    mean, ci_low, ci_high : numpy.ndarray
        Arrays of shape ``values.shape[1:]`` (0-d for 1-D input). NaN when ``n == 0``; a
        single observation gives a degenerate interval equal to it.
    """
    _check_bootstrap_args(ci_level, n_bootstrap)
    arr = np.asarray(values, dtype=float)
    n = arr.shape[0]
    tail = arr.shape[1:]
    if n == 0:
        nan = np.full(tail, np.nan)
        return nan, nan.copy(), nan.copy()
    mean = arr.mean(axis=0)
    if n == 1:
        return mean, mean.copy(), mean.copy()
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(int(n_bootstrap), n))
    # Resample counts per observation: the bootstrap means become one matrix product,
    # which keeps memory at n_bootstrap x m instead of n_bootstrap x n x m.
    counts = np.zeros((int(n_bootstrap), n))
    np.add.at(counts, (np.arange(int(n_bootstrap))[:, None], idx), 1.0)
    boot = counts @ arr.reshape(n, -1) / n
    alpha = (1.0 - float(ci_level)) / 2.0
    low, high = np.quantile(boot, [alpha, 1.0 - alpha], axis=0)
    return mean, low.reshape(tail), high.reshape(tail)


def paired_differences(
    subject_means: pd.DataFrame,
    baseline: str,
    target: str,
    keys: Sequence[str],
    value: str = "power_db",
) -> pd.DataFrame:
    """Pair each subject's baseline and target values and take target − baseline.

    Parameters
    ----------
    subject_means : pandas.DataFrame
        Output of :func:`subject_state_means` (one row per subject × state × keys).
    baseline, target : str
        State labels.
    keys : sequence of str
        Grouping columns besides subject and state.
    value : str
        Column holding dB values.

    Returns
    -------
    pandas.DataFrame
        Columns ``*keys``, ``subject``, ``baseline_db``, ``target_db``, ``diff_db``; only
        subjects × keys with both states.
    """
    base = subject_means.loc[subject_means["state"] == baseline, [*keys, "subject", value]]
    targ = subject_means.loc[subject_means["state"] == target, [*keys, "subject", value]]
    merged = base.merge(targ, on=[*keys, "subject"], suffixes=("_b", "_t"), how="inner")
    merged = merged.rename(columns={f"{value}_b": "baseline_db", f"{value}_t": "target_db"})
    merged["diff_db"] = merged["target_db"] - merged["baseline_db"]
    return merged.reset_index(drop=True)


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
    if baseline == target:
        raise ValueError("baseline and target states must differ")
    _check_columns(
        region_bandpower, ("subject", "state", "region", "band", "power_db"), "region_bandpower"
    )
    df = region_bandpower[region_bandpower["state"].isin([baseline, target])]
    df = df[df["region"].notna() & (df["region"].astype(str) != "")]
    if df.empty:
        logger.warning("No %r/%r rows in region band power: empty contrast", baseline, target)
        return pd.DataFrame(columns=list(CONTRAST_COLUMNS))
    means = subject_state_means(df, ["region", "band"])
    diffs = paired_differences(means, baseline, target, ["region", "band"])

    regions = _ordered_unique(df["region"])
    if {"fmin", "fmax"} <= set(df.columns):
        bands = list(band_table(df)["band"])
    else:
        bands = _ordered_unique(df["band"])
    rows = []
    grouped = {key: grp for key, grp in diffs.groupby(["band", "region"], sort=False)}
    for band in bands:
        for region in regions:
            grp = grouped.get((band, region))
            if grp is None:
                continue
            d = grp["diff_db"].to_numpy(dtype=float)
            mean, low, high = bootstrap_mean_ci(
                d, ci_level=ci_level, n_bootstrap=n_bootstrap, seed=seed
            )
            rows.append(
                {
                    "region": region,
                    "band": band,
                    "n_subjects": int(d.size),
                    "mean_db": float(mean),
                    "ci_low": float(low),
                    "ci_high": float(high),
                    "n_decrease": int(np.sum(d < 0)),
                    "n_increase": int(np.sum(d > 0)),
                }
            )
    if not rows:
        logger.warning("No subject has both %r and %r recordings: empty contrast", baseline, target)
    return pd.DataFrame(rows, columns=list(CONTRAST_COLUMNS))


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
