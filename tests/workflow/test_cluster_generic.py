"""The workflow through the cluster-generic executor: every job a separate local process.

The submit command (``tests/helpers/local_cluster/submit.py``) starts each job script in the
background and prints a job id, the status command reports ``running``, ``success`` or
``failed`` (``tests/helpers/local_cluster/jobs.py``), as a batch scheduler's would; the outputs must
equal a local run's byte for byte (every TSV and JSON; logs excluded).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO
from helpers.workflow_runs import (
    assert_same_outputs,
    check_run,
    reference_outputs,
    run_folder,
    run_workflow,
    tree_outputs,
    working_directory,
)

SCRIPTS = REPO / "tests" / "helpers" / "local_cluster"


def cluster_args() -> list[str]:
    """Snakemake's options for the local stand-in scheduler (two jobs at a time)."""
    return [
        "--executor",
        "cluster-generic",
        "--cluster-generic-submit-cmd",
        f"{sys.executable} {SCRIPTS / 'submit.py'}",
        "--cluster-generic-status-cmd",
        f"{sys.executable} {SCRIPTS / 'status.py'}",
        "--cluster-generic-cancel-cmd",
        f"{sys.executable} {SCRIPTS / 'cancel.py'}",
        "--jobs",
        "2",
        "--seconds-between-status-checks",
        "1",
    ]


def scheduler(command: str, *args: str, jobs_dir: Path) -> str:
    """Run one of the stand-in scheduler's commands (``status``, ``cancel``); its output."""
    result = subprocess.run(
        [sys.executable, str(SCRIPTS / f"{command}.py"), *args],
        env={**os.environ, "EEGSTATE_LOCAL_CLUSTER_DIR": str(jobs_dir)},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_cluster_generic_run_equals_local_run(tmp_path_factory):
    base = tmp_path_factory.getbasetemp()
    reference = reference_outputs(base)
    folder = run_folder(base)
    jobs_dir = folder.base / "cluster-jobs"
    with working_directory(folder, "cluster-generic") as work:
        try:
            result = run_workflow(
                work, cluster_args(), env={"EEGSTATE_LOCAL_CLUSTER_DIR": str(jobs_dir)}
            )
        finally:
            # end any job a failed or interrupted run left behind (only ours, by id)
            submitted = sorted(path.stem for path in jobs_dir.glob("*.pid"))
            if submitted:
                scheduler("cancel", *submitted, jobs_dir=jobs_dir)
    check_run(result)
    # every job went through the scheduler, each one a process of its own, and succeeded
    statuses = {job_id: scheduler("status", job_id, jobs_dir=jobs_dir) for job_id in submitted}
    assert len(statuses) >= 10 and set(statuses.values()) == {"success"}, statuses
    pids = {(jobs_dir / f"{job_id}.pid").read_text() for job_id in submitted}
    assert len(pids) == len(submitted)
    assert_same_outputs(tree_outputs(folder.results("cluster-generic")), reference)
