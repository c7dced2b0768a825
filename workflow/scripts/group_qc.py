"""Snakemake script: the group QC table (eegstate.steps.group.collect_qc)."""

from eegstate.steps.group import collect_qc
from eegstate.steps.logs import run_logged

run_logged(collect_qc, snakemake.log[0], qc_files=snakemake.input.qc, qc_out=snakemake.output.qc)
