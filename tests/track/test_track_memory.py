"""Memory of tracking (and simulating) a long continuous recording does not grow with its length.

Each measurement runs in a fresh Python process (``resource.getrusage`` peak RSS), on 64
channels: a 10-min and a 40-min recording are simulated and then tracked; the longer one's peak
must stay within 15 % (plus 60 MB) of the shorter one's, and below an absolute bound (BOUND_MB).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

#: Peak RSS (MB) that simulating or tracking a 64-channel recording must stay below.
BOUND_MB = 1500
#: Lengths compared (min); the README quotes a 30-min vs 2-h run of the same scripts.
SHORT_MIN, LONG_MIN = 10, 40
CHANNELS = [
    "Fp1", "Fpz", "Fp2", "AF7", "AF3", "AFz", "AF4", "AF8", "F7", "F5", "F3", "F1", "Fz", "F2",
    "F4", "F6", "F8", "FT7", "FC5", "FC3", "FC1", "FCz", "FC2", "FC4", "FC6", "FT8", "T7", "C5",
    "C3", "C1", "Cz", "C2", "C4", "C6", "T8", "TP7", "CP5", "CP3", "CP1", "CPz", "CP2", "CP4",
    "CP6", "TP8", "P7", "P5", "P3", "P1", "Pz", "P2", "P4", "P6", "P8", "PO7", "PO3", "POz",
    "PO4", "PO8", "O1", "Oz", "O2", "Iz", "T9", "T10",
]  # fmt: skip

SIMULATE = """
import json, resource, sys
from eegstate.simulate.continuous import simulate_continuous_cohort
duration = float(sys.argv[2])
params = {{"n_subjects": 1, "sfreq": 100.0, "line_freq": 50, "channels": {channels},
          "continuous": {{"duration_s": duration, "onset_s": 0.25 * duration,
                          "peak_s": 0.35 * duration, "offset_s": 0.75 * duration,
                          "decay_s": 0.15 * duration}}}}
table = simulate_continuous_cohort(sys.argv[1], params, 5)
print(json.dumps({{"path": table["path"][0],
                   "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""

TRACK = """
import json, resource, sys
import mne
from eegstate.config import validate_config
from eegstate.track import events_json, track_raw
config = validate_config({"preprocess": {"ica": "none", "reject": "ptp_mad", "h_freq": 40.0,
                                         "bad_channels": "none"},
                          "bandpower": {"fmax": 40.0, "relative_range": [1, 40],
                                        "bands": {"delta": [1, 4], "theta": [4, 8],
                                                  "alpha": [8, 13], "beta": [13, 30],
                                                  "gamma": [30, 40]}},
                          "track": {"step_s": 32, "components": {"dmn": False,
                                                                 "aperiodic": False},
                                    "events": {"n_bootstrap": 0}}})
raw = mne.io.read_raw_fif(sys.argv[1], preload=False, verbose="error")
events = events_json(track_raw(raw, config))
print(json.dumps({"peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "onset_s": events["onset_s"], "n_windows": events["n_windows"]}))
"""


def _run(script: str, *args: str) -> dict:
    env = {**os.environ, "MNE_LOGGING_LEVEL": "WARNING", "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_peak_memory_does_not_grow_with_length(tmp_path):
    simulate = SIMULATE.format(channels=CHANNELS)
    peaks = {}
    for minutes in (SHORT_MIN, LONG_MIN):
        folder = tmp_path / f"{minutes}min"
        made = _run(simulate, str(folder), str(minutes * 60.0))
        tracked = _run(TRACK, str(folder / made["path"]))
        peaks[minutes] = (made["peak_mb"], tracked["peak_mb"])
        assert tracked["n_windows"] >= minutes * 60 / 32 - 1
        print(f"{minutes} min: simulate {made['peak_mb']:.0f} MB, track", tracked["peak_mb"])
    for stage in (0, 1):
        short, long = peaks[SHORT_MIN][stage], peaks[LONG_MIN][stage]
        assert long <= 1.15 * short + 60, peaks
        assert long < BOUND_MB, peaks
