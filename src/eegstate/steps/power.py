"""Power step: power and false-verdict rates of the claims (file I/O around eegstate.stats.power).

From a finished run (a pilot, or the demo) it reads the group tables the claims were computed
from and writes ``power.tsv``, ``power_summary.tsv`` and a figure; in planning mode it needs no
data. Used by the ``power_analysis`` rule (``power.enabled``) and the ``eegstate power``
command.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from eegstate.io import (
    read_optional_json,
    read_optional_table,
    read_table,
    write_bytes,
    write_table,
)
from eegstate.settings import PowerStepSettings, build_settings
from eegstate.steps.base import Step, StepCall
from eegstate.tables import POWER_COLUMNS, POWER_SUMMARY_COLUMNS

logger = logging.getLogger(__name__)


def step_settings(config: PowerStepSettings | Mapping[str, Any]) -> PowerStepSettings:
    """The power analysis' settings (a validated configuration mapping is built into them)."""
    if isinstance(config, PowerStepSettings):
        return config
    return build_settings(PowerStepSettings, config)


def power_settings(config: PowerStepSettings | Mapping[str, Any], **overrides: Any) -> Any:
    """:class:`eegstate.stats.power.PowerSettings` from the ``power`` section and ``seed``.

    ``overrides`` (e.g. from the command line) replace options when not None.
    """
    from eegstate.stats.power import PowerSettings

    st = step_settings(config)
    options = {
        "subjects": st.power.subjects,
        "replicates": st.power.replicates,
        "decoding_replicates": st.power.decoding_replicates,
        "decoding_permutations": st.power.decoding_permutations,
        "seed": st.seed,
        **{k: v for k, v in overrides.items() if v is not None},
    }
    return PowerSettings(
        subject_counts=tuple(int(n) for n in options["subjects"]),
        replicates=int(options["replicates"]),
        decoding_replicates=int(options["decoding_replicates"]),
        decoding_permutations=int(options["decoding_permutations"]),
        seed=int(options["seed"]),
    )


def _write(verdicts: pd.DataFrame, config, power_out, summary_out, figure_out) -> pd.DataFrame:
    from eegstate.report.figures import close_figure
    from eegstate.report.images import figure_png
    from eegstate.report.power_plot import plot_power
    from eegstate.stats.power import power_summary, power_table

    table = power_table(verdicts)
    summary = power_summary(verdicts, step_settings(config).stats.alpha)
    write_table(table, power_out, POWER_COLUMNS)
    write_table(summary, summary_out, POWER_SUMMARY_COLUMNS)
    fig = plot_power(summary)
    try:
        write_bytes(figure_png(fig), figure_out)
    finally:
        close_figure(fig)
    return summary


def make_power_analysis(
    *,
    bandpower_path: str | Path,
    qc_path: str | Path,
    config: Mapping[str, Any],
    power_out: str | Path,
    summary_out: str | Path,
    figure_out: str | Path,
    aperiodic_path: str | Path | None = None,
    dmn_summary_path: str | Path | None = None,
    classification_path: str | Path | None = None,
    features_path: str | Path | None = None,
    n_jobs: int = 1,
    progress: Callable[[int], None] | None = None,
    **overrides: Any,
) -> pd.DataFrame:
    """Resample a finished run's subjects and write the power tables and figure.

    Parameters
    ----------
    bandpower_path, qc_path : path
        ``bandpower.tsv`` and ``qc.tsv`` of the run.
    config : mapping
        Validated configuration of the run (labels, thresholds, ``power``, ``seed``).
    power_out, summary_out, figure_out : path
        ``power.tsv``, ``power_summary.tsv`` and the PNG figure.
    aperiodic_path, dmn_summary_path, classification_path, features_path : path, optional
        ``aperiodic.tsv``, ``dmn_summary.tsv``, ``classification.json``, ``features.tsv``
        (missing: the claim is ``not_testable`` in every replicate, or, for decoding, left out).
    n_jobs : int
        Worker processes (results do not depend on it).
    progress : callable, optional
        Called with the number of replicates finished.
    **overrides
        ``subjects``, ``replicates``, ``decoding_replicates``, ``decoding_permutations``,
        ``seed`` replacing the ``power`` options.

    Returns
    -------
    pandas.DataFrame
        The summary table (``power_summary.tsv``).

    Raises
    ------
    ValueError
        If no subject has both states (e.g. the configuration is not the run's).
    """
    from eegstate.stats import ClaimInputs
    from eegstate.stats.claims import ClaimSettings, measure_claims
    from eegstate.stats.power import SCENARIOS, decoding_block, pilot_block, run_blocks, tasks

    t0 = time.perf_counter()
    config = step_settings(config)
    power = power_settings(config, **overrides)
    settings = ClaimSettings.from_config(config)
    classification = read_optional_json(classification_path)
    inputs = ClaimInputs(
        bandpower=read_table(bandpower_path),
        qc=read_table(qc_path),
        aperiodic=read_optional_table(aperiodic_path),
        dmn_summary=read_optional_table(dmn_summary_path),
        classification=classification,
    )
    measures = measure_claims(inputs, settings)
    if not measures.subjects():
        raise ValueError(
            f"no subject of {bandpower_path} has both states {settings.baseline!r} and "
            f"{settings.target!r}; give the configuration the run used (--configfile, --config)"
        )
    blocks = tasks(power, power.replicates, SCENARIOS)
    verdicts = [
        run_blocks(
            partial(pilot_block, measures, settings, power),
            blocks,
            n_jobs=n_jobs,
            progress=progress,
        )
    ]
    features = read_optional_table(features_path)
    if (
        classification
        and classification.get("balanced_accuracy") is not None
        and (features is not None and power.decoding_replicates > 0)
    ):
        decoding = tasks(power, power.decoding_replicates, SCENARIOS, block=5)
        work = partial(decoding_block, features, classification, config, power)
        verdicts.append(run_blocks(work, decoding, n_jobs=n_jobs, progress=progress))
    summary = _write(
        pd.concat(verdicts, ignore_index=True), config, power_out, summary_out, figure_out
    )
    logger.info(
        "power analysis: %d subject counts x %d replicates (%d for decoding) in %.1f s",
        len(power.subject_counts),
        power.replicates,
        power.decoding_replicates,
        time.perf_counter() - t0,
    )
    return summary


