"""Per-recording step: preprocessing and band power of one recording in one process.

All per-recording work runs in a single job so that the cost of importing the scientific stack
(about 2.5 s per process) is paid once per recording, not once per step.

A recording that cannot be used (a :class:`eegstate.io.RecordingError`: unreadable, too short,
non-finite, too many bad channels, too few clean epochs, ...) is, with the default
``on_recording_error: exclude``, recorded as excluded: its tables are written empty (header
only) and its QC row gives the reason, so the group results are built from the other
recordings and the exclusion is visible in ``qc.tsv`` and the report. Programming errors are
never swallowed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from eegstate.io import RecordingError, write_table
from eegstate.tables import (
    BANDPOWER_COLUMNS,
    ELECTRODES_COLUMNS,
    EPOCH_BANDPOWER_COLUMNS,
    PSD_COLUMNS,
    QC_COLUMNS,
)

logger = logging.getLogger(__name__)


def electrodes_table(info: Any) -> pd.DataFrame:
    """Channel positions of an :class:`mne.Info` as a BIDS-like electrodes table (metres)."""
    rows = [
        {"name": ch["ch_name"], "x": ch["loc"][0], "y": ch["loc"][1], "z": ch["loc"][2]}
        for ch in info["chs"]
    ]
    return pd.DataFrame(rows, columns=list(ELECTRODES_COLUMNS))


def _analyse(raw_path: str | Path, identity: Mapping[str, str], config: Mapping[str, Any]):
    """Read, preprocess and analyse one recording; returns the tables to write and the QC."""
    from eegstate.bandpower import epoch_band_power, recording_psd_table
    from eegstate.datasets import prepare_raw
    from eegstate.io import read_raw
    from eegstate.pipeline import analyse_raw

    raw = prepare_raw(config["adapter"], read_raw(raw_path))
    result = analyse_raw(raw, config, identity, source=str(raw_path))
    spectral = config["bandpower"]
    channels = result.epochs.ch_names
    tables = {
        "bandpower": result.bandpower,
        "epoch_bandpower": epoch_band_power(
            result.psd,
            result.freqs,
            channels,
            bands=spectral["bands"],
            relative_range=spectral["relative_range"],
            regions=config["regions"],
            identity=identity,
        ),
        "psd": recording_psd_table(result.psd, result.freqs, channels, identity),
        "electrodes": electrodes_table(result.epochs.info),
    }
    return tables, result.qc.as_row()


def process_recording(
    *,
    raw_path: str | Path,
    identity: Mapping[str, str],
    config: Mapping[str, Any],
    bandpower_out: str | Path,
    epoch_bandpower_out: str | Path,
    psd_out: str | Path,
    electrodes_out: str | Path,
    qc_out: str | Path,
) -> bool:
    """Preprocess one recording and write its band-power, PSD, electrode and QC tables.

    Parameters
    ----------
    raw_path : str or pathlib.Path
        The recording (only read, never modified).
    identity : mapping
        ``subject, session, recording, state`` of the recording.
    config : mapping
        Validated workflow configuration (``adapter``, ``seed``, ``on_recording_error``,
        ``preprocess``, ``bandpower``, ``regions``).
    bandpower_out, epoch_bandpower_out, psd_out, electrodes_out, qc_out : str or pathlib.Path
        Output TSV files.

    Returns
    -------
    bool
        True if the recording was usable, False if it was excluded.

    Raises
    ------
    RecordingError
        If the recording is unusable and ``on_recording_error`` is ``fail``.
    """
    identity = {key: str(identity[key]) for key in ("subject", "session", "recording", "state")}
    logger.info("processing %s from %s", identity["recording"], raw_path)
    try:
        tables, qc = _analyse(raw_path, identity, config)
        excluded = ""
    except RecordingError as err:
        if config["on_recording_error"] == "fail":
            raise
        logger.error("excluding %s: %s", identity["recording"], err)
        tables, qc, excluded = {}, {}, str(err)
    else:
        logger.info(
            "%s: %d/%d epochs kept, bad channels: %s",
            identity["recording"],
            qc["n_epochs_kept"],
            qc["n_epochs_total"],
            qc["bad_channels"] or "none",
        )
    outputs = (
        ("bandpower", bandpower_out, BANDPOWER_COLUMNS),
        ("epoch_bandpower", epoch_bandpower_out, EPOCH_BANDPOWER_COLUMNS),
        ("psd", psd_out, PSD_COLUMNS),
        ("electrodes", electrodes_out, ELECTRODES_COLUMNS),
    )
    for name, path, columns in outputs:
        write_table(tables.get(name, pd.DataFrame(columns=list(columns))), path, columns)
    qc_row = {column: "" for column in QC_COLUMNS}
    qc_row.update({**identity, "path": str(raw_path), **qc, "excluded": excluded})
    write_table(pd.DataFrame([qc_row]), qc_out, QC_COLUMNS)
    return not excluded
