"""Benchmark: DMN connectivity of 10 minutes of 64-channel, 250 Hz EEG on one core.

Target: all bands (theta, alpha, beta, gamma) and both metrics (orthogonalised envelope
correlation, debiased wPLI) in at most 10 s. Prints the wall-clock and CPU time of

* ``cold``: first recording of a channel set in a fresh process (volume source space, forward
  model, eLORETA inverse operator and ROI kernel built, then connectivity);
* ``warm``: a further recording with the same channels (operator cached), i.e. the per-recording
  cost in the workflow once the operator is in the disk cache.

Run from the repository root::

    .venv/bin/python benchmarks/connectivity.py [--minutes 10] [--channels 64]

The data are synthetic (seeded): a few spatially smooth sources with alpha-band and 1/f-like
spectra plus channel noise, cut into 4-s epochs and average-referenced as the pipeline does.
"""

from __future__ import annotations

import os

# One core: set before numpy/scipy load their BLAS.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

import argparse  # noqa: E402
import logging  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

logger = logging.getLogger("benchmark")

#: The 64 channels of the PhysioNet EEGBCI recordings (10-10 names).
CHANNELS_64: tuple[str, ...] = (
    "FC5", "FC3", "FC1", "FCz", "FC2", "FC4", "FC6", "C5", "C3", "C1", "Cz", "C2", "C4", "C6",
    "CP5", "CP3", "CP1", "CPz", "CP2", "CP4", "CP6", "Fp1", "Fpz", "Fp2", "AF7", "AF3", "AFz",
    "AF4", "AF8", "F7", "F5", "F3", "F1", "Fz", "F2", "F4", "F6", "F8", "FT7", "FT8", "T7", "T8",
    "T9", "T10", "TP7", "TP8", "P7", "P5", "P3", "P1", "Pz", "P2", "P4", "P6", "P8", "PO7", "PO3",
    "POz", "PO4", "PO8", "O1", "Oz", "O2", "Iz",
)  # fmt: skip


def synthetic_epochs(minutes: float, n_channels: int, sfreq: float = 250.0, seed: int = 0):
    """Average-referenced 4-s epochs of synthetic EEG with a montage."""
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
    data = (data + rng.standard_normal(data.shape)) * 1e-6
    info = mne.create_info(channels, sfreq, "eeg")
    raw = mne.io.RawArray(data, info, verbose="error")
    raw.set_montage(standard_montage("standard_1005"))
    raw.set_eeg_reference("average", verbose="error")
    return mne.make_fixed_length_epochs(raw, duration=4.0, preload=True, verbose="error")


def timed(function, *args, **kwargs):
    """Run ``function`` and return its result, wall-clock and CPU seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> int:
    """Run the benchmark and print the figures."""
    from eegstate.config import validate_config
    from eegstate.connectivity import recording_connectivity, resolve_bands

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--channels", type=int, default=64, choices=range(19, 65))
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")

    config = validate_config({})
    params = config["connectivity"]
    bands = resolve_bands(params["bands"], config["bandpower"]["bands"])
    epochs = synthetic_epochs(args.minutes, args.channels)
    identity = {"subject": "bench", "session": "", "recording": "bench", "state": "baseline"}
    shape = f"{len(epochs)} epochs x {len(epochs.ch_names)} channels x {len(epochs.times)} samples"
    print(f"data: {args.minutes:g} min, {shape}, {epochs.info['sfreq']:g} Hz")
    print(f"bands: {', '.join(bands)}; metrics: {', '.join(params['metrics'])}; one core")
    cold, cold_wall, cold_cpu = timed(recording_connectivity, epochs, params, identity, bands)
    _, warm_wall, warm_cpu = timed(recording_connectivity, epochs, params, identity, bands)
    print(
        f"cold (builds the head model and inverse): {cold_wall:6.2f} s wall, {cold_cpu:6.2f} s CPU"
    )
    print(
        f"warm (operator cached):                   {warm_wall:6.2f} s wall, {warm_cpu:6.2f} s CPU"
    )
    print(f"rows: {len(cold.connectivity)} connectivity, {len(cold.summary)} summary")
    budget = 10.0
    verdict = "within" if max(cold_wall, warm_wall) <= budget else "OVER"
    print(f"{verdict} the {budget:g} s budget")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
