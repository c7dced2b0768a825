"""Snakemake script: the group QC table (eegstate.steps.group.collect_qc)."""

from eegstate.steps import run_step

run_step("group_qc", snakemake)
