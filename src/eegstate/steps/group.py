"""Group step: gather per-recording tables into the group tables of a dataset.

The ``group_tables`` job also writes the classifier's feature table (``features.tsv``,
:func:`eegstate.steps.classify.build_features`) when classification is enabled: both only
gather per-recording tables, and one job instead of two saves a process start-up on the group
stage's serial path.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from eegstate.bandpower import region_band_power
from eegstate.io import read_table, write_table
from eegstate.steps.base import Step, StepCall
from eegstate.tables import (
    BANDPOWER_COLUMNS,
    CONNECTIVITY_COLUMNS,
    DMN_SUMMARY_COLUMNS,
    EMG_COLUMNS,
    PSD_COLUMNS,
    QC_COLUMNS,
    REGION_BANDPOWER_COLUMNS,
)

logger = logging.getLogger(__name__)


def concat_tables(paths: Sequence[str | Path]) -> pd.DataFrame:
    """Read and stack TSV tables (in the given order)."""
    if not paths:
        raise ValueError("no per-recording tables to collect")
    return pd.concat([read_table(path) for path in paths], ignore_index=True)


def concat_nonempty(paths: Sequence[str | Path], columns: Sequence[str]) -> pd.DataFrame:
    """Stack the non-empty tables of ``paths``; a header-only table when all are empty."""
    frames = [table for table in (read_table(path) for path in paths) if not table.empty]
    if not frames:
        return pd.DataFrame(columns=list(columns))
    return pd.concat(frames, ignore_index=True)


def collect_connectivity(
    *,
    connectivity_files: Sequence[str | Path],
    dmn_summary_files: Sequence[str | Path],
    connectivity_out: str | Path,
    dmn_summary_out: str | Path,
) -> None:
    """Write the group ``connectivity.tsv`` and ``dmn_summary.tsv``.

    Recordings whose connectivity was skipped (low-density montage, disabled, excluded
    recording) have header-only tables and add no rows; ``qc.tsv`` ``notes`` says why.

    Parameters
    ----------
    connectivity_files, dmn_summary_files : sequence of path
        Per-recording tables.
    connectivity_out, dmn_summary_out : path
        Group tables.
    """
    connectivity = concat_nonempty(connectivity_files, CONNECTIVITY_COLUMNS)
    summary = concat_nonempty(dmn_summary_files, DMN_SUMMARY_COLUMNS)
    logger.info(
        "collected connectivity of %d of %d recordings",
        connectivity["recording"].nunique(),
        len(connectivity_files),
    )
    write_table(connectivity, connectivity_out, CONNECTIVITY_COLUMNS)
    write_table(summary, dmn_summary_out, DMN_SUMMARY_COLUMNS)


class NoUsableRecordingError(ValueError):
    """Every recording of the dataset was excluded; the message names the files listing why."""


def collect_qc(*, qc_files: Sequence[str | Path], qc_out: str | Path) -> pd.DataFrame:
    """Write the group ``qc.tsv`` (one row per recording, excluded ones included).

    It never fails for exclusions, so the table exists even when no recording is usable (the
    workflow's ``group_qc`` rule, separate from ``group_tables`` for that reason).

    Parameters
    ----------
    qc_files : sequence of path
        Per-recording QC tables.
    qc_out : path
        The group table.

    Returns
    -------
    pandas.DataFrame
        The table written.
    """
    qc = concat_tables(qc_files)
    for column in QC_COLUMNS:  # QC tables written before a column existed
        if column not in qc.columns:
            qc[column] = ""
    excluded = qc.loc[qc["excluded"].astype(str) != "", ["recording", "excluded"]]
    for row in excluded.itertuples(index=False):
        logger.warning("recording %s was excluded: %s", row.recording, row.excluded)
    write_table(qc, qc_out, QC_COLUMNS)
    return qc


def require_usable(
    qc: pd.DataFrame,
    *,
    qc_path: str | Path,
    exclusions_out: str | Path | None = None,
    dataset: str = "",
) -> None:
    """Fail when every recording was excluded, after writing a page that lists why.

    Parameters
    ----------
    qc : pandas.DataFrame
        The group QC table.
    qc_path : path
        Where it is written (named in the message).
    exclusions_out : path, optional
        Where to write the page listing every exclusion and its reason
        (:mod:`eegstate.report.exclusions`); the workflow uses the group report's path, which
        the group report replaces once recordings are usable.
    dataset : str
        Dataset name (page title).

    Raises
    ------
    NoUsableRecordingError
        When no recording is usable.
    """
    n_excluded = int((qc["excluded"].astype(str) != "").sum())
    if n_excluded < len(qc):
        return
    where = f"{qc_path}"
    if exclusions_out is not None:
        from eegstate.report.exclusions import write_exclusions_page

        write_exclusions_page(qc, exclusions_out, dataset=dataset, qc_path=qc_path)
        where += f" and {exclusions_out}"
    raise NoUsableRecordingError(
        f"all {len(qc)} recordings were excluded, so there are no group results; every "
        f"exclusion is listed with its reason in {where} (column 'excluded'); fix or replace "
        "the recordings, or the options the reasons name, and run again"
    )


def collect_group(
    *,
    bandpower_files: Sequence[str | Path],
    psd_files: Sequence[str | Path],
    qc_path: str | Path,
    bandpower_out: str | Path,
    regions_out: str | Path,
    psd_out: str | Path,
    connectivity_files: Sequence[str | Path] = (),
    dmn_summary_files: Sequence[str | Path] = (),
    connectivity_out: str | Path | None = None,
    dmn_summary_out: str | Path | None = None,
    emg_files: Sequence[str | Path] = (),
    emg_out: str | Path | None = None,
    exclusions_out: str | Path | None = None,
    dataset: str = "",
) -> None:
    """Write ``bandpower.tsv``, ``bandpower_regions.tsv`` and ``psd.tsv``.

    With ``connectivity_out`` and ``dmn_summary_out``, also the connectivity group tables
    (:func:`collect_connectivity`).

    Parameters
    ----------
    bandpower_files, psd_files : sequence of path
        Per-recording tables.
    qc_path : path
        The group ``qc.tsv`` (:func:`collect_qc`).
    bandpower_out, regions_out, psd_out : path
        Group tables.
    connectivity_files, dmn_summary_files : sequence of path, optional
        Per-recording connectivity tables.
    connectivity_out, dmn_summary_out : path, optional
        Group connectivity tables.
    emg_files, emg_out : sequence of path and path, optional
        Per-recording per-epoch EMG index tables and their group table ``emg.tsv``.
    exclusions_out : path, optional
        Page listing every exclusion, written when no recording is usable
        (:func:`require_usable`).
    dataset : str
        Dataset name (title of that page).

    Raises
    ------
    NoUsableRecordingError
        When every recording was excluded (after writing ``exclusions_out``).
    """
    qc = read_table(qc_path)
    require_usable(qc, qc_path=qc_path, exclusions_out=exclusions_out, dataset=dataset)
    n_excluded = int((qc["excluded"].astype(str) != "").sum())
    bandpower = concat_tables(bandpower_files)
    logger.info(
        "collected band power of %d recordings (%d excluded)",
        bandpower["recording"].nunique(),
        n_excluded,
    )
    write_table(bandpower, bandpower_out, BANDPOWER_COLUMNS)
    write_table(region_band_power(bandpower), regions_out, REGION_BANDPOWER_COLUMNS)
    write_table(concat_tables(psd_files), psd_out, PSD_COLUMNS)
    if emg_out is not None:
        write_table(concat_tables(emg_files), emg_out, EMG_COLUMNS)
    if connectivity_out is not None and dmn_summary_out is not None:
        collect_connectivity(
            connectivity_files=connectivity_files,
            dmn_summary_files=dmn_summary_files,
            connectivity_out=connectivity_out,
            dmn_summary_out=dmn_summary_out,
        )


def _run_qc(call: StepCall) -> pd.DataFrame:
    return collect_qc(qc_files=call.inputs["qc"], qc_out=call.outputs["qc"])


def _run_tables(call: StepCall) -> None:
    connectivity = "connectivity" in call.outputs
    collect_group(
        bandpower_files=call.inputs["bandpower"],
        psd_files=call.inputs["psd"],
        qc_path=call.inputs["qc"],
        bandpower_out=call.outputs["bandpower"],
        regions_out=call.outputs["regions"],
        psd_out=call.outputs["psd"],
        connectivity_files=call.inputs.get("connectivity", ()),
        dmn_summary_files=call.inputs.get("dmn_summary", ()),
        connectivity_out=call.outputs["connectivity"] if connectivity else None,
        dmn_summary_out=call.outputs["dmn_summary"] if connectivity else None,
        emg_files=call.inputs["emg"],
        emg_out=call.outputs["emg"],
        exclusions_out=call.params.get("exclusions"),
        dataset=call.config["dataset"],
    )
    if "features" in call.outputs:
        # The classifier's feature table, in the same job: it needs the group DMN summary just
        # written, and a job of its own would cost a process start-up (about 2.5 s) on the
        # group stage's serial path (eegstate.steps.classify.build_features).
        from eegstate.steps.classify import build_features

        build_features(
            epoch_files=call.inputs["epochs"],
            features_out=call.outputs["features"],
            level=call.config["classification"]["level"],
            dmn_summary_path=call.outputs["dmn_summary"] if connectivity else None,
        )


#: The steps of the ``group_qc`` and ``group_tables`` rules; ``group_tables`` also writes the
#: classifier's ``features.tsv`` when classification is enabled (its ``classification.level``).
STEPS = (
    Step("group_qc", consumes=(), run=_run_qc),
    Step("group_tables", consumes=("dataset", "classification.level"), run=_run_tables),
)
