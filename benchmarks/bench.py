"""``make bench``: eegstate's throughput figures, each a ratio of times measured in this run.

Prints one ``name: value`` line per figure on standard output (timings and progress go to
standard error); a figure whose peer is not installed or whose data are absent prints
``name: skipped (why)``. Exits non-zero only when a section fails.

* ``bandpower_speedup_vs_yasa``: yasa.bandpower ÷ eegstate, spectra + band power (section
  ``bandpower``);
* ``bandpower_vs_rfft``: eegstate ÷ a bare ``numpy.fft.rfft`` of the same segments
  (``bandpower``);
* ``bandpower_max_rel_diff_vs_mne``: largest relative difference of eegstate's band power from
  MNE's Welch path, eegstate's previous one (``bandpower``; above 1e-6 is an error);
* ``peak_rss_ratio``: (peak RSS − 300 MB) ÷ float64 size of the recording, for one recording
  job on a long recording (``memory``);
* ``vs_minimal_mne``: eegstate without ICA, connectivity and recording reports ÷
  ``benchmarks/minimal_mne.py``, 8 EEGBCI recordings (``minimal_mne``);
* ``vs_mne_bids_pipeline``: MNE-BIDS-Pipeline ``init,preprocessing`` ÷ eegstate's default
  ``config/eegbci.yaml``, same 8 recordings (``mne_bids_pipeline``);
* ``speedup_2_cores``: 1-core ÷ 2-core wall time, 16 simulated 60-s recordings (``cores``);
* ``scaling_16_vs_8``: 16 ÷ 8 simulated recordings, 2 cores (``cores``);
* ``demo_seconds``: the ``make demo`` workflow, without the install (``demo``; seconds).

Band power: 1 h x 64 channels x 250 Hz of seeded synthetic EEG (``benchmarks/synthetic.py``),
4-s epochs, 2-s Hamming windows (eegstate's, i.e. MNE's default) with 50 % overlap, mean over
segments, one thread; yasa gets the same epochs (one row per epoch and channel, µV) with the
same window, overlap, averaging and bands. The workflow sections run ``eegstate run`` cold in
fresh temporary folders. Run from the repository root::

    .venv/bin/python benchmarks/bench.py [--only bandpower,memory] [--quick] [--data-dir DIR]

``--quick`` shrinks the band-power and memory inputs (1 min x 8 channels) for smoke tests;
its ratios mean nothing.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

logger = logging.getLogger("bench")

REPO = Path(__file__).resolve().parent.parent
BENCHMARKS = REPO / "benchmarks"
SECTIONS = ("bandpower", "memory", "minimal_mne", "mne_bids_pipeline", "cores", "demo")
EEGBCI_SUBJECTS = (2, 3, 4, 26)
EEGBCI_RUNS = (1, 2)
BANDS = {"delta": [1, 4], "theta": [4, 8], "alpha": [8, 13], "beta": [13, 30], "gamma": [30, 45]}
#: Resident memory allowed per recording job beyond 3x the recording (the issue's budget).
RSS_ALLOWANCE_MB = 300.0
INSTALL_HINT = "pip install -e '.[bench]'"


@dataclass
class Options:
    """Command-line options shared by the sections."""

    quick: bool
    data_dir: Path
    work: Path
    repeats: int
    rss_minutes: float


def emit(name: str, value: float | str) -> None:
    """Print one figure line on standard output."""
    text = value if isinstance(value, str) else f"{value:.3g}"
    print(f"{name}: {text}", flush=True)


def best_times(
    functions: Mapping[str, Callable[[], Any]], repeats: int
) -> tuple[dict[str, float], dict[str, Any]]:
    """Smallest wall time of each function over ``repeats`` rounds, and its last result.

    The functions take turns within each round, so a change of load from other jobs affects
    them alike; the minimum is the run least disturbed.
    """
    best = dict.fromkeys(functions, float("inf"))
    results: dict[str, Any] = {}
    for _ in range(repeats):
        for name, function in functions.items():
            start = time.perf_counter()
            results[name] = function()
            best[name] = min(best[name], time.perf_counter() - start)
    return best, results


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def _executable(name: str) -> str:
    """A console script of this environment (next to the interpreter), else from PATH."""
    local = Path(sys.executable).with_name(name)
    found = str(local) if local.exists() else shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} not found next to {sys.executable} or on PATH")
    return found


def run_timed(
    command: Sequence[str], *, cwd: Path, log: Path, env: Mapping[str, str] | None = None
) -> float:
    """Run ``command`` to completion and return its wall time.

    Output goes to ``log``; a non-zero exit raises with the log's last lines.
    """
    logger.info("running (log %s): %s", log, " ".join(map(str, command)))
    cpu_before = _children_cpu_s()
    with open(log, "wb") as handle:
        start = time.perf_counter()
        returncode = subprocess.call(
            list(map(str, command)),
            cwd=cwd,
            stdout=handle,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )
        elapsed = time.perf_counter() - start
    if returncode != 0:
        tail = log.read_text(errors="replace").splitlines()[-25:]
        raise RuntimeError(
            f"{Path(command[0]).name} exited with {returncode} (log {log}):\n" + "\n".join(tail)
        )
    cpu = _children_cpu_s() - cpu_before
    # CPU of the command and every process it waited for: on n cores no schedule can take less
    # wall time than cpu / n, whatever the jobs' order (a bound on what parallelism can gain).
    logger.info("%.1f s wall, %.1f s CPU (user + system, all processes)", elapsed, cpu)
    return elapsed


def _children_cpu_s() -> float:
    """User + system CPU seconds of this process's finished (waited-for) descendants."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


