"""The claims engine on group tables with known per-subject answers.

Each test builds the group tables a run would write (band power, QC, spectral fits, DMN
summary, classification summary) from per-subject values chosen here, so the right verdict is
known from the construction, not from the code under test. Covers the audit scenarios of the
verdict rules (peak counts on noise, small studies, decoding floors, DMN specificity, muscle
index) and the calibration of every claim on null data.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from eegstate.config import validate_config
from eegstate.stats import ClaimInputs, claims_and_tests
from eegstate.stats.claims import ClaimSettings, decide_claims, measure_claims
from eegstate.tables import BANDPOWER_COLUMNS

BASE, TARG = "baseline", "dissociative"
CONFIG = validate_config({"report": {"n_bootstrap": 400}})
CHANNELS = {
    "frontal": ("F3", "Fz", "F4"),
    "central": ("C3", "Cz", "C4"),
    "parietal": ("P3", "Pz", "P4"),
    "occipital": ("O1", "Oz", "O2"),
}
BANDS = {"theta": (4.0, 8.0), "alpha": (8.0, 13.0), "gamma": (30.0, 45.0)}
SITES = {"alpha": "parietal+occipital", "theta": "frontal"}


def _subjects(n: int) -> list[str]:
    return [f"{i + 1:02d}" for i in range(n)]


def _tables(
    n: int,
    *,
    alpha: np.ndarray | float = 0.0,
    theta: np.ndarray | float = 0.0,
    gamma: np.ndarray | float = 0.0,
    peaks: dict[str, dict[str, np.ndarray]] | None = None,
    dmn: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
    emg: np.ndarray | float = 0.0,
    seed: int = 0,
) -> ClaimInputs:
    """Group tables with per-subject target - baseline changes of band power (dB).

    ``peaks[site_kind][f"{state}_{kind}"]``: per-subject presence; ``dmn[metric]``: per
    subject (DMN change, control change).
    """
    rng = np.random.default_rng(seed)
    diffs = {
        "alpha": np.broadcast_to(alpha, n),
        "theta": np.broadcast_to(theta, n),
        "gamma": np.broadcast_to(gamma, n),
    }
    rows, qc, aperiodic, summary = [], [], [], []
    for i, subject in enumerate(_subjects(n)):
        offset = rng.normal(0, 3)
        for state in (BASE, TARG):
            recording = f"sub-{subject}_state-{state}"
            ident = (subject, "", recording, state)
            for region, channels in CHANNELS.items():
                for channel in channels:
                    for band, (fmin, fmax) in BANDS.items():
                        value = 10 + offset + (diffs[band][i] if state == TARG else 0.0)
                        rows.append((*ident, channel, region, band, fmin, fmax, value, 0.1, 40))
            qc.append(
                {
                    "subject": subject,
                    "session": "",
                    "recording": recording,
                    "state": state,
                    "sfreq": 250.0,
                    "excluded": "",
                    "emg_slope_median": -2.0
                    + (np.broadcast_to(emg, n)[i] if state == TARG else 0.0)
                    + rng.normal(0, 1e-3),
                }
            )
            for kind, site in SITES.items():
                flags = (peaks or {}).get(kind, {})
                row = {"subject": subject, "session": "", "recording": recording}
                row.update(state=state, site=site)
                role = "baseline" if state == BASE else "target"
                for peak in ("alpha", "theta", "alpha_slow"):
                    default = peak == "alpha"
                    values = flags.get(f"{role}_{peak}")
                    row[f"{peak}_present"] = bool(default if values is None else values[i])
                slow_at = flags.get("slow_freq", 7.5)
                slow_height = flags.get("slow_height_db", 8.0)
                row["alpha_freq"] = 9.0 if row["alpha_present"] else np.nan
                row["alpha_height_db"] = 10.0 if row["alpha_present"] else np.nan
                row["alpha_slow_freq"] = slow_at if row["alpha_slow_present"] else np.nan
                row["alpha_slow_height_db"] = slow_height if row["alpha_slow_present"] else np.nan
                aperiodic.append(row)
            for metric, (dmn_diff, control_diff) in (dmn or {}).items():
                base_dmn, base_ctl = 0.2 + rng.normal(0, 0.02), 0.1 + rng.normal(0, 0.02)
                d = dmn_diff[i] if state == TARG else 0.0
                c = control_diff[i] if state == TARG else 0.0
                summary.append(
                    {
                        "subject": subject,
                        "session": "",
                        "recording": recording,
                        "state": state,
                        "band": "alpha",
                        "metric": metric,
                        "dmn_mean": base_dmn + d,
                        "control_mean": base_ctl + c,
                        "dmn_minus_control": base_dmn + d - base_ctl - c,
                    }
                )
    return ClaimInputs(
        bandpower=pd.DataFrame(rows, columns=list(BANDPOWER_COLUMNS)),
        qc=pd.DataFrame(qc),
        aperiodic=pd.DataFrame(aperiodic),
        dmn_summary=pd.DataFrame(summary) if dmn else None,
    )


def _row(inputs: ClaimInputs, claim: str, config=CONFIG) -> pd.Series:
    claims = claims_and_tests(inputs, config).claims
    return claims[claims["claim"] == claim].iloc[0]


def _noise(n: int, sd: float, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, sd, n)


# --------------------------------------------------------------------- peak rules (audit 4)


def test_theta_peaks_lost_and_gained_on_null_power_is_unchanged() -> None:
    n = 12
    base = np.r_[np.ones(10, bool), np.zeros(2, bool)]
    targ = np.r_[np.zeros(2, bool), np.ones(8, bool), np.ones(2, bool)]  # 2 lost, 2 gained
    row = _row(
        _tables(
            n,
            theta=_noise(n, 0.3, 1),
            peaks={"theta": {"baseline_theta": base, "target_theta": targ}},
        ),
        "theta_emerges",
    )
    assert row.verdict == "unchanged"


def test_two_subjects_losing_the_alpha_peak_is_not_abolition() -> None:
    n = 12
    base = np.r_[np.ones(2, bool), np.zeros(10, bool)]
    flags = {"baseline_alpha": base, "target_alpha": np.zeros(n, bool)}
    row = _row(_tables(n, alpha=-2 + _noise(n, 0.3, 2), peaks={"alpha": flags}), "alpha_abolished")
    assert row.verdict == "reduced"
    assert "not informative" in row.caveat


def test_alpha_rising_while_peaks_vanish_is_increased() -> None:
    n = 12
    flags = {"baseline_alpha": np.ones(n, bool), "target_alpha": np.zeros(n, bool)}
    row = _row(_tables(n, alpha=2 + _noise(n, 0.3, 3), peaks={"alpha": flags}), "alpha_abolished")
    assert row.verdict == "increased"
    assert "not abolition" in row.caveat


def test_theta_falling_with_new_peaks_is_reduced() -> None:
    n = 12
    flags = {"baseline_theta": np.zeros(n, bool), "target_theta": np.ones(n, bool)}
    row = _row(_tables(n, theta=-2 + _noise(n, 0.3, 4), peaks={"theta": flags}), "theta_emerges")
    assert row.verdict == "reduced"


def test_small_significant_theta_rise_is_increased_not_emerged() -> None:
    n = 12
    row = _row(_tables(n, theta=0.15 + _noise(n, 0.02, 5)), "theta_emerges")
    assert row.verdict == "increased"
    assert row.effect == pytest.approx(0.15, abs=0.03)


def test_theta_peaks_appearing_with_a_theta_rise_emerge() -> None:
    n = 12
    flags = {"baseline_theta": np.zeros(n, bool), "target_theta": np.ones(n, bool)}
    row = _row(_tables(n, theta=2 + _noise(n, 0.3, 6), peaks={"theta": flags}), "theta_emerges")
    assert row.verdict == "emerged"


def test_alpha_gone_in_every_subject_is_abolished() -> None:
    n = 12
    flags = {"baseline_alpha": np.ones(n, bool), "target_alpha": np.zeros(n, bool)}
    row = _row(_tables(n, alpha=-6 + _noise(n, 0.5, 7), peaks={"alpha": flags}), "alpha_abolished")
    assert row.verdict == "abolished"


def test_alpha_slowing_below_the_band_is_not_abolition_nor_theta_emergence() -> None:
    """Alpha 8 -> 7 Hz: the alpha-band peak is gone, a peak sits just below the band."""
    n = 12
    alpha_site = {
        "baseline_alpha": np.ones(n, bool),
        "target_alpha": np.zeros(n, bool),
        "target_alpha_slow": np.ones(n, bool),
    }
    theta_site = {**alpha_site, "baseline_theta": np.zeros(n, bool)}
    theta_site["target_theta"] = np.ones(n, bool)  # the slowed peak, now at 7 Hz
    inputs = _tables(
        n,
        alpha=-3 + _noise(n, 0.3, 8),
        theta=2 + _noise(n, 0.3, 9),
        peaks={"alpha": alpha_site, "theta": theta_site},
    )
    claims = claims_and_tests(inputs, CONFIG).claims.set_index("claim")
    assert claims.loc["alpha_abolished", "verdict"] == "reduced"
    assert "slowed" in claims.loc["alpha_abolished", "caveat"]
    assert claims.loc["theta_emerges", "verdict"] == "increased"


def test_a_weak_theta_peak_left_when_alpha_vanishes_is_not_slowed_alpha() -> None:
    """Alpha gone; only a weak, distant peak at 6.1 Hz remains: abolition, not slowing."""
    n = 12
    flags = {
        "baseline_alpha": np.ones(n, bool),
        "target_alpha": np.zeros(n, bool),
        "target_alpha_slow": np.ones(n, bool),
        "slow_freq": 6.1,  # 2.9 Hz below the 9-Hz baseline peak
        "slow_height_db": 2.0,  # a fifth of its height
    }
    row = _row(_tables(n, alpha=-8 + _noise(n, 0.5, 9), peaks={"alpha": flags}), "alpha_abolished")
    assert row.verdict == "abolished"


# --------------------------------------------------------------- testability floors (audit 2)


def _null_dmn(n: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    return {metric: (_noise(n, 0.02, 1), _noise(n, 0.02, 2)) for metric in ("aec_orth", "dwpli")}


@pytest.mark.parametrize("n", [6, 7])
def test_too_few_subjects_for_holm_is_not_testable(n: int) -> None:
    """All subjects fall by 3 dB, but with Holm over 5 tests p cannot reach 0.05."""
    row = _row(_tables(n, alpha=-3 + _noise(n, 0.1, n), dmn=_null_dmn(n)), "alpha_abolished")
    assert row.verdict == "not_testable"
    assert "smallest attainable adjusted p" in row.caveat
    assert "5 x 2/2^" in row.caveat
    assert math.isnan(row.p_value)
    assert row.effect == pytest.approx(-3, abs=0.2)  # still described


def test_the_floor_follows_the_family_size() -> None:
    """Without connectivity the family has 3 tests: 7 subjects (3 x 2/128 < 0.05) decide."""
    assert _row(_tables(7, alpha=-3 + _noise(7, 0.1, 7)), "alpha_abolished").verdict == "reduced"


def test_eight_subjects_all_falling_is_decided() -> None:
    row = _row(_tables(8, alpha=-3 + _noise(8, 0.1, 8), dmn=_null_dmn(8)), "alpha_abolished")
    assert row.verdict == "reduced"


def test_region_table_reports_its_floor() -> None:
    from eegstate.bandpower import region_band_power
    from eegstate.stats import region_contrasts

    inputs = _tables(9, alpha=-3.0)
    regions = region_contrasts(region_band_power(inputs.bandpower), BASE, TARG, n_bootstrap=200)
    m = len(regions)
    assert m == 12  # 3 bands x 4 regions
    assert regions["p_floor"].iloc[0] == pytest.approx(min(1.0, m * 2 / 2**9))
    assert (regions["p_floor"] >= 0.0).all()


# ------------------------------------------------------------------- decoding floor (audit 3)


def _decoding(summary: dict) -> ClaimInputs:
    inputs = _tables(4)
    return ClaimInputs(bandpower=inputs.bandpower, qc=inputs.qc, classification=summary)


def test_four_subject_decoding_is_not_testable() -> None:
    summary = {
        "balanced_accuracy": 0.91,
        "balanced_accuracy_ci_low": 0.79,
        "balanced_accuracy_ci_high": 0.98,
        "p_value": 0.125,
        "p_value_floor": 0.125,
        "n_subjects": 4,
        "chance_level": 0.5,
        "normalize": "subject",
        "normalize_assumption": "the new subject's recordings span its states",
        "normalize_comparison": {"balanced_accuracy": 0.81, "ci_low": 0.63, "ci_high": 0.98},
    }
    row = _row(_decoding(summary), "state_decodable")
    assert row.verdict == "not_testable"
    assert "0.125" in row.caveat
    assert "normalize: subject" in row.caveat and "normalize: none" in row.caveat
    enough = {**summary, "p_value": 0.001, "p_value_floor": 0.001, "n_subjects": 12}
    assert _row(_decoding(enough), "state_decodable").verdict == "increased"


# --------------------------------------------------------------------------- DMN (audit 1)


def test_dmn_decrease_with_a_steady_control_network_is_reduced() -> None:
    n = 12
    dmn = {"dwpli": (-0.1 + _noise(n, 0.04, 10), _noise(n, 0.1, 11))}
    dmn["aec_orth"] = (-0.02 + _noise(n, 0.03, 12), _noise(n, 0.05, 13))
    row = _row(_tables(n, dmn=dmn), "dmn_connectivity_reduced")
    assert row.verdict == "reduced"


def test_dmn_rise_that_the_control_network_shares_is_not_specific() -> None:
    """Both networks' estimates rise (e.g. less alpha leakage): no DMN-specific change."""
    n = 12
    dmn = {"dwpli": (0.12 + _noise(n, 0.05, 14), 0.3 + _noise(n, 0.2, 15))}
    dmn["aec_orth"] = (0.05 + _noise(n, 0.02, 16), 0.12 + _noise(n, 0.08, 17))
    row = _row(_tables(n, dmn=dmn), "dmn_connectivity_reduced")
    assert row.verdict == "unchanged"
    assert "not specific" in row.caveat


