"""Snakemake script: power and false-verdict rates of the claims (eegstate.steps.power)."""

from eegstate.steps import run_step

run_step("power", snakemake)
