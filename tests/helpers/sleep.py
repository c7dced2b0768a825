"""A small Sleep-EDF-like night (PSG and hypnogram, EDF)."""

from __future__ import annotations

from pathlib import Path

import mne
import numpy as np

PSG, HYPNOGRAM = "SC4001E0-PSG.edf", "SC4001EC-Hypnogram.edf"
#: (onset s, duration s, stage) of the generated night: 20 minutes.
SCORING = [
    (0, 300, "Sleep stage W"),
    (300, 120, "Sleep stage 1"),
    (420, 180, "Sleep stage 2"),
    (600, 60, "Sleep stage W"),
    (660, 240, "Sleep stage R"),
    (900, 300, "Sleep stage W"),
]


def write_night(folder: Path) -> None:
    """A 20-minute Sleep-EDF-like night: PSG (EDF via MNE's exporter) and hypnogram."""
    rng = np.random.default_rng(0)
    sfreq, n_times = 100.0, 100 * 1200
    names = ["EEG Fpz-Cz", "EEG Pz-Oz", "EOG horizontal"]
    info = mne.create_info(names, sfreq, ["eeg", "eeg", "eog"])
    times = np.arange(n_times) / sfreq
    alpha = np.sin(2 * np.pi * 10 * times) * 10e-6
    data = rng.normal(0, 10e-6, (3, n_times)) + alpha
    mne.io.RawArray(data, info, verbose="error").export(folder / PSG, verbose="error")
    scoring = mne.io.RawArray(
        np.zeros((1, n_times)), mne.create_info(["x"], sfreq, "misc"), verbose="error"
    )
    onsets, durations, labels = zip(*SCORING, strict=True)
    scoring.set_annotations(mne.Annotations(onsets, durations, labels))
    scoring.export(folder / HYPNOGRAM, verbose="error")