def replicate_count(config: Mapping[str, Any], *, planning: bool = False, **overrides) -> int:
    """Number of replicates a power analysis will run (for progress bars)."""
    from eegstate.stats.power import SCENARIOS

    power = power_settings(config, **overrides)
    scenarios = 1 if planning else len(SCENARIOS)
    per_size = power.replicates + (0 if planning else power.decoding_replicates)
    return len(power.subject_counts) * scenarios * per_size


def make_planned_power(
    *,
    config: Mapping[str, Any],
    power_out: str | Path,
    summary_out: str | Path,
    figure_out: str | Path,
    means: Mapping[str, float] | None = None,
    sds: Mapping[str, float] | None = None,
    n_jobs: int = 1,
    progress: Callable[[int], None] | None = None,
    **overrides: Any,
) -> pd.DataFrame:
    """Power of planned studies from effect sizes and between-subject SDs (no data needed).

    Parameters
    ----------
    config : mapping
        Validated configuration (thresholds, bootstrap, DMN metrics, ``power``, ``seed``).
    power_out, summary_out, figure_out : path
        Outputs.
    means, sds : mapping, optional
        Planning name (``alpha``, ``theta``, ``gamma``, ``dmn``) -> mean change / SD,
        replacing :data:`eegstate.stats.power.PLANNING_DEFAULTS`.
    n_jobs : int
        Worker processes.
    progress : callable, optional
        Called with the number of replicates finished.
    **overrides
        As for :func:`make_power_analysis`.

    Returns
    -------
    pandas.DataFrame
        The summary table.
    """
    from eegstate.stats.claims import ClaimSettings
    from eegstate.stats.power import planned_block, planning_effects, run_blocks, tasks

    config = step_settings(config)
    power = power_settings(config, **overrides)
    settings = ClaimSettings.from_config(config)
    effects = planning_effects(means, sds)
    work = partial(planned_block, settings, power, effects)
    verdicts = run_blocks(
        work, tasks(power, power.replicates, ("planned",)), n_jobs=n_jobs, progress=progress
    )
    return _write(verdicts, config, power_out, summary_out, figure_out)


def _run(call: StepCall) -> pd.DataFrame:
    return make_power_analysis(
        bandpower_path=call.inputs["bandpower"],
        qc_path=call.inputs["qc"],
        aperiodic_path=call.inputs["aperiodic"],
        dmn_summary_path=call.optional("dmn_summary"),
        classification_path=call.optional("classification"),
        features_path=call.optional("features"),
        config=call.config,
        power_out=call.outputs["power"],
        summary_out=call.outputs["summary"],
        figure_out=call.outputs["figure"],
        n_jobs=call.threads,
    )


def _consumes() -> tuple[str, ...]:
    from eegstate.steps.stats import STATS_CONSUMES

    return (*STATS_CONSUMES, "power", "classification")


#: The step of the ``power_analysis`` rule.
STEPS = (Step("power", consumes=_consumes(), run=_run),)
