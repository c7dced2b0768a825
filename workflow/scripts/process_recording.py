"""Snakemake script: all per-recording steps of one recording (eegstate.steps.recording)."""

from eegstate.steps.logs import run_logged
from eegstate.steps.recording import process_recording

run_logged(
    process_recording,
    snakemake.log[0],
    raw_path=snakemake.params.raw_path,
    identity=snakemake.params.identity,
    config=snakemake.params.config,
    bandpower_out=snakemake.output.bandpower,
    epoch_bandpower_out=snakemake.output.epoch_bandpower,
    psd_out=snakemake.output.psd,
    electrodes_out=snakemake.output.electrodes,
    emg_out=snakemake.output.emg,
    qc_out=snakemake.output.qc,
    connectivity_out=snakemake.output.connectivity,
    dmn_summary_out=snakemake.output.dmn_summary,
    cache_dir=snakemake.params.cache_dir,
    report_out=snakemake.output.get("report"),
)
