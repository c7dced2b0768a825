"""Snakemake script: gather per-recording tables (eegstate.steps.group)."""

from eegstate.steps import run_step

run_step("group_tables", snakemake)
