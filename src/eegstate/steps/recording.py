"""Per-recording step: preprocessing, band power and DMN connectivity of one recording.

All per-recording work runs in a single job so that the cost of importing the scientific stack
(about 2.5 s per process) is paid once per recording, not once per step; the ``recordings``
step (:func:`process_recordings`) analyses a batch of recordings one after the other in one
process (``execution.recordings_per_job``), so that cost is paid once per batch. A batch
writes exactly the files, and the per-recording logs, that one job per recording would.

A recording that cannot be used (a :class:`eegstate.io.RecordingError`: unreadable, too short,
non-finite, too many bad channels, too few clean epochs, ...) is, with the default
``on_recording_error: exclude``, recorded as excluded: its tables are written empty (header
only) and its QC row gives the reason, so the group results are built from the other
recordings and the exclusion is visible in ``qc.tsv`` and the report. Programming errors are
never swallowed.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from eegstate.io import RecordingError, write_table
from eegstate.settings import (
    BandpowerSettings,
    ConnectivitySettings,
    PreprocessSettings,
    RecordingSettings,
    build_settings,
    settings_fields,
)
from eegstate.steps.base import Step, StepCall
from eegstate.tables import (
    BANDPOWER_COLUMNS,
    CONNECTIVITY_COLUMNS,
    DMN_SUMMARY_COLUMNS,
    ELECTRODES_COLUMNS,
    EMG_COLUMNS,
    EPOCH_BANDPOWER_COLUMNS,
    PSD_COLUMNS,
    QC_COLUMNS,
)

logger = logging.getLogger(__name__)


def electrodes_table(info: Any) -> pd.DataFrame:
    """Channel positions of an :class:`mne.Info` as a BIDS-like electrodes table (metres)."""
    rows = [
        {"name": ch["ch_name"], "x": ch["loc"][0], "y": ch["loc"][1], "z": ch["loc"][2]}
        for ch in info["chs"]
    ]
    return pd.DataFrame(rows, columns=list(ELECTRODES_COLUMNS))


@dataclass(frozen=True)
class RecordingStepSettings:
    """The options the recording step consumes (the rule passes exactly these)."""

    adapter: str
    seed: int
    on_recording_error: str
    allow_truncated_files: bool
    preprocess: PreprocessSettings
    bandpower: BandpowerSettings
    regions: Mapping[str, tuple[str, ...]]
    connectivity: ConnectivitySettings

    @property
    def analysis(self) -> RecordingSettings:
        """What :func:`eegstate.pipeline.analyse_raw` needs."""
        return RecordingSettings(self.seed, self.preprocess, self.bandpower, self.regions)


#: The recording's output tables: name -> columns (``report`` is the optional HTML page).
OUTPUT_TABLES: dict[str, tuple[str, ...]] = {
    "bandpower": BANDPOWER_COLUMNS,
    "epoch_bandpower": EPOCH_BANDPOWER_COLUMNS,
    "psd": PSD_COLUMNS,
    "electrodes": ELECTRODES_COLUMNS,
    "emg": EMG_COLUMNS,
    "connectivity": CONNECTIVITY_COLUMNS,
    "dmn_summary": DMN_SUMMARY_COLUMNS,
}


def _connectivity_tables(
    epochs: Any,
    identity: Mapping[str, str],
    settings: RecordingStepSettings,
    cache_dir: str | Path | None,
) -> tuple[dict[str, pd.DataFrame], str]:
    """DMN connectivity tables of one recording and the QC note (why it was skipped, or "").

    In a workflow job the BLAS threads are those the rule grants (one):
    :func:`eegstate.steps.base.job_thread_limits`.
    """
    from eegstate.connectivity import recording_connectivity, resolve_bands

    params = settings.connectivity
    bands = resolve_bands(params.bands, settings.bandpower.bands)
    result = recording_connectivity(epochs, params, identity, bands, cache_dir=cache_dir)
    return {"connectivity": result.connectivity, "dmn_summary": result.summary}, result.note


def _analyse(
    raw_path: str | Path,
    identity: Mapping[str, str],
    settings: RecordingStepSettings,
    *,
    connectivity: bool = False,
    cache_dir: str | Path | None = None,
    report_out: str | Path | None = None,
):
    """Read, preprocess and analyse one recording; returns the tables to write and the QC.

    With ``report_out``, also writes the per-recording :class:`mne.Report`.
    """
    from eegstate.bandpower import recording_psd_table
    from eegstate.datasets import prepare_raw
    from eegstate.io import read_raw
    from eegstate.pipeline import analyse_raw, epoch_band_power_table
    from eegstate.quality import epoch_emg_table

    raw = read_raw(raw_path, allow_truncated=settings.allow_truncated_files, preload=False)
    raw = prepare_raw(settings.adapter, raw)
    result = analyse_raw(raw, settings.analysis, identity, source=str(raw_path))
    channels = result.epochs.ch_names
    tables = {
        "bandpower": result.bandpower,
        "epoch_bandpower": epoch_band_power_table(result, settings.analysis, identity),
        "psd": recording_psd_table(result.psd, result.freqs, channels, identity),
        "electrodes": electrodes_table(result.epochs.info),
        "emg": epoch_emg_table(result.emg_slope, identity),
    }
    qc = result.qc.as_row()
    if connectivity:
        conn_tables, qc["notes"] = _connectivity_tables(
            result.epochs, identity, settings, cache_dir
        )
        tables.update(conn_tables)
    if report_out is not None:
        from eegstate.report.recording import write_recording_report

        write_recording_report(
            report_out,
            identity=identity,
            raw=raw,
            epochs=result.epochs,
            bandpower=result.bandpower,
            fmax=2.0 * float(settings.preprocess.h_freq),
        )
    return tables, qc


def process_recording(
    *,
    raw_path: str | Path,
    identity: Mapping[str, str],
    config: RecordingStepSettings | Mapping[str, Any],
    bandpower_out: str | Path,
    epoch_bandpower_out: str | Path,
    psd_out: str | Path,
    electrodes_out: str | Path,
    qc_out: str | Path,
    connectivity_out: str | Path | None = None,
    dmn_summary_out: str | Path | None = None,
    cache_dir: str | Path | None = None,
    report_out: str | Path | None = None,
    emg_out: str | Path | None = None,
) -> bool:
    """Preprocess one recording and write its band-power, PSD, electrode and QC tables.

    With ``connectivity_out`` and ``dmn_summary_out`` it also estimates source-space DMN
    connectivity (:mod:`eegstate.connectivity`) and writes its long table and within-network
    summary; when the step is skipped (disabled, or a low-density montage) the tables are
    header-only and the QC ``notes`` column says why.

    Parameters
    ----------
    raw_path : str or pathlib.Path
        The recording (only read, never modified).
    identity : mapping
        ``subject, session, recording, state`` of the recording.
    config : eegstate.settings.RecordingStepSettings or mapping
        The options the step consumes (:data:`STEPS`; a validated configuration mapping is
        built into the settings object).
    bandpower_out, epoch_bandpower_out, psd_out, electrodes_out, qc_out : str or pathlib.Path
        Output TSV files.
    connectivity_out, dmn_summary_out : str or pathlib.Path, optional
        Connectivity output TSV files (both or neither).
    cache_dir : str or pathlib.Path, optional
        Folder caching the connectivity inverse operator between jobs.
    report_out : str or pathlib.Path, optional
        Per-recording HTML report (:mod:`eegstate.report.recording`); an excluded recording
        gets a page stating the reason.
    emg_out : str or pathlib.Path, optional
        Per-epoch muscle (EMG) index table (:data:`eegstate.tables.EMG_COLUMNS`).

    Returns
    -------
    bool
        True if the recording was usable, False if it was excluded.

    Raises
    ------
    RecordingError
        If the recording is unusable and ``on_recording_error`` is ``fail``.
    ValueError
        If only one of ``connectivity_out`` and ``dmn_summary_out`` is given.
    """
    named = {
        "bandpower": bandpower_out,
        "epoch_bandpower": epoch_bandpower_out,
        "psd": psd_out,
        "electrodes": electrodes_out,
        "qc": qc_out,
        "connectivity": connectivity_out,
        "dmn_summary": dmn_summary_out,
        "report": report_out,
        "emg": emg_out,
    }
    outputs = {name: path for name, path in named.items() if path is not None}
    return _process(raw_path, identity, config, outputs, cache_dir)


def _process(
    raw_path: str | Path,
    identity: Mapping[str, str],
    settings: RecordingStepSettings | Mapping[str, Any],
    outputs: Mapping[str, str | Path],
    cache_dir: str | Path | None,
    source: str | Path | None = None,
) -> bool:
    """:func:`process_recording` with the outputs by name (the rule's named outputs).

    ``source`` is the recording's path as the QC row records it (default ``raw_path``): the
    planned path when the job reads a local copy (a remote storage's retrieved file).
    """
    if not isinstance(settings, RecordingStepSettings):
        settings = build_settings(RecordingStepSettings, settings)
    identity = {key: str(identity[key]) for key in ("subject", "session", "recording", "state")}
    missing = [
        n for n in ("bandpower", "epoch_bandpower", "psd", "electrodes", "qc") if n not in outputs
    ]
    if missing:
        raise ValueError(f"process_recording needs the outputs {missing}")
    connectivity = "connectivity" in outputs and "dmn_summary" in outputs
    if ("connectivity" in outputs) != ("dmn_summary" in outputs):
        raise ValueError("give both connectivity and dmn_summary outputs, or neither")
    report_out = outputs.get("report")
    logger.info("processing %s from %s", identity["recording"], raw_path)
    try:
        tables, qc = _analyse(
            raw_path,
            identity,
            settings,
            connectivity=connectivity,
            cache_dir=cache_dir,
            report_out=report_out,
        )
        excluded = ""
    except RecordingError as err:
        if settings.on_recording_error == "fail":
            raise
        logger.error("excluding %s: %s", identity["recording"], err)
        tables, qc, excluded = {}, {}, str(err)
        if report_out is not None:
            from eegstate.report.recording import write_recording_report

            write_recording_report(report_out, identity=identity, excluded=excluded)
    else:
        logger.info(
            "%s: %d/%d epochs kept, bad channels: %s",
            identity["recording"],
            qc["n_epochs_kept"],
            qc["n_epochs_total"],
            qc["bad_channels"] or "none",
        )
    for name, columns in OUTPUT_TABLES.items():
        if name in outputs:
            table = tables.get(name, pd.DataFrame(columns=list(columns)))
            write_table(table, outputs[name], columns)
    qc_row = {column: "" for column in QC_COLUMNS}
    qc_row.update({**identity, "path": str(source or raw_path), **qc, "excluded": excluded})
    write_table(pd.DataFrame([qc_row]), outputs["qc"], QC_COLUMNS)
    return not excluded


#: Per-recording output files: step output name -> file suffix after ``<recording>_``.
OUTPUT_SUFFIXES: dict[str, str] = {
    "bandpower": "bandpower.tsv",
    "epoch_bandpower": "bandpower-epochs.tsv",
    "psd": "psd.tsv",
    "electrodes": "electrodes.tsv",
    "emg": "emg.tsv",
    "qc": "qc.tsv",
    "connectivity": "connectivity.tsv",
    "dmn_summary": "dmn-summary.tsv",
    "report": "report.html",
}


def recording_output_paths(
    results: str,
    subject: str,
    recording: str,
    *,
    with_connectivity: bool,
    with_report: bool,
) -> dict[str, str]:
    """The output files of one recording, by the step's output names (the rules' outputs).

    Parameters
    ----------
    results : str
        The dataset's results folder.
    subject, recording : str
        The recording's subject and id (Snakemake wildcards such as ``"{subject}"`` work too).
    with_connectivity : bool
        Whether DMN connectivity runs (outputs ``connectivity``, ``dmn_summary``).
    with_report : bool
        Whether the per-recording report is written (output ``report``).

    Returns
    -------
    dict
        Output name -> path ``<results>/sub-<subject>/<recording>_<suffix>``.
    """
    left_out = {
        *(() if with_connectivity else ("connectivity", "dmn_summary")),
        *(() if with_report else ("report",)),
    }
    base = f"{results}/sub-{subject}/{recording}"
    return {
        name: f"{base}_{suffix}" for name, suffix in OUTPUT_SUFFIXES.items() if name not in left_out
    }


def recording_log_path(results: str, subject: str, recording: str) -> str:
    """The log file of one recording (one per recording, in batches too)."""
    return f"{results}/logs/recording/sub-{subject}/{recording}.log"


def recording_batches(recordings: Sequence[str], size: int) -> list[tuple[str, ...]]:
    """Cut the dataset's recordings into the batches of the recording jobs.

    Consecutive recordings (in the dataset's table order) go together, at most ``size`` per
    batch; only the last batch may be shorter. Recordings appended to the table therefore
    change the last batch only.

    Parameters
    ----------
    recordings : sequence of str
        Recording ids, in the dataset's order.
    size : int
        Recordings per batch (``execution.recordings_per_job``, at least 1).

    Returns
    -------
    list of tuple of str
        The batches, in order.

    Raises
    ------
    ValueError
        If ``size`` is below 1 or a recording id repeats.
    """
    if size < 1:
        raise ValueError(f"recordings per job must be at least 1, got {size}")
    recordings = list(recordings)
    if len(set(recordings)) != len(recordings):
        raise ValueError("recording ids repeat; every recording needs its own id")
    return [tuple(recordings[i : i + size]) for i in range(0, len(recordings), size)]


def process_recordings(
    *,
    raw_paths: Sequence[str | Path],
    identities: Sequence[Mapping[str, str]],
    config: RecordingStepSettings | Mapping[str, Any],
    outputs: Mapping[str, Sequence[str | Path]],
    cache_dir: str | Path | None = None,
    logs: Sequence[str | Path] = (),
    sources: Sequence[str | Path] = (),
) -> list[bool]:
    """Analyse a batch of recordings one after the other, as :func:`process_recording` each.

    Parameters
    ----------
    raw_paths : sequence of path
        The recordings.
    identities : sequence of mapping
        ``subject, session, recording, state`` of each recording.
    config : eegstate.settings.RecordingStepSettings or mapping
        The options the step consumes (shared by the batch).
    outputs : mapping
        Output name (those of :func:`process_recording`: ``bandpower``, ``qc``, ...) -> one
        path per recording, in the order of ``raw_paths``.
    cache_dir : path, optional
        Folder caching the connectivity inverse operator (also kept in memory between the
        recordings of the batch).
    logs : sequence of path, optional
        One log file per recording; each recording's messages go to its own file.
    sources : sequence of path, optional
        One path per recording as its QC row records it (default ``raw_paths``): the planned
        paths when the job reads local copies (a remote storage's retrieved files).

    Returns
    -------
    list of bool
        For each recording, whether it was usable (False: excluded).

    Raises
    ------
    ValueError
        If the lengths of ``raw_paths``, ``identities``, ``logs``, ``sources`` and the outputs
        disagree.
    RecordingError
        If a recording is unusable and ``on_recording_error`` is ``fail`` (the batch stops).
    """
    from eegstate.steps.logs import configure_logging

    n = len(raw_paths)
    lengths = {len(identities), *(len(paths) for paths in outputs.values())}
    if logs:
        lengths.add(len(logs))
    if sources:
        lengths.add(len(sources))
    if lengths != {n}:
        raise ValueError(
            f"a batch of {n} recordings needs {n} identities, logs, sources and paths of each "
            "output"
        )
    settings = (
        config
        if isinstance(config, RecordingStepSettings)
        else build_settings(RecordingStepSettings, config)
    )
    usable = []
    for i, (raw_path, identity) in enumerate(zip(raw_paths, identities, strict=True)):
        if logs:
            configure_logging(logs[i])
        if n > 1:
            logger.info("recording %d of %d of this job", i + 1, n)
        named = {name: paths[i] for name, paths in outputs.items()}
        source = sources[i] if sources else None
        usable.append(_process(raw_path, identity, settings, named, cache_dir, source))
        # Release the recording (MNE objects hold reference cycles) before reading the next.
        gc.collect()
    return usable


def _run(call: StepCall) -> bool:
    return _process(
        call.params["raw_path"],
        call.params["identity"],
        call.config,
        call.outputs,
        call.params.get("cache_dir"),
        call.params.get("source"),
    )


def _run_batch(call: StepCall) -> list[bool]:
    return process_recordings(
        raw_paths=call.params["raw_paths"],
        identities=call.params["identities"],
        config=call.config,
        outputs=call.outputs,
        cache_dir=call.params.get("cache_dir"),
        logs=call.logs,
        sources=call.params.get("sources", ()),
    )


_CONSUMES = settings_fields(RecordingStepSettings)

#: The steps of the ``process_recording`` rule (one recording per job) and of the batch rules
#: ``process_recordings_<n>`` (``execution.recordings_per_job`` recordings per job).
STEPS = (
    Step("recording", consumes=_CONSUMES, run=_run),
    Step("recordings", consumes=_CONSUMES, run=_run_batch),
)
