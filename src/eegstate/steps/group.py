"""Group step: gather per-recording tables into the group tables of a dataset."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from eegstate.bandpower import region_band_power
from eegstate.io import read_table, write_table
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


def collect_group(
    *,
    bandpower_files: Sequence[str | Path],
    psd_files: Sequence[str | Path],
    qc_files: Sequence[str | Path],
    bandpower_out: str | Path,
    regions_out: str | Path,
    psd_out: str | Path,
    qc_out: str | Path,
    connectivity_files: Sequence[str | Path] = (),
    dmn_summary_files: Sequence[str | Path] = (),
    connectivity_out: str | Path | None = None,
    dmn_summary_out: str | Path | None = None,
    emg_files: Sequence[str | Path] = (),
    emg_out: str | Path | None = None,
) -> None:
    """Write ``bandpower.tsv``, ``bandpower_regions.tsv``, ``psd.tsv`` and ``qc.tsv``.

    With ``connectivity_out`` and ``dmn_summary_out``, also the connectivity group tables
    (:func:`collect_connectivity`).

    Parameters
    ----------
    bandpower_files, psd_files, qc_files : sequence of path
        Per-recording tables.
    bandpower_out, regions_out, psd_out, qc_out : path
        Group tables.
    connectivity_files, dmn_summary_files : sequence of path, optional
        Per-recording connectivity tables.
    connectivity_out, dmn_summary_out : path, optional
        Group connectivity tables.
    emg_files, emg_out : sequence of path and path, optional
        Per-recording per-epoch EMG index tables and their group table ``emg.tsv``.
    """
    qc = concat_tables(qc_files)
    excluded = qc.loc[qc["excluded"].astype(str) != "", ["recording", "excluded"]]
    for row in excluded.itertuples(index=False):
        logger.warning("recording %s was excluded: %s", row.recording, row.excluded)
    if len(excluded) == len(qc):
        raise ValueError(
            f"all {len(qc)} recordings were excluded; see the 'excluded' column of {qc_out}"
        )
    write_table(qc, qc_out, QC_COLUMNS)
    bandpower = concat_tables(bandpower_files)
    logger.info(
        "collected band power of %d recordings (%d excluded)",
        bandpower["recording"].nunique(),
        len(excluded),
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
