"""Per-recording step: preprocessing and band power of one recording in one process.

All per-recording work runs in a single job so that the cost of importing the scientific stack
(about 2.5 s per process) is paid once per recording, not once per step.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from eegstate.io import write_table
from eegstate.tables import BANDPOWER_COLUMNS, EPOCH_BANDPOWER_COLUMNS, PSD_COLUMNS, QC_COLUMNS

logger = logging.getLogger(__name__)


def save_epochs(epochs: Any, path: str | Path) -> Path:
    """Save epochs as FIF atomically (temporary ``*_epo.fif`` then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix="_epo.fif")
    os.close(handle)
    try:
        epochs.save(tmp_name, overwrite=True, verbose="error")
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return path


def process_recording(
    *,
    raw_path: str | Path,
    identity: Mapping[str, str],
    config: Mapping[str, Any],
    epochs_out: str | Path,
    bandpower_out: str | Path,
    epoch_bandpower_out: str | Path,
    psd_out: str | Path,
    qc_out: str | Path,
) -> None:
    """Preprocess one recording and write its epochs, band power, PSD and QC files.

    Parameters
    ----------
    raw_path : str or pathlib.Path
        The recording (read only).
    identity : mapping
        ``subject, session, recording, state`` of the recording.
    config : mapping
        Validated workflow configuration.
    epochs_out, bandpower_out, epoch_bandpower_out, psd_out, qc_out : str or pathlib.Path
        Output files (``*_epo.fif`` and four TSVs).
    """
    import pandas as pd

    from eegstate.bandpower import epoch_band_power, recording_psd_table
    from eegstate.datasets import prepare_raw
    from eegstate.io import read_raw
    from eegstate.pipeline import analyse_raw

    identity = {key: str(identity[key]) for key in ("subject", "session", "recording", "state")}
    logger.info("processing %s from %s", identity["recording"], raw_path)
    raw = prepare_raw(config["adapter"], read_raw(raw_path))
    result = analyse_raw(raw, config, identity, source=str(raw_path))
    qc = result.qc
    logger.info(
        "%s: %d/%d epochs kept, bad channels: %s",
        identity["recording"],
        qc.n_epochs_kept,
        qc.n_epochs_total,
        qc.bad_channels or "none",
    )
    qc_row = pd.DataFrame([{**identity, "path": str(raw_path), **qc.as_row(), "excluded": ""}])
    psd_table = recording_psd_table(result.psd, result.freqs, result.epochs.ch_names, identity)
    spectral = config["bandpower"]
    epoch_table = epoch_band_power(
        result.psd,
        result.freqs,
        result.epochs.ch_names,
        bands=spectral["bands"],
        relative_range=spectral["relative_range"],
        regions=config["regions"],
        identity=identity,
    )
    save_epochs(result.epochs, epochs_out)
    write_table(epoch_table, epoch_bandpower_out, EPOCH_BANDPOWER_COLUMNS)
    write_table(result.bandpower, bandpower_out, BANDPOWER_COLUMNS)
    write_table(psd_table, psd_out, PSD_COLUMNS)
    write_table(qc_row, qc_out, QC_COLUMNS)
