"""Snakemake script: the per-epoch classification feature table (eegstate.steps.classify)."""

from eegstate.steps import run_step

run_step("features", snakemake)
