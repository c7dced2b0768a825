"""Snakemake script: the table of every tracked recording's events (eegstate.steps.track)."""

from eegstate.steps.logs import run_logged
from eegstate.steps.track import summarize_tracks

run_logged(
    summarize_tracks,
    snakemake.log[0],
    event_files=list(snakemake.input.events),
    out=snakemake.output.summary,
)
