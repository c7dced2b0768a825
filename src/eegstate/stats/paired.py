"""Paired within-subject statistics: subject means, differences, bootstrap CI, Wilcoxon, Holm.

The building blocks of every target − baseline contrast in eegstate:

* :func:`subject_state_means` averages recordings of one subject and state (in linear power
  for dB values), so every subject counts once;
* :func:`paired_differences` pairs each subject's baseline and target values;
* :func:`bootstrap_mean_ci` is the percentile bootstrap of the mean over subjects (seeded);
* :func:`signed_rank_p` / :func:`wilcoxon_p` is the two-sided Wilcoxon signed-rank test
  (exact conditional distribution up to 50 pairs, ties included; SciPy's normal
  approximation above);
* :func:`holm_adjust` is Holm's (1979) step-down family-wise correction;
* :func:`summarise_differences` combines them for one or many columns of differences.

All functions are pure (arrays or DataFrames in, arrays or DataFrames out).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

#: Columns of :func:`summarise_differences`.
SUMMARY_COLUMNS: tuple[str, ...] = (
    "n_subjects",
    "mean",
    "ci_low",
    "ci_high",
    "n_decrease",
    "n_increase",
    "statistic",
    "p_value",
)


def check_columns(df: pd.DataFrame, required: Iterable[str], name: str) -> None:
    """Raise ValueError naming the columns of ``required`` that ``df`` lacks.

    Parameters
    ----------
    df : pandas.DataFrame
        Table to check.
    required : iterable of str
        Column names.
    name : str
        Name of the table in the message.
    """
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise ValueError(f"{name} is missing column(s): {', '.join(missing)}")


def check_bootstrap_args(ci_level: float, n_bootstrap: int) -> None:
    """Raise ValueError unless ``0 < ci_level < 1`` and ``n_bootstrap >= 1``."""
    if not 0.0 < float(ci_level) < 1.0:
        raise ValueError(f"ci_level must be in (0, 1), got {ci_level!r}")
    if int(n_bootstrap) < 1:
        raise ValueError(f"n_bootstrap must be >= 1, got {n_bootstrap!r}")


def subject_state_means(
    df: pd.DataFrame, keys: Sequence[str], value: str = "power_db", *, linear: bool = True
) -> pd.DataFrame:
    """Average a column per subject × state × ``keys``.

    Parameters
    ----------
    df : pandas.DataFrame
        Tidy table with ``subject``, ``state``, the ``keys`` columns and ``value``.
    keys : sequence of str
        Further grouping columns (e.g. ``["region", "band"]``).
    value : str
        Name of the column to average.
    linear : bool
        True when ``value`` is in dB: the mean is taken in linear power and converted back.
        False averages the values as they are (e.g. connectivity).

    Returns
    -------
    pandas.DataFrame
        Columns ``subject``, ``state``, ``*keys``, ``value`` and ``n_recordings``.
    """
    by = ["subject", "state", *keys]
    check_columns(df, (*by, value), "table")
    work = df[by].copy()
    values = df[value].to_numpy(dtype=float)
    work["_v"] = np.power(10.0, values / 10.0) if linear else values
    grouped = work.groupby(by, sort=False, dropna=False)
    out = grouped["_v"].mean().reset_index()
    mean = out.pop("_v").to_numpy(dtype=float)
    out[value] = 10.0 * np.log10(mean) if linear else mean
    out["n_recordings"] = grouped.size().to_numpy()
    return out


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
        Column holding the values.

    Returns
    -------
    pandas.DataFrame
        Columns ``*keys``, ``subject``, ``baseline_db``, ``target_db``, ``diff_db`` (named
        ``_db`` whatever the unit); only subjects × keys with both states.
    """
    base = subject_means.loc[subject_means["state"] == baseline, [*keys, "subject", value]]
    targ = subject_means.loc[subject_means["state"] == target, [*keys, "subject", value]]
    merged = base.merge(targ, on=[*keys, "subject"], suffixes=("_b", "_t"), how="inner")
    merged = merged.rename(columns={f"{value}_b": "baseline_db", f"{value}_t": "target_db"})
    merged["diff_db"] = merged["target_db"] - merged["baseline_db"]
    return merged.reset_index(drop=True)


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
    check_bootstrap_args(ci_level, n_bootstrap)
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
    if arr.ndim == 1:
        boot = arr[idx].mean(axis=1)[:, None]
    else:
        # Resample counts per observation: the bootstrap means become one matrix product,
        # which keeps memory at n_bootstrap x m instead of n_bootstrap x n x m.
        counts = np.zeros((int(n_bootstrap), n))
        np.add.at(counts, (np.arange(int(n_bootstrap))[:, None], idx), 1.0)
        boot = counts @ arr.reshape(n, -1) / n
    alpha = (1.0 - float(ci_level)) / 2.0
    low, high = np.quantile(boot, [alpha, 1.0 - alpha], axis=0)
    return mean, low.reshape(tail), high.reshape(tail)


