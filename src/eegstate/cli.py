"""The ``eegstate`` command line: run the workflow, simulate a cohort.

Imports of the scientific stack happen inside the sub-commands, so ``eegstate --help`` is fast.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eegstate import __version__

logger = logging.getLogger("eegstate")

DESCRIPTION = """\
eegstate: EEG band power, default-mode-network connectivity and dissociative-vs-baseline
state analysis as a Snakemake workflow and a Python library.

Examples:
  eegstate run                                   # simulated cohort, default config
  eegstate run --configfile config/eegbci.yaml --config data_dir=DIR 'subjects=[2,3]'
  eegstate simulate data/sim --n-subjects 6     # write a simulated cohort + sample sheet
  eegstate fetch fsaverage                      # once, for connectivity.method=fsaverage_surface
  eegstate datasets                             # the datasets eegstate reads, licences, citations
  eegstate fetch sleep-physionet --subjects 0 1 --path DIR   # download and verify a dataset
  eegstate classify features.csv --label state --group subject   # evaluate any feature table
  eegstate train --configfile config/eegbci.yaml --out model.eegstate
  eegstate predict model.eegstate new_recording.edf --out predictions.tsv
  eegstate power results/simulated              # power and false-verdict rates vs subjects
  eegstate power --plan --out plan --effect alpha=-1.5 --sd alpha=1   # plan a study
  eegstate simulate data/cont --continuous      # continuous recordings, planted time course
  eegstate track recording.fif --out track/      # state over time, onset/peak/offset
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
    returncode = _wait_for(subprocess.Popen(command, **_interruptible()))
    if returncode != 0:
        _explain_leftovers(args, extra)
    elif not any(flag in extra for flag in ("-n", "--dry-run", "--unlock")):
        report = _report_path(args.configfile, extra)
        if report is not None and report.is_file():
            print(f"Report: {report.resolve()}")
    return returncode


def _explain_leftovers(args: argparse.Namespace, extra: Sequence[str]) -> None:
    """After a failed run, say how to continue if a killed run left its lock or incomplete
    outputs behind (nothing is removed)."""
    from eegstate.runstate import find_leftovers, how_to_continue, snakemake_workdir

    leftovers = find_leftovers(snakemake_workdir(extra))
    message = how_to_continue(leftovers, ["eegstate", *args.argv])
    if message:
        print(message, file=sys.stderr)


def _interruptible() -> dict[str, Any]:
    """:class:`subprocess.Popen` options that let Snakemake see a Ctrl-C (SIGINT).

    A process started with SIGINT ignored (a background job of a shell without job control)
    passes that on to its children, and ``Popen`` does not undo it (``restore_signals`` covers
    SIGPIPE, SIGXFZ and SIGXFSZ only): Snakemake would then ignore the SIGINT it is sent and
    never stop cleanly. Only then is the child given the default SIGINT handling before it
    starts (POSIX); otherwise it has it already and nothing is added.
    """
    if os.name != "posix" or signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        return {}
    return {"preexec_fn": _default_sigint}


def _default_sigint() -> None:
    """Restore the default SIGINT disposition (in the child, before it runs Snakemake)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wait_for(process: subprocess.Popen) -> int:
    """Wait for Snakemake; on Ctrl-C let it shut down cleanly (it removes incomplete outputs
    and its lock) instead of killing it, then pass the interruption on."""
    try:
        return process.wait()
    except KeyboardInterrupt:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        process.wait()
        raise


def _report_path(configfile: str | None, extra: Sequence[str]) -> Path | None:
    """Path of the group report a run produced (best effort, for the final message)."""
    from eegstate.config import ConfigError, load_config
    from eegstate.paths import default_config_path

    items: list[str] = []
    flag = next((flag for flag in ("--config", "-C") if flag in extra), None)
    if flag is not None:
        for item in extra[list(extra).index(flag) + 1 :]:
            if item.startswith("-") or "=" not in item:
                break
            items.append(item)
    try:
        config = load_config(configfile or default_config_path(), _config_overrides(items))
    except ConfigError:
        return None
    return Path(config["results_dir"]) / config["dataset"] / "group" / "report.html"


def _config_overrides(items: Sequence[str]) -> dict[str, object]:
    """``key=value`` items converted to the options' types, as the workflow reads
    ``snakemake --config`` (:func:`eegstate.config.parse_overrides`)."""
    from eegstate.config import parse_overrides

    return parse_overrides(items)


def _add_overrides_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--config KEY=VALUE ...``, options overriding the configuration file.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        A sub-command's parser; its handler reads ``args.config`` with
        :func:`_config_overrides`.
    """
    parser.add_argument(
        "--config", nargs="+", default=[], metavar="KEY=VALUE", help="override options"
    )