#: Runs argv[2:] and writes the largest peak RSS (KiB) of it and its descendants to argv[1].
#: Linux carries a process's peak RSS over fork and exec, so a job started by this (large)
#: benchmark process would report at least the benchmark's own size; started from this small
#: launcher, it reports its own.
_PEAK_RSS_LAUNCHER = (
    "import resource, subprocess, sys; code = subprocess.call(sys.argv[2:]); "
    "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)); "
    "sys.exit(code)"
)


def peak_rss_mb(
    command: Sequence[str], *, cwd: Path, log: Path, env: Mapping[str, str] | None = None
) -> float:
    """Peak resident memory (MB) of ``command`` and its descendants (the largest of them)."""
    record = log.with_suffix(".maxrss")
    run_timed(
        [sys.executable, "-c", _PEAK_RSS_LAUNCHER, record, *command], cwd=cwd, log=log, env=env
    )
    return int(record.read_text()) * 1024 / 1e6  # ru_maxrss is in KiB on Linux


def merged_config(base: Path, overrides: Mapping[str, Any], path: Path) -> Path:
    """Write ``base`` with ``overrides`` merged in (nested mappings merged key by key)."""

    def merge(into: dict, new: Mapping[str, Any]) -> dict:
        for key, value in new.items():
            if isinstance(value, Mapping) and isinstance(into.get(key), dict):
                merge(into[key], value)
            else:
                into[key] = value
        return into

    config = yaml.safe_load(base.read_text(encoding="utf-8")) or {}
    path.write_text(yaml.safe_dump(merge(config, overrides), sort_keys=False), encoding="utf-8")
    return path


def eegstate_run(
    name: str, options: Options, *, cores: int, configfile: Path | None = None, **config: Any
) -> float:
    """Wall time of ``eegstate run`` cold: fresh working and results folders."""
    folder = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=options.work))
    command = [_executable("eegstate"), "run", "--cores", str(cores)]
    if configfile is not None:
        command += ["--configfile", str(configfile)]
    items = {"results_dir": str(folder / "results"), **config}
    command += ["--config", *(f"{key}={_yaml_value(value)}" for key, value in items.items())]
    return run_timed(command, cwd=folder, log=folder / "eegstate.log")


