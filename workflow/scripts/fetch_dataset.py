"""Snakemake script: fetch and verify a dataset's files (wires files to eegstate.steps.data)."""

from eegstate.steps.data import fetch_dataset_files
from eegstate.steps.logs import run_logged

run_logged(
    fetch_dataset_files,
    snakemake.log[0],
    config=snakemake.params.config,
    subject=snakemake.params.subject,
    manifest_out=snakemake.output.manifest,
)