def _add_trust_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--trust TYPE`` (repeatable), a serialised type to accept when loading a model.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        A sub-command's parser that loads a saved model; ``args.trust`` is the list of types.
    """
    parser.add_argument(
        "--trust",
        action="append",
        default=[],
        metavar="TYPE",
        help="also trust this serialised type (module.Class) when loading the model",
    )


def _simulate(args: argparse.Namespace, extra: Sequence[str]) -> int:
    """Write a simulated cohort, its sample sheet and ground truth."""
    from eegstate.config import load_config, validate_config
    from eegstate.steps.data import simulate_dataset

    config = load_config(args.configfile)
    options = {"n_subjects": args.n_subjects, "duration_s": args.duration}
    options["file_format"] = args.format
    simulation = {**config["simulation"], **{k: v for k, v in options.items() if v is not None}}
    seed = config["seed"] if args.seed is None else args.seed
    config = validate_config({**config, "simulation": simulation, "seed": seed})
    if args.continuous:
        from eegstate.simulate.continuous import simulate_continuous_cohort

        table = simulate_continuous_cohort(
            args.out_dir,
            config["simulation"],
            config["seed"],
            dose_annotation=config["track"]["dose_annotation"],
            progress=True,
        )
        out = Path(args.out_dir)
        print(f"Wrote {len(table)} continuous recordings, {out / 'recordings.tsv'} and "
              f"{out / 'ground_truth.json'}")  # fmt: skip
        return 0
    table = simulate_dataset(config, args.out_dir)
    print(
        f"Wrote {len(table)} recordings, {Path(args.out_dir) / 'samples.tsv'} and ground_truth.json"
    )
    return 0


def _fetch(args: argparse.Namespace, extra: Sequence[str]) -> int:
    """Download a dataset (or fsaverage) the workflow can use; say what was done."""
    if args.dataset == "fsaverage":
        return _fetch_fsaverage(args)
    from eegstate.datasets.download import DownloadError
    from eegstate.datasets.fetch import fetch_dataset

    config = _fetch_config(args)
    try:
        summaries = fetch_dataset(config, args.subjects)
    except DownloadError as err:
        print(f"eegstate fetch: {err}", file=sys.stderr)
        return 1
    for summary in summaries:
        print(summary.describe())
    print(
        f"Done: {sum(len(s.downloaded) for s in summaries)} file(s) downloaded, "
        f"{sum(len(s.verified) for s in summaries)} verified, "
        f"{sum(len(s.present) for s in summaries)} already present."
    )
    return 0


def _fetch_config(args: argparse.Namespace) -> dict:
    """The configuration a fetch uses: --configfile, else the dataset's example config."""
    from eegstate.config import load_config
    from eegstate.datasets.registry import ADAPTERS
    from eegstate.paths import workflow_root

    if args.configfile:
        config = load_config(args.configfile)
        if args.dataset and args.dataset != config["adapter"]:
            raise ValueError(
                f"dataset {args.dataset!r} differs from the adapter {config['adapter']!r} of "
                f"{args.configfile}; give one or the other"
            )
    elif args.dataset:
        adapter = ADAPTERS[args.dataset]
        config = load_config(
            workflow_root() / adapter.info.config, dict.fromkeys(adapter.fetch_clears)
        )
    else:
        raise ValueError("name a dataset to fetch, or give --configfile")
    if args.path:
        config["data_dir"] = str(Path(args.path).expanduser())
    return ADAPTERS[config["adapter"]].fetch_config(config, accession=args.accession)


class _FetchTargets:
    """What ``eegstate fetch`` downloads: fsaverage and every downloadable adapter.

    A container argparse takes as ``choices``; the registry is asked only when the command is
    used or its help shown, so other commands start without importing the adapters.
    """

    def _names(self) -> list[str]:
        from eegstate.datasets.registry import ADAPTERS

        return ["fsaverage", *(name for name, a in ADAPTERS.items() if a.downloadable)]

    def __iter__(self):
        return iter(self._names())

    def __contains__(self, name: object) -> bool:
        return name in self._names()


