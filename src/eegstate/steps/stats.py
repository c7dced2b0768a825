"""Stats step: group statistics and the claims table of a dataset (file I/O around eegstate.stats).

Reads the group tables, writes ``stats_regions.tsv``, ``stats_channels.tsv``,
``clusters.tsv``, ``aperiodic.tsv``, ``claims.tsv``, ``claims_tests.tsv`` and the summaries the
group report shows (:data:`eegstate.stats.summaries.SUMMARY_TABLES`). Connectivity and
classification outputs are optional: when absent (step disabled or not run) their claims are
``not_testable`` with the caveat "step not run" and their summaries are empty.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from eegstate.io import (
    electrodes_info,
    read_optional_json,
    read_optional_table,
    read_table,
    write_table,
)
from eegstate.seeding import derive_seed
from eegstate.settings import ClaimsOptions, StatsStepSettings, settings_fields
from eegstate.stats.verdicts import stats_settings
from eegstate.steps.base import Step, StepCall
from eegstate.tables import (
    APERIODIC_COLUMNS,
    CLAIM_TESTS_COLUMNS,
    CLAIMS_COLUMNS,
    CLUSTER_COLUMNS,
    STATS_CHANNEL_COLUMNS,
    STATS_REGION_COLUMNS,
)

logger = logging.getLogger(__name__)


def claim_sites(bandpower: pd.DataFrame, claims: ClaimsOptions) -> dict[str, list[str]]:
    """Channel sites whose spectra are parameterised: the alpha and theta claim regions and
    ``all`` channels (whose aperiodic exponent corrects the muscle index of the gamma claim)."""
    from eegstate.stats.summaries import claim_site

    sites: dict[str, list[str]] = {}
    for regions in (claims.alpha_regions, claims.theta_regions, None):
        name, channels = claim_site(bandpower, regions)
        sites.setdefault(name, channels)
    return sites


def write_summaries(paths: Mapping[str, str | Path], **tables: Any) -> dict[str, pd.DataFrame]:
    """Compute the report's summary tables and write those named in ``paths``.

    Parameters
    ----------
    paths : mapping
        Table name (:data:`eegstate.stats.summaries.SUMMARY_TABLES`) -> TSV path.
    **tables
        Keyword arguments of :func:`eegstate.stats.summaries.report_summaries`.

    Returns
    -------
    dict
        Every summary table by name.

    Raises
    ------
    KeyError
        If ``paths`` names an unknown table.
    """
    from eegstate.stats.summaries import SUMMARY_TABLES, report_summaries

    unknown = sorted(set(paths) - set(SUMMARY_TABLES))
    if unknown:
        raise KeyError(f"unknown summary tables {unknown}; known: {sorted(SUMMARY_TABLES)}")
    summaries = report_summaries(**tables)
    for name, path in paths.items():
        write_table(summaries[name], path, SUMMARY_TABLES[name])
    return summaries


def make_group_stats(
    *,
    bandpower_path: str | Path,
    regions_path: str | Path,
    psd_path: str | Path,
    qc_path: str | Path,
    electrodes_paths: Sequence[str | Path],
    config: StatsStepSettings | Mapping[str, Any],
    stats_regions_out: str | Path,
    stats_channels_out: str | Path,
    clusters_out: str | Path,
    aperiodic_out: str | Path,
    claims_out: str | Path,
    claims_tests_out: str | Path | None = None,
    summaries_out: Mapping[str, str | Path] | None = None,
    dmn_summary_path: str | Path | None = None,
    connectivity_path: str | Path | None = None,
    classification_path: str | Path | None = None,
    predictions_path: str | Path | None = None,
) -> pd.DataFrame:
    """Compute the group statistics and the claims table and write them.

    Parameters
    ----------
    bandpower_path, regions_path, psd_path, qc_path : path
        Group tables.
    electrodes_paths : sequence of path
        Per-recording electrode tables (channel positions for the cluster adjacency).
    config : eegstate.settings.StatsStepSettings or mapping
        The statistics settings (a validated configuration mapping is built into them).
    stats_regions_out, stats_channels_out, clusters_out, aperiodic_out, claims_out : path
        Outputs.
    claims_tests_out : path, optional
        ``claims_tests.tsv``: every test behind the claims.
    summaries_out : mapping, optional
        Summary table name (:data:`eegstate.stats.summaries.SUMMARY_TABLES`) -> path: the
        tables the group report shows. Names left out are not computed.
    dmn_summary_path, connectivity_path, classification_path, predictions_path : path, optional
        ``dmn_summary.tsv``, ``connectivity.tsv``, ``classification.json`` and
        ``classification_predictions.tsv`` (missing files are treated as "step not run").

    Returns
    -------
    pandas.DataFrame
        The claims table.
    """
    from eegstate.stats import (
        ClaimInputs,
        aperiodic_table,
        channel_contrasts,
        claims_and_tests,
        cluster_tests,
        region_contrasts,
    )
    from eegstate.stats.aperiodic import resolve_settings

    t0 = time.perf_counter()
    st = stats_settings(config)
    baseline, target, seed = st.baseline, st.target, st.seed
    boot = {"ci_level": st.report.ci_level, "n_bootstrap": st.report.n_bootstrap}
    bandpower = read_table(bandpower_path)
    qc = read_table(qc_path)
    regions = region_contrasts(
        read_table(regions_path),
        baseline,
        target,
        seed=derive_seed(seed, "stats", "regions"),
        **boot,
    )
    write_table(regions, stats_regions_out, STATS_REGION_COLUMNS)
    channels = channel_contrasts(
        bandpower, baseline, target, seed=derive_seed(seed, "stats", "channels"), **boot
    )
    write_table(channels, stats_channels_out, STATS_CHANNEL_COLUMNS)
    t1 = time.perf_counter()
    clusters = cluster_tests(
        bandpower,
        electrodes_info(electrodes_paths),
        baseline,
        target,
        alpha=st.stats.alpha,
        n_permutations=st.stats.n_permutations,
        seed=seed,
    )
    write_table(clusters, clusters_out, CLUSTER_COLUMNS)
    t2 = time.perf_counter()
    settings = resolve_settings(st.stats.aperiodic, st.bandpower.bands, st.claims)
    psd = read_table(psd_path)  # read once: the spectral fits and the report's group spectra
    aperiodic = aperiodic_table(psd, claim_sites(bandpower, st.claims), settings)
    write_table(aperiodic, aperiodic_out, APERIODIC_COLUMNS)
    t3 = time.perf_counter()
    inputs = ClaimInputs(
        bandpower=bandpower,
        qc=qc,
        aperiodic=aperiodic,
        dmn_summary=read_optional_table(dmn_summary_path),
        classification=read_optional_json(classification_path),
        classification_predictions=read_optional_table(predictions_path),
    )
    result = claims_and_tests(inputs, st)
    claims = result.claims
    write_table(claims, claims_out, CLAIMS_COLUMNS)
    if claims_tests_out is not None:
        write_table(result.tests, claims_tests_out, CLAIM_TESTS_COLUMNS)
    t4 = time.perf_counter()
    if summaries_out:
        write_summaries(
            summaries_out,
            bandpower=bandpower,
            psd=psd,
            config=st,
            aperiodic=aperiodic,
            dmn_summary=inputs.dmn_summary,
            connectivity=read_optional_table(connectivity_path),
            predictions=inputs.classification_predictions,
        )
    logger.info(
        "stats: contrasts %.1f s, clusters %.1f s, spectral fits %.1f s, claims %.1f s, "
        "report summaries %.1f s",
        t1 - t0,
        t2 - t1,
        t3 - t2,
        t4 - t3,
        time.perf_counter() - t4,
    )
    for row in claims.itertuples(index=False):
        logger.info("claim %s: %s (%s)", row.claim, row.verdict, row.caveat)
    return claims


def _run(call: StepCall) -> pd.DataFrame:
    from eegstate.stats.summaries import SUMMARY_TABLES

    out = call.outputs
    return make_group_stats(
        bandpower_path=call.inputs["bandpower"],
        regions_path=call.inputs["regions"],
        psd_path=call.inputs["psd"],
        qc_path=call.inputs["qc"],
        electrodes_paths=call.inputs["electrodes"],
        config=call.config,
        stats_regions_out=out["stats_regions"],
        stats_channels_out=out["stats_channels"],
        clusters_out=out["clusters"],
        aperiodic_out=out["aperiodic"],
        claims_out=out["claims"],
        claims_tests_out=out["claims_tests"],
        summaries_out={name: out[name] for name in SUMMARY_TABLES if name in out},
        dmn_summary_path=call.optional("dmn_summary"),
        connectivity_path=call.optional("connectivity"),
        classification_path=call.optional("classification"),
        predictions_path=call.optional("predictions"),
    )


#: What the statistics and claims read (the report's interval options only).
STATS_CONSUMES: tuple[str, ...] = (
    *(name for name in settings_fields(StatsStepSettings) if name != "report"),
    "report.ci_level",
    "report.n_bootstrap",
)

#: The step of the ``group_stats`` rule.
STEPS = (
    Step(
        "stats",
        consumes=STATS_CONSUMES,
        run=_run,
    ),
)
