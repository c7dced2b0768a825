"""Group statistics and claim verdicts (pure: DataFrames in, DataFrames out).

* :mod:`.paired`: subject means, paired differences, bootstrap CI, Wilcoxon, Holm;
* :mod:`.contrasts`: band × region and band × channel contrasts (``stats_regions.tsv``,
  ``stats_channels.tsv``) and channel-set measures;
* :mod:`.clusters`: spatial cluster permutation tests over channels (``clusters.tsv``);
* :mod:`.aperiodic`: specparam fits of each recording's spectrum (``aperiodic.tsv``);
* :mod:`.verdicts`: the rules that turn measured numbers into verdicts;
* :mod:`.claims`: the measures of each popular claim (``claims.tsv``);
* :mod:`.summaries` and :mod:`.changes`: the group summaries the report shows (coverage, PSD
  summary, channel means, per-subject changes, aperiodic contrasts, connectivity summary).

Heavy dependencies (mne, specparam, scipy.stats) are imported inside the functions.
"""

from __future__ import annotations

from eegstate.stats.aperiodic import aperiodic_table
from eegstate.stats.claims import CLAIMS, ClaimInputs, claims_and_tests, evaluate_claims
from eegstate.stats.clusters import cluster_masks, cluster_tests, info_from_positions
from eegstate.stats.contrasts import channel_contrasts, paired_contrasts, region_contrasts
from eegstate.stats.paired import bootstrap_mean_ci, holm_adjust, wilcoxon_p

__all__ = [
    "CLAIMS",
    "ClaimInputs",
    "aperiodic_table",
    "bootstrap_mean_ci",
    "channel_contrasts",
    "claims_and_tests",
    "cluster_masks",
    "cluster_tests",
    "evaluate_claims",
    "holm_adjust",
    "info_from_positions",
    "paired_contrasts",
    "region_contrasts",
    "wilcoxon_p",
]
