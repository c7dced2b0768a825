"""The ``eegstate`` command line: run the workflow, simulate a cohort.

Imports of the scientific stack happen inside the sub-commands, so ``eegstate --help`` is fast.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from eegstate import __version__

logger = logging.getLogger("eegstate")

DESCRIPTION = """\
eegstate: EEG band power, default-mode-network connectivity and dissociative-vs-baseline
state analysis as a Snakemake workflow and a Python library.

Examples:
  eegstate run                                   # simulated cohort, default config
  eegstate run --configfile config/eegbci.yaml --config data_dir=DIR 'subjects=[2,3]'
  eegstate simulate data/sim --n-subjects 6     # write a simulated cohort + sample sheet
"""


def _run(args: argparse.Namespace, extra: Sequence[str]) -> int:
    """Run Snakemake on the eegstate workflow; unknown arguments pass through to it."""
    from eegstate.paths import default_config_path, workflow_root

    command = [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(workflow_root() / "Snakefile"),
        "--cores",
        str(args.cores),
        "--configfile",
        str(args.configfile or default_config_path()),
        *extra,
    ]
    logger.info("running: %s", " ".join(command))
    completed = subprocess.run(command, check=False)
    if completed.returncode == 0 and not any(flag in extra for flag in ("-n", "--dry-run")):
        report = _report_path(args.configfile, extra)
        if report is not None and report.is_file():
            print(f"Report: {report.resolve()}")
    return completed.returncode


def _report_path(configfile: str | None, extra: Sequence[str]) -> Path | None:
    """Path of the group report a run produced (best effort, for the final message)."""
    import yaml

    from eegstate.config import ConfigError, load_config
    from eegstate.paths import default_config_path

    overrides: dict[str, object] = {}
    if "--config" in extra:
        for item in extra[list(extra).index("--config") + 1 :]:
            if item.startswith("-") or "=" not in item:
                break
            key, value = item.split("=", 1)
            overrides[key] = yaml.safe_load(value)
    try:
        config = load_config(configfile or default_config_path(), overrides)
    except ConfigError:
        return None
    return Path(config["results_dir"]) / config["dataset"] / "group" / "report.html"


def _simulate(args: argparse.Namespace, extra: Sequence[str]) -> int:
    """Write a simulated cohort, its sample sheet and ground truth."""
    from eegstate.config import load_config
    from eegstate.steps.data import simulate_dataset

    overrides = {}
    config = load_config(args.configfile, overrides)
    simulation = dict(config["simulation"])
    if args.n_subjects is not None:
        simulation["n_subjects"] = args.n_subjects
    if args.duration is not None:
        simulation["duration_s"] = args.duration
    if args.format is not None:
        simulation["file_format"] = args.format
    config["simulation"] = simulation
    if args.seed is not None:
        config["seed"] = args.seed
    table = simulate_dataset(config, args.out_dir)
    print(
        f"Wrote {len(table)} recordings, {Path(args.out_dir) / 'samples.tsv'} and ground_truth.json"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``eegstate`` command."""
    parser = argparse.ArgumentParser(
        prog="eegstate",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"eegstate {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="run the Snakemake workflow (extra arguments pass through to snakemake)",
        description="Run the eegstate workflow with Snakemake in the current directory. Any "
        "argument not listed here is passed to snakemake unchanged, e.g. --config key=value, "
        "--dry-run, --keep-going, --profile workflow/profiles/slurm, or a target file.",
    )
    run.add_argument(
        "--configfile",
        help="workflow configuration (default: the simulated cohort, config/config.yaml)",
    )
    run.add_argument(
        "--cores", default=os.cpu_count() or 1, help="CPU cores snakemake may use (default: all)"
    )
    run.set_defaults(handler=_run)

    simulate = commands.add_parser(
        "simulate",
        help="write a simulated cohort (recordings, samples.tsv, ground_truth.json)",
        description="Generate a simulated cohort with planted, documented effects: N subjects x "
        "{baseline, target} recordings as real files, a sample sheet usable with "
        "config/samplesheet.yaml, and ground_truth.json stating every planted effect.",
    )
    simulate.add_argument("out_dir", help="output folder")
    simulate.add_argument("--configfile", help="take simulation options from this config")
    simulate.add_argument("--n-subjects", type=int, help="number of subjects")
    simulate.add_argument("--duration", type=float, help="seconds per recording")
    simulate.add_argument("--format", choices=["fif", "edf"], help="file format")
    simulate.add_argument("--seed", type=int, help="random seed")
    simulate.set_defaults(handler=_simulate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``eegstate`` console script."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if extra and args.command != "run":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        return args.handler(args, extra)
    except (ValueError, FileNotFoundError) as err:
        print(f"eegstate {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
