"""Report step: read the group tables, write the group HTML report and its figures.

The report renders tables written by earlier steps (statistics, classification, power); this
step only reads them. The one regrouping it does is
``power_summary.tsv`` (written by the power analysis, :mod:`eegstate.steps.power`, which
runs after the statistics step).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from eegstate.io import (
    electrodes_info,
    read_optional_json,
    read_optional_table,
    read_table,
    write_bytes,
)
from eegstate.settings import Settings, settings_fields
from eegstate.steps.base import Step, StepCall

logger = logging.getLogger(__name__)

#: Figures written next to the report (keys of ``figures_out``).
FIGURES: tuple[str, ...] = ("psd", "topomaps", "aperiodic", "dmn", "classification")

#: Tables of :class:`eegstate.report.GroupTables` read from ``tables_paths`` (all optional).
TABLES: tuple[str, ...] = (
    "coverage",
    "stats_regions",
    "stats_channels",
    "channel_means",
    "clusters",
    "psd_summary",
    "aperiodic_contrasts",
    "aperiodic_peaks",
    "subject_changes",
    "group_changes",
    "claims",
    "claims_tests",
    "connectivity_summary",
    "classification_roc",
    "classification_folds",
)


def data_citation(config: Mapping[str, Any]) -> str | None:
    """Citation of the analysed data (:func:`eegstate.datasets.dataset_citation`)."""
    try:
        from eegstate.datasets import dataset_citation

        return dataset_citation(config)
    except (ImportError, KeyError, ValueError) as err:
        logger.warning("no data citation: %s", err)
        return None


def read_power(power_path: str | Path | None) -> pd.DataFrame | None:
    """Changed-verdict probabilities of ``power_summary.tsv`` (None when the file is absent)."""
    power = read_optional_table(power_path)
    if power is None:
        return None
    return power.rename(columns={"probability_changed": "probability"})


def make_group_report(
    *,
    qc_path: str | Path,
    electrodes_paths: Sequence[str | Path],
    config: Mapping[str, Any],
    report_out: str | Path,
    tables_paths: Mapping[str, str | Path | None] | None = None,
    classification_path: str | Path | None = None,
    power_path: str | Path | None = None,
    power_figure: str | Path | None = None,
    track_summary_path: str | Path | None = None,
    track_figures: Sequence[str | Path] = (),
    figures_out: Mapping[str, str | Path] | None = None,
) -> Path:
    """Write the group report of a dataset (and, optionally, its main figures as PNG).

    Parameters
    ----------
    qc_path : path
        ``qc.tsv``.
    electrodes_paths : sequence of path
        Per-recording electrode tables (positions for topographies).
    config : mapping
        Validated configuration.
    report_out : path
        The HTML file.
    tables_paths : mapping, optional
        Table name (:data:`TABLES`) -> TSV path; missing names or files are "not run".
    classification_path : path, optional
        ``classification.json`` (missing: "step not run").
    power_path, power_figure : path, optional
        ``power_summary.tsv`` and ``power.png`` of the power analysis (missing: the section says how
        to run it).
    track_summary_path : path, optional
        ``track/summary.tsv`` (the tracked recordings' events; missing: no tracking section).
    track_figures : sequence of path
        ``track/<recording>/track.png`` of the tracked recordings.
    figures_out : mapping, optional
        Figure name (:data:`FIGURES`) -> PNG path.

    Returns
    -------
    pathlib.Path
        The report path.

    Raises
    ------
    KeyError
        If ``tables_paths`` names an unknown table.
    """
    from eegstate.report import GroupTables, write_group_report

    paths = dict(tables_paths or {})
    unknown = sorted(set(paths) - set(TABLES))
    if unknown:
        raise KeyError(f"unknown report tables {unknown}; known: {list(TABLES)}")
    figure = Path(power_figure) if power_figure is not None else None
    tables = GroupTables(
        qc=read_table(qc_path),
        **{name: read_optional_table(paths.get(name)) for name in TABLES},
        classification=read_optional_json(classification_path),
        power_rates=read_power(power_path),
        power_figure=figure.read_bytes() if figure is not None and figure.is_file() else None,
        track_summary=read_optional_table(track_summary_path),
        track_figures={Path(p).parent.name: Path(p).read_bytes() for p in track_figures},
        citation=data_citation(config),
    )
    sink: dict[str, bytes] = {}
    out = write_group_report(
        report_out,
        tables,
        config=config,
        info=electrodes_info(electrodes_paths),
        figure_sink=sink,
    )
    for name, path in (figures_out or {}).items():
        write_bytes(sink[name], path)
    return out


def _run(call: StepCall) -> Path:
    return make_group_report(
        qc_path=call.inputs["qc"],
        electrodes_paths=call.inputs["electrodes"],
        config=call.config,
        report_out=call.outputs["html"],
        tables_paths={name: call.inputs.get(TABLE_INPUTS.get(name, name)) for name in TABLES},
        classification_path=call.optional("classification"),
        power_path=call.optional("power_summary"),
        power_figure=call.optional("power_figure"),
        track_summary_path=call.optional("track_summary"),
        track_figures=call.inputs.get("track_figures", []),
        figures_out={name: call.outputs[name] for name in FIGURES},
    )


#: Rule input names of report tables that differ from the table's name.
TABLE_INPUTS: dict[str, str] = {"classification_folds": "folds"}

#: The step of the ``group_report`` rule: the report shows the whole configuration.
STEPS = (Step("report", consumes=settings_fields(Settings), run=_run),)