#: Up to this many non-zero differences the signed-rank p-value is exact (as in SciPy).
EXACT_SIGNED_RANK_MAX_N = 50


def signed_rank_p(differences: np.ndarray) -> tuple[float, float]:
    """Two-sided Wilcoxon signed-rank test of paired differences, exact up to 50 pairs.

    Zeros are dropped (Wilcoxon's method), magnitudes get mid-ranks, and the p-value is the
    exact conditional null distribution of the positive-rank sum given those ranks (every
    sign pattern equally likely), ``p = min(1, 2 min(P(W+ <= w), P(W+ >= w)))``. Without ties
    this is SciPy's exact distribution; with ties and up to 13 pairs it equals SciPy's
    permutation test (``scipy.stats.wilcoxon(method="auto")``). It is written here because
    SciPy has no fast exact path with ties: it runs ``permutation_test`` (about 2 s per call at
    12 pairs) or, from 14 pairs, switches to the normal approximation, while the power
    analysis resamples subjects with replacement, which creates ties in every replicate. The
    distribution is computed by convolution over the doubled (integer) mid-ranks. Above
    :data:`EXACT_SIGNED_RANK_MAX_N` pairs SciPy's normal approximation (tie- and
    continuity-corrected) is used.

    Parameters
    ----------
    differences : numpy.ndarray, shape (n,)
        Paired differences (target - baseline), without NaN.

    Returns
    -------
    statistic, p_value : float
        ``min(W+, W-)`` and the two-sided p-value; ``(0.0, 1.0)`` when every difference is 0,
        NaN when fewer than 2 differences are given.
    """
    from scipy.stats import rankdata, wilcoxon

    d = np.asarray(differences, dtype=float).ravel()
    if d.size < 2:
        return float("nan"), float("nan")
    nonzero = d[d != 0]
    n = nonzero.size
    if n == 0:
        return 0.0, 1.0
    if n > EXACT_SIGNED_RANK_MAX_N:
        res = wilcoxon(d, alternative="two-sided")
        return float(res.statistic), float(res.pvalue)
    ranks2 = np.rint(2.0 * rankdata(np.abs(nonzero))).astype(np.int64)
    counts = np.zeros(int(ranks2.sum()) + 1)
    counts[0] = 1.0
    for r in ranks2:  # each pair adds its rank with sign + (shift) or - (stay)
        counts[r:] = counts[r:] + counts[:-r].copy()
    observed = int(ranks2[nonzero > 0].sum())
    probs = counts / counts.sum()
    p = min(1.0, 2.0 * min(probs[: observed + 1].sum(), probs[observed:].sum()))
    w_plus = observed / 2.0
    return float(min(w_plus, ranks2.sum() / 2.0 - w_plus)), float(p)