def _fetch_fsaverage(args: argparse.Namespace) -> int:
    from eegstate.connectivity.fsaverage import fetch

    try:
        folder = fetch(args.subjects_dir)
    except OSError as err:
        print(f"eegstate fetch: could not download fsaverage: {err}", file=sys.stderr)
        return 1
    print(f"fsaverage is in {folder} (subjects_dir: {folder.parent})")
    return 0


def _power_group_dir(results_dir: str) -> Path:
    """The group folder of a run: ``RESULTS_DIR/group`` or RESULTS_DIR itself."""
    folder = Path(results_dir).expanduser()
    for candidate in (folder / "group", folder):
        if (candidate / "bandpower.tsv").is_file() and (candidate / "qc.tsv").is_file():
            return candidate
    raise FileNotFoundError(
        f"no group tables (bandpower.tsv, qc.tsv) in {folder} or {folder / 'group'}; give the "
        "results folder of a finished run, e.g. results/simulated"
    )


def _pairs(items: Sequence[str] | None, option: str) -> dict[str, float]:
    pairs: dict[str, float] = {}
    for item in items or ():
        name, separator, value = item.partition("=")
        try:
            pairs[name.strip()] = float(value)
        except ValueError:
            separator = ""
        if not separator:
            raise ValueError(
                f"{option} expects NAME=NUMBER (e.g. {option} alpha=-1.5), got {item!r}"
            )
    return pairs


def _power(args: argparse.Namespace, extra: Sequence[str]) -> int:
    """Power and false-verdict rates of the claims: from a finished run, or planned."""
    from tqdm import tqdm

    from eegstate.config import load_config
    from eegstate.paths import default_config_path
    from eegstate.steps.power import make_planned_power, make_power_analysis, replicate_count

    config = load_config(args.configfile or default_config_path(), _config_overrides(args.config))
    overrides = {
        "subjects": args.subjects,
        "replicates": args.replicates,
        "decoding_replicates": args.decoding_replicates,
        "seed": args.seed,
    }
    n_jobs = args.n_jobs or os.cpu_count() or 1
    if args.plan:
        if not args.out:
            raise ValueError("--plan needs --out DIR (where power.tsv and power.png go)")
        out = Path(args.out)
        total = replicate_count(config, planning=True, **overrides)
        with tqdm(total=total, unit="study", desc="planned studies") as bar:
            summary = make_planned_power(
                config=config,
                power_out=out / "power.tsv",
                summary_out=out / "power_summary.tsv",
                figure_out=out / "power.png",
                means=_pairs(args.effect, "--effect"),
                sds=_pairs(args.sd, "--sd"),
                n_jobs=n_jobs,
                progress=bar.update,
                **overrides,
            )
    else:
        if not args.results_dir:
            raise ValueError("give the RESULTS_DIR of a finished run, or --plan --out DIR")
        group = _power_group_dir(args.results_dir)
        out = Path(args.out) if args.out else group
        total = replicate_count(config, **overrides)
        with tqdm(total=total, unit="study", desc="resampled studies") as bar:
            summary = make_power_analysis(
                bandpower_path=group / "bandpower.tsv",
                qc_path=group / "qc.tsv",
                aperiodic_path=group / "aperiodic.tsv",
                dmn_summary_path=group / "dmn_summary.tsv",
                classification_path=group / "classification.json",
                features_path=group / "features.tsv",
                config=config,
                power_out=out / "power.tsv",
                summary_out=out / "power_summary.tsv",
                figure_out=out / "power.png",
                n_jobs=n_jobs,
                progress=bar.update,
                **overrides,
            )
    wide = summary.pivot_table(
        index=["claim", "scenario"], columns="n_subjects", values="probability_changed"
    )
    print('Probability of a "changed" verdict (planted/planned: power; null: false verdicts):')
    print(wide.round(3).to_string())
    print(f"Wrote {out / 'power.tsv'}, {out / 'power_summary.tsv'} and {out / 'power.png'}")
    return 0


