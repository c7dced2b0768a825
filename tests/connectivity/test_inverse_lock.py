"""The ROI inverse operator is built once per channel set even by jobs that start together."""

from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path

import numpy as np
import pytest
from helpers.raws import make_raw

from eegstate.config import validate_config
from eegstate.connectivity import inverse as inverse_module
from eegstate.settings import ConnectivitySettings, build_settings


def fake_operator(info) -> inverse_module.RoiOperator:
    n = len(info["ch_names"])
    return inverse_module.RoiOperator(
        ch_names=tuple(info["ch_names"]),
        nodes=("a", "b"),
        kernels=(np.ones((3, n)), np.full((3, n), 2.0)),
        flips=(np.ones(3), -np.ones(3)),
        description={"fake": True},
    )


def job(info, params, cache_dir: Path, start: float) -> None:
    """One recording job: wait for the common start, then ask for the operator."""
    inverse_module._MEMORY.clear()  # a new process: nothing in memory
    time.sleep(max(0.0, start - time.time()))
    operator = inverse_module.roi_operator(info, params, cache_dir=cache_dir)
    assert operator.description == {"fake": True}


def run_jobs_together(info, params, cache_dir: Path, n_jobs: int = 3) -> list[int | None]:
    """Start ``n_jobs`` forked recording jobs that ask at the same moment; their exit codes."""
    context = multiprocessing.get_context("fork")
    start = time.time() + 0.5
    jobs = [
        context.Process(target=job, args=(info, params, cache_dir, start)) for _ in range(n_jobs)
    ]
    for process in jobs:
        process.start()
    for process in jobs:
        process.join(timeout=60)
    return [process.exitcode for process in jobs]


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="needs the fork start method"
)
def test_parallel_jobs_build_the_operator_once(tmp_path, monkeypatch):
    info = make_raw(n_seconds=2.0).info
    params = build_settings(ConnectivitySettings, validate_config({})["connectivity"])
    builds = tmp_path / "builds.txt"

    def slow_build(info, params):  # long enough for every job to miss the cache
        with open(builds, "a", encoding="utf-8") as file:
            file.write(f"{os.getpid()}\n")
        time.sleep(1.0)
        return fake_operator(info)

    monkeypatch.setattr(inverse_module, "build_roi_operator", slow_build)
    exit_codes = run_jobs_together(info, params, tmp_path / "cache")
    assert exit_codes == [0, 0, 0]
    assert len(builds.read_text().splitlines()) == 1  # one job built it, two read it
    cached = list((tmp_path / "cache").glob("roi-operator-*.npz"))
    assert len(cached) == 1
    loaded = inverse_module._load(cached[0])
    np.testing.assert_array_equal(loaded.kernels[1], fake_operator(info).kernels[1])

    # Without the lock every job builds its own (the test can tell the difference): each build
    # waits until all three have started one, so the count does not depend on timing.
    def waiting_build(info, params):
        with open(builds, "a", encoding="utf-8") as file:
            file.write(f"{os.getpid()}\n")
        deadline = time.time() + 30
        while len(builds.read_text().splitlines()) < 3 and time.time() < deadline:
            time.sleep(0.05)
        return fake_operator(info)

    monkeypatch.setattr(inverse_module, "build_roi_operator", waiting_build)
    monkeypatch.setattr(inverse_module, "file_lock", lambda path: _no_lock())
    builds.unlink()
    cached[0].unlink()
    run_jobs_together(info, params, tmp_path / "cache")
    assert len(builds.read_text().splitlines()) == 3


class _no_lock:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc) -> None:
        return None
