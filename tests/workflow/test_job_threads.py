"""A workflow job's numerical libraries use the threads its rule was granted, no more."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from eegstate.steps.base import THREAD_VARIABLES, job_thread_limits

# A fresh process (as a Snakemake script job is): the limits are set before numpy loads.
FRESH_JOB = """
import json
from eegstate.steps.base import job_thread_limits
with job_thread_limits({threads}):
    import numpy  # loads its BLAS inside the job
    import scipy.linalg  # scipy's own BLAS, loaded later still
    from threadpoolctl import threadpool_info
    pools = [(info["internal_api"], info["num_threads"]) for info in threadpool_info()]
print(json.dumps(pools))
"""


def pools_of_a_fresh_job(threads: int, inherited: str | None = None) -> list[tuple[str, int]]:
    """The thread pools a job granted ``threads`` ends with; ``inherited``: the thread
    variables' value in the environment the job starts in (None: unset)."""
    environment = {key: value for key, value in os.environ.items() if key not in THREAD_VARIABLES}
    if inherited is not None:
        environment.update({name: inherited for name in THREAD_VARIABLES})
    completed = subprocess.run(
        [sys.executable, "-c", FRESH_JOB.format(threads=threads)],
        capture_output=True,
        text=True,
        check=True,
        env=environment,
    )
    return [tuple(pool) for pool in json.loads(completed.stdout.strip().splitlines()[-1])]


def test_libraries_loaded_in_a_one_thread_job_use_one_thread():
    pools = pools_of_a_fresh_job(1)
    assert pools, "no BLAS/OpenMP library found"
    assert all(threads == 1 for _, threads in pools), pools


def test_a_two_thread_job_uses_two_whatever_it_inherits():
    pools = pools_of_a_fresh_job(2, inherited="1")
    assert pools, "no BLAS/OpenMP library found"
    assert all(threads == 2 for _, threads in pools), pools


def test_the_environment_is_restored_after_the_job(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "7")
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    with job_thread_limits(1):
        assert os.environ["OMP_NUM_THREADS"] == "1"
        assert os.environ["OPENBLAS_NUM_THREADS"] == "1"
    assert os.environ["OMP_NUM_THREADS"] == "7"
    assert "OPENBLAS_NUM_THREADS" not in os.environ
