"""Snakemake script: subject-wise classifier evaluation (eegstate.steps.classify)."""

from eegstate.steps import run_step

run_step("classification", snakemake)
