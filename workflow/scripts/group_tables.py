"""Snakemake script: gather per-recording tables (eegstate.steps.group)."""

from eegstate.steps.group import collect_group
from eegstate.steps.logs import run_logged

run_logged(
    collect_group,
    snakemake.log[0],
    bandpower_files=snakemake.input.bandpower,
    psd_files=snakemake.input.psd,
    qc_files=snakemake.input.qc,
    bandpower_out=snakemake.output.bandpower,
    regions_out=snakemake.output.regions,
    psd_out=snakemake.output.psd,
    qc_out=snakemake.output.qc,
)
