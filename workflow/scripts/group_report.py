"""Snakemake script: the group HTML report and its figures (eegstate.steps.report)."""

from eegstate.steps.logs import run_logged
from eegstate.steps.report import make_group_report

run_logged(
    make_group_report,
    snakemake.log[0],
    bandpower_path=snakemake.input.bandpower,
    regions_path=snakemake.input.regions,
    psd_path=snakemake.input.psd,
    qc_path=snakemake.input.qc,
    electrodes_paths=snakemake.input.electrodes,
    config=snakemake.params.config,
    report_out=snakemake.output.html,
    stats_regions_path=snakemake.input.stats_regions,
    clusters_path=snakemake.input.clusters,
    aperiodic_path=snakemake.input.aperiodic,
    claims_path=snakemake.input.claims,
    connectivity_path=snakemake.input.get("connectivity"),
    dmn_summary_path=snakemake.input.get("dmn_summary"),
    classification_path=snakemake.input.get("classification"),
    predictions_path=snakemake.input.get("predictions"),
    folds_path=snakemake.input.get("folds"),
    figures_out={
        name: snakemake.output[name]
        for name in ("psd", "topomaps", "aperiodic", "dmn", "classification")
    },
)
