"""A local stand-in for a batch scheduler, for the cluster-generic executor test.

``submit.py JOBSCRIPT`` starts the job script as a separate background process in its own
session (so it is not a child the submitting Snakemake waits for) and prints a job id;
``status.py ID`` prints ``running``, ``success`` or ``failed``; ``cancel.py ID...`` ends the
jobs' process groups. The state of each job is kept in the folder named by
``EEGSTATE_LOCAL_CLUSTER_DIR`` (default ``.local-cluster`` in the working directory):
``<id>.pid``, the job's output ``<id>.out`` and, once it has finished, its exit code
``<id>.exit`` (written to a temporary name and renamed, so a partial code is never read).
"""

from __future__ import annotations

import os
import signal
import subprocess
import uuid
from collections.abc import Iterable
from pathlib import Path

#: Runs the job script, then records its exit code atomically ($1: job script, $2: prefix).
WRAPPER = (
    'bash "$1" > "$2.out" 2>&1; code=$?; echo "$code" > "$2.exit.tmp"; mv "$2.exit.tmp" "$2.exit"'
)


def jobs_dir() -> Path:
    """The folder holding the jobs' state (created when missing)."""
    folder = Path(os.environ.get("EEGSTATE_LOCAL_CLUSTER_DIR", ".local-cluster"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def submit(jobscript: str) -> str:
    """Start ``jobscript`` in the background and return its job id."""
    job_id = uuid.uuid4().hex[:12]
    folder = jobs_dir()
    process = subprocess.Popen(
        ["bash", "-c", WRAPPER, "job", jobscript, str(folder / job_id)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    (folder / f"{job_id}.pid").write_text(str(process.pid))
    return job_id


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, finished but not yet reaped, does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def _finished(folder: Path, job_id: str) -> str | None:
    exit_file = folder / f"{job_id}.exit"
    if not exit_file.is_file():
        return None
    return "success" if exit_file.read_text().strip() == "0" else "failed"


def status(job_id: str) -> str:
    """``success`` or ``failed`` once the job has finished, ``running`` before.

    A job whose process is gone without an exit code (killed) has failed.
    """
    folder = jobs_dir()
    finished = _finished(folder, job_id)
    if finished is not None:
        return finished
    if _alive(int((folder / f"{job_id}.pid").read_text())):
        return "running"
    # The exit code may have been written between the two checks.
    return _finished(folder, job_id) or "failed"


def cancel(job_ids: Iterable[str]) -> None:
    """End the process group of every job still running."""
    folder = jobs_dir()
    for job_id in job_ids:
        pid_file = folder / f"{job_id}.pid"
        if pid_file.is_file() and _finished(folder, job_id) is None:
            pid = int(pid_file.read_text())
            if _alive(pid):
                try:
                    os.killpg(pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass


def submitted() -> list[str]:
    """Ids of every job submitted so far (from the state folder)."""
    return sorted(path.stem for path in jobs_dir().glob("*.pid"))
