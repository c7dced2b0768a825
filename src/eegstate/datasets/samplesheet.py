"""Any recordings MNE reads, listed in a sample sheet (:mod:`eegstate.samplesheet` parses it).

A file the sheet names but that does not exist is not an error when planning: its recording
job has nothing to wait for and records the file as an excluded recording (or fails, with
``on_recording_error: fail``), so the other recordings still run.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eegstate.config import setting_hint
from eegstate.datasets.base import DatasetAdapter, DatasetInfo

if TYPE_CHECKING:
    import pandas as pd


class SampleSheetAdapter(DatasetAdapter):
    """Recordings listed in a TSV (option ``samples``), read as they are."""

    name = "samplesheet"
    info = DatasetInfo(
        description="Any recordings MNE reads (EDF, BDF, FIF, EEGLAB, BrainVision) "
        "listed in a TSV: subject, session, state, path, eyes, task.",
        licence="that of the recordings",
        citation="the recordings' own citation.",
        size="local",
        access="local files",
        config="config/samplesheet.yaml",
    )

    def check(self, config: Mapping[str, Any]) -> list[str]:
        """The option ``samples`` is required."""
        if config["samples"]:
            return []
        return [
            "adapter 'samplesheet' needs the option 'samples' (path of a TSV sample sheet), "
            f"e.g. {setting_hint('samples', 'sheet.tsv')}"
        ]

    def plan(self, config: Mapping[str, Any]) -> pd.DataFrame:
        """The sheet's rows (paths relative to the sheet; missing files allowed)."""
        from eegstate.samplesheet import read_samplesheet

        subjects = [str(s) for s in config["subjects"]] if config["subjects"] else None
        return read_samplesheet(
            config["samples"],
            baseline=config["baseline"],
            target=config["target"],
            subjects=subjects,
            check_files=False,
            root=config["samples_root"],
            allow_outside_root=config["allow_paths_outside_root"],
        )

    def recording_input(self, row: Any, results: str) -> list[str]:
        """The file, or nothing when it is missing (the job records it as excluded)."""
        path = str(row["path"])
        return [path] if Path(path).is_file() else []
