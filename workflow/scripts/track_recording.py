"""Snakemake script: track one recording over time (eegstate.steps.track)."""

from eegstate.steps import run_step

run_step("track_recording", snakemake)