def _yaml_value(value: Any) -> str:
    """A ``--config`` value in YAML flow style (``[2, 3]``, ``{a: 1}``)."""
    return value if isinstance(value, str) else yaml.safe_dump(value, default_flow_style=True)[:-1]


# --- band power ----------------------------------------------------------------------------


def bandpower_section(options: Options) -> None:
    """Spectra + band power: eegstate vs yasa vs a bare rfft pass, and vs MNE's Welch."""
    sys.path.insert(0, str(BENCHMARKS))
    from synthetic import synthetic_epochs
    from threadpoolctl import threadpool_limits

    from eegstate import bandpower

    minutes, n_channels = (1.0, 8) if options.quick else (60.0, 64)
    epochs = synthetic_epochs(minutes, n_channels, sfreq=250.0, seed=12)
    data = epochs.get_data(copy=False)
    n_epochs, _, n_times = data.shape
    sfreq = epochs.info["sfreq"]
    n_per_seg = round(2.0 * sfreq)
    logger.info(
        "band power: %d epochs x %d channels x %d samples (%.0f MB)",
        n_epochs,
        n_channels,
        n_times,
        data.nbytes / 1e6,
    )

    def eegstate() -> tuple[np.ndarray, np.ndarray]:
        psd, freqs = bandpower.compute_psd(epochs, fmin=1.0, fmax=45.0, welch_window_s=2.0)
        power, total = bandpower.band_power_from_psd(psd, freqs, BANDS, [1.0, 45.0])
        return power, power / total

    step = n_per_seg - n_per_seg // 2
    segments_per_epoch = 1 + (n_times - n_per_seg) // step
    block = max(1, bandpower.WELCH_BLOCK_BYTES // (n_channels * segments_per_epoch * n_per_seg * 8))

    def bare_rfft() -> None:
        # The floor: numpy's FFT of the very segments eegstate transforms, in its block size,
        # without detrending, windowing, squaring or averaging.
        for start in range(0, n_epochs, block):
            segments = np.lib.stride_tricks.sliding_window_view(
                data[start : start + block], n_per_seg, axis=-1
            )[..., ::step, :]
            np.fft.rfft(segments, axis=-1)

    functions = {"eegstate": eegstate, "rfft": bare_rfft}
    if _has("yasa"):
        functions["yasa"] = _yasa_bandpower(data, sfreq, n_per_seg)
    with threadpool_limits(limits=1):
        times, results = best_times(functions, options.repeats)
        power, relative = results["eegstate"]
        mne_time, difference = _compare_with_mne(epochs, n_per_seg, power, relative)
    eeg_time = times["eegstate"]
    logger.info("best of %d: %s", options.repeats, _seconds(times))
    emit("bandpower_vs_rfft", eeg_time / times["rfft"])
    if "yasa" in times:
        emit("bandpower_speedup_vs_yasa", times["yasa"] / eeg_time)
    else:
        emit("bandpower_speedup_vs_yasa", f"skipped (yasa not installed: {INSTALL_HINT})")
    logger.info("MNE's Welch path %.2f s (%.1fx eegstate)", mne_time, mne_time / eeg_time)
    emit("bandpower_max_rel_diff_vs_mne", difference)
    if not difference <= 1e-6:
        raise AssertionError(f"band power differs from MNE's Welch path by {difference:.3g}")


def _seconds(times: Mapping[str, float]) -> str:
    return ", ".join(f"{name} {seconds:.3f} s" for name, seconds in times.items())


def _yasa_bandpower(data: np.ndarray, sfreq: float, n_per_seg: int) -> Callable[[], Any]:
    """yasa.bandpower on the same epochs (one row per epoch x channel, µV), ready to time."""
    import yasa

    rows = data.reshape(-1, data.shape[-1]) * 1e6
    bands = [(low, high, name) for name, (low, high) in BANDS.items()]
    welch = {"window": "hamming", "noverlap": n_per_seg // 2, "average": "mean"}
    logging.getLogger("yasa").setLevel(logging.ERROR)
    return lambda: yasa.bandpower(
        rows, sf=sfreq, win_sec=n_per_seg / sfreq, bands=bands, welch_kwargs=welch
    )


def _compare_with_mne(
    epochs: Any, n_per_seg: int, power: np.ndarray, relative: np.ndarray
) -> tuple[float, float]:
    """Time MNE's Welch path (eegstate's previous one) and the largest relative difference."""
    from eegstate.bandpower import band_power_from_psd

    start = time.perf_counter()
    spectrum = epochs.compute_psd(
        method="welch",
        fmin=1.0,
        fmax=45.0,
        n_fft=n_per_seg,
        n_per_seg=n_per_seg,
        n_overlap=n_per_seg // 2,
        verbose="error",
    )
    psd, freqs = spectrum.get_data(return_freqs=True)
    elapsed = time.perf_counter() - start
    reference, total = band_power_from_psd(psd, freqs, BANDS, [1.0, 45.0])
    difference = max(
        float(np.max(np.abs(power / reference - 1))),
        float(np.max(np.abs(relative / (reference / total) - 1))),
    )
    return elapsed, difference


# --- memory ----------------------------------------------------------------------------------


def memory_section(options: Options) -> None:
    """Peak RSS of one recording job on a long recording, default workflow configuration."""
    sys.path.insert(0, str(BENCHMARKS))
    from synthetic import synthetic_raw

    minutes = 1.0 if options.quick else options.rss_minutes
    folder = Path(tempfile.mkdtemp(prefix="memory-", dir=options.work))
    raw = synthetic_raw(minutes, 64, sfreq=250.0, seed=3)
    size_mb = raw.get_data().nbytes / 1e6
    path = folder / "long_raw.fif"
    raw.save(path, verbose="error")
    del raw
    logger.info("recording job on %.0f min x 64 channels (%.0f MB float64)", minutes, size_mb)
    # One thread, as the workflow's recording rule declares (threads: 1).
    single = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    command = [sys.executable, __file__, "--recording-job", str(path), str(folder / "out")]
    peak_mb = peak_rss_mb(command, cwd=folder, log=folder / "job.log", env=single)
    logger.info("peak RSS of the recording job %.0f MB", peak_mb)
    emit("peak_rss_ratio", (peak_mb - RSS_ALLOWANCE_MB) / size_mb)


def recording_job(raw_path: Path, out: Path) -> int:
    """One recording job as the workflow runs it (the child process of the memory section)."""
    from eegstate.config import load_config
    from eegstate.steps.recording import process_recording

    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    config = load_config(REPO / "config" / "config.yaml")
    out.mkdir(parents=True, exist_ok=True)
    names = ("bandpower", "epoch_bandpower", "psd", "electrodes", "emg", "qc")
    names += ("connectivity", "dmn_summary")
    usable = process_recording(
        raw_path=raw_path,
        identity={"subject": "01", "session": "", "recording": "long", "state": "baseline"},
        config=config,
        cache_dir=out / "cache",
        report_out=out / "report.html",
        **{f"{name}_out": out / f"{name}.tsv" for name in names},
    )
    status = Path("/proc/self/status")
    if status.is_file():  # cross-check of the launcher's figure (this process alone)
        high_water = [line for line in status.read_text().splitlines() if "VmHWM" in line]
        logger.info("recording job: %s", " ".join(high_water[0].split()) if high_water else "?")
    return 0 if usable else 1


# --- workflows -------------------------------------------------------------------------------


def eegbci_paths(data_dir: Path) -> list[Path] | None:
    """The 8 EEGBCI recordings under ``data_dir`` (MNE's cache layout), or None if missing."""
    base = data_dir / "MNE-eegbci-data" / "files" / "eegmmidb" / "1.0.0"
    paths = [
        base / f"S{subject:03d}" / f"S{subject:03d}R{run:02d}.edf"
        for subject in EEGBCI_SUBJECTS
        for run in EEGBCI_RUNS
    ]
    return paths if all(path.is_file() for path in paths) else None


def _eegbci_missing(options: Options) -> str:
    return f"skipped (EEGBCI subjects {list(EEGBCI_SUBJECTS)} not found under {options.data_dir})"


def minimal_mne_section(options: Options) -> None:
    """eegstate without ICA, connectivity and recording reports vs a plain MNE script."""
    if eegbci_paths(options.data_dir) is None:
        emit("vs_minimal_mne", _eegbci_missing(options))
        return
    folder = Path(tempfile.mkdtemp(prefix="minimal-", dir=options.work))
    lean = {
        "preprocess": {"ica": "none"},
        "connectivity": {"enabled": False},
        "report": {"recording_reports": False},
    }
    configfile = merged_config(REPO / "config" / "eegbci.yaml", lean, folder / "lean.yaml")
    eegstate_time = eegstate_run(
        "lean",
        options,
        cores=2,
        configfile=configfile,
        data_dir=str(options.data_dir),
        subjects=list(EEGBCI_SUBJECTS),
    )
    script = [sys.executable, BENCHMARKS / "minimal_mne.py", "--data-dir", options.data_dir]
    script += ["--subjects", *EEGBCI_SUBJECTS, "--out", folder / "bandpower.tsv"]
    script_time = run_timed(script, cwd=folder, log=folder / "minimal_mne.log")
    logger.info("eegstate lean %.1f s, plain MNE script %.1f s", eegstate_time, script_time)
    emit("vs_minimal_mne", eegstate_time / script_time)


def mne_bids_pipeline_section(options: Options) -> None:
    """MNE-BIDS-Pipeline init,preprocessing vs eegstate's default EEGBCI run, same 8 files."""
    paths = eegbci_paths(options.data_dir)
    if not (_has("mne_bids_pipeline") and _has("mne_bids")):
        emit(
            "vs_mne_bids_pipeline",
            f"skipped (mne-bids-pipeline not installed: {INSTALL_HINT})",
        )
        return
    if paths is None:
        emit("vs_mne_bids_pipeline", _eegbci_missing(options))
        return
    folder = Path(tempfile.mkdtemp(prefix="mne-bids-pipeline-", dir=options.work))
    bids_root = folder / "bids"
    write_bids(paths, bids_root)  # not timed
    config = write_pipeline_config(folder / "config.py", bids_root, folder / "derivatives")
    command = [_executable("mne_bids_pipeline"), "--config", config]
    command += ["--steps", "init,preprocessing"]
    pipeline_time = run_timed(command, cwd=folder, log=folder / "mne_bids_pipeline.log")
    eegstate_time = eegstate_run(
        "eegbci",
        options,
        cores=2,
        configfile=REPO / "config" / "eegbci.yaml",
        data_dir=str(options.data_dir),
        subjects=list(EEGBCI_SUBJECTS),
    )
    logger.info("MNE-BIDS-Pipeline %.1f s, eegstate default %.1f s", pipeline_time, eegstate_time)
    emit("vs_mne_bids_pipeline", pipeline_time / eegstate_time)


def write_bids(paths: Sequence[Path], bids_root: Path) -> None:
    """The EEGBCI recordings as a BIDS dataset (task rest, runs 1 and 2; EDF, 10-05 montage)."""
    import mne
    from mne_bids import BIDSPath, write_raw_bids

    for path in paths:
        subject, run = path.stem[1:4], path.stem[5:7]  # S002R01 -> sub-002, run-01
        raw = mne.io.read_raw_edf(path, preload=True, verbose="error")
        mne.datasets.eegbci.standardize(raw)
        raw.set_montage("standard_1005", verbose="error")
        target = BIDSPath(subject=subject, task="rest", run=run, datatype="eeg", root=bids_root)
        write_raw_bids(
            raw,
            target,
            format="EDF",
            allow_preload=True,
            overwrite=True,
            verbose="error",
        )


def write_pipeline_config(path: Path, bids_root: Path, deriv_root: Path) -> Path:
    """A minimal MNE-BIDS-Pipeline config doing eegstate's EEGBCI preprocessing steps."""
    settings = {
        "bids_root": str(bids_root),
        "deriv_root": str(deriv_root),
        "task": "rest",
        "task_is_rest": True,
        "runs": ["01", "02"],
        "ch_types": ["eeg"],
        "data_type": "eeg",
        "eeg_reference": "average",
        "l_freq": 1.0,
        "h_freq": 45.0,
        "notch_freq": 60.0,
        "rest_epochs_duration": 4.0,
        "rest_epochs_overlap": 0.0,
        "epochs_tmin": 0.0,
        "baseline": None,
        "spatial_filter": None,
        "reject": "autoreject_global",
        "n_jobs": 2,
        "on_error": "abort",
    }
    path.write_text(
        "".join(f"{key} = {value!r}\n" for key, value in settings.items()), encoding="utf-8"
    )
    return path


def cores_section(options: Options) -> None:
    """Simulated cohorts of 60-s recordings: 16 on 1 and 2 cores, 8 on 2 cores."""

    folder = Path(tempfile.mkdtemp(prefix="cores-", dir=options.work))

    def cohort(n_subjects: int, cores: int) -> float:
        simulation = {"simulation": {"n_subjects": n_subjects, "duration_s": 60}}
        configfile = REPO / "config" / "config.yaml"
        configfile = merged_config(configfile, simulation, folder / f"sim{n_subjects}.yaml")
        name = f"sim{2 * n_subjects}-cores{cores}"
        return eegstate_run(name, options, cores=cores, configfile=configfile)

    one_core = cohort(8, 1)
    two_cores = cohort(8, 2)
    eight = cohort(4, 2)
    logger.info("16 recordings: %.1f s (1 core), %.1f s (2 cores)", one_core, two_cores)
    logger.info("8 recordings: %.1f s (2 cores)", eight)
    emit("speedup_2_cores", one_core / two_cores)
    emit("scaling_16_vs_8", two_cores / eight)


def demo_section(options: Options) -> None:
    """The ``make demo`` workflow (default configuration, 2 cores), without the install."""
    emit("demo_seconds", eegstate_run("demo", options, cores=2))


RUNNERS: dict[str, Callable[[Options], None]] = {
    "bandpower": bandpower_section,
    "memory": memory_section,
    "minimal_mne": minimal_mne_section,
    "mne_bids_pipeline": mne_bids_pipeline_section,
    "cores": cores_section,
    "demo": demo_section,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the selected sections; 1 if any failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only",
        default=",".join(SECTIONS),
        help=f"comma-separated sections to run (default: all of {', '.join(SECTIONS)})",
    )
    parser.add_argument("--quick", action="store_true", help="tiny inputs (smoke test)")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(os.environ.get("EEGSTATE_TEST_DATA", "~/mne_data")),
        help="MNE cache folder with the EEGBCI recordings (default: $EEGSTATE_TEST_DATA or "
        "~/mne_data); nothing is downloaded",
    )
    parser.add_argument("--repeats", type=int, default=5, help="rounds of band-power timings")
    parser.add_argument(
        "--rss-minutes", type=float, default=30.0, help="length of the memory section's recording"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders")
    parser.add_argument("--recording-job", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.recording_job:
        return recording_job(*args.recording_job)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    selected = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(selected) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    work = Path(tempfile.mkdtemp(prefix="eegstate-bench-"))
    options = Options(
        quick=args.quick,
        data_dir=args.data_dir.expanduser().resolve(),
        work=work,
        repeats=1 if args.quick else args.repeats,
        rss_minutes=args.rss_minutes,
    )
    failed = []
    try:
        for name in selected:
            logger.info("section %s", name)
            try:
                RUNNERS[name](options)
            except Exception as err:
                logger.exception("section %s failed", name)
                print(f"{name}: error ({type(err).__name__}: {str(err).splitlines()[0]})")
                failed.append(name)
    finally:
        if args.keep:
            logger.info("temporary folders kept in %s", work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