def wilcoxon_p(differences: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided Wilcoxon signed-rank test of paired differences against zero, per column.

    See :func:`signed_rank_p` (exact up to 50 non-zero differences, ties included).

    Parameters
    ----------
    differences : numpy.ndarray
        Shape ``(n,)`` or ``(n, m)``: one row per subject.

    Returns
    -------
    statistic, p_value : numpy.ndarray
        Shape ``differences.shape[1:]``. NaN for columns with fewer than 2 subjects; a column
        whose differences are all zero gets statistic 0 and p = 1.
    """
    arr = np.asarray(differences, dtype=float)
    flat = arr.reshape(arr.shape[0], -1)
    stat = np.full(flat.shape[1], np.nan)
    p = np.full(flat.shape[1], np.nan)
    for j in range(flat.shape[1]):
        stat[j], p[j] = signed_rank_p(flat[:, j])
    return stat.reshape(arr.shape[1:]), p.reshape(arr.shape[1:])


def min_wilcoxon_p(n: int) -> float:
    """Smallest two-sided p-value the exact Wilcoxon signed-rank test can give with ``n`` pairs.

    Parameters
    ----------
    n : int
        Number of non-zero paired differences.

    Returns
    -------
    float
        ``2 / 2**n`` (all differences of one sign), capped at 1.
    """
    return min(1.0, 2.0 / 2.0 ** int(n)) if n > 0 else 1.0


def holm_adjust(p_values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values (family-wise error control).

    Holm S. A simple sequentially rejective multiple test procedure. Scand J Stat
    6:65-70, 1979. With the ``m`` finite p-values sorted ascending, the ``i``-th (1-based)
    adjusted value is ``max_{j <= i} min(1, (m - j + 1) p_(j))``. Rejecting where the
    adjusted value is below ``alpha`` is Holm's procedure at level ``alpha``.

    Parameters
    ----------
    p_values : array-like
        Raw p-values; NaN entries are not counted in the family and stay NaN.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values, same shape and order as the input.
    """
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    flat = p.ravel()
    finite = np.flatnonzero(np.isfinite(flat))
    m = finite.size
    if m == 0:
        return out
    order = finite[np.argsort(flat[finite], kind="stable")]
    scaled = np.minimum(1.0, (m - np.arange(m)) * flat[order])
    adjusted = np.maximum.accumulate(scaled)
    out_flat = out.ravel()
    out_flat[order] = adjusted
    return out_flat.reshape(p.shape)


def summarise_differences(
    differences: np.ndarray, *, ci_level: float, n_bootstrap: int, seed: int
) -> pd.DataFrame:
    """Mean, bootstrap CI, sign counts and Wilcoxon test of each column of paired differences.

    Parameters
    ----------
    differences : numpy.ndarray
        Shape ``(n_subjects, m)``, without NaN.
    ci_level, n_bootstrap, seed
        See :func:`bootstrap_mean_ci`.

    Returns
    -------
    pandas.DataFrame
        ``m`` rows with :data:`SUMMARY_COLUMNS`.
    """
    arr = np.asarray(differences, dtype=float)
    if arr.ndim == 1:
        arr = arr[:, None]
    mean, low, high = bootstrap_mean_ci(arr, ci_level=ci_level, n_bootstrap=n_bootstrap, seed=seed)
    stat, p = wilcoxon_p(arr)
    return pd.DataFrame(
        {
            "n_subjects": np.full(arr.shape[1], arr.shape[0], dtype=int),
            "mean": np.atleast_1d(mean),
            "ci_low": np.atleast_1d(low),
            "ci_high": np.atleast_1d(high),
            "n_decrease": np.sum(arr < 0, axis=0).astype(int),
            "n_increase": np.sum(arr > 0, axis=0).astype(int),
            "statistic": np.atleast_1d(stat),
            "p_value": np.atleast_1d(p),
        },
        columns=list(SUMMARY_COLUMNS),
    )
