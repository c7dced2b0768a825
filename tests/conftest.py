"""Shared fixtures: real-data location and slow-test gating (builders: ``tests/helpers``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def pytest_collection_modifyitems(config, items):
    """Skip tests marked ``slow`` unless EEGSTATE_RUN_SLOW=1 (set by .ci/run); when they run,
    their modules go first.

    ``make test`` hands whole modules to two xdist workers in collection order, so a long
    workflow module collected last kept one worker busy alone at the end; started first, the
    long modules run beside the many short ones. The order of tests within a module is kept.
    """
    if os.environ.get("EEGSTATE_RUN_SLOW") == "1":
        slow_modules = {item.path for item in items if "slow" in item.keywords}
        items.sort(key=lambda item: item.path not in slow_modules)  # stable: modules stay whole
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
