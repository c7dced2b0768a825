"""Report step: read the group tables and results, write the group HTML report and figures."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from eegstate.io import read_table, write_bytes
from eegstate.steps.stats import electrodes_info, read_optional_json, read_optional_table

logger = logging.getLogger(__name__)

#: Figures written next to the report (keys of ``figures_out``).
FIGURES: tuple[str, ...] = ("psd", "topomaps", "aperiodic", "dmn", "classification")


def data_citation(config: Mapping[str, Any]) -> str | None:
    """Citation of the analysed data (:func:`eegstate.datasets.dataset_citation`)."""
    try:
        from eegstate.datasets import dataset_citation

        return dataset_citation(config)
    except (ImportError, KeyError, ValueError) as err:
        logger.warning("no data citation: %s", err)
        return None


def make_group_report(
    *,
    bandpower_path: str | Path,
    regions_path: str | Path,
    psd_path: str | Path,
    qc_path: str | Path,
    electrodes_paths: Sequence[str | Path],
    config: Mapping[str, Any],
    report_out: str | Path,
    stats_regions_path: str | Path | None = None,
    clusters_path: str | Path | None = None,
    aperiodic_path: str | Path | None = None,
    claims_path: str | Path | None = None,
    connectivity_path: str | Path | None = None,
    dmn_summary_path: str | Path | None = None,
    classification_path: str | Path | None = None,
    predictions_path: str | Path | None = None,
    folds_path: str | Path | None = None,
    figures_out: Mapping[str, str | Path] | None = None,
) -> Path:
    """Write the group report of a dataset (and, optionally, its main figures as PNG).

    Parameters
    ----------
    bandpower_path, regions_path, psd_path, qc_path : path
        Group tables (``bandpower.tsv``, ``bandpower_regions.tsv``, ``psd.tsv``, ``qc.tsv``).
    electrodes_paths : sequence of path
        Per-recording electrode tables (positions for topographies).
    config : mapping
        Validated configuration.
    report_out : path
        The HTML file.
    stats_regions_path, clusters_path, aperiodic_path, claims_path : path, optional
        Outputs of the stats step.
    connectivity_path, dmn_summary_path : path, optional
        Connectivity group tables (missing: "step not run").
    classification_path, predictions_path, folds_path : path, optional
        ``classification.json``, ``classification_predictions.tsv`` and
        ``classification_folds.tsv`` (missing: "step not run").
    figures_out : mapping, optional
        Figure name (:data:`FIGURES`) -> PNG path.

    Returns
    -------
    pathlib.Path
        The report path.
    """
    from eegstate.report import GroupResults, write_group_report

    results = GroupResults(
        claims=read_optional_table(claims_path),
        stats_regions=read_optional_table(stats_regions_path),
        clusters=read_optional_table(clusters_path),
        aperiodic=read_optional_table(aperiodic_path),
        connectivity=read_optional_table(connectivity_path),
        dmn_summary=read_optional_table(dmn_summary_path),
        classification=read_optional_json(classification_path),
        classification_predictions=read_optional_table(predictions_path),
        classification_folds=read_optional_table(folds_path),
        citation=data_citation(config),
    )
    sink: dict[str, bytes] = {}
    out = write_group_report(
        report_out,
        bandpower=read_table(bandpower_path),
        region_bandpower=read_table(regions_path),
        psd=read_table(psd_path),
        qc=read_table(qc_path),
        info=electrodes_info(electrodes_paths),
        baseline=config["baseline"],
        target=config["target"],
        dataset=config["dataset"],
        config=dict(config),
        seed=config["seed"],
        ci_level=config["report"]["ci_level"],
        n_bootstrap=config["report"]["n_bootstrap"],
        results=results,
        figure_sink=sink,
    )
    for name, path in (figures_out or {}).items():
        write_bytes(sink[name], path)
    return out
