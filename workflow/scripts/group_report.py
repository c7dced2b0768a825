"""Snakemake script: the group HTML report and its figures (eegstate.steps.report)."""

from eegstate.steps.logs import run_logged
from eegstate.steps.report import FIGURES, TABLES, make_group_report

# Inputs are optional by name: folds are the classification step's, power the power rule's.
NAMES = {"classification_folds": "folds"}

run_logged(
    make_group_report,
    snakemake.log[0],
    qc_path=snakemake.input.qc,
    electrodes_paths=snakemake.input.electrodes,
    config=snakemake.params.config,
    report_out=snakemake.output.html,
    tables_paths={name: snakemake.input.get(NAMES.get(name, name)) for name in TABLES},
    classification_path=snakemake.input.get("classification"),
    power_path=snakemake.input.get("power_summary"),
    power_figure=snakemake.input.get("power_figure"),
    track_summary_path=snakemake.input.get("track_summary"),
    track_figures=snakemake.input.get("track_figures", []),
    figures_out={name: snakemake.output[name] for name in FIGURES},
)
