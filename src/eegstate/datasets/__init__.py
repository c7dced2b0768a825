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

ADAPTERS: tuple[str, ...] = ("simulated", "eegbci", "samplesheet")


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
    """
    from eegstate.samplesheet import normalize_samples, read_samplesheet

    adapter = config["adapter"]
    baseline, target = config["baseline"], config["target"]
    if adapter == "samplesheet":
        subjects = [str(s) for s in config["subjects"]] if config["subjects"] else None
        return read_samplesheet(
            config["samples"], baseline=baseline, target=target, subjects=subjects
        )
    if adapter == "simulated":
        from eegstate.simulate import plan_simulated_recordings

        out_dir = simulated_data_dir(config).resolve()
        table = plan_simulated_recordings(out_dir, config["simulation"], baseline, target)
    elif adapter == "eegbci":
        from eegstate.datasets.eegbci import plan_eegbci

        table = plan_eegbci(config)
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
    return raw
