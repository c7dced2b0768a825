"""Snakemake script: group statistics, the claims table and the report's summaries
(eegstate.steps.stats)."""

from eegstate.stats.summaries import SUMMARY_TABLES
from eegstate.steps.logs import run_logged
from eegstate.steps.stats import make_group_stats

run_logged(
    make_group_stats,
    snakemake.log[0],
    bandpower_path=snakemake.input.bandpower,
    regions_path=snakemake.input.regions,
    psd_path=snakemake.input.psd,
    qc_path=snakemake.input.qc,
    electrodes_paths=snakemake.input.electrodes,
    config=snakemake.params.config,
    stats_regions_out=snakemake.output.stats_regions,
    stats_channels_out=snakemake.output.stats_channels,
    clusters_out=snakemake.output.clusters,
    aperiodic_out=snakemake.output.aperiodic,
    claims_out=snakemake.output.claims,
    claims_tests_out=snakemake.output.claims_tests,
    summaries_out={name: snakemake.output[name] for name in SUMMARY_TABLES},
    dmn_summary_path=snakemake.input.get("dmn_summary"),
    connectivity_path=snakemake.input.get("connectivity"),
    classification_path=snakemake.input.get("classification"),
    predictions_path=snakemake.input.get("predictions"),
)
