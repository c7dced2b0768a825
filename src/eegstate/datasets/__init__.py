"""Dataset adapters: each turns its dataset into a sample-sheet table of recordings.

The contract is :class:`eegstate.datasets.base.DatasetAdapter`; each dataset is one module of
this package implementing it (``simulated``, ``eegbci``, ``samplesheet``, ``sleep_physionet``,
``farnes``, ``openneuro``, ``bids``), and :data:`ADAPTERS` (:mod:`eegstate.datasets.registry`)
maps every name, including adapters other packages register, to its adapter. The functions
here are what the rest of eegstate asks: :func:`plan_recordings` (which recordings will exist,
cheap, no download; used when the workflow builds its job graph), :func:`prepare_raw` (adjust a
freshly read recording) and :func:`dataset_citation`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eegstate.datasets.registry import ADAPTERS, dataset_citation, get_adapter

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ADAPTERS", "dataset_citation", "get_adapter", "plan_recordings", "prepare_raw"]


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
    eegstate.samplesheet.SampleSheetError
        When the adapter's table is not a valid sample table.
    eegstate.datasets.guard.ConfoundError
        When the states differ in eyes condition or task although the contrast is about
        something else (see :mod:`eegstate.datasets.guard`), unless
        ``allow_eyes_task_mismatch``.
    """
    from eegstate.datasets.guard import check_eyes_task
    from eegstate.samplesheet import normalize_samples

    adapter = get_adapter(config["adapter"])
    baseline, target = config["baseline"], config["target"]
    table = normalize_samples(
        adapter.plan(config),
        Path.cwd(),
        baseline=baseline,
        target=target,
        where=adapter.name,
        check_files=False,
    )
    check_eyes_task(table, baseline, target, allow=config.get("allow_eyes_task_mismatch", False))
    return table


def prepare_raw(adapter: str, raw: Any) -> Any:
    """Apply an adapter's fix-ups to a freshly read recording (in place) and return it."""
    return get_adapter(adapter).prepare_raw(raw)
