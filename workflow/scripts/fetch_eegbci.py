"""Snakemake script: make one EEGBCI subject available (wires files to eegstate.steps.data)."""

from eegstate.steps.data import fetch_eegbci_subject
from eegstate.steps.logs import run_logged

run_logged(
    fetch_eegbci_subject,
    snakemake.log[0],
    subject=snakemake.wildcards.subject,
    runs=snakemake.params.runs,
    data_dir=snakemake.params.data_dir,
    manifest_out=snakemake.output.manifest,
)
