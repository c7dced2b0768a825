"""Snakemake script: group statistics and the claims table (eegstate.steps.stats)."""

from eegstate.steps import run_step

run_step("stats", snakemake)