def _add_power_command(commands: argparse._SubParsersAction) -> None:
    """The ``power`` sub-command."""
    power = commands.add_parser(
        "power",
        help="power and false-verdict rate of each claim vs number of subjects",
        description="Resample the subjects of a finished run (RESULTS_DIR, e.g. "
        "results/simulated) into studies of each size and run the claims engine on each: the "
        "probability of each verdict (power), and with each subject's states swapped at random "
        "(an exchangeable null) the false-verdict rate. With --plan, studies are simulated from "
        "effect sizes and between-subject SDs instead (no data needed). Writes power.tsv, "
        "power_summary.tsv and power.png (into RESULTS_DIR/group, or --out).",
    )
    power.add_argument("results_dir", nargs="?", help="results folder of a finished run")
    power.add_argument("--subjects", type=int, nargs="+", help="study sizes (default 6 8 12 16 24)")
    power.add_argument("--replicates", type=int, help="studies per size and scenario (500)")
    power.add_argument(
        "--decoding-replicates", type=int, help="studies per size for the decoding claim (20)"
    )
    power.add_argument("--seed", type=int, help="random seed (default: the config's seed)")
    power.add_argument("--configfile", help="configuration of the run (default: config.yaml)")
    _add_overrides_option(power)
    power.add_argument("--out", help="output folder (default RESULTS_DIR/group)")
    power.add_argument("--n-jobs", type=int, help="worker processes (default: all cores)")
    power.add_argument(
        "--plan", action="store_true", help="plan a study from effect sizes (no data needed)"
    )
    power.add_argument(
        "--effect",
        action="append",
        metavar="NAME=MEAN",
        help="planned mean change: alpha, theta, gamma (dB) or dmn (SD units) (repeatable)",
    )
    power.add_argument(
        "--sd", action="append", metavar="NAME=SD", help="planned between-subject SD (repeatable)"
    )
    power.set_defaults(handler=_power)


def _datasets(args: argparse.Namespace, extra: Sequence[str]) -> int:
    """List the dataset adapters with licence, citation and size."""
    from eegstate.datasets.registry import format_datasets

    print(format_datasets())
    return 0


def _add_fetch_command(commands: argparse._SubParsersAction) -> None:
    """The ``fetch`` and ``datasets`` sub-commands (data needing network access, fetched once)."""
    datasets = commands.add_parser(
        "datasets",
        help="list the datasets eegstate reads, with licence, citation and size",
        description="List every dataset adapter: what it is, licence, citation, size, how it "
        "is downloaded and its example config.",
    )
    datasets.set_defaults(handler=_datasets)
    fetch = commands.add_parser(
        "fetch",
        help="download a dataset (or fsaverage), resuming and verifying checksums",
        description="Download a dataset into --path (default: the config's data_dir, else "
        "MNE's ~/mne_data layout) with progress bars; interrupted downloads resume; files are "
        "verified against their checksums and only then put in place; files already present "
        "and valid are not downloaded again. Ends with what was downloaded, verified or "
        "already present. Datasets: the downloadable ones `eegstate datasets` lists (see "
        "DATASET below). 'fsaverage' downloads "
        "the FreeSurfer fsaverage subject (about 200 MB, mne.datasets.fetch_fsaverage) for "
        "connectivity.method 'fsaverage_surface'. With --configfile the dataset, subjects and "
        "data_dir come from a workflow config (one config for fetch and run).",
    )
    fetch.add_argument(
        "dataset",
        nargs="?",
        choices=_FetchTargets(),
        metavar="DATASET",
        help="what to download: %(choices)s (default: the adapter of --configfile)",
    )
    fetch.add_argument(
        "--subjects",
        nargs="+",
        metavar="SUBJECT",
        help="subjects to fetch (eegbci 1-109, sleep-physionet 0-82, openneuro labels); "
        "default: the config's subjects",
    )
    fetch.add_argument("--path", help="data folder (the config's data_dir)")
    fetch.add_argument("--configfile", help="take dataset, subjects and data_dir from a config")
    fetch.add_argument("--accession", help="OpenNeuro accession (e.g. ds005620)")
    fetch.add_argument(
        "--subjects-dir",
        help="fsaverage only: FreeSurfer subjects folder (default: MNE's SUBJECTS_DIR, else "
        "~/mne_data/MNE-fsaverage-data); use the same as connectivity.subjects_dir",
    )
    fetch.set_defaults(handler=_fetch)


def _classify(args: argparse.Namespace, extra: Sequence[str]) -> int:
    """Evaluate a classifier on a feature table; print the JSON summary to stdout."""
    import json

    from eegstate.apps.classification import classify_table

    summary = classify_table(
        args.table,
        label=args.label,
        group=args.group,
        recording=args.recording,
        features=args.features,
        estimator=args.estimator,
        normalize=args.normalize,
        baseline_label=args.baseline_label,
        n_permutations=args.permutations,
        inner_folds=args.inner_folds,
        seed=args.seed,
        n_jobs=args.n_jobs,
    )
    print(json.dumps(summary, indent=2, allow_nan=False, default=str))
    return 0


