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

from synthetic import synthetic_epochs  # noqa: E402

logger = logging.getLogger("benchmark")


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
