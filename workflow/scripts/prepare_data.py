"""Snakemake script: one preparation job of the dataset's adapter (wires eegstate.steps.data)."""

from eegstate.steps.data import prepare_data
from eegstate.steps.logs import run_logged

run_logged(
    prepare_data,
    snakemake.log[0],
    config=snakemake.params.config,
    level=snakemake.params.level,
    outputs=list(snakemake.output),
    wildcards=dict(snakemake.wildcards.items()),
)
