"""What a killed Snakemake run leaves in its working directory, and how to continue it.

A run killed without the chance to clean up (power loss, a scheduler's ``SIGKILL``) leaves
Snakemake's bookkeeping behind in ``.snakemake/`` (file persistence backend, the default of
Snakemake 8 and 9, ``snakemake/persistence/file.py``):

- the lock: ``.snakemake/locks/<n>.input.lock`` and ``<n>.output.lock``, each listing the
  locked file paths (no process id); the next run stops with ``LockException`` when its files
  overlap them;
- incomplete-output markers: ``.snakemake/incomplete/<urlsafe base64 of the output path>``
  (split into ``@``-prefixed folder names when longer than a file name may be), written when a
  job starts and removed when it finishes; the next run stops with ``IncompleteFilesException``
  for the marked outputs that exist.

This module only reads that state, never removes anything, and words the commands that
continue: the same invocation with ``--unlock``, then with ``--rerun-incomplete``.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

#: Marker Snakemake writes while it migrates an old ``.snakemake`` layout (not an output).
_MIGRATION_MARKER = "migration_underway"


@dataclass(frozen=True)
class Leftovers:
    """Snakemake's bookkeeping that a killed run left in a working directory.

    Attributes
    ----------
    workdir : pathlib.Path
        The working directory (which holds ``.snakemake/``).
    locks : tuple of pathlib.Path
        Lock files in ``.snakemake/locks/``.
    incomplete : tuple of str
        Outputs marked incomplete that exist (those Snakemake refuses to use), as recorded.
    running : tuple of int or None
        Process ids of this user's Snakemake processes whose working directory is ``workdir``
        (None: not looked up, or processes cannot be inspected).
    """

    workdir: Path
    locks: tuple[Path, ...] = ()
    incomplete: tuple[str, ...] = ()
    running: tuple[int, ...] | None = None

    def __bool__(self) -> bool:
        return bool(self.locks or self.incomplete)


def snakemake_workdir(args: Sequence[str], cwd: str | Path | None = None) -> Path:
    """The working directory a Snakemake command line uses (``--directory``/``-d``, else cwd).

    Parameters
    ----------
    args : sequence of str
        Snakemake arguments.
    cwd : str or pathlib.Path, optional
        Directory the command runs in (default: the current one).

    Returns
    -------
    pathlib.Path
        The absolute working directory.
    """
    base = Path(cwd) if cwd is not None else Path.cwd()
    folder: str | None = None
    for index, arg in enumerate(args):
        if arg in ("--directory", "-d") and index + 1 < len(args):
            folder = args[index + 1]
        elif arg.startswith("--directory="):
            folder = arg.partition("=")[2]
    return (base / folder if folder else base).absolute()


def incomplete_outputs(workdir: str | Path) -> list[str]:
    """Outputs marked incomplete in ``workdir/.snakemake/incomplete`` that exist.

    Parameters
    ----------
    workdir : str or pathlib.Path
        Snakemake's working directory.

    Returns
    -------
    list of str
        The recorded output paths (relative ones are relative to ``workdir``), sorted.
    """
    folder = Path(workdir) / ".snakemake" / "incomplete"
    if not folder.is_dir():
        return []
    outputs = []
    for marker in folder.rglob("*"):
        parts = marker.relative_to(folder).parts
        if not marker.is_file() or parts == (_MIGRATION_MARKER,):
            continue
        try:
            path = base64.urlsafe_b64decode("".join(p.removeprefix("@") for p in parts)).decode()
        except (binascii.Error, UnicodeDecodeError):
            logger.debug("not an incomplete-output marker: %s", marker)
            continue
        if (Path(workdir) / path).exists():
            outputs.append(path)
    return sorted(outputs)


def running_snakemake(workdir: str | Path) -> tuple[int, ...] | None:
    """Process ids of Snakemake processes (of this user, on this machine) working in ``workdir``.

    Parameters
    ----------
    workdir : str or pathlib.Path
        The working directory.

    Returns
    -------
    tuple of int or None
        The process ids (empty: none found); None when processes cannot be inspected.
    """
    try:
        import psutil
    except ImportError:  # a dependency of Snakemake, so normally present
        return None
    target = Path(workdir).resolve()
    found = []
    for process in psutil.process_iter(["pid", "cmdline", "cwd"]):
        info = process.info
        if info["pid"] == os.getpid() or not info["cmdline"] or not info["cwd"]:
            continue
        if _is_snakemake(info["cmdline"]) and Path(info["cwd"]).resolve() == target:
            found.append(info["pid"])
    return tuple(sorted(found))


def _is_snakemake(cmdline: Sequence[str]) -> bool:
    """Whether a command line runs Snakemake (its script, or ``python -m snakemake``)."""
    for index, arg in enumerate(cmdline):
        if Path(arg).name == "snakemake":
            return True
        if arg == "-m" and list(cmdline[index + 1 : index + 2]) == ["snakemake"]:
            return True
    return False


def find_leftovers(workdir: str | Path) -> Leftovers:
    """Read the lock and incomplete-output markers a killed run left in ``workdir``.

    Parameters
    ----------
    workdir : str or pathlib.Path
        Snakemake's working directory.

    Returns
    -------
    Leftovers
        What was found (false when there is neither a lock nor an incomplete output); the
        running Snakemake processes are looked up only when something was found.
    """
    workdir = Path(workdir).absolute()
    lock_dir = workdir / ".snakemake" / "locks"
    locks = tuple(sorted(lock_dir.glob("*.lock"))) if lock_dir.is_dir() else ()
    leftovers = Leftovers(workdir, locks, tuple(incomplete_outputs(workdir)))
    if not leftovers:
        return leftovers
    return Leftovers(workdir, locks, leftovers.incomplete, running_snakemake(workdir))


def continue_commands(leftovers: Leftovers, argv: Sequence[str]) -> list[list[str]]:
    """The commands that continue: ``argv`` with ``--unlock``, then with ``--rerun-incomplete``.

    Parameters
    ----------
    leftovers : Leftovers
        What the killed run left.
    argv : sequence of str
        The command that failed, e.g. ``["eegstate", "run", "--configfile", "c.yaml"]``.

    Returns
    -------
    list of list of str
        The commands to run in order (empty when ``argv`` already unlocks).
    """
    argv = list(argv)
    if "--unlock" in argv or not leftovers:
        return []
    rerun = argv if {"--rerun-incomplete", "--ri"} & set(argv) else [*argv, "--rerun-incomplete"]
    return [[*argv, "--unlock"], rerun] if leftovers.locks else [rerun]


def how_to_continue(leftovers: Leftovers, argv: Sequence[str]) -> str:
    """Explain what a killed run left and print the commands that continue (no removal).

    Parameters
    ----------
    leftovers : Leftovers
        From :func:`find_leftovers`.
    argv : sequence of str
        The command that failed.

    Returns
    -------
    str
        The message, or ``""`` when there is nothing to explain.
    """
    commands = continue_commands(leftovers, argv)
    if not commands:
        return ""
    found = []
    if leftovers.locks:
        found.append("a Snakemake lock (.snakemake/locks/)")
    if leftovers.incomplete:
        count = len(leftovers.incomplete)
        found.append(
            f"{count} incomplete output{'s' if count > 1 else ''} (marked in "
            f".snakemake/incomplete/, e.g. {leftovers.incomplete[0]})"
        )
    head = f"eegstate run: the folder {leftovers.workdir} holds {' and '.join(found)}"
    if leftovers.running:
        pids = ", ".join(str(pid) for pid in leftovers.running)
        return (
            f"{head}, and Snakemake is running in it (process {pids}): let it finish, then run "
            "your command again; do not unlock while it runs."
        )
    if leftovers.running is None:
        condition = "If no other run is active in this folder (on this or another machine)"
    else:
        condition = (
            "No Snakemake process of yours runs in this folder on this machine; if none runs "
            "on another machine sharing it"
        )
    lines = [
        f"{head}, as a run that was killed (power loss, a scheduler's kill) leaves behind. "
        "Nothing has been removed.",
        f"{condition}, continue with:",
        *(f"  {shlex.join(command)}" for command in commands),
    ]
    return "\n".join(lines)
