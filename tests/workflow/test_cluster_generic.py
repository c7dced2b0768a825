"""The workflow through the cluster-generic executor: every job a separate local process.

The submit command (``tests/helpers/local_cluster/submit.py``) starts each job script in the
background and prints a job id, the status command reports ``running``, ``success`` or
``failed`` (``tests/helpers/local_cluster/jobs.py``), as a batch scheduler's would. The run
uses the settings docs/cluster.md recommends on a cluster: one recording per job
(``execution.recordings_per_job: 1``) with the short recording jobs submitted three at a time
(``--group-components recordings=3``), and the group stage's jobs put in one group on the
command line (``--groups``), so they run in one submission (one Snakemake start-up instead of
one per job). Its outputs must equal those of a local run with the default batches (every TSV
and JSON byte for byte, nothing normalised: both runs start from the same working directory
path; logs excluded): how jobs are cut and where they run never changes a result.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from helpers import REPO
from helpers.workflow_runs import (
    assert_same_outputs,
    check_run,
    reference_outputs,
    require_plugin,
    run_folder,
    run_workflow,
    tree_outputs,
    working_directory,
)

require_plugin(
    "snakemake_executor_plugin_cluster_generic", "snakemake-executor-plugin-cluster-generic"
)

SCRIPTS = REPO / "tests" / "helpers" / "local_cluster"
#: Recording jobs per cluster submission (``--group-components``).
GROUP_SIZE = 3
#: The rule files of the group stage (every rule after the recording jobs).
GROUP_STAGE_FILES = ("group.smk", "classification.smk", "report.smk")
#: A rule's start in a job's output (Snakemake prints it for every job it runs).
RULE_LINE = re.compile(r"^(?:local)?rule (\w+):$", re.MULTILINE)


def group_stage_rules() -> list[str]:
    """The rules of the group stage (declared in :data:`GROUP_STAGE_FILES`)."""
    rules = REPO / "workflow" / "rules"
    return sorted(
        name
        for file in GROUP_STAGE_FILES
        for name in re.findall(r"^\s*rule (\w+):", (rules / file).read_text(), re.MULTILINE)
    )


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
        "--group-components",
        f"recordings={GROUP_SIZE}",
        "--groups",
        *(f"{rule}=summary" for rule in group_stage_rules()),
    ]


def planned_jobs(output: str) -> Counter[str]:
    """The jobs Snakemake planned, by rule (its ``Job stats`` table in ``output``)."""
    table = output.split("Job stats:", 1)[1].split("total", 1)[0]
    rows = (line.split() for line in table.splitlines()[3:])
    return Counter({row[0]: int(row[1]) for row in rows if len(row) == 2})


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
    one_per_job = {"execution": {"recordings_per_job": 1}}
    with working_directory(folder, "cluster-generic", config=one_per_job) as work:
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
    # every submitted job succeeded, each one a process of its own
    statuses = {job_id: scheduler("status", job_id, jobs_dir=jobs_dir) for job_id in submitted}
    assert set(statuses.values()) == {"success"}, statuses
    pids = {(jobs_dir / f"{job_id}.pid").read_text() for job_id in submitted}
    assert len(pids) == len(submitted)
    # every planned job but the target rule `all` ran through the scheduler, exactly once:
    # the six recording jobs three to a submission, the group stage in one more
    ran = {
        job_id: RULE_LINE.findall((jobs_dir / f"{job_id}.out").read_text()) for job_id in submitted
    }
    planned = planned_jobs(result.stdout + result.stderr)
    assert planned["process_recording"] == 6 and planned["all"] == 1, planned
    assert Counter(rule for rules in ran.values() for rule in rules) == planned - Counter(["all"])
    recording_submissions = [rules for rules in ran.values() if "process_recording" in rules]
    assert sorted(map(len, recording_submissions)) == [GROUP_SIZE, GROUP_SIZE], ran
    assert len(submitted) == len(recording_submissions) + 1, ran
    assert planned["group_report"] == 1 and planned["group_stats"] == 1, planned
    assert_same_outputs(tree_outputs(folder.results("cluster-generic")), reference)
