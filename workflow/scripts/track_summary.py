"""Snakemake script: the table of every tracked recording's events (eegstate.steps.track)."""

from eegstate.steps import run_step

run_step("track_summary", snakemake)
