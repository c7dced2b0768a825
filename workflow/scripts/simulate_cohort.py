"""Snakemake script: generate the simulated cohort (wires files to eegstate.steps.data)."""

from eegstate.steps.data import simulate_dataset
from eegstate.steps.logs import run_logged

run_logged(
    simulate_dataset,
    snakemake.log[0],
    config=snakemake.params.config,
    out_dir=snakemake.params.out_dir,
)
