"""Dataset adapters: each turns its dataset into a sample-sheet table of recordings.

An adapter answers two questions: which recordings will exist (:func:`plan_recordings`, cheap,
no download, used when the workflow builds its job graph) and how to adjust a freshly read
recording (:func:`prepare_raw`, e.g. EEGBCI channel-name standardisation).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from eegstate.datasets.registry import dataset_citation

__all__ = ["ADAPTERS", "dataset_citation", "plan_recordings", "prepare_raw"]

ADAPTERS: tuple[str, ...] = (
    "simulated",
    "eegbci",
    "samplesheet",
    "sleep-physionet",
    "farnes-ketamine",
    "openneuro",
    "bids",
)


def simulated_data_dir(config: Mapping[str, Any]) -> Path:
    """Folder of the simulated cohort (``data_dir`` or ``<results_dir>/<dataset>/sourcedata``)."""
    if config["data_dir"]:
        return Path(config["data_dir"])
    return Path(config["results_dir"]) / config["dataset"] / "sourcedata"


def plan_recordings(config: Mapping[str, Any]) -> pd.DataFrame:
    """Table of the recordings a configuration analyses, without downloading or generating.

    Parameters
    ----------
    config : mapping
        Validated configuration (see :func:`eegstate.config.validate_config`).

    Returns
    -------
    pandas.DataFrame
        Columns ``subject, session, state, path, eyes, task, recording``; ``path`` is where the
        file is or will be.

    Raises
    ------
    eegstate.datasets.guard.ConfoundError
        When the states differ in eyes condition or task although the contrast is about
        something else (see :mod:`eegstate.datasets.guard`), unless
        ``allow_eyes_task_mismatch``.
    """
    from eegstate.datasets.guard import check_eyes_task

    table = _plan(config)
    check_eyes_task(
        table,
        config["baseline"],
        config["target"],
        allow=config.get("allow_eyes_task_mismatch", False),
    )
    return table


#: Planners of the adapters whose table comes from a module of this package.
_PLANNERS: dict[str, tuple[str, str]] = {
    "eegbci": ("eegstate.datasets.eegbci", "plan_eegbci"),
    "sleep-physionet": ("eegstate.datasets.sleep_physionet", "plan_sleep"),
    "farnes-ketamine": ("eegstate.datasets.farnes", "plan_farnes"),
    "openneuro": ("eegstate.datasets.openneuro", "plan_openneuro"),
    "bids": ("eegstate.datasets.bids", "plan_bids"),
}


def _plan(config: Mapping[str, Any]) -> pd.DataFrame:
    import importlib

    from eegstate.samplesheet import normalize_samples, read_samplesheet

    adapter = config["adapter"]
    baseline, target = config["baseline"], config["target"]
    if adapter == "samplesheet":
        subjects = [str(s) for s in config["subjects"]] if config["subjects"] else None
        # Missing files are not an error here: each becomes an excluded recording (or a failed
        # job with on_recording_error: fail), so the other recordings still run.
        return read_samplesheet(
            config["samples"],
            baseline=baseline,
            target=target,
            subjects=subjects,
            check_files=False,
            root=config["samples_root"],
            allow_outside_root=config["allow_paths_outside_root"],
        )
    if adapter == "simulated":
        from eegstate.simulate import plan_simulated_recordings

        out_dir = simulated_data_dir(config).resolve()
        table = plan_simulated_recordings(out_dir, config["simulation"], baseline, target)
    elif adapter in _PLANNERS:
        module, function = _PLANNERS[adapter]
        table = getattr(importlib.import_module(module), function)(config)
    else:
        raise ValueError(f"unknown adapter {adapter!r}; use one of {', '.join(ADAPTERS)}")
    return normalize_samples(
        table, Path.cwd(), baseline=baseline, target=target, where=adapter, check_files=False
    )


def prepare_raw(adapter: str, raw: Any) -> Any:
    """Apply the adapter's fix-ups to a freshly read recording (in place) and return it."""
    if adapter == "eegbci":
        from eegstate.datasets.eegbci import standardize_eegbci

        standardize_eegbci(raw)
    elif adapter in ("bids", "openneuro"):
        from eegstate.datasets.bids import apply_bids_channels

        apply_bids_channels(raw)
    return raw
