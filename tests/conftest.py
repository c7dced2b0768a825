"""Shared fixtures: real-data location, slow-test gating, small synthetic recordings."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from eegstate.montage import standard_montage


def pytest_collection_modifyitems(config, items):
    """Skip tests marked ``slow`` unless EEGSTATE_RUN_SLOW=1 (set by .ci/run)."""
    if os.environ.get("EEGSTATE_RUN_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow end-to-end test: set EEGSTATE_RUN_SLOW=1 to run")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def eegbci_dir() -> Path:
    """Folder holding PhysioNet EEGBCI files in MNE's cache layout (EEGSTATE_TEST_DATA).

    Skips when absent, unless EEGSTATE_REQUIRE_TEST_DATA=1 (CI), where absence fails.
    """
    root = os.environ.get("EEGSTATE_TEST_DATA")
    subject_dir = Path(root or "") / "MNE-eegbci-data" / "files" / "eegmmidb" / "1.0.0"
    if not root or not subject_dir.is_dir():
        message = f"EEGBCI test data not found (EEGSTATE_TEST_DATA={root!r})"
        if os.environ.get("EEGSTATE_REQUIRE_TEST_DATA") == "1":
            pytest.fail(message + " but EEGSTATE_REQUIRE_TEST_DATA=1")
        pytest.skip(message)
    return Path(root).resolve()


@pytest.fixture(scope="session")
def eegbci_subjects(eegbci_dir: Path) -> list[int]:
    """EEGBCI subjects that have both resting runs (R01 and R02) in the test data."""
    base = eegbci_dir / "MNE-eegbci-data" / "files" / "eegmmidb" / "1.0.0"
    subjects = []
    for folder in sorted(base.glob("S[0-9][0-9][0-9]")):
        number = int(folder.name[1:])
        if all((folder / f"S{number:03d}R{run:02d}.edf").is_file() for run in (1, 2)):
            subjects.append(number)
    assert subjects, f"no subject with both resting runs under {base}"
    return subjects


@pytest.fixture(scope="session")
def sleep_hypnogram() -> Path:
    """Real Sleep-EDF hypnogram SC4001EC (EEGSTATE_TEST_DATA/physionet-sleep-data).

    Skips when absent, unless EEGSTATE_REQUIRE_TEST_DATA=1 (CI), where absence fails.
    """
    root = os.environ.get("EEGSTATE_TEST_DATA")
    path = Path(root or "") / "physionet-sleep-data" / "SC4001EC-Hypnogram.edf"
    if not root or not path.is_file():
        message = f"Sleep-EDF hypnogram not found (EEGSTATE_TEST_DATA={root!r})"
        if os.environ.get("EEGSTATE_REQUIRE_TEST_DATA") == "1":
            pytest.fail(message + " but EEGSTATE_REQUIRE_TEST_DATA=1")
        pytest.skip(message)
    return path.resolve()


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
