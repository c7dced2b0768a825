"""Small synthetic recordings with a montage."""

from __future__ import annotations

import numpy as np

from eegstate.montage import standard_montage


def make_raw(
    n_seconds: float = 60.0,
    sfreq: float = 250.0,
    channels: tuple[str, ...] = ("Fp1", "Fz", "Cz", "Pz", "Oz", "O1", "O2", "C3", "C4", "P3"),
    seed: int = 0,
    amplitude_uv: float = 20.0,
):
    """A small synthetic recording with a montage: a few shared sources plus channel noise.

    Channels are mixtures of three common sources (a 10 Hz rhythm and two smoothed noise
    processes) plus weaker independent noise, so they correlate like real EEG.
    """
    import mne
    from scipy.ndimage import uniform_filter1d

    rng = np.random.default_rng(seed)
    n_times = int(n_seconds * sfreq)
    times = np.arange(n_times) / sfreq
    sources = np.vstack(
        [
            np.sin(2 * np.pi * 10 * times),
            uniform_filter1d(rng.normal(0, 1, n_times), size=int(sfreq / 20)) * 4,
            uniform_filter1d(rng.normal(0, 1, n_times), size=int(sfreq / 8)) * 6,
        ]
    )
    mixing = rng.uniform(0.5, 1.5, (len(channels), sources.shape[0]))
    data = mixing @ sources + 0.3 * rng.normal(0, 1, (len(channels), n_times))
    data *= amplitude_uv * 1e-6
    info = mne.create_info(list(channels), sfreq, "eeg")
    raw = mne.io.RawArray(data, info, verbose="error")
    raw.set_montage(standard_montage("standard_1005"))
    return raw
