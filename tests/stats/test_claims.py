"""Claims on simulated cohorts analysed like the workflow: planted effects and null data.

The cohorts come from :mod:`eegstate.simulate` and go through the workflow's per-recording
analysis (``tests/helpers/cohorts.py``). Expected verdicts follow from what was planted (the
configuration), never from the code under test. Profiles include ones no default uses
(theta up, gamma unchanged, strong alpha loss, DMN unchanged), null cohorts with
between-subject spread, and artefacts (tonic muscle activity in the target state).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from helpers.cohorts import add_muscle, analyse_cohort, expected_direction, silence_alpha_band

from eegstate.config import validate_config
from eegstate.stats import ClaimInputs, claims_and_tests, evaluate_claims
from eegstate.tables import BANDPOWER_COLUMNS, CLAIMS_COLUMNS, QC_COLUMNS, VERDICTS

BASE, TARG = "baseline", "dissociative"
CONFIG = validate_config({"report": {"n_bootstrap": 500}})

#: Verdict word of each planted direction.
WORDS = {
    "alpha_abolished": {"decrease": {"reduced", "abolished"}, "none": {"unchanged"}},
    "theta_emerges": {"increase": {"increased", "emerged"}, "none": {"unchanged"}},
    "gamma_increases": {"increase": {"increased"}, "none": {"unchanged"}},
    "dmn_connectivity_reduced": {"decrease": {"reduced"}, "none": {"unchanged"}},
}


def _claims(cohort) -> pd.DataFrame:
    return claims_and_tests(cohort.inputs, cohort.config).claims.set_index("claim")


def _planted(effects: dict) -> dict[str, str]:
    """Expected direction of each claim's measure from the planted cohort means."""
    defaults = validate_config({})["simulation"]["effects"]
    e = {**defaults, **effects}
    alpha = (e["alpha_occipital_db"] + e["alpha_parietal_db"]) / 2
    coupling = e["dmn_coupling_target"] - e["dmn_coupling_baseline"]
    return {
        "alpha_abolished": expected_direction(alpha),
        "theta_emerges": expected_direction(e["theta_frontal_db"]),
        "gamma_increases": expected_direction(e["gamma_db"]),
        "dmn_connectivity_reduced": expected_direction(coupling),
    }


@pytest.fixture(scope="module")
def ketamine_like():
    """The simulator's ketamine-like defaults, with their between-subject SDs."""
    return analyse_cohort(n_subjects=10, duration_s=90.0, seed=7)


@pytest.mark.slow
def test_planted_ketamine_like_effects_get_their_verdicts(ketamine_like) -> None:
    claims = _claims(ketamine_like)
    assert list(claims.reset_index().columns) == list(CLAIMS_COLUMNS)
    assert set(claims["verdict"]) <= set(VERDICTS)
    for claim, direction in _planted({}).items():
        assert claims.loc[claim, "verdict"] in WORDS[claim][direction], (claim, claims.loc[claim])
    assert claims.loc["state_decodable", "verdict"] == "increased"
    alpha = claims.loc["alpha_abolished"]
    assert alpha["ci_low"] < alpha["effect"] < alpha["ci_high"] < 0
    assert alpha["n_subjects"] == 10
    # planted gamma is neural (30-45 Hz generators): the muscle caveat must not fire
    assert "not explained by muscle" in claims.loc["gamma_increases", "caveat"]
    # decoding says which normalisation it used and shows the normalize: none result
    caveat = claims.loc["state_decodable", "caveat"]
    assert "normalize: subject" in caveat and "normalize: none" in caveat


@pytest.mark.slow
def test_planted_values_per_subject_are_recovered(ketamine_like) -> None:
    """Per subject, the measured posterior alpha change tracks the subject's own planted value."""
    from eegstate.simulate.calibrate import expected_effects_db
    from eegstate.simulate.head import build_head_model
    from eegstate.stats.contrasts import site_channels, site_differences

    head = build_head_model(validate_config({})["simulation"]["channels"])
    planted = {
        m.label: np.mean(
            [expected_effects_db(m, head)["alpha"][r] for r in ("parietal", "occipital")]
        )
        for m in ketamine_like.models
    }
    bp = ketamine_like.inputs.bandpower
    channels = site_channels(bp, ["parietal", "occipital"])
    measured = site_differences(bp, BASE, TARG, "alpha", channels).set_index("subject")["diff_db"]
    pairs = np.array([(planted[s], measured[s]) for s in measured.index])
    assert np.corrcoef(pairs.T)[0, 1] > 0.8
    assert abs(np.mean(pairs[:, 1] - pairs[:, 0])) < 0.5


@pytest.mark.slow
def test_a_profile_no_default_uses_gets_matching_verdicts() -> None:
    """Theta +2 dB frontal, alpha -3/-2.5 dB, gamma and DMN unchanged, with SDs."""
    effects = {
        "alpha_occipital_db": -3.0,
        "alpha_parietal_db": -2.5,
        "theta_frontal_db": 2.0,
        "gamma_db": 0.0,
        "delta_db": 0.0,
        "aperiodic_exponent_change": 0.0,
        "dmn_coupling_baseline": 0.4,
        "dmn_coupling_target": 0.4,
    }
    cohort = analyse_cohort(n_subjects=10, duration_s=90.0, effects=effects, seed=21)
    claims = _claims(cohort)
    for claim, direction in _planted(effects).items():
        assert claims.loc[claim, "verdict"] in WORDS[claim][direction], (claim, claims.loc[claim])