# --------------------------------------------------------------------------- muscle (audit 5)


def test_gamma_rise_without_muscle_change_has_no_muscle_caveat() -> None:
    n = 12
    row = _row(_tables(n, gamma=1.5 + _noise(n, 0.5, 18), emg=0.0), "gamma_increases")
    assert row.verdict == "increased"
    assert "not explained by muscle" in row.caveat


def test_gamma_rise_with_rising_muscle_index_is_flagged() -> None:
    n = 12
    gamma = 1.5 + _noise(n, 0.5, 19)
    row = _row(_tables(n, gamma=gamma, emg=0.3 * gamma), "gamma_increases")
    assert row.verdict == "increased"
    assert "may be muscle artefact" in row.caveat


# ------------------------------------------------------------------------- calibration


def test_null_data_say_changed_at_most_at_the_nominal_rate() -> None:
    """Every claim on exchangeable null data: false 'changed' verdicts <= alpha (+ MC error).

    Per-subject changes are heavy-tailed (t, 3 df) and zero-centred; peaks appear and vanish
    at random; the decoding claim is left out (its calibration is that of the permutation
    test, see tests/classify/test_classify_permutation.py).
    """
    n, replicates = 10, 300
    settings = ClaimSettings.from_config(CONFIG)
    rng = np.random.default_rng(2024)
    template = measure_claims(
        _tables(
            n,
            dmn={"aec_orth": (np.zeros(n), np.zeros(n)), "dwpli": (np.zeros(n), np.zeros(n))},
        ),
        settings,
    )
    changed = {claim: 0 for claim in template.specs if claim != "state_decodable"}
    for _ in range(replicates):
        for series in template.series.values():
            values = series.values
            scale = 1.0 if series.unit == "dB" else 0.05
            diff = rng.standard_t(3, size=len(values)) * scale
            values["target"] = values["baseline"] + diff
            values["diff"] = diff
        for table in template.peaks.values():
            for column in table.columns[1:]:
                table[column] = rng.random(len(table)) < 0.5
        claims = decide_claims(template, settings).claims.set_index("claim")
        for claim in changed:
            verdict = claims.loc[claim, "verdict"]
            assert verdict != "not_testable"
            changed[claim] += verdict not in ("unchanged",)
    alpha = CONFIG["stats"]["alpha"]
    mc_se = math.sqrt(alpha * (1 - alpha) / replicates)
    for claim, count in changed.items():
        assert count / replicates <= alpha + 2 * mc_se, (claim, count)
