"""Tests of eegstate.stats: Holm, Wilcoxon, contrasts, cluster tests, spectral fits, rules.

Expected values are computed by hand or planted in synthetic data, never by the code under
test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eegstate.stats import (
    channel_contrasts,
    cluster_masks,
    cluster_tests,
    holm_adjust,
    region_contrasts,
    wilcoxon_p,
)
from eegstate.stats import verdicts as rules
from eegstate.stats.aperiodic import fit_spectrum
from eegstate.stats.paired import min_wilcoxon_p
from eegstate.tables import (
    BANDPOWER_COLUMNS,
    CLUSTER_COLUMNS,
    STATS_CHANNEL_COLUMNS,
    STATS_REGION_COLUMNS,
)

BASE, TARG = "baseline", "dissociative"
CHANNELS = {
    "frontal": ["Fp1", "Fp2", "F7", "F3", "Fz", "F4", "F8"],
    "central": ["C3", "Cz", "C4", "T7", "T8"],
    "parietal": ["P7", "P3", "Pz", "P4", "P8"],
    "occipital": ["PO3", "PO4", "O1", "Oz", "O2"],
}


# ----------------------------------------------------------------------------- paired


def test_holm_matches_hand_computation() -> None:
    # sorted: 0.005*4 = 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 = 0.04 -> monotone 0.06
    out = holm_adjust([0.01, 0.04, 0.03, 0.005, np.nan])
    np.testing.assert_allclose(out[:4], [0.03, 0.06, 0.06, 0.02])
    assert np.isnan(out[4])
    assert holm_adjust([0.6, 0.9]).tolist() == [1.0, 1.0]
    assert holm_adjust([]).size == 0


def test_wilcoxon_exact_and_edge_cases() -> None:
    diffs = np.column_stack(
        [
            -np.arange(1.0, 9.0),  # 8 distinct negatives: exact two-sided p = 2 / 2**8
            np.zeros(8),  # all zero: p = 1
            [1.0, -1.0, 2.0, -2.0, 3.0, -3.0, 0.5, -0.5],  # ties: symmetric, p = 1
        ]
    )
    stat, p = wilcoxon_p(diffs)
    assert p[0] == pytest.approx(2.0 / 256.0)
    assert p[0] == pytest.approx(min_wilcoxon_p(8))
    assert p[1] == 1.0
    assert p[2] == pytest.approx(1.0)
    assert stat[0] == 0.0
    _, p_one = wilcoxon_p(np.array([[1.0]]))
    assert np.isnan(p_one[0])


def _brute_force_signed_rank_p(d: np.ndarray) -> float:
    """Two-sided p of the signed-rank sum by listing every sign pattern (independent check)."""
    import itertools

    from scipy.stats import rankdata

    d = d[d != 0]
    ranks = rankdata(np.abs(d))
    observed = ranks[d > 0].sum()
    sums = np.array([np.dot(ranks, signs) for signs in itertools.product((0, 1), repeat=len(d))])
    low = np.mean(sums <= observed + 1e-9)
    high = np.mean(sums >= observed - 1e-9)
    return min(1.0, 2 * min(low, high))


def test_signed_rank_is_exact_with_ties_and_matches_scipy() -> None:
    from scipy.stats import wilcoxon

    from eegstate.stats.paired import signed_rank_p

    rng = np.random.default_rng(4)
    for n in (5, 9, 13):  # without ties SciPy is exact; with ties (n <= 13) a permutation test
        continuous = rng.normal(0.4, 1.0, n)
        tied = np.round(rng.normal(0.4, 1.0, n), 1)
        tied[0] = 0.0  # a zero is dropped (Wilcoxon's method)
        for d in (continuous, tied):
            assert signed_rank_p(d)[1] == pytest.approx(wilcoxon(d).pvalue, rel=1e-12)
    # from 14 pairs with ties SciPy falls back to the normal approximation; ours stays exact
    d = np.repeat(rng.normal(0.5, 1.0, 8), 2)[:15]  # duplicated subjects, as in resampling
    assert signed_rank_p(d)[1] == pytest.approx(_brute_force_signed_rank_p(d), rel=1e-12)


def _bandpower(effects: dict[tuple[str, str], float], n_subjects: int, seed: int = 0):
    """Channel band power with planted target - baseline dB changes per (channel, band)."""
    rng = np.random.default_rng(seed)
    bands = {"theta": (4.0, 8.0), "alpha": (8.0, 13.0)}
    rows = []
    for s in range(n_subjects):
        subject = f"{s + 1:02d}"
        offset = rng.normal(0, 3)
        for region, chans in CHANNELS.items():
            for ch in chans:
                for band, (fmin, fmax) in bands.items():
                    base = 10.0 + offset + rng.normal(0, 0.5)
                    diff = effects.get((ch, band), 0.0) + rng.normal(0, 0.3)
                    for state, value in ((BASE, base), (TARG, base + diff)):
                        ident = (subject, "", f"sub-{subject}_{state}", state, ch, region)
                        rows.append((*ident, band, fmin, fmax, value, 0.1, 30))
    return pd.DataFrame(rows, columns=list(BANDPOWER_COLUMNS))


def test_channel_and_region_contrasts_find_planted_effect() -> None:
    occipital = {(ch, "alpha"): -2.0 for ch in CHANNELS["occipital"]}
    bp = _bandpower(occipital, n_subjects=12)
    chan = channel_contrasts(bp, BASE, TARG, n_bootstrap=500, seed=1)
    assert list(chan.columns) == list(STATS_CHANNEL_COLUMNS)
    assert len(chan) == 2 * sum(len(c) for c in CHANNELS.values())
    assert list(dict.fromkeys(chan["band"])) == ["theta", "alpha"]  # by frequency
    planted = chan[(chan["band"] == "alpha") & chan["channel"].isin(CHANNELS["occipital"])]
    assert (planted["mean_db"].between(-2.5, -1.5)).all()
    assert (planted["ci_high"] < 0).all()
    # 12 subjects all lower: exact p = 2 / 2**12; Holm over 44 tests: at most 44 times that.
    assert np.allclose(planted["p_value"], 2.0 / 4096.0)
    assert (planted["p_holm"] < 0.05).all()
    assert (chan["p_holm"] >= chan["p_value"]).all()
    others = chan.drop(planted.index)
    assert (others["p_holm"] > 0.05).all()

    from eegstate.bandpower import region_band_power

    regions = region_contrasts(region_band_power(bp), BASE, TARG, n_bootstrap=500, seed=1)
    assert list(regions.columns) == list(STATS_REGION_COLUMNS)
    occ = regions[(regions["region"] == "occipital") & (regions["band"] == "alpha")].iloc[0]
    assert occ["mean_db"] == pytest.approx(-2.0, abs=0.3)
    assert occ["n_subjects"] == 12 and occ["n_decrease"] == 12
    assert occ["p_holm"] < 0.05


def test_site_and_value_differences_pair_subject_means() -> None:
    from eegstate.stats.contrasts import site_differences, value_differences

    columns = ["subject", "baseline_db", "target_db", "diff_db"]
    # Subject 01: two target recordings (0 and 10 dB: linear mean 10*log10(5.5) dB);
    # subject 02 has no target recording and is left out.
    rows = [
        ("01", "", "r1", BASE, "O1", "occipital", "alpha", 8.0, 13.0, 0.0, 0.1, 30),
        ("01", "", "r2", TARG, "O1", "occipital", "alpha", 8.0, 13.0, 0.0, 0.1, 30),
        ("01", "", "r3", TARG, "O1", "occipital", "alpha", 8.0, 13.0, 10.0, 0.1, 30),
        ("02", "", "r4", BASE, "O1", "occipital", "alpha", 8.0, 13.0, 3.0, 0.1, 30),
    ]
    bp = pd.DataFrame(rows, columns=list(BANDPOWER_COLUMNS))
    site = site_differences(bp, BASE, TARG, "alpha", ["O1"])
    assert list(site.columns) == columns and list(site["subject"]) == ["01"]
    assert site["diff_db"].iloc[0] == pytest.approx(10.0 * np.log10(5.5))
    for empty in (
        site_differences(bp, BASE, TARG, "theta", ["O1"]),  # no rows
        site_differences(bp[bp["subject"] == "02"], BASE, TARG, "alpha", ["O1"]),  # unpaired
    ):
        assert empty.empty and list(empty.columns) == columns

    table = pd.DataFrame(
        {
            "subject": ["01", "01", "01", "02"],
            "state": [BASE, TARG, TARG, BASE],
            "value": ["1.0", "2.0", "4.0", "bad"],
        }
    )
    values = value_differences(table, BASE, TARG, "value")  # averaged as is: (2 + 4) / 2
    assert list(values.columns) == columns and list(values["subject"]) == ["01"]
    assert values["diff_db"].iloc[0] == pytest.approx(2.0)
    for empty in (
        value_differences(table, "other", "states", "value"),
        value_differences(table[table["subject"] == "02"], BASE, TARG, "value"),
    ):
        assert empty.empty and list(empty.columns) == columns


def _info(channels: list[str]):
    import mne

    from eegstate.montage import standard_montage

    info = mne.create_info(channels, 250.0, "eeg")
    info.set_montage(standard_montage("standard_1005"), match_case=False)
    return info


def test_cluster_test_masks_the_planted_region_and_is_seeded() -> None:
    occipital = {(ch, "alpha"): -2.0 for ch in CHANNELS["occipital"]}
    bp = _bandpower(occipital, n_subjects=10, seed=3)
    info = _info([ch for chans in CHANNELS.values() for ch in chans])
    kwargs = {"alpha": 0.05, "n_permutations": 200, "seed": 5}
    clusters = cluster_tests(bp, info, BASE, TARG, **kwargs)
    assert list(clusters.columns) == list(CLUSTER_COLUMNS)
    significant = clusters[clusters["p_value"] < 0.05]
    assert set(significant["band"]) == {"alpha"}
    assert set(significant["direction"]) == {"decrease"}
    masks = cluster_masks(clusters, 0.05)
    assert {ch.lower() for ch in CHANNELS["occipital"]} <= masks["alpha"]
    assert "fp1" not in masks["alpha"]
    pd.testing.assert_frame_equal(clusters, cluster_tests(bp, info, BASE, TARG, **kwargs))


# ----------------------------------------------------------------------------- aperiodic


def _spectrum(freqs: np.ndarray, exponent: float, peak: tuple[float, float] | None):
    log_power = 1.5 - exponent * np.log10(freqs)
    if peak is not None:
        cf, height = peak
        log_power = log_power + height * np.exp(-0.5 * ((freqs - cf) / 1.2) ** 2)
    return 10.0**log_power


def test_fit_spectrum_recovers_exponent_and_alpha_peak() -> None:
    freqs = np.arange(1.0, 45.5, 0.5)
    from eegstate.settings import load_settings
    from eegstate.stats.aperiodic import resolve_settings

    config = load_settings({})
    settings = resolve_settings(config.stats.aperiodic, config.bandpower.bands, config.claims)
    fit = fit_spectrum(freqs, _spectrum(freqs, 1.4, (10.0, 0.6)), settings)
    assert fit["exponent"] == pytest.approx(1.4, abs=0.05)
    assert fit["alpha_freq"] == pytest.approx(10.0, abs=0.3)
    assert fit["alpha_height_db"] == pytest.approx(6.0, abs=0.6)  # 0.6 log10 units = 6 dB
    assert fit["alpha_present"] is True and fit["theta_present"] is False
    flat = fit_spectrum(freqs, _spectrum(freqs, 1.4, None), settings)
    assert flat["alpha_present"] is False
    assert flat["exponent"] == pytest.approx(1.4, abs=0.05)
    small = fit_spectrum(freqs, _spectrum(freqs, 1.4, (10.0, 0.05)), settings)  # 0.5 dB
    assert small["alpha_present"] is False


# ----------------------------------------------------------------------------- rules


def test_band_testability_uses_sampling_rate_and_low_pass() -> None:
    from dataclasses import replace

    t = replace(rules.Thresholds.defaults(), h_freq=45.0)
    assert rules.usable_upper_hz(100.0, t) == pytest.approx(40.0)
    assert not rules.band_is_testable(45.0, 100.0, t)
    assert rules.band_is_testable(45.0, 250.0, t)
    assert not rules.band_is_testable(45.0, 250.0, replace(t, hardware_lowpass_hz=35.0))


def test_power_and_alpha_rules() -> None:
    t = rules.Thresholds.defaults()
    drop = rules.PairedEffect(-1.5, -2.0, -1.0, 0.001, 12)
    assert rules.power_verdict(drop, t).verdict == rules.REDUCED
    flat = rules.PairedEffect(-0.1, -0.4, 0.2, 0.5, 12)
    verdict = rules.power_verdict(flat, t)
    assert verdict.verdict == rules.UNCHANGED
    assert any("within ±1 dB" in n for n in verdict.notes)
    # p small but CI touching 0: not significant
    edge = rules.PairedEffect(-0.5, -1.0, 0.0, 0.01, 12)
    assert rules.power_verdict(edge, t).verdict == rules.UNCHANGED
    kept = rules.PeakCounts(n_subjects=12, baseline_present=12, target_present=12, lost=0, gained=0)
    assert rules.alpha_verdict(drop, kept, t).verdict == rules.REDUCED
    gone = rules.PeakCounts(n_subjects=10, baseline_present=10, target_present=1, lost=9, gained=0)
    assert rules.alpha_verdict(drop, gone, t).verdict == rules.ABOLISHED
    most = rules.PeakCounts(n_subjects=10, baseline_present=10, target_present=2, lost=8, gained=0)
    assert rules.alpha_verdict(drop, most, t).verdict == rules.REDUCED  # 80 % < 90 %
    rise = rules.PairedEffect(1.0, 0.5, 1.5, 0.001, 12)
    assert rules.theta_verdict(rise, None, t).verdict == rules.INCREASED
    new = rules.PeakCounts(n_subjects=10, baseline_present=0, target_present=10, lost=0, gained=10)
    assert rules.theta_verdict(flat, new, t).verdict == rules.UNCHANGED  # power decides
    assert rules.theta_verdict(rise, new, t).verdict == rules.EMERGED


def test_mcnemar_and_floors_match_hand_computation() -> None:
    t = rules.Thresholds.defaults()
    # 6 discordant subjects all one way: 2 / 2**6 = 0.03125
    assert rules.mcnemar_p(6, 0) == pytest.approx(2 / 64)
    assert rules.mcnemar_p(3, 3) == pytest.approx(1.0)
    assert rules.min_informative_subjects(t) == 6
    assert rules.holm_floor(6, 4) == pytest.approx(4 * 2 / 64)
    family = rules.decidable_family({"a": 6, "b": 12, "c": 12}, t)
    # with 3 tests a (6 subjects: 3 x 2/64 = 0.094) is removed; then b, c stay (2 x 2/4096)
    assert family.members == ("b", "c")
    assert family.sizes["a"] == 3 and family.floors["a"] == pytest.approx(3 * 2 / 64)
    assert rules.min_subjects_for(5, t) == 8  # 5 x 2/256 < 0.05 <= 5 x 2/128


def test_decodable_and_small_sample_rules() -> None:
    t = rules.Thresholds.defaults()
    assert rules.decodable_verdict(0.8, 0.7, 0.001, 0.001, 0.5, t).verdict == rules.INCREASED
    assert rules.decodable_verdict(0.55, 0.45, 0.2, 0.001, 0.5, t).verdict == rules.UNCHANGED
    assert rules.decodable_verdict(0.8, 0.7, None, None, 0.5, t).verdict == rules.NOT_TESTABLE
    # 4 subjects: every labelling and its flip -> p >= 2/16 = 0.125
    floor = rules.decodable_verdict(0.91, 0.79, 0.125, 0.125, 0.5, t)
    assert floor.verdict == rules.NOT_TESTABLE and "0.125" in floor.notes[0]
    few = rules.not_testable_floor(4, 4, t, "x")
    assert few.verdict == rules.NOT_TESTABLE
    assert "smallest attainable adjusted p" in few.notes[0]
    assert rules.not_testable_floor(1, 4, t, "x").notes[0].startswith("only 1 subject")
