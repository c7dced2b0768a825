"""Snakemake script: the group HTML report (eegstate.steps.report)."""

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
    report_out=snakemake.output[0],
)
