"""Snakemake script: track one recording over time (eegstate.steps.track)."""

from pathlib import Path

from eegstate.steps.logs import run_logged
from eegstate.steps.track import track_recording

run_logged(
    track_recording,
    snakemake.log[0],
    recording=snakemake.params.raw_path,
    out_dir=Path(snakemake.output.events).parent,
    config=snakemake.params.config,
    model_path=snakemake.input.get("model"),
    name=snakemake.wildcards.recording,
)
