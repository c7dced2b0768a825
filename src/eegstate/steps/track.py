"""State-tracking steps (file I/O): track one recording, summarise the tracked recordings.

The science is in :mod:`eegstate.track`; these steps read a recording lazily (it is analysed
in chunks), load a saved model with the safe loader, and write ``track.tsv``, ``events.json``
and ``track.png`` atomically. The ``eegstate track`` command and the workflow call them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from eegstate.io import RecordingError, atomic_path, read_table, write_table, write_text
from eegstate.settings import TrackStepSettings, build_settings
from eegstate.steps.base import Step, StepCall

logger = logging.getLogger(__name__)

#: Output file names in a track folder.
TRACK_FILES: dict[str, str] = {
    "table": "track.tsv",
    "events": "events.json",
    "figure": "track.png",
}


def read_raw_lazy(path: str | Path) -> Any:
    """Open a recording without loading its samples (any format MNE reads lazily).

    Raises
    ------
    RecordingError
        If the file is missing or MNE cannot read it.
    """
    import mne

    path = Path(path)
    if not path.is_file():
        raise RecordingError(path, "file not found")
    try:
        return mne.io.read_raw(path, preload=False, verbose="error")
    except Exception as err:  # MNE raises many types for unreadable files
        raise RecordingError(
            path,
            f"MNE cannot read this file ({type(err).__name__}: {err}); is it a recording in a "
            "format MNE reads (EDF, BDF, FIF, EEGLAB, BrainVision)?",
        ) from err


def recording_name(path: str | Path) -> str:
    """Recording identifier from a file name (``sub-01_task-x_raw.fif`` -> ``sub-01_task-x``)."""
    from eegstate.apps.classification import recording_id as _recording_id

    name = _recording_id(Path(path))
    for suffix in ("_raw", "_eeg"):
        name = name.removesuffix(suffix)
    return name


def write_track_outputs(result: Any, out_dir: str | Path) -> dict[str, Path]:
    """Write ``track.tsv``, ``events.json`` and ``track.png`` of a track into ``out_dir``."""
    import matplotlib.pyplot as plt

    from eegstate.track import events_json
    from eegstate.track.figure import track_figure

    out = Path(out_dir)
    paths = {key: out / name for key, name in TRACK_FILES.items()}
    write_table(result.table, paths["table"])
    record = events_json(result)
    write_text(json.dumps(record, indent=2, allow_nan=False) + "\n", paths["events"])
    figure = track_figure(result.table, record)
    with atomic_path(paths["figure"], suffix=".png") as tmp:
        figure.savefig(tmp, dpi=110)
    plt.close(figure)
    return paths


def track_recording(
    *,
    recording: str | Path,
    out_dir: str | Path,
    config: TrackStepSettings | Mapping[str, Any],
    model_path: str | Path | None = None,
    baseline: Sequence[float] | None = None,
    trusted: Sequence[str] = (),
    name: str | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """Track one recording and write its outputs (``eegstate track``, workflow rule ``track``).

    Parameters
    ----------
    recording : path
        The recording (any format MNE reads; FIF written by eegstate).
    out_dir : path
        Folder of ``track.tsv``, ``events.json`` and ``track.png``.
    config : eegstate.settings.TrackStepSettings or mapping
        The tracking settings (a validated configuration mapping is built into them).
    model_path : path, optional
        A model from ``eegstate train``: its probability is the index.
    baseline : (start_s, end_s), optional
        The baseline segment.
    trusted : sequence of str
        Extra types to trust when loading the model.
    name : str, optional
        Recording name (default: from the file name).
    progress : bool
        Progress bar over chunks.

    Returns
    -------
    dict
        The ``events.json`` record.
    """
    from eegstate.datasets import prepare_raw
    from eegstate.io import load_model
    from eegstate.track import track_raw

    if not isinstance(config, TrackStepSettings):
        config = build_settings(TrackStepSettings, config)
    model = load_model(model_path, trusted=trusted) if model_path else None
    adapter = model.metadata["config"]["adapter"] if model is not None else config.adapter
    raw = prepare_raw(adapter, read_raw_lazy(recording))
    result = track_raw(
        raw,
        config,
        model=model,
        baseline=baseline,
        recording=name or recording_name(recording),
        progress=progress,
    )
    paths = write_track_outputs(result, out_dir)
    logger.info("wrote %s", ", ".join(str(p) for p in paths.values()))
    return json.loads(paths["events"].read_text(encoding="utf-8"))


def summarize_tracks(event_files: Sequence[str | Path], out: str | Path) -> pd.DataFrame:
    """Write ``track/summary.tsv`` from the ``events.json`` of every tracked recording."""
    from eegstate.track import SUMMARY_COLUMNS, track_summary

    records = [json.loads(Path(path).read_text(encoding="utf-8")) for path in event_files]
    table = track_summary(records)
    write_table(table, out, SUMMARY_COLUMNS)
    return table


def read_summary(path: str | Path) -> pd.DataFrame:
    """Read ``track/summary.tsv`` (for the group report's section)."""
    return read_table(path)


def _run_recording(call: StepCall) -> dict[str, Any]:
    return track_recording(
        recording=call.params["raw_path"],
        out_dir=Path(call.outputs["events"]).parent,
        config=call.config,
        model_path=call.optional("model"),
        name=call.params["name"],
    )


def _run_summary(call: StepCall) -> pd.DataFrame:
    return summarize_tracks(list(call.inputs["events"]), call.outputs["summary"])


#: What tracking reads: the recording's processing options, the track options, the spectral
#: fit and claim regions, and the interval level.
TRACK_CONSUMES: tuple[str, ...] = (
    *("adapter", "seed", "on_recording_error", "allow_truncated_files"),
    *("preprocess", "bandpower", "regions", "connectivity", "track", "stats", "claims"),
    "report.ci_level",
    "report.n_bootstrap",
)

#: The steps of the ``track_recording`` and ``track_summary`` rules.
STEPS = (
    Step("track_recording", consumes=TRACK_CONSUMES, run=_run_recording),
    Step("track_summary", consumes=(), run=_run_summary),
)
