"""The one contract of every workflow step: named inputs, named outputs and its settings.

A step (:class:`Step`) declares the top-level configuration options it consumes
(:attr:`Step.consumes`) and runs on a :class:`StepCall`: the rule's named inputs and outputs,
the slice of the validated configuration it consumes, the rule's other parameters and its
threads. The workflow derives each rule's ``config`` parameter from the declaration
(:func:`step_config`, so a rule never lists options by hand and changing an option reruns
exactly the steps that read it), and every workflow script is the same one line::

    from eegstate.steps import run_step
    run_step("recording", snakemake)

Steps are registered in :data:`STEPS` by name; their Python functions (e.g.
:func:`eegstate.steps.recording.process_recording`) stay usable on their own.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class StepCall:
    """What a step receives from its rule.

    Attributes
    ----------
    inputs, outputs : mapping
        Named input and output files (a path, or a list of paths).
    config : mapping
        The options the step consumes (validated by the workflow).
    params : mapping
        The rule's other parameters (e.g. a recording's identity).
    threads : int
        Threads granted to the job.
    log : str or None
        The job's (first) log file.
    logs : tuple of str
        Every log file of the job (a batch job has one per recording).
    output_files : tuple of str
        Every output file in the rule's order (named or not).
    wildcards : mapping
        The job's wildcards (``subject``, ``session``, ...).
    """

    inputs: Mapping[str, Any]
    outputs: Mapping[str, Any]
    config: Mapping[str, Any]
    params: Mapping[str, Any] = field(default_factory=dict)
    threads: int = 1
    log: str | None = None
    logs: tuple[str, ...] = ()
    output_files: tuple[str, ...] = ()
    wildcards: Mapping[str, str] = field(default_factory=dict)

    def optional(self, name: str) -> Any:
        """A named input that a rule gives only when its step runs (None otherwise)."""
        return self.inputs.get(name)


@dataclass(frozen=True)
class Step:
    """A workflow step: its name, the options it consumes and how it runs.

    ``consumes`` is None for the data-preparation step, whose options depend on the dataset:
    each of the adapter's jobs declares its own
    (:attr:`eegstate.datasets.base.PreparationJob.options`).
    """

    name: str
    consumes: tuple[str, ...] | None
    run: Callable[[StepCall], Any]

    def __post_init__(self) -> None:
        if self.consumes is not None and len(set(self.consumes)) != len(self.consumes):
            raise ValueError(f"step {self.name!r} declares an option twice: {self.consumes}")


#: Step name -> module defining ``STEP``.
STEP_MODULES: dict[str, str] = {
    "prepare_data": "eegstate.steps.data",
    "recording": "eegstate.steps.recording",
    "recordings": "eegstate.steps.recording",
    "group_qc": "eegstate.steps.group",
    "group_tables": "eegstate.steps.group",
    "features": "eegstate.steps.classify",
    "classification": "eegstate.steps.classify",
    "stats": "eegstate.steps.stats",
    "report": "eegstate.steps.report",
    "power": "eegstate.steps.power",
    "track_recording": "eegstate.steps.track",
    "track_summary": "eegstate.steps.track",
}


def get_step(name: str) -> Step:
    """The registered step called ``name``.

    Raises
    ------
    KeyError
        Naming the known steps.
    """
    if name not in STEP_MODULES:
        raise KeyError(f"unknown step {name!r}; steps: {', '.join(STEP_MODULES)}")
    module = importlib.import_module(STEP_MODULES[name])
    steps = {step.name: step for step in module.STEPS}
    return steps[name]


def step_config(name: str, config: Mapping[str, Any]) -> dict[str, Any]:
    """The slice of a validated configuration that step ``name`` consumes.

    Parameters
    ----------
    name : str
        Step name.
    config : mapping
        The validated configuration.

    Returns
    -------
    dict
        ``{option: config[option]}`` for the options of :attr:`Step.consumes`; a dotted
        name (``report.ci_level``) takes one option of a section (``{"report":
        {"ci_level": ...}}``), so that the section's other options do not rerun the step.
    """
    consumes = get_step(name).consumes
    if consumes is None:
        raise ValueError(f"step {name!r} takes the options of each job (see its Step)")
    wanted = {key.partition(".")[0] for key in consumes}
    # In the configuration's own order, so that what a step shows (the report's copy of the
    # configuration) reads as the user wrote it.
    out: dict[str, Any] = {key: None for key in config if key in wanted}
    for key in consumes:
        section, _, option = key.partition(".")
        if option:
            if not isinstance(out.get(section), dict):
                out[section] = {}
            out[section][option] = config[section][option]
        else:
            out[key] = config[key]
    return out


def run_step(name: str, snakemake: Any) -> Any:
    """Run step ``name`` for a Snakemake job (the body of every workflow script).

    Parameters
    ----------
    name : str
        Step name.
    snakemake : snakemake.script.Snakemake
        The object Snakemake gives a script: named ``input``, ``output``, ``params`` (its
        ``config`` is the step's slice), ``threads`` and ``log``.

    Returns
    -------
    object
        What the step returns.
    """
    from eegstate.steps.logs import run_logged

    params = dict(snakemake.params.items())
    call = StepCall(
        inputs=dict(snakemake.input.items()),
        outputs=dict(snakemake.output.items()),
        config=params.pop("config", {}),
        params=params,
        threads=int(snakemake.threads),
        log=snakemake.log[0] if snakemake.log else None,
        logs=tuple(str(path) for path in snakemake.log),
        output_files=tuple(str(path) for path in snakemake.output),
        wildcards=dict(snakemake.wildcards.items()),
    )
    step = get_step(name)
    with job_thread_limits(call.threads):
        return run_logged(step.run, call.log, call)


#: Environment variables that size the thread pools of BLAS and OpenMP libraries when they load.
THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


@contextmanager
def job_thread_limits(threads: int) -> Iterator[None]:
    """Keep a job's BLAS and OpenMP thread pools to the threads its rule was granted.

    Snakemake limits threads only for ``shell`` commands (it sets ``OMP_NUM_THREADS`` and
    friends); a ``script`` job's numerical libraries start one thread per core, so jobs running
    side by side oversubscribe the cores (two one-thread recording jobs on two cores ran four
    busy BLAS threads). The variables of :data:`THREAD_VARIABLES` are set for the libraries
    loaded from now on (nothing numerical is loaded before a workflow script calls
    :func:`run_step`), and threadpoolctl limits those already loaded; both are restored after.

    Parameters
    ----------
    threads : int
        Threads granted to the job (at least 1).
    """
    import os

    from threadpoolctl import threadpool_limits

    limit = str(max(1, int(threads)))
    saved = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    os.environ.update({name: limit for name in THREAD_VARIABLES})
    try:
        with threadpool_limits(limits=int(limit)):
            yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
