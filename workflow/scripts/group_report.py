"""Snakemake script: the group HTML report and its figures (eegstate.steps.report)."""

from eegstate.steps import run_step

run_step("report", snakemake)