def _train(args: argparse.Namespace, extra: Sequence[str]) -> int:
    """Fit the configured classifier on a workflow run's features and save it."""
    import json

    from eegstate.apps.classification import train_model
    from eegstate.config import load_config
    from eegstate.paths import default_config_path

    config = load_config(args.configfile or default_config_path(), _config_overrides(args.config))
    model = train_model(
        config=config, model_out=args.out, group_dir=args.group_dir, n_jobs=args.n_jobs
    )
    meta = model.metadata
    summary = {
        "model": str(Path(args.out).resolve()),
        "estimator": meta["estimator"],
        "best_params": meta["best_params"],
        "normalize": meta["normalize"],
        "n_subjects": len(meta["subjects"]),
        "n_features": len(meta["feature_names"]),
    }
    print(json.dumps(summary, indent=2, default=str))
    return 0


def _predict(args: argparse.Namespace, extra: Sequence[str]) -> int:
    """Predict the state of new recordings with a saved model."""
    import contextlib
    import json

    from eegstate.apps.classification import predict_recordings

    # MNE reports progress on stdout; keep stdout for the JSON result.
    with contextlib.redirect_stdout(sys.stderr):
        table = predict_recordings(
            model_path=args.model,
            inputs=args.recordings,
            out=args.out,
            baseline=args.baseline,
            subject=args.subject,
            trusted=args.trust,
            adapter=args.adapter,
        )
    print(json.dumps(table.to_dict(orient="records"), indent=2, default=str))
    return 0


def _add_classification_commands(commands: argparse._SubParsersAction) -> None:
    """The ``classify``, ``train`` and ``predict`` sub-commands (defaults from the schema)."""
    from eegstate.config import option_default

    classify = commands.add_parser(
        "classify",
        help="subject-wise evaluation of a classifier on any feature table (JSON to stdout)",
        description="Nested subject-wise evaluation (outer leave-one-subject-out, inner "
        "GroupKFold search) with a subject-aware permutation test, on a CSV or TSV table with "
        "one row per epoch or window. Prints a JSON object (balanced_accuracy, roc_auc, "
        "n_subjects, per_subject, p_value, ...).",
    )
    classify.add_argument("table", help="feature table (.csv, otherwise tab-separated)")
    classify.add_argument("--label", required=True, help="column of the state label")
    classify.add_argument("--group", required=True, help="column of the subject")
    classify.add_argument(
        "--recording",
        default="recording",
        help="column of the recording, if present (default: recording); without it each "
        "subject x label block counts as one recording",
    )
    classify.add_argument(
        "--features",
        action="append",
        metavar="GLOB",
        help="feature columns matching this pattern (repeatable; default: every numeric "
        "column except label and group, listed in a warning)",
    )
    estimator = option_default("classification", "estimator")
    classify.add_argument(
        "--estimator",
        default=estimator,
        metavar="NAME_OR_IMPORT_PATH",
        help="logistic, linear_svm, random_forest or package.module:factory (default: "
        f"{estimator}, the configuration's classification.estimator)",
    )
    normalize = option_default("classification", "normalize")
    classify.add_argument(
        "--normalize",
        choices=["none", "subject", "baseline"],
        default=normalize,
        help=f"subject-wise normalisation (default: {normalize})",
    )
    classify.add_argument(
        "--baseline-label", help="value of --label that is the baseline (class 0)"
    )
    permutations = option_default("classification", "n_permutations")
    classify.add_argument(
        "--permutations",
        type=int,
        default=permutations,
        help=f"permutations (default {permutations}; 0 skips)",
    )
    folds = option_default("classification", "inner_folds")
    classify.add_argument(
        "--inner-folds", type=int, default=folds, help=f"inner folds (default {folds})"
    )
    seed = option_default("seed")
    classify.add_argument("--seed", type=int, default=seed, help=f"random seed (default {seed})")
    classify.add_argument("--n-jobs", type=int, default=1, help="parallel jobs (default 1)")
    classify.set_defaults(handler=_classify)

    train = commands.add_parser(
        "train",
        help="fit the configured classifier on all subjects of a workflow run and save it",
        description="Fit the configured classifier (section 'classification') on every "
        "subject of a completed workflow run (group/features.tsv) and save it with skops, "
        "together with what new input must match: features, bands, channels, sampling rate, "
        "preprocessing and package versions.",
    )
    train.add_argument("--configfile", help="workflow configuration of the run")
    _add_overrides_option(train)
    train.add_argument("--out", required=True, help="model file to write")
    train.add_argument(
        "--group-dir", help="folder of the group tables (default: <results_dir>/<dataset>/group)"
    )
    train.add_argument("--n-jobs", type=int, help="parallel jobs of the grid search")
    train.set_defaults(handler=_train)

    predict = commands.add_parser(
        "predict",
        help="predict the state of new recordings with a saved model",
        description="Preprocess new recordings exactly as the model's training data and "
        "write per-epoch probabilities (--out) and a per-recording label "
        "(<out stem>_recordings.tsv). All recordings given are taken as one subject. "
        "Input that does not match the model (missing channels, other bands, too low a "
        "sampling rate) is refused.",
    )
    predict.add_argument("model", help="model file from 'eegstate train'")
    predict.add_argument(
        "recordings", nargs="+", help="raw recordings or *_bandpower-epochs.tsv tables"
    )
    predict.add_argument("--out", required=True, help="per-epoch predictions (TSV)")
    predict.add_argument(
        "--baseline", help="the subject's baseline recording (models with normalize=baseline)"
    )
    predict.add_argument("--subject", default="new", help="subject label for the tables")
    _add_trust_option(predict)
    predict.add_argument("--adapter", help="channel-name fix-ups (default: the model's)")
    predict.set_defaults(handler=_predict)


