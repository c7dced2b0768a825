"""Snakemake script: subject-wise classifier evaluation (eegstate.steps.classify)."""

from eegstate.steps.classify import evaluate_classifier
from eegstate.steps.logs import run_logged

run_logged(
    evaluate_classifier,
    snakemake.log[0],
    features_path=snakemake.input.features,
    config=snakemake.params.config,
    summary_out=snakemake.output.summary,
    folds_out=snakemake.output.folds,
    predictions_out=snakemake.output.predictions,
    recordings_out=snakemake.output.recordings,
    n_jobs=snakemake.threads,
)
