"""Seeded synthetic EEG shared by the benchmarks (``connectivity.py``, ``bench.py``).

A few spatially mixed sources (alpha-band rhythms and 1/f²-like high-passed random walks) plus
independent channel noise, on the 10-10 channels of the PhysioNet EEGBCI recordings with the
standard 10-05 montage: spectra shaped like resting EEG, cheap to generate for long recordings.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: The 64 channels of the PhysioNet EEGBCI recordings (10-10 names).
CHANNELS_64: tuple[str, ...] = (
    "FC5", "FC3", "FC1", "FCz", "FC2", "FC4", "FC6", "C5", "C3", "C1", "Cz", "C2", "C4", "C6",
    "CP5", "CP3", "CP1", "CPz", "CP2", "CP4", "CP6", "Fp1", "Fpz", "Fp2", "AF7", "AF3", "AFz",
    "AF4", "AF8", "F7", "F5", "F3", "F1", "Fz", "F2", "F4", "F6", "F8", "FT7", "FT8", "T7", "T8",
    "T9", "T10", "TP7", "TP8", "P7", "P5", "P3", "P1", "Pz", "P2", "P4", "P6", "P8", "PO7", "PO3",
    "POz", "PO4", "PO8", "O1", "Oz", "O2", "Iz",
)  # fmt: skip


def synthetic_raw(minutes: float, n_channels: int, sfreq: float = 250.0, seed: int = 0) -> Any:
    """A continuous synthetic recording (µV-scale, in V) with a montage.

    Parameters
    ----------
    minutes : float
        Duration.
    n_channels : int
        Number of channels (the first ``n_channels`` of :data:`CHANNELS_64`).
    sfreq : float
        Sampling frequency (Hz).
    seed : int
        Seed of every random draw.

    Returns
    -------
    mne.io.RawArray
    """
    import mne
    from scipy.signal import butter, sosfiltfilt

    from eegstate.montage import standard_montage

    rng = np.random.default_rng(seed)
    channels = list(CHANNELS_64[:n_channels])
    n_times = int(minutes * 60 * sfreq)
    alpha_band = butter(4, [8.0, 12.0], "bandpass", fs=sfreq, output="sos")
    high_pass = butter(2, 1.0, "highpass", fs=sfreq, output="sos")
    alpha = sosfiltfilt(alpha_band, rng.standard_normal((4, n_times))) * 20
    brown = sosfiltfilt(high_pass, np.cumsum(rng.standard_normal((4, n_times)), axis=1))
    sources = np.vstack([alpha, brown / brown.std()])
    data = rng.uniform(-1, 1, (len(channels), sources.shape[0])) @ sources
    data += rng.standard_normal(data.shape)
    data *= 1e-6
    info = mne.create_info(channels, sfreq, "eeg")
    raw = mne.io.RawArray(data, info, verbose="error")
    raw.set_montage(standard_montage("standard_1005"))
    return raw


def synthetic_epochs(minutes: float, n_channels: int, sfreq: float = 250.0, seed: int = 0) -> Any:
    """Average-referenced 4-s epochs of :func:`synthetic_raw`, as the pipeline makes them."""
    import mne

    raw = synthetic_raw(minutes, n_channels, sfreq, seed)
    raw.set_eeg_reference("average", verbose="error")
    return mne.make_fixed_length_epochs(raw, duration=4.0, preload=True, verbose="error")
