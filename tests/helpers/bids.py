"""A small ds005620-like BIDS dataset written by mne-bids."""

from __future__ import annotations

from pathlib import Path

import mne
import mne_bids

from helpers.raws import make_raw

#: (task, acquisition, run) of each subject's recordings, as in ds005620.
RECORDINGS = [("awake", "EC", None), ("sed", "rest", 1), ("sed", "rest", 2)]


def write_bids(root: Path, subjects=("1010", "1016"), seconds: float = 20.0) -> None:
    """A small ds005620-like BIDS dataset (BrainVision, written by mne-bids)."""
    for number, subject in enumerate(subjects):
        for index, (task, acquisition, run) in enumerate(RECORDINGS):
            raw = make_raw(n_seconds=seconds, sfreq=200, seed=10 * number + index)
            raw.add_channels(
                [
                    mne.io.RawArray(
                        raw.get_data(picks=[0]),
                        mne.create_info(["VEOG"], 200.0, "eog"),
                        verbose="error",
                    )
                ],
                force_update_info=True,
            )
            raw.info["line_freq"] = 50
            path = mne_bids.BIDSPath(
                root=root,
                subject=subject,
                task=task,
                acquisition=acquisition,
                run=run,
                datatype="eeg",
            )
            mne_bids.write_raw_bids(
                raw,
                path,
                format="BrainVision",
                allow_preload=True,
                overwrite=True,
                verbose="error",
            )
