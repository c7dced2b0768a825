"""Spatial cluster permutation tests of target − baseline band power over channels.

Per band, the paired differences (subjects × channels, dB) go to
:func:`mne.stats.permutation_cluster_1samp_test` (sign-flip permutations, t statistic,
cluster mass = sum of t) with the montage's channel adjacency from
:func:`mne.channels.find_ch_adjacency` (Delaunay triangulation of the positions when MNE has
no template for the montage). The cluster-forming threshold is the two-sided t quantile of
``alpha`` with ``n − 1`` degrees of freedom. Maris & Oostenveld 2007, J Neurosci Methods
164:177.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from eegstate.seeding import derive_seed
from eegstate.stats.contrasts import band_table
from eegstate.stats.paired import check_columns, paired_differences, subject_state_means
from eegstate.tables import CLUSTER_COLUMNS

if TYPE_CHECKING:
    import mne

logger = logging.getLogger(__name__)


def info_from_positions(electrodes: pd.DataFrame) -> mne.Info:
    """Build an EEG :class:`mne.Info` with a montage from an electrodes table.

    Parameters
    ----------
    electrodes : pandas.DataFrame
        Columns ``name``, ``x``, ``y``, ``z`` (metres, head coordinates).

    Returns
    -------
    mne.Info
        EEG channels with positions.
    """
    import mne

    check_columns(electrodes, ("name", "x", "y", "z"), "electrodes")
    positions = {
        str(row.name): [float(row.x), float(row.y), float(row.z)]
        for row in electrodes.itertuples(index=False)
    }
    info = mne.create_info(list(positions), sfreq=100.0, ch_types="eeg")
    info.set_montage(mne.channels.make_dig_montage(ch_pos=positions, coord_frame="head"))
    return info


def channel_adjacency(info: mne.Info, channels: Sequence[str]) -> tuple[object, list[str]]:
    """Adjacency of the given channels (case-insensitive match against ``info``).

    Parameters
    ----------
    info : mne.Info
        Info with channel positions.
    channels : sequence of str
        Channels wanted, in the order of the data.

    Returns
    -------
    adjacency : scipy.sparse matrix
        Channel adjacency in the order of the returned names.
    names : list of str
        The channels of ``channels`` found in ``info`` with a position, in ``channels`` order.
    """
    import mne

    lookup = {name.lower(): i for i, name in enumerate(info["ch_names"])}
    picks, names = [], []
    for ch in channels:
        idx = lookup.get(str(ch).lower())
        if idx is None or idx in picks:
            continue
        loc = np.asarray(info["chs"][idx]["loc"][:3], dtype=float)
        if np.all(np.isfinite(loc)) and np.any(loc):
            picks.append(idx)
            names.append(str(ch))
    if len(names) < 3:
        return None, names
    picked = mne.pick_info(info, picks)
    with mne.utils.use_log_level("error"):
        adjacency, _ = mne.channels.find_ch_adjacency(picked, ch_type="eeg")
    return adjacency, names


def band_cluster_test(
    differences: np.ndarray,
    adjacency: object,
    *,
    alpha: float,
    n_permutations: int,
    seed: int,
) -> tuple[float, list[np.ndarray], np.ndarray, np.ndarray]:
    """One cluster permutation test on paired differences (subjects × channels).

    Parameters
    ----------
    differences : numpy.ndarray
        Shape ``(n_subjects, n_channels)``.
    adjacency : scipy.sparse matrix
        Channel adjacency.
    alpha : float
        Two-sided level of the cluster-forming t threshold.
    n_permutations : int
        Sign-flip permutations (MNE runs all ``2**n`` when that is fewer).
    seed : int
        Seed of the permutations.

    Returns
    -------
    t_threshold : float
        Cluster-forming threshold.
    masks : list of numpy.ndarray
        Boolean channel mask of each cluster.
    statistics : numpy.ndarray
        Cluster mass (sum of t) of each cluster.
    p_values : numpy.ndarray
        Permutation p-value of each cluster.
    """
    from mne.stats import permutation_cluster_1samp_test
    from scipy.stats import t as t_dist

    n = differences.shape[0]
    t_threshold = float(t_dist.ppf(1.0 - alpha / 2.0, n - 1))
    # MNE >= 1.12 names the seed argument ``rng`` (``seed`` is its deprecated alias).
    params = inspect.signature(permutation_cluster_1samp_test).parameters
    seeding = {"rng" if "rng" in params else "seed": int(seed)}
    t_obs, clusters, p_values, _ = permutation_cluster_1samp_test(
        differences,
        threshold=t_threshold,
        n_permutations=int(n_permutations),
        tail=0,
        adjacency=adjacency,
        out_type="mask",
        verbose="error",
        **seeding,
    )
    masks = [np.asarray(c, dtype=bool) for c in clusters]
    statistics = np.array([float(t_obs[m].sum()) for m in masks])
    return t_threshold, masks, statistics, np.asarray(p_values, dtype=float)


def cluster_tests(
    bandpower: pd.DataFrame,
    info: mne.Info,
    baseline: str,
    target: str,
    *,
    alpha: float = 0.05,
    n_permutations: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """Cluster permutation test of target − baseline band power per band (``clusters.tsv``).

    Subjects with both states and every analysed channel enter; channels missing in some
    paired subject are left out of that band's test. The permutation seed of each band is
    derived from ``seed`` and the band name.

    Parameters
    ----------
    bandpower : pandas.DataFrame
        :data:`eegstate.tables.BANDPOWER_COLUMNS`.
    info : mne.Info
        Channel positions (matched case-insensitively).
    baseline, target : str
        State labels.
    alpha : float
        Level of the cluster-forming threshold.
    n_permutations : int
        Permutations per band.
    seed : int
        Master seed.

    Returns
    -------
    pandas.DataFrame
        :data:`eegstate.tables.CLUSTER_COLUMNS`, one row per cluster (none for a band
        without suprathreshold channels, fewer than 3 paired subjects or channels).
    """
    check_columns(bandpower, ("subject", "state", "channel", "band", "power_db"), "bandpower")
    rows: list[dict] = []
    df = bandpower[bandpower["state"].isin([baseline, target])]
    if df.empty:
        return pd.DataFrame(columns=list(CLUSTER_COLUMNS))
    means = subject_state_means(df, ["band", "channel"])
    diffs = paired_differences(means, baseline, target, ["band", "channel"])
    for band in band_table(df)["band"]:
        wide = diffs[diffs["band"] == band].pivot(
            index="subject", columns="channel", values="diff_db"
        )
        wide = wide.dropna(axis=1)
        adjacency, names = channel_adjacency(info, list(wide.columns))
        if adjacency is None or wide.shape[0] < 3:
            n_subjects, n_channels = wide.shape
            logger.warning(
                "cluster test of %s skipped: %d subjects, %d channels", band, n_subjects, n_channels
            )
            continue
        data = wide[names].to_numpy(dtype=float)
        t_threshold, masks, statistics, p_values = band_cluster_test(
            data,
            adjacency,
            alpha=alpha,
            n_permutations=n_permutations,
            seed=derive_seed(seed, "cluster", str(band)),
        )
        order = np.argsort(p_values, kind="stable")
        for number, i in enumerate(order, start=1):
            chans = [name for name, hit in zip(names, masks[i], strict=True) if hit]
            rows.append(
                {
                    "band": band,
                    "cluster": number,
                    "direction": "increase" if statistics[i] > 0 else "decrease",
                    "n_channels": len(chans),
                    "channels": " ".join(chans),
                    "statistic": statistics[i],
                    "p_value": p_values[i],
                    "n_subjects": data.shape[0],
                    "t_threshold": t_threshold,
                    "n_permutations": int(n_permutations),
                }
            )
    return pd.DataFrame(rows, columns=list(CLUSTER_COLUMNS))


def cluster_masks(clusters: pd.DataFrame, alpha: float) -> Mapping[str, set[str]]:
    """Channels in significant clusters (``p_value < alpha``), per band.

    Parameters
    ----------
    clusters : pandas.DataFrame
        :data:`eegstate.tables.CLUSTER_COLUMNS`.
    alpha : float
        Significance level.

    Returns
    -------
    dict
        Band -> set of channel names (lower case).
    """
    out: dict[str, set[str]] = {}
    if clusters is None or clusters.empty:
        return out
    for row in clusters.itertuples(index=False):
        if float(row.p_value) < alpha:
            names = {c.lower() for c in str(row.channels).split()}
            out.setdefault(str(row.band), set()).update(names)
    return out
