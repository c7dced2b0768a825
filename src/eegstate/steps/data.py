"""Data steps: make a dataset's recordings available (generate, download, extract).

The workflow's preparation rules (``prepare_dataset``, ``prepare_subject``,
``prepare_session``) all run :func:`prepare_data`, which asks the configuration's adapter
(:meth:`eegstate.datasets.base.DatasetAdapter.prepare`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from eegstate.steps.base import Step, StepCall

logger = logging.getLogger(__name__)


def prepare_data(
    config: Mapping[str, Any],
    level: str,
    outputs: Sequence[str | Path],
    wildcards: Mapping[str, str] | None = None,
) -> Any:
    """Workflow step: run one of the adapter's preparation jobs.

    Parameters
    ----------
    config : mapping
        The job's configuration (:meth:`eegstate.datasets.base.PreparationJob.job_config`:
        ``adapter`` and the options the job reads).
    level : {"dataset", "subject", "session"}
        The job's level.
    outputs : sequence of str or pathlib.Path
        The job's output files.
    wildcards : mapping, optional
        ``subject`` and, per session, ``session``.

    Returns
    -------
    object
        What the adapter's job produced.
    """
    from eegstate.datasets.registry import ADAPTERS

    wildcards = dict(wildcards or {})
    adapter = ADAPTERS[config["adapter"]]
    logger.info("%s: %s preparation %s", adapter.name, level, wildcards or "")
    return adapter.prepare(
        level,
        config,
        [str(path) for path in outputs],
        subject=wildcards.get("subject"),
        session=wildcards.get("session"),
    )


def _run(call: StepCall) -> Any:
    return prepare_data(
        call.config, call.params["level"], call.output_files, wildcards=call.wildcards
    )


#: The step of the ``prepare_dataset``, ``prepare_subject`` and ``prepare_session`` rules (the
#: options each job reads are its own: ``PreparationJob.job_config``).
STEPS = (Step("prepare_data", consumes=None, run=_run),)


def simulate_dataset(config: Mapping[str, Any], out_dir: str | Path) -> pd.DataFrame:
    """``eegstate simulate``: :func:`eegstate.datasets.simulated.generate_cohort`."""
    from eegstate.datasets.simulated import generate_cohort

    return generate_cohort(config, out_dir)
