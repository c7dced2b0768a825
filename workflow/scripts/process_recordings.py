"""Snakemake script: a batch of recordings, one after the other (eegstate.steps.recording)."""

from eegstate.steps import run_step

run_step("recordings", snakemake)
