"""Tests of eegstate.stats.summaries and .changes (the tables behind the report) and of the
band × region contrast (stats_regions.tsv) on planted effects."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from helpers.report import (
    BANDS,
    BASE,
    REGIONS,
    TARG,
    connectivity_tables,
    study_config,
    synthetic_study,
)

from eegstate.stats.changes import (
    aperiodic_changes,
    aperiodic_contrasts,
    aperiodic_peaks,
    group_changes,
    network_changes,
    power_changes,
)
from eegstate.stats.contrasts import region_contrasts, site_differences
from eegstate.stats.paired import bootstrap_mean_ci
from eegstate.stats.summaries import (
    SUMMARY_TABLES,
    channel_state_means,
    claim_site,
    connectivity_summary,
    psd_summary,
    report_summaries,
    state_coverage,
)
from eegstate.tables import PSD_COLUMNS, REGION_BANDPOWER_COLUMNS

# Planted target - baseline differences (dB) per region x band; others are 0.
PLANTED = {
    ("occipital", "alpha"): -1.8,
    ("parietal", "alpha"): -0.9,
    ("frontal", "theta"): 0.6,
    ("central", "gamma"): 1.2,
}
# Zero-mean per-subject perturbations: the mean difference equals the planted value exactly.
SUBJECT_NOISE = np.array([-2.3, -0.4, 0.1, 0.9, 1.7])


def _region_table(noise_scale: float, extra_rows: list[dict] | None = None) -> pd.DataFrame:
    rows = []
    for s, eps in enumerate(SUBJECT_NOISE):
        subject = f"sub-{s + 1:02d}"
        for r_i, region in enumerate(REGIONS):
            for b_i, (band, (fmin, fmax)) in enumerate(BANDS.items()):
                base_db = 10.0 + r_i - 2.0 * b_i + 0.5 * s
                diff = PLANTED.get((region, band), 0.0) + noise_scale * eps * (1 + b_i % 2)
                for state, value in ((BASE, base_db), (TARG, base_db + diff)):
                    rows.append(
                        {
                            "subject": subject,
                            "session": "",
                            "recording": f"{subject}_{state}",
                            "state": state,
                            "region": region,
                            "band": band,
                            "fmin": fmin,
                            "fmax": fmax,
                            "power_db": value,
                            "relative_power": 0.1,
                            "n_channels": len(REGIONS[region]),
                        }
                    )
    rows.extend(extra_rows or [])
    return pd.DataFrame(rows, columns=list(REGION_BANDPOWER_COLUMNS))


def _cell(table: pd.DataFrame, region: str, band: str) -> pd.Series:
    hit = table[(table["region"] == region) & (table["band"] == band)]
    assert len(hit) == 1
    return hit.iloc[0]


@pytest.fixture(scope="module")
def study() -> dict:
    return synthetic_study()


# ----------------------------------------------------------------------- band x region contrast


def test_region_contrasts_recover_planted_means() -> None:
    out = region_contrasts(_region_table(0.3), BASE, TARG, n_bootstrap=500, seed=1)
    assert len(out) == len(REGIONS) * len(BANDS)
    assert list(dict.fromkeys(out["band"])) == list(BANDS)  # bands ordered by frequency
    for region in REGIONS:
        for band in BANDS:
            row = _cell(out, region, band)
            planted = PLANTED.get((region, band), 0.0)
            assert row["mean_db"] == pytest.approx(planted, abs=1e-9)
            assert row["n_subjects"] == len(SUBJECT_NOISE)
            assert row["ci_low"] <= planted <= row["ci_high"]
            assert row["ci_low"] < row["ci_high"]
            # 5 subjects, 25 tests: Holm floor 25 * 2 / 32, so nothing can be significant.
            assert row["p_floor"] == pytest.approx(min(1.0, 25 * 2 / 2**5))
    occ = _cell(out, "occipital", "alpha")  # -1.8 + 0.3 * 2 * noise -> all negative
    assert (occ["n_decrease"], occ["n_increase"]) == (5, 0)
    delta = _cell(out, "frontal", "delta")  # 0 + 0.3 * noise -> 2 lower, 3 higher
    assert (delta["n_decrease"], delta["n_increase"]) == (2, 3)


def test_contrast_ci_is_deterministic_and_narrows_with_less_noise() -> None:
    kw = {"n_bootstrap": 1000, "ci_level": 0.9}
    a = region_contrasts(_region_table(0.5), BASE, TARG, seed=7, **kw)
    b = region_contrasts(_region_table(0.5), BASE, TARG, seed=7, **kw)
    c = region_contrasts(_region_table(0.5), BASE, TARG, seed=8, **kw)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a[["ci_low", "ci_high"]], c[["ci_low", "ci_high"]])
    quiet = region_contrasts(_region_table(0.05), BASE, TARG, seed=7, **kw)
    width_noisy = (a["ci_high"] - a["ci_low"]).to_numpy()
    width_quiet = (quiet["ci_high"] - quiet["ci_low"]).to_numpy()
    # Same resamples, scaled noise: the interval width scales with the noise.
    np.testing.assert_allclose(width_quiet, width_noisy / 10.0, rtol=1e-9)
    wider = region_contrasts(_region_table(0.5), BASE, TARG, seed=7, n_bootstrap=1000)
    assert np.all((wider["ci_high"] - wider["ci_low"]).to_numpy() >= width_noisy - 1e-12)


def test_subjects_missing_a_state_are_not_in_contrasts() -> None:
    lonely = [
        {
            "subject": "sub-99",
            "session": "",
            "recording": "sub-99_baseline",
            "state": BASE,
            "region": region,
            "band": band,
            "fmin": fmin,
            "fmax": fmax,
            "power_db": 80.0,
            "relative_power": 0.1,
            "n_channels": 1,
        }
        for region in REGIONS
        for band, (fmin, fmax) in BANDS.items()
    ]
    ref = region_contrasts(_region_table(0.3), BASE, TARG, n_bootstrap=200)
    out = region_contrasts(_region_table(0.3, lonely), BASE, TARG, n_bootstrap=200)
    assert (out["n_subjects"] == len(SUBJECT_NOISE)).all()
    pd.testing.assert_frame_equal(out, ref)


def test_recordings_of_one_state_are_averaged_in_linear_power() -> None:
    rows = []
    for subject, base_values, target_value in (("s1", [0.0, 10.0], 0.0), ("s2", [0.0], 1.0)):
        for i, value in enumerate(base_values):
            rows.append((subject, BASE, f"{subject}_b{i}", value))
        rows.append((subject, TARG, f"{subject}_t", target_value))
    df = pd.DataFrame(
        [
            {
                "subject": s,
                "session": "",
                "recording": rec,
                "state": st,
                "region": "occipital",
                "band": "alpha",
                "fmin": 8.0,
                "fmax": 13.0,
                "power_db": v,
                "relative_power": 0.1,
                "n_channels": 5,
            }
            for s, st, rec, v in rows
        ]
    )
    out = region_contrasts(df, BASE, TARG, n_bootstrap=100)
    s1 = 0.0 - 10.0 * np.log10((1.0 + 10.0) / 2.0)
    assert out.loc[0, "mean_db"] == pytest.approx((s1 + 1.0) / 2.0, abs=1e-12)
    assert out.loc[0, "n_subjects"] == 2
    assert (out.loc[0, "n_decrease"], out.loc[0, "n_increase"]) == (1, 1)


def test_bootstrap_edge_cases_and_validation() -> None:
    mean, low, high = bootstrap_mean_ci(np.array([2.5]))
    assert float(mean) == float(low) == float(high) == 2.5
    mean, low, high = bootstrap_mean_ci(np.array([1.0, 1.0, 1.0]))
    assert float(low) == float(high) == 1.0
    with pytest.raises(ValueError, match="ci_level"):
        region_contrasts(_region_table(0.1), BASE, TARG, ci_level=1.5)
    with pytest.raises(ValueError, match="differ"):
        region_contrasts(_region_table(0.1), BASE, BASE)


# ----------------------------------------------------------------------------- PSD summary


def _psd_table(freqs: np.ndarray, subjects: int = 4) -> pd.DataFrame:
    rows = []
    for s in range(subjects):
        for state, offset in ((BASE, 0.0), (TARG, -2.0)):
            for ch in ("O1", "Oz", "Fz"):
                ch_offset = 3.0 if ch == "Fz" else 0.0
                for f in freqs:
                    value = 20.0 - 0.2 * f + offset + s + ch_offset
                    rows.append((f"sub-{s}", "", f"sub-{s}_{state}", state, ch, f, value))
    return pd.DataFrame(rows, columns=list(PSD_COLUMNS))


def test_psd_summary_per_site_and_state() -> None:
    freqs = np.arange(1.0, 46.0, 0.5)
    psd = _psd_table(freqs)
    sites = {"all": ["O1", "Oz", "Fz"], "occipital": ["o1", "OZ"], "none": ["X9"]}
    out = psd_summary(psd, sites, ci_level=0.95, n_bootstrap=300, seed=0)
    assert list(out.columns) == list(SUMMARY_TABLES["psd_summary"])
    assert list(dict.fromkeys(out["site"])) == ["all", "occipital"]  # no channel: left out
    post = out[out["site"] == "occipital"]
    assert (post["n_channels"] == 2).all() and (post["n_subjects"] == 4).all()
    assert list(dict.fromkeys(post["state"])) == [BASE, TARG]
    base = post[post["state"] == BASE]
    np.testing.assert_allclose(base["freq"], freqs)
    # O1 and Oz share the value, so the linear channel average is exact; mean over s=0..3 is 1.5
    np.testing.assert_allclose(base["mean_db"], 20.0 - 0.2 * freqs + 1.5, atol=1e-9)
    targ = post[post["state"] == TARG]
    np.testing.assert_allclose(targ["mean_db"].to_numpy(), base["mean_db"].to_numpy() - 2.0)
    assert (post["ci_low"] <= post["mean_db"]).all() and (post["mean_db"] <= post["ci_high"]).all()
    # All channels: the linear mean of (x, x, x + 3 dB) is x + 10*log10((2 + 10**0.3) / 3).
    every = out[out["site"] == "all"]
    shift = 10.0 * np.log10((2.0 + 10.0**0.3) / 3.0)
    np.testing.assert_allclose(every["mean_db"], post["mean_db"].to_numpy() + shift, atol=1e-9)
    again = psd_summary(psd, sites, ci_level=0.95, n_bootstrap=300, seed=0)
    pd.testing.assert_frame_equal(out, again)


# ----------------------------------------------------------------------------- the others


def test_coverage_names_missing_states(study: dict) -> None:
    cov = state_coverage(study["bandpower"], BASE, TARG)
    assert list(cov.columns) == list(SUMMARY_TABLES["coverage"])
    last = cov[cov["subject"] == "sub-05"]
    assert last[["state", "n_recordings"]].values.tolist() == [[BASE, 1], [TARG, 0]]
    assert not last["paired"].any()
    assert cov[cov["subject"] != "sub-05"]["paired"].all()
    assert int(cov["n_recordings"].sum()) == 9


def test_channel_means_average_subjects_in_db(study: dict) -> None:
    out = channel_state_means(study["bandpower"])
    bp = study["bandpower"]
    rows = bp[(bp["channel"] == "O1") & (bp["band"] == "alpha") & (bp["state"] == TARG)]
    hit = out[(out["channel"] == "O1") & (out["band"] == "alpha") & (out["state"] == TARG)]
    assert hit["n_subjects"].item() == 4  # the last subject has no target recording
    assert hit["mean_db"].item() == pytest.approx(rows["power_db"].mean())
    assert list(dict.fromkeys(out["band"])) == list(BANDS)


def test_subject_changes_match_the_claims_measure(study: dict) -> None:
    bp = study["bandpower"]
    site = claim_site(bp, ["parietal", "occipital"])
    assert site[0] == "parietal+occipital" and len(site[1]) == 14
    assert claim_site(bp, ["nowhere"])[0] == "all"
    changes = power_changes(bp, BASE, TARG, site)
    alpha = changes[changes["band"] == "alpha"].reset_index(drop=True)
    claims = site_differences(bp, BASE, TARG, "alpha", site[1])
    np.testing.assert_allclose(alpha["diff"], claims["diff_db"])
    assert (alpha["diff"] < 0).all()  # posterior alpha planted lower in the target state
    means = group_changes(changes)
    row = means[means["band"] == "alpha"].iloc[0]
    assert row["n_subjects"] == 4
    assert row["baseline_mean"] == pytest.approx(alpha["baseline"].mean())
    assert row["target_mean"] == pytest.approx(alpha["target"].mean())


def _aperiodic_rows() -> pd.DataFrame:
    rows = []
    for s in range(6):
        for state, exponent, present in ((BASE, 1.5, True), (TARG, 1.3, s % 2 == 0)):
            rows.append(
                {
                    "subject": f"s{s}",
                    "state": state,
                    "site": "parietal+occipital",
                    "exponent": exponent + 0.01 * s,
                    "offset": 1.0,
                    "alpha_freq": 10.0 if present else np.nan,
                    "alpha_height_db": 6.0 if present else np.nan,
                    "alpha_present": present,
                    "theta_freq": np.nan,
                    "theta_height_db": np.nan,
                    "theta_present": False,
                    "alpha_slow_freq": np.nan,
                    "alpha_slow_height_db": np.nan,
                    "alpha_slow_present": False,
                }
            )
    return pd.DataFrame(rows)


def test_aperiodic_summaries() -> None:
    aperiodic = _aperiodic_rows()
    site = "parietal+occipital"
    changes = aperiodic_changes(aperiodic, site, BASE, TARG)
    peak = changes[changes["measure"] == "alpha_peak_db"]
    assert peak["target"].tolist() == [6.0, 0.0, 6.0, 0.0, 6.0, 0.0]  # absent peak: 0 dB
    contrasts = aperiodic_contrasts(aperiodic, site, BASE, TARG, n_bootstrap=200, seed=1)
    assert contrasts["parameter"].tolist() == ["exponent", "offset", "alpha_peak_db"]
    exponent = contrasts.set_index("parameter").loc["exponent"]
    assert exponent["mean_change"] == pytest.approx(-0.2)
    assert exponent["n_decrease"] == 6
    assert exponent["p_floor"] == pytest.approx(3 * 2 / 2**6)  # Holm over three parameters
    peaks = aperiodic_peaks(aperiodic).set_index(["state", "peak"])
    assert peaks.loc[(TARG, "alpha"), "n_present"] == 3
    assert peaks.loc[(TARG, "alpha"), "mean_height_db"] == pytest.approx(6.0)
    assert math.isnan(peaks.loc[(BASE, "theta"), "mean_freq"])
    assert aperiodic_contrasts(None, None, BASE, TARG).empty


def test_connectivity_summary_and_network_changes(study: dict) -> None:
    connectivity, dmn = connectivity_tables(study)
    out = connectivity_summary(connectivity, BASE, TARG)
    assert list(out.columns) == list(SUMMARY_TABLES["connectivity_summary"])
    pair = out[(out["metric"] == "dwpli") & (out["node_a"] == "PCC") & (out["node_b"] == "mPFC")]
    rows = connectivity[
        (connectivity["metric"] == "dwpli")
        & (connectivity["node_a"] == "PCC")
        & (connectivity["node_b"] == "mPFC")
    ]
    row = pair.iloc[0]
    assert (row["n_baseline"], row["n_target"], row["n_paired"]) == (5, 4, 4)
    assert row["baseline_mean"] == pytest.approx(rows[rows["state"] == BASE]["value"].mean())
    assert row["mean_change"] == pytest.approx(-0.1, abs=0.05)  # planted DMN decoupling
    changes = network_changes(dmn, BASE, TARG, "alpha", ["aec_orth", "dwpli"])
    assert set(changes["site"]) == {"dmn", "control"}
    assert set(changes["measure"]) == {"aec_orth", "dwpli"}
    assert (changes[changes["site"] == "dmn"]["diff"] < 0).all()
    assert connectivity_summary(None, BASE, TARG).empty


def test_report_summaries_write_every_table(study: dict) -> None:
    connectivity, dmn = connectivity_tables(study)
    config = study_config()
    tables = report_summaries(
        bandpower=study["bandpower"],
        psd=study["psd"],
        config=config,
        dmn_summary=dmn,
        connectivity=connectivity,
    )
    assert list(tables) == list(SUMMARY_TABLES)
    for name, table in tables.items():
        assert list(table.columns) == list(SUMMARY_TABLES[name]), name
    assert set(tables["psd_summary"]["site"]) == {"all", "parietal+occipital"}
    assert tables["aperiodic_contrasts"].empty and tables["classification_roc"].empty
    assert set(tables["subject_changes"]["measure"]) == {"power_db", "aec_orth", "dwpli"}
