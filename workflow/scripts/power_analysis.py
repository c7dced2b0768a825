"""Snakemake script: power and false-verdict rates of the claims (eegstate.steps.power)."""

from eegstate.steps.logs import run_logged
from eegstate.steps.power import make_power_analysis

run_logged(
    make_power_analysis,
    snakemake.log[0],
    bandpower_path=snakemake.input.bandpower,
    qc_path=snakemake.input.qc,
    aperiodic_path=snakemake.input.aperiodic,
    dmn_summary_path=snakemake.input.get("dmn_summary"),
    classification_path=snakemake.input.get("classification"),
    features_path=snakemake.input.get("features"),
    config=snakemake.params.config,
    power_out=snakemake.output.power,
    summary_out=snakemake.output.summary,
    figure_out=snakemake.output.figure,
    n_jobs=snakemake.threads,
)
