"""Snakemake script: all per-recording steps of one recording (eegstate.steps.recording)."""

from eegstate.steps import run_step

run_step("recording", snakemake)
