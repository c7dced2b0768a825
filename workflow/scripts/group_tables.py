"""Snakemake script: gather per-recording tables (eegstate.steps.group)."""

from eegstate.steps.group import collect_group
from eegstate.steps.logs import run_logged

run_logged(
    collect_group,
    snakemake.log[0],
    bandpower_files=snakemake.input.bandpower,
    psd_files=snakemake.input.psd,
    qc_path=snakemake.input.qc,
    bandpower_out=snakemake.output.bandpower,
    regions_out=snakemake.output.regions,
    psd_out=snakemake.output.psd,
    connectivity_files=snakemake.input.connectivity,
    dmn_summary_files=snakemake.input.dmn_summary,
    connectivity_out=snakemake.output.connectivity,
    dmn_summary_out=snakemake.output.dmn_summary,
    emg_files=snakemake.input.emg,
    emg_out=snakemake.output.emg,
    exclusions_out=snakemake.params.exclusions,
    dataset=snakemake.params.dataset,
)
