"""Snakemake script: one preparation job of the dataset's adapter (eegstate.steps.data)."""

from eegstate.steps import run_step

run_step("prepare_data", snakemake)
