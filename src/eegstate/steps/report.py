"""Report step: read the group tables and write the self-contained group HTML report."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from eegstate.io import read_table


def info_from_electrodes(electrodes_paths: Sequence[str | Path]) -> Any:
    """Build an :class:`mne.Info` with channel positions from the first non-empty table.

    Parameters
    ----------
    electrodes_paths : sequence of path
        Per-recording ``*_electrodes.tsv`` files (excluded recordings have empty ones).

    Returns
    -------
    mne.Info
        EEG channels with positions in head coordinates.

    Raises
    ------
    ValueError
        If every table is empty (no usable recording).
    """
    import mne

    for path in electrodes_paths:
        electrodes = read_table(path)
        if len(electrodes):
            positions = {
                row.name: [row.x, row.y, row.z] for row in electrodes.itertuples(index=False)
            }
            info = mne.create_info(list(positions), sfreq=100.0, ch_types="eeg")
            montage = mne.channels.make_dig_montage(ch_pos=positions, coord_frame="head")
            info.set_montage(montage)
            return info
    raise ValueError("no usable recording: every recording was excluded (see qc.tsv)")


def make_group_report(
    *,
    bandpower_path: str | Path,
    regions_path: str | Path,
    psd_path: str | Path,
    qc_path: str | Path,
    electrodes_paths: Sequence[str | Path],
    config: Mapping[str, Any],
    report_out: str | Path,
) -> Path:
    """Write the group report of a dataset.

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

    Returns
    -------
    pathlib.Path
        The report path.
    """
    from eegstate.report import write_group_report

    return write_group_report(
        report_out,
        bandpower=read_table(bandpower_path),
        region_bandpower=read_table(regions_path),
        psd=read_table(psd_path),
        qc=read_table(qc_path),
        info=info_from_electrodes(electrodes_paths),
        baseline=config["baseline"],
        target=config["target"],
        dataset=config["dataset"],
        config=dict(config),
        seed=config["seed"],
        ci_level=config["report"]["ci_level"],
        n_bootstrap=config["report"]["n_bootstrap"],
    )
