"""A killed run (issue 15): `eegstate run` names the commands that continue, removing nothing.

The fast tests write Snakemake's lock and incomplete markers with Snakemake's own persistence
code; the slow one kills a real run with SIGKILL and continues it with the printed commands.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import yaml
from snakemake.persistence.file import FilePersistence

from eegstate.runstate import (
    Leftovers,
    continue_commands,
    find_leftovers,
    how_to_continue,
    snakemake_workdir,
)

#: The installed console script, as a user types it (the printed commands start with it).
EEGSTATE = str(Path(sys.executable).with_name("eegstate"))
SMALL_RUN = {
    "simulation": {"n_subjects": 2, "duration_s": 20},
    "preprocess": {"ica": "none", "reject": "ptp_mad"},
    "connectivity": {"enabled": False},
    "report": {"recording_reports": False, "n_bootstrap": 200},
    "classification": {"n_permutations": 0},
    "stats": {"n_permutations": 100},
}


def write_config(folder: Path) -> Path:
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump({"results_dir": str(folder / "results"), **SMALL_RUN}))
    return path


def persistence(folder: Path) -> FilePersistence:
    return FilePersistence(path=folder / ".snakemake")


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [EEGSTATE, *args], cwd=cwd, capture_output=True, text=True, timeout=900, check=False
    )


def printed_commands(stderr: str) -> list[list[str]]:
    return [shlex.split(line) for line in stderr.splitlines() if line.startswith("  eegstate ")]


def test_incomplete_outputs_are_read_from_snakemake_markers(tmp_path):
    existing = tmp_path / "results" / "a.tsv"
    existing.parent.mkdir()
    existing.write_text("partial")
    long_name = tmp_path / "results" / ("x" * 120) / ("y" * 120) / "b.tsv"
    long_name.parent.mkdir(parents=True)
    long_name.write_text("partial")  # its marker name is too long: Snakemake splits it
    store = persistence(tmp_path)
    for path in (existing, long_name, tmp_path / "results" / "never-written.tsv"):
        store._mark_incomplete(str(path), None)
    store._mark_incomplete("results/a.tsv", None)  # a relative record
    leftovers = find_leftovers(tmp_path)
    assert leftovers.incomplete == tuple(sorted([str(existing), str(long_name), "results/a.tsv"]))
    assert not leftovers.locks and leftovers
    assert leftovers.running == ()  # looked up: nothing runs in tmp_path


def test_healthy_folder_has_no_leftovers(tmp_path):
    assert not find_leftovers(tmp_path)
    persistence(tmp_path)  # creates .snakemake/ with empty locks/ and incomplete/
    assert not find_leftovers(tmp_path)
    assert how_to_continue(find_leftovers(tmp_path), ["eegstate", "run"]) == ""


def test_continue_commands_add_unlock_then_rerun_incomplete(tmp_path):
    argv = ["eegstate", "run", "--configfile", "my config.yaml", "--config", "seed=3"]
    locked = Leftovers(tmp_path, locks=(tmp_path / "0.output.lock",), running=())
    assert continue_commands(locked, argv) == [[*argv, "--unlock"], [*argv, "--rerun-incomplete"]]
    incomplete = Leftovers(tmp_path, incomplete=("out.tsv",), running=())
    assert continue_commands(incomplete, argv) == [[*argv, "--rerun-incomplete"]]
    assert continue_commands(locked, [*argv, "--ri"]) == [
        [*argv, "--ri", "--unlock"],
        [*argv, "--ri"],
    ]
    assert continue_commands(locked, [*argv, "--unlock"]) == []
    message = how_to_continue(locked, argv)
    assert "  eegstate run --configfile 'my config.yaml' --config seed=3 --unlock" in message
    assert "Nothing has been removed" in message


def test_snakemake_workdir_follows_directory_option(tmp_path):
    assert snakemake_workdir(["--dry-run"], cwd=tmp_path) == tmp_path
    assert snakemake_workdir(["-d", "sub"], cwd=tmp_path) == tmp_path / "sub"
    assert snakemake_workdir([f"--directory={tmp_path}/x"], cwd="/") == tmp_path / "x"


def test_live_run_is_not_unlocked(tmp_path):
    persistence(tmp_path)._write_locks("output", [str(tmp_path / "out.tsv")])
    fake = tmp_path / "snakemake"  # a process whose command line runs "snakemake" here
    fake.write_text("import time\ntime.sleep(60)\n")
    process = subprocess.Popen([sys.executable, str(fake)], cwd=tmp_path)
    try:
        while str(fake) not in psutil.Process(process.pid).cmdline():  # until exec is done
            time.sleep(0.01)
        leftovers = find_leftovers(tmp_path)
        assert leftovers.running == (process.pid,)
        message = how_to_continue(leftovers, ["eegstate", "run"])
    finally:
        process.kill()
        process.wait()
    assert f"Snakemake is running in it (process {process.pid})" in message
    assert "--unlock" not in message.replace("do not unlock", "")
    assert "do not unlock while it runs" in message


def test_run_on_a_stale_lock_prints_the_continuing_commands(tmp_path):
    configfile = write_config(tmp_path)
    report = tmp_path / "results" / "simulated" / "group" / "report.html"
    persistence(tmp_path)._write_locks("output", [str(report)])  # as a killed run leaves it
    lock_files = sorted((tmp_path / ".snakemake" / "locks").iterdir())
    argv = ["run", "--cores", "1", "--configfile", str(configfile)]
    result = run(argv, tmp_path)
    assert result.returncode != 0
    assert "LockException" in result.stdout + result.stderr
    assert "a Snakemake lock (.snakemake/locks/)" in result.stderr
    assert printed_commands(result.stderr) == [
        ["eegstate", *argv, "--unlock"],
        ["eegstate", *argv, "--rerun-incomplete"],
    ]
    assert sorted((tmp_path / ".snakemake" / "locks").iterdir()) == lock_files  # not removed


@pytest.mark.slow
def test_killed_run_continues_with_the_printed_commands(tmp_path):
    configfile = write_config(tmp_path)
    argv = ["run", "--cores", "2", "--configfile", str(configfile)]
    killed = subprocess.Popen(
        [EEGSTATE, *argv],
        cwd=tmp_path,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    markers = tmp_path / ".snakemake" / "incomplete"
    deadline = time.monotonic() + 300
    while not (markers.is_dir() and any(markers.iterdir())):  # a job has started
        assert killed.poll() is None and time.monotonic() < deadline, "no job started"
        time.sleep(0.2)
    os.killpg(killed.pid, signal.SIGKILL)  # like a power loss: nobody cleans up
    killed.wait()

    again = run(argv, tmp_path)
    assert again.returncode != 0
    assert "Nothing has been removed" in again.stderr
    commands = printed_commands(again.stderr)
    assert commands == [["eegstate", *argv, "--unlock"], ["eegstate", *argv, "--rerun-incomplete"]]
    for command in commands:
        result = run(command[1:], tmp_path)
        assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    assert (tmp_path / "results" / "simulated" / "group" / "report.html").is_file()
    assert not find_leftovers(tmp_path)