def _track(args: argparse.Namespace, extra: Sequence[str]) -> int:
    """Track the state of one continuous recording over time."""
    import contextlib
    import json

    from eegstate.config import load_config
    from eegstate.steps.track import track_recording

    config = load_config(args.configfile, _config_overrides(args.config))
    with contextlib.redirect_stdout(sys.stderr):  # MNE prints progress; stdout is the JSON
        record = track_recording(
            recording=args.recording,
            out_dir=args.out,
            config=config,
            model_path=args.model,
            baseline=args.baseline,
            trusted=args.trust,
            progress=True,
        )
    keys = [k for k in record if k.endswith(("_s", "_low", "_high", "_vs_claim")) or k == "event"]
    print(json.dumps({key: record[key] for key in keys}, indent=2))
    return 0


def _add_track_command(commands: argparse._SubParsersAction) -> None:
    """The ``track`` sub-command."""
    track = commands.add_parser(
        "track",
        help="track the state of a continuous recording over time (onset, peak, offset)",
        description="Per window (track.window_s every track.step_s), an index of the state: "
        "with --model the saved model's probability of the target state, otherwise how far "
        "the window's band power, aperiodic exponent and DMN connectivity are from the "
        "baseline segment (and the signed change of each). Onset, peak and offset of the "
        "altered state by change-point detection with bootstrap intervals, relative to the "
        "dose annotation (track.dose_annotation) when there is one. Writes OUT/track.tsv, "
        "OUT/events.json and OUT/track.png; prints the event times as JSON.",
    )
    track.add_argument("recording", help="any format MNE reads (FIF written by eegstate too)")
    track.add_argument("--out", required=True, help="output folder")
    track.add_argument("--model", help="model file from 'eegstate train' (supervised index)")
    track.add_argument(
        "--baseline",
        nargs=2,
        type=float,
        metavar=("START_S", "END_S"),
        help="baseline segment (default: the first track.baseline_s seconds)",
    )
    track.add_argument("--configfile", help="configuration (track, preprocess, ... options)")
    _add_overrides_option(track)
    _add_trust_option(track)
    track.set_defaults(handler=_track)


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
        # Without this, argparse would take snakemake's --config for an abbreviated --configfile.
        allow_abbrev=False,
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
    simulate.add_argument(
        "--continuous",
        action="store_true",
        help="write one continuous recording per subject whose state follows the planted time "
        "course of simulation.continuous (FIF, dose annotation, ground_truth.json)",
    )
    simulate.set_defaults(handler=_simulate)
    _add_track_command(commands)
    _add_classification_commands(commands)
    _add_power_command(commands)
    _add_fetch_command(commands)
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
    args.argv = list(sys.argv[1:] if argv is None else argv)  # to print continuing commands
    try:
        return args.handler(args, extra)
    except (ValueError, FileNotFoundError) as err:
        print(f"eegstate {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"eegstate {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
