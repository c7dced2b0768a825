"""Snakemake script: one Sleep-EDF night -> one FIF per state (wires eegstate.steps.data)."""

from eegstate.steps.data import extract_sleep_night
from eegstate.steps.logs import run_logged

run_logged(
    extract_sleep_night,
    snakemake.log[0],
    config=snakemake.params.config,
    subject=snakemake.wildcards.subject,
    session=snakemake.wildcards.session,
    outputs=list(snakemake.output),
)
