"""Claims on simulated cohorts with planted effects, and the not_testable rules.

The cohorts come from eegstate.simulate (ketamine-like defaults: posterior alpha −1.8 dB
occipital / −0.9 dB parietal, theta unchanged, gamma +1.5 dB) and go through the same
per-recording analysis as the workflow (``analyse_raw``). Expected verdicts follow from what
was planted, not from the code under test.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from eegstate.config import validate_config
from eegstate.stats import ClaimInputs, aperiodic_table, evaluate_claims
from eegstate.stats.contrasts import site_channels
from eegstate.tables import BANDPOWER_COLUMNS, CLAIMS_COLUMNS, QC_COLUMNS, VERDICTS

BASE, TARG = "baseline", "dissociative"
N_SUBJECTS, DURATION_S, SEED = 8, 60.0, 7
CONFIG = validate_config(
    {
        "seed": SEED,
        "preprocess": {"ica": "none", "reject": "ptp_mad"},
        "report": {"n_bootstrap": 500},
    }
)


def _analyse_cohort(effects: dict, *, silence_alpha_band: bool = False) -> ClaimInputs:
    """Simulate N subjects x {baseline, target} in memory and analyse them like the workflow.

    With ``silence_alpha_band`` the target state also loses the simulator's other alpha-band
    generators (DMN nodes and sensorimotor mu), so no alpha-band oscillation is left at all.
    """
    import mne

    from eegstate.bandpower import recording_psd_table
    from eegstate.pipeline import analyse_raw
    from eegstate.simulate import (
        build_head_model,
        merge_simulation_params,
        prepare_subject,
        simulate_recording_with_truth,
    )

    params = merge_simulation_params(
        {"n_subjects": N_SUBJECTS, "duration_s": DURATION_S, "effects": effects}
    )
    head = build_head_model(params["channels"])
    bandpower, psd, qc = [], [], []
    with mne.utils.use_log_level("error"):
        for index in range(1, N_SUBJECTS + 1):
            model = prepare_subject(index, params, SEED, head)
            target_model = model
            if silence_alpha_band:
                power = {**model.source_power, "dmn": 0.0, "control": 0.0}
                target_model = dataclasses.replace(model, source_power=power)
            for role, label, subject_model in (
                ("baseline", BASE, model),
                ("target", TARG, target_model),
            ):
                raw, _ = simulate_recording_with_truth(subject_model, role, params, SEED, head)
                identity = {
                    "subject": model.label,
                    "session": "",
                    "recording": f"sub-{model.label}_state-{label}",
                    "state": label,
                }
                result = analyse_raw(raw, CONFIG, identity)
                bandpower.append(result.bandpower)
                psd.append(
                    recording_psd_table(result.psd, result.freqs, result.epochs.ch_names, identity)
                )
                qc.append({**result.qc.as_row(), **identity, "excluded": ""})
    bandpower = pd.concat(bandpower, ignore_index=True)
    psd = pd.concat(psd, ignore_index=True)
    sites = {
        "parietal+occipital": site_channels(bandpower, ["parietal", "occipital"]),
        "frontal": site_channels(bandpower, ["frontal"]),
    }
    from eegstate.stats.aperiodic import resolve_settings

    settings = resolve_settings(
        CONFIG["stats"]["aperiodic"], CONFIG["bandpower"]["bands"], CONFIG["claims"]
    )
    return ClaimInputs(
        bandpower=bandpower,
        qc=pd.DataFrame(qc),
        aperiodic=aperiodic_table(psd, sites, settings),
    )


def _row(claims: pd.DataFrame, claim: str) -> pd.Series:
    hit = claims[claims["claim"] == claim]
    assert len(hit) == 1, claim
    return hit.iloc[0]


@pytest.fixture(scope="module")
def ketamine_like() -> pd.DataFrame:
    return evaluate_claims(_analyse_cohort({}), CONFIG)


@pytest.fixture(scope="module")
def alpha_gone() -> pd.DataFrame:
    inputs = _analyse_cohort({"remove_alpha": True}, silence_alpha_band=True)
    return evaluate_claims(inputs, CONFIG)


def test_claims_table_shape(ketamine_like: pd.DataFrame) -> None:
    assert list(ketamine_like.columns) == list(CLAIMS_COLUMNS)
    assert list(ketamine_like["claim"]) == [
        "alpha_abolished",
        "theta_emerges",
        "gamma_increases",
        "dmn_connectivity_reduced",
        "state_decodable",
    ]
    assert set(ketamine_like["verdict"]) <= set(VERDICTS)


def test_default_alpha_is_reduced_not_abolished(ketamine_like: pd.DataFrame) -> None:
    alpha = _row(ketamine_like, "alpha_abolished")
    assert alpha["verdict"] == "reduced"
    assert alpha["n_subjects"] == N_SUBJECTS
    # Planted: −1.8 dB occipital, −0.9 dB parietal; the pooled posterior change lies between.
    assert -1.8 < alpha["effect"] < -0.9
    assert alpha["ci_low"] < alpha["effect"] < alpha["ci_high"] < 0
    assert alpha["p_value"] < 0.05
    assert f"periodic alpha peak in {N_SUBJECTS}/{N_SUBJECTS} baseline" in alpha["caveat"]


def test_default_theta_unchanged_and_gamma_increased(ketamine_like: pd.DataFrame) -> None:
    theta = _row(ketamine_like, "theta_emerges")
    assert theta["verdict"] == "unchanged"  # planted 0 dB
    assert theta["ci_low"] < 0 < theta["ci_high"] or theta["p_value"] >= 0.05
    gamma = _row(ketamine_like, "gamma_increases")
    assert gamma["verdict"] == "increased"  # planted +1.5 dB
    assert gamma["effect"] == pytest.approx(1.5, abs=0.5)
    assert "muscle (EMG) index" in gamma["caveat"]


def test_missing_steps_are_not_testable(ketamine_like: pd.DataFrame) -> None:
    for claim in ("dmn_connectivity_reduced", "state_decodable"):
        row = _row(ketamine_like, claim)
        assert row["verdict"] == "not_testable"
        assert "step not run" in row["caveat"]
        assert np.isnan(row["effect"])


def test_alpha_removed_entirely_is_abolished(alpha_gone: pd.DataFrame) -> None:
    alpha = _row(alpha_gone, "alpha_abolished")
    assert alpha["verdict"] == "abolished"
    assert alpha["effect"] < -3.0
    assert "absent in the target state" in alpha["caveat"]


def _synthetic_tables(sfreq: float, n_subjects: int, gamma_db: float = 2.0) -> ClaimInputs:
    """Band power built directly: every band +gamma_db in gamma, 0 elsewhere, per subject."""
    bands = {"theta": (4.0, 8.0), "alpha": (8.0, 13.0), "gamma": (30.0, 45.0)}
    rng = np.random.default_rng(0)
    rows, qc = [], []
    for s in range(n_subjects):
        subject = f"{s + 1:02d}"
        for state in (BASE, TARG):
            recording = f"sub-{subject}_state-{state}"
            for ch, region in (("Fz", "frontal"), ("Pz", "parietal"), ("Oz", "occipital")):
                for band, (fmin, fmax) in bands.items():
                    shift = gamma_db if (band == "gamma" and state == TARG) else 0.0
                    value = 10.0 + shift + rng.normal(0, 0.1)
                    ident = (subject, "", recording, state, ch, region, band, fmin, fmax)
                    rows.append((*ident, value, 0.1, 20))
            row = dict.fromkeys(QC_COLUMNS, "")
            row.update(subject=subject, recording=recording, state=state, sfreq=sfreq, excluded="")
            qc.append(row)
    return ClaimInputs(
        bandpower=pd.DataFrame(rows, columns=list(BANDPOWER_COLUMNS)), qc=pd.DataFrame(qc)
    )


def test_100_hz_gamma_is_not_testable() -> None:
    claims = evaluate_claims(_synthetic_tables(100.0, 10), CONFIG)
    gamma = _row(claims, "gamma_increases")
    assert gamma["verdict"] == "not_testable"
    assert np.isnan(gamma["effect"]) and np.isnan(gamma["p_value"])
    assert "above the usable upper frequency" in gamma["caveat"]
    assert "100 Hz" in gamma["caveat"]
    # The same data sampled at 250 Hz: gamma is measured (planted +2 dB in every subject).
    ok = _row(evaluate_claims(_synthetic_tables(250.0, 10), CONFIG), "gamma_increases")
    assert ok["verdict"] == "increased"
    assert ok["effect"] == pytest.approx(2.0, abs=0.1)


def test_one_subject_with_both_states_is_not_testable() -> None:
    inputs = _synthetic_tables(250.0, 1)
    claims = evaluate_claims(inputs, CONFIG)
    assert (claims["verdict"] == "not_testable").all()
    alpha = _row(claims, "alpha_abolished")
    assert "only 1 subject(s) with both states" in alpha["caveat"]


def test_open_label_design_caveat() -> None:
    config = validate_config({**CONFIG, "claims": {"open_label_fixed_order": True}})
    claims = evaluate_claims(_synthetic_tables(250.0, 4), config)
    assert claims["caveat"].str.contains("open-label, fixed-order").all()