@pytest.mark.slow
def test_null_cohorts_say_changed_at_most_at_the_nominal_rate() -> None:
    """All effects zero, between-subject SDs non-zero: false verdicts across cohorts x claims."""
    zero = {
        "alpha_occipital_db": 0.0,
        "alpha_parietal_db": 0.0,
        "theta_frontal_db": 0.0,
        "gamma_db": 0.0,
        "delta_db": 0.0,
        "aperiodic_exponent_change": 0.0,
        "dmn_coupling_baseline": 0.5,
        "dmn_coupling_target": 0.5,
    }
    verdicts = []
    for seed in (31, 32, 33):
        claims = _claims(analyse_cohort(n_subjects=8, duration_s=60.0, effects=zero, seed=seed))
        verdicts.extend(claims["verdict"])
    assert "not_testable" not in verdicts  # 8 subjects: every claim is decidable
    false = sum(v not in ("unchanged",) for v in verdicts)
    alpha, trials = CONFIG["stats"]["alpha"], len(verdicts)
    assert false <= alpha * trials + 2 * math.sqrt(trials * alpha * (1 - alpha)), verdicts


@pytest.mark.slow
def test_muscle_in_the_target_state_raises_the_muscle_caveat() -> None:
    """No neural gamma change, tonic muscle activity in every target recording."""
    effects = {"gamma_db": 0.0, "aperiodic_exponent_change": 0.0}
    cohort = analyse_cohort(
        n_subjects=8, duration_s=60.0, effects=effects, seed=41, modify_target=add_muscle
    )
    gamma = _claims(cohort).loc["gamma_increases"]
    assert gamma["effect"] > 1.0  # muscle raises 30-45 Hz power
    assert gamma["verdict"] in ("increased", "unchanged")  # (8 subjects, Holm over 5 tests)
    assert "may be muscle artefact" in gamma["caveat"]


@pytest.mark.slow
def test_alpha_removed_entirely_is_abolished() -> None:
    cohort = analyse_cohort(
        n_subjects=8,
        duration_s=60.0,
        effects={"remove_alpha": True},
        seed=7,
        target_model=silence_alpha_band,
    )
    alpha = _claims(cohort).loc["alpha_abolished"]
    assert alpha["verdict"] == "abolished"
    assert alpha["effect"] < -3.0
    assert "absent in the target state" in alpha["caveat"]


@pytest.mark.slow
def test_power_of_a_pilot_is_calibrated_and_grows_with_n(ketamine_like) -> None:
    """eegstate.stats.power on the cohort: null <= alpha + 2 MC se, power not decreasing."""
    from functools import partial

    from eegstate.stats.claims import ClaimSettings, measure_claims
    from eegstate.stats.power import (
        SCENARIOS,
        PowerSettings,
        pilot_block,
        power_summary,
        run_blocks,
        tasks,
    )

    settings = ClaimSettings.from_config(ketamine_like.config)
    measures = measure_claims(ketamine_like.inputs, settings)
    power = PowerSettings(subject_counts=(6, 8, 12, 16), replicates=150, seed=3)
    verdicts = run_blocks(
        partial(pilot_block, measures, settings, power),
        tasks(power, power.replicates, SCENARIOS),
        n_jobs=2,
    )
    summary = power_summary(verdicts, 0.05)
    null = summary[summary["scenario"] == "null"]
    assert (null["probability_changed"] <= 0.05 + 2 * np.maximum(null["mc_se"], 0.0182)).all()
    for claim, rows in summary[summary["scenario"] == "planted"].groupby("claim"):
        rows = rows.sort_values("n_subjects")
        p, se = rows["probability_changed"].to_numpy(), rows["mc_se"].to_numpy()
        assert np.all(np.diff(p) >= -2 * np.hypot(se[1:], se[:-1]) - 1e-9), (claim, p)
    planted = summary[summary["scenario"] == "planted"].set_index(["claim", "n_subjects"])
    assert planted.loc[("alpha_abolished", 6), "probability_changed"] == 0.0  # floor: 5 tests
    assert planted.loc[("alpha_abolished", 16), "probability_changed"] > 0.9


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


def _row(claims: pd.DataFrame, claim: str) -> pd.Series:
    hit = claims[claims["claim"] == claim]
    assert len(hit) == 1, claim
    return hit.iloc[0]


def test_100_hz_gamma_is_not_testable() -> None:
    claims = evaluate_claims(_synthetic_tables(100.0, 10), CONFIG)
    gamma = _row(claims, "gamma_increases")
    assert gamma["verdict"] == "not_testable"
    assert np.isnan(gamma["p_value"])
    assert "above the usable upper frequency" in gamma["caveat"]
    assert "100 Hz" in gamma["caveat"]
    # The same data sampled at 250 Hz: gamma is measured (planted +2 dB in every subject).
    ok = _row(evaluate_claims(_synthetic_tables(250.0, 10), CONFIG), "gamma_increases")
    assert ok["verdict"] == "increased"
    assert ok["effect"] == pytest.approx(2.0, abs=0.1)


def test_missing_steps_are_not_testable() -> None:
    claims = evaluate_claims(_synthetic_tables(250.0, 10), CONFIG)
    for claim in ("dmn_connectivity_reduced", "state_decodable"):
        row = _row(claims, claim)
        assert row["verdict"] == "not_testable"
        assert "step not run" in row["caveat"]
        assert np.isnan(row["effect"])


def test_one_subject_with_both_states_is_not_testable() -> None:
    claims = evaluate_claims(_synthetic_tables(250.0, 1), CONFIG)
    assert (claims["verdict"] == "not_testable").all()
    alpha = _row(claims, "alpha_abolished")
    assert "only 1 subject(s) with both states" in alpha["caveat"]


def test_open_label_design_caveat() -> None:
    config = validate_config({**CONFIG, "claims": {"open_label_fixed_order": True}})
    claims = evaluate_claims(_synthetic_tables(250.0, 4), config)
    assert claims["caveat"].str.contains("open-label, fixed-order").all()
