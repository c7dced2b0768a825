"""Snakemake script: the per-epoch classification feature table (eegstate.steps.classify)."""

from eegstate.steps.classify import build_features
from eegstate.steps.logs import run_logged

run_logged(
    build_features,
    snakemake.log[0],
    epoch_files=list(snakemake.input.epochs),
    features_out=snakemake.output.features,
    level=snakemake.params.level,
    dmn_summary_path=snakemake.input.dmn_summary,
)
