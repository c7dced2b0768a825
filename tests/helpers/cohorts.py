"""Simulated cohorts analysed like the workflow, in memory (a test helper, not a test module).

:func:`analyse_cohort` simulates N subjects x {baseline, target} with
:mod:`eegstate.simulate`, runs the per-recording analysis of the workflow on each recording
(preprocessing, band power, the muscle index, DMN connectivity), then the group steps the
claims need (spectral fits per site, classification), and returns the claims engine's input
(:class:`eegstate.stats.ClaimInputs`) plus the ground truth of what was planted.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from eegstate.config import validate_config
from eegstate.settings import load_settings
from eegstate.stats import ClaimInputs

BASE, TARG = "baseline", "dissociative"

#: The analysis configuration of the cohort tests: as the workflow, with ICA off (exercised in
#: test_preprocess), the alpha connectivity band only, and fewer resamples, to keep them fast.
ANALYSIS = {
    "preprocess": {"ica": "none", "reject": "ptp_mad"},
    "connectivity": {"bands": ["alpha"]},
    "report": {"n_bootstrap": 1000},
    "classification": {"n_permutations": 99},
}


@dataclass
class Cohort:
    """A simulated, analysed cohort."""

    inputs: ClaimInputs
    config: dict[str, Any]
    models: list[Any]
    features: pd.DataFrame


def _qc_row(result, identity: dict[str, str]) -> dict[str, Any]:
    return {**result.qc.as_row(), **identity, "excluded": ""}


def analyse_cohort(
    *,
    n_subjects: int,
    duration_s: float,
    effects: dict[str, Any] | None = None,
    effect_sd: dict[str, float] | None = None,
    seed: int = 7,
    artefacts: dict[str, Any] | None = None,
    modify_target: Callable[[Any, Any, Any], None] | None = None,
    target_model: Callable[[Any], Any] | None = None,
    config: dict[str, Any] | None = None,
) -> Cohort:
    """Simulate and analyse a cohort like the workflow does.

    Parameters
    ----------
    n_subjects, duration_s : int, float
        Cohort size and recording length.
    effects, effect_sd, artefacts : dict, optional
        ``simulation.effects``, ``simulation.effect_sd``, ``simulation.artefacts``.
    seed : int
        Cohort seed.
    modify_target : callable, optional
        ``f(raw, model, head)`` changes each target recording in place (e.g. adds muscle).
    target_model : callable, optional
        Maps a subject model to the one simulating its target state.
    config : dict, optional
        Analysis options merged over :data:`ANALYSIS`.

    Returns
    -------
    Cohort
        Claims inputs, the validated configuration and the subject models (ground truth).
    """
    import mne

    from eegstate.bandpower import epoch_band_power, recording_psd_table
    from eegstate.classify import evaluate, prepare_data
    from eegstate.classify.features import epoch_features
    from eegstate.connectivity import recording_connectivity, resolve_bands
    from eegstate.pipeline import analyse_raw
    from eegstate.simulate import (
        build_head_model,
        merge_simulation_params,
        prepare_subject,
        simulate_recording_with_truth,
    )
    from eegstate.stats import aperiodic_table
    from eegstate.stats.aperiodic import resolve_settings
    from eegstate.steps.stats import claim_sites

    options = {**ANALYSIS, **(config or {})}
    cfg = validate_config({"seed": seed, **options})
    st = load_settings(cfg)
    sim = {"n_subjects": n_subjects, "duration_s": duration_s, "effects": effects or {}}
    if effect_sd is not None:
        sim["effect_sd"] = effect_sd
    if artefacts is not None:
        sim["artefacts"] = artefacts
    params = merge_simulation_params(sim)
    head = build_head_model(params["channels"])
    bands = resolve_bands(st.connectivity.bands, st.bandpower.bands)
    bandpower, psd, qc, summaries, epochs_bp, models = [], [], [], [], [], []
    with mne.utils.use_log_level("error"):
        for index in range(1, n_subjects + 1):
            model = prepare_subject(index, params, seed, head)
            models.append(model)
            for role, label in (("baseline", BASE), ("target", TARG)):
                subject_model = (
                    target_model(model) if (target_model and role == "target") else model
                )
                raw, _ = simulate_recording_with_truth(subject_model, role, params, seed, head)
                if modify_target is not None and role == "target":
                    modify_target(raw, model, head)
                identity = {
                    "subject": model.label,
                    "session": "",
                    "recording": f"sub-{model.label}_state-{label}",
                    "state": label,
                }
                result = analyse_raw(raw, st, identity)
                bandpower.append(result.bandpower)
                channels = result.epochs.ch_names
                psd.append(recording_psd_table(result.psd, result.freqs, channels, identity))
                epochs_bp.append(
                    epoch_band_power(
                        result.psd,
                        result.freqs,
                        channels,
                        bands=cfg["bandpower"]["bands"],
                        relative_range=cfg["bandpower"]["relative_range"],
                        regions=cfg["regions"],
                        identity=identity,
                    )
                )
                qc.append(_qc_row(result, identity))
                conn = recording_connectivity(result.epochs, st.connectivity, identity, bands)
                summaries.append(conn.summary)
    bandpower = pd.concat(bandpower, ignore_index=True)
    settings = resolve_settings(st.stats.aperiodic, st.bandpower.bands, st.claims)
    aperiodic = aperiodic_table(
        pd.concat(psd, ignore_index=True), claim_sites(bandpower, st.claims), settings
    )
    features = epoch_features(pd.concat(epochs_bp, ignore_index=True), level="region")
    data = prepare_data(features, features=["*"], baseline=BASE, target=TARG)
    options = cfg["classification"]
    evaluation = evaluate(
        data,
        estimator=options["estimator"],
        param_grids=options["param_grids"],
        normalize=options["normalize"],
        n_permutations=options["n_permutations"],
        seed=seed,
        compare_none=True,
        n_bootstrap=cfg["report"]["n_bootstrap"],
    )
    inputs = ClaimInputs(
        bandpower=bandpower,
        qc=pd.DataFrame(qc),
        aperiodic=aperiodic,
        dmn_summary=pd.concat(summaries, ignore_index=True),
        classification=evaluation.summary,
        classification_predictions=evaluation.predictions,
    )
    return Cohort(inputs=inputs, config=cfg, models=models, features=features)


def silence_alpha_band(model: Any) -> Any:
    """The subject model with its other alpha-band generators (DMN, mu) switched off."""
    return dataclasses.replace(
        model, source_power={**model.source_power, "dmn": 0.0, "control": 0.0}
    )


def add_muscle(raw: Any, model: Any, head: Any, amplitude_uv: float = 10.0) -> None:
    """Tonic muscle (EMG) activity through the whole recording, as in a tense target state."""
    from eegstate.simulate.artefacts import add_muscle_bursts
    from eegstate.simulate.model import seed_rng

    data = raw._data  # RawArray: the data array, modified in place
    duration = data.shape[1] / raw.info["sfreq"]
    rng = seed_rng(model.index, 77)
    scale = amplitude_uv * float(np.exp(0.3 * rng.standard_normal()))
    add_muscle_bursts(data, head, raw.info["sfreq"], 0.0, scale, rng, bursts=[(0.0, duration)])


def expected_direction(value: float, tolerance: float = 0.0) -> str:
    """``decrease`` / ``increase`` / ``none`` of a planted value (from the config)."""
    if value < -tolerance:
        return "decrease"
    return "increase" if value > tolerance else "none"
