"""Tests of eegstate.report: contrast/PSD summaries and the self-contained HTML report."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eegstate.report import (
    GroupResults,
    build_group_report,
    psd_state_summary,
    summarise_contrast,
    write_group_report,
)
from eegstate.report import html as report_html
from eegstate.report.claims_text import claim_sentence
from eegstate.report.stats import bootstrap_mean_ci
from eegstate.tables import (
    BANDPOWER_COLUMNS,
    CLAIMS_COLUMNS,
    PSD_COLUMNS,
    QC_COLUMNS,
    REGION_BANDPOWER_COLUMNS,
)

BASE, TARG = "baseline", "dissociative"
BANDS = {"delta": (1.0, 4.0), "theta": (4.0, 8.0), "alpha": (8.0, 13.0), "beta": (13.0, 30.0)}
BANDS["gamma"] = (30.0, 45.0)
REGIONS = {
    "frontal": ["Fp1", "Fp2", "AF3", "AF4", "F7", "F3", "Fz", "F4", "F8"],
    "central": ["FC5", "FC1", "FC2", "FC6", "C3", "Cz", "C4"],
    "temporal": ["T7", "T8"],
    "parietal": ["CP5", "CP1", "CP2", "CP6", "P7", "P3", "Pz", "P4", "P8"],
    "occipital": ["PO3", "PO4", "O1", "Oz", "O2"],
}
CHANNELS = [ch for chans in REGIONS.values() for ch in chans]
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


# ----------------------------------------------------------------------------- contrasts


def test_summarise_contrast_recovers_planted_means() -> None:
    out = summarise_contrast(_region_table(0.3), BASE, TARG, n_bootstrap=500, seed=1)
    assert list(out.columns) == [
        "region",
        "band",
        "n_subjects",
        "mean_db",
        "ci_low",
        "ci_high",
        "n_decrease",
        "n_increase",
    ]
    assert len(out) == len(REGIONS) * len(BANDS)
    # bands ordered by frequency
    assert list(dict.fromkeys(out["band"])) == list(BANDS)
    for region in REGIONS:
        for band in BANDS:
            row = _cell(out, region, band)
            planted = PLANTED.get((region, band), 0.0)
            assert row["mean_db"] == pytest.approx(planted, abs=1e-9)
            assert row["n_subjects"] == len(SUBJECT_NOISE)
            assert row["ci_low"] <= planted <= row["ci_high"]
            assert row["ci_low"] < row["ci_high"]
    occ = _cell(out, "occipital", "alpha")  # -1.8 + 0.3 * 2 * noise -> all negative
    assert (occ["n_decrease"], occ["n_increase"]) == (5, 0)
    delta = _cell(out, "frontal", "delta")  # 0 + 0.3 * noise -> 2 lower, 3 higher
    assert (delta["n_decrease"], delta["n_increase"]) == (2, 3)


def test_contrast_ci_is_deterministic_and_narrows_with_less_noise() -> None:
    kw = {"n_bootstrap": 1000, "ci_level": 0.9}
    a = summarise_contrast(_region_table(0.5), BASE, TARG, seed=7, **kw)
    b = summarise_contrast(_region_table(0.5), BASE, TARG, seed=7, **kw)
    c = summarise_contrast(_region_table(0.5), BASE, TARG, seed=8, **kw)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a[["ci_low", "ci_high"]], c[["ci_low", "ci_high"]])
    quiet = summarise_contrast(_region_table(0.05), BASE, TARG, seed=7, **kw)
    width_noisy = (a["ci_high"] - a["ci_low"]).to_numpy()
    width_quiet = (quiet["ci_high"] - quiet["ci_low"]).to_numpy()
    assert np.all(width_quiet < width_noisy)
    # Same resamples, scaled noise: the interval width scales with the noise.
    np.testing.assert_allclose(width_quiet, width_noisy / 10.0, rtol=1e-9)
    wider = summarise_contrast(_region_table(0.5), BASE, TARG, seed=7, n_bootstrap=1000)
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
    ref = summarise_contrast(_region_table(0.3), BASE, TARG, n_bootstrap=200)
    out = summarise_contrast(_region_table(0.3, lonely), BASE, TARG, n_bootstrap=200)
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
    out = summarise_contrast(df, BASE, TARG, n_bootstrap=100)
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
        summarise_contrast(_region_table(0.1), BASE, TARG, ci_level=1.5)
    with pytest.raises(ValueError, match="differ"):
        summarise_contrast(_region_table(0.1), BASE, BASE)


# ----------------------------------------------------------------------------- PSD summary


def _psd_table(freqs: np.ndarray, subjects: int = 4) -> pd.DataFrame:
    rows = []
    for s in range(subjects):
        for state, offset in ((BASE, 0.0), (TARG, -2.0)):
            for ch in ("O1", "Oz", "Fz"):
                ch_offset = 3.0 if ch == "Fz" else 0.0
                for f in freqs:
                    rows.append(
                        (
                            f"sub-{s}",
                            "",
                            f"sub-{s}_{state}",
                            state,
                            ch,
                            f,
                            20.0 - 0.2 * f + offset + s + ch_offset,
                        )
                    )
    return pd.DataFrame(rows, columns=list(PSD_COLUMNS))


def test_psd_state_summary_shape_and_values() -> None:
    freqs = np.arange(1.0, 46.0, 0.5)
    psd = _psd_table(freqs)
    out = psd_state_summary(psd, ci_level=0.95, n_bootstrap=300, seed=0, channels=["o1", "OZ"])
    assert list(out.columns) == ["state", "freq", "mean_db", "ci_low", "ci_high", "n_subjects"]
    assert len(out) == 2 * freqs.size
    assert list(dict.fromkeys(out["state"])) == [BASE, TARG]
    assert (out["n_subjects"] == 4).all()
    base = out[out["state"] == BASE]
    np.testing.assert_allclose(base["freq"], freqs)
    # O1 and Oz share the value, so the linear channel average is exact; mean over s=0..3 is 1.5
    np.testing.assert_allclose(base["mean_db"], 20.0 - 0.2 * freqs + 1.5, atol=1e-9)
    targ = out[out["state"] == TARG]
    np.testing.assert_allclose(targ["mean_db"].to_numpy(), base["mean_db"].to_numpy() - 2.0)
    assert (out["ci_low"] <= out["mean_db"]).all() and (out["mean_db"] <= out["ci_high"]).all()
    # All channels: the linear mean of (x, x, x + 3 dB) is x + 10*log10((2 + 10**0.3) / 3).
    every = psd_state_summary(psd, ci_level=0.95, n_bootstrap=300, seed=0)
    shift = 10.0 * np.log10((2.0 + 10.0**0.3) / 3.0)
    np.testing.assert_allclose(every["mean_db"], out["mean_db"] + shift, atol=1e-9)


# ----------------------------------------------------------------------------- report


def _synthetic_study(n_subjects: int = 5, seed: int = 0) -> dict:
    """Channel band power, region band power, PSD and QC for a small synthetic study.

    The last subject has no target recording. A few channel names are upper-cased to check
    case-insensitive matching against the montage.
    """
    import mne

    rng = np.random.default_rng(seed)
    region_of = {ch: region for region, chans in REGIONS.items() for ch in chans}
    shown = {ch: (ch.upper() if ch in ("Fp1", "Cz", "Oz") else ch) for ch in CHANNELS}
    recordings = []
    for s in range(n_subjects):
        subject = f"sub-{s + 1:02d}"
        states = (BASE,) if s == n_subjects - 1 else (BASE, TARG)
        recordings.extend((subject, state) for state in states)

    freqs = np.arange(1.0, 45.5, 0.5)
    subject_offset = {subject: rng.normal(0, 2.0) for subject, _ in recordings}
    bp_rows, psd_rows = [], []
    for subject, state in recordings:
        rec = f"{subject}_task-{state}"
        subj_offset = subject_offset[subject] + rng.normal(0, 0.1)
        for ch in CHANNELS:
            region = region_of[ch]
            posterior = region in ("parietal", "occipital")
            alpha_gain = (6.0 if posterior else 2.0) - (1.8 if state == TARG and posterior else 0.0)
            spectrum = (
                25.0
                - 12.0 * np.log10(freqs)
                + alpha_gain * np.exp(-0.5 * ((freqs - 10.0) / 1.5) ** 2)
                + subj_offset
                + rng.normal(0, 0.3, freqs.size)
            )
            psd_rows.extend(
                (subject, "", rec, state, shown[ch], f, v)
                for f, v in zip(freqs, spectrum, strict=True)
            )
            lin = 10.0 ** (spectrum / 10.0)
            total = lin.sum()
            for band, (fmin, fmax) in BANDS.items():
                sel = (freqs >= fmin) & (freqs < fmax)
                power = lin[sel].sum() * 0.5
                ident = (subject, "", rec, state, shown[ch], region, band, fmin, fmax)
                bp_rows.append((*ident, 10.0 * np.log10(power), lin[sel].sum() / total, 40))
    bandpower = pd.DataFrame(bp_rows, columns=list(BANDPOWER_COLUMNS))
    psd = pd.DataFrame(psd_rows, columns=list(PSD_COLUMNS))
    keys = ["subject", "session", "recording", "state", "region", "band", "fmin", "fmax"]
    region_bp = (
        bandpower.assign(lin=10.0 ** (bandpower["power_db"] / 10.0))
        .groupby(keys, sort=False)
        .agg(lin=("lin", "mean"), relative_power=("relative_power", "mean"), n=("lin", "size"))
        .reset_index()
    )
    region_bp["power_db"] = 10.0 * np.log10(region_bp.pop("lin"))
    region_bp = region_bp.rename(columns={"n": "n_channels"})[list(REGION_BANDPOWER_COLUMNS)]

    qc_rows = []
    for subject, state in [*recordings, ("sub-77", TARG)]:
        excluded = "too few epochs (3 < 5)" if subject == "sub-77" else ""
        bad = "T7" if subject == "sub-02" else ""
        qc_rows.append(
            {
                "subject": subject,
                "session": "",
                "recording": f"{subject}_task-{state}",
                "state": state,
                "path": f"/data/{subject}_{state}.edf",
                "sfreq_raw": 160.0,
                "sfreq": 160.0,
                "duration_s": 120.0,
                "n_channels": 32,
                "bad_channels": bad,
                "n_bad_channels": int(bool(bad)),
                "n_epochs_total": 60,
                "n_epochs_kept": 3 if excluded else 55,
                "n_epochs_dropped": 57 if excluded else 5,
                "reject_threshold_uv": 412.5,
                "excluded": excluded,
            }
        )
    qc = pd.DataFrame(qc_rows, columns=list(QC_COLUMNS))

    info = mne.create_info(CHANNELS, 250.0, "eeg")
    # MNE >= 1.13 renames the template montage; same positions.
    name = "colin27_1005" if "colin27_1005" in mne.channels.get_builtin_montages() else None
    info.set_montage(name or "standard_1005")
    return {
        "bandpower": bandpower,
        "region_bandpower": region_bp,
        "psd": psd,
        "qc": qc,
        "info": info,
    }


REPORT_KW = {
    "baseline": BASE,
    "target": TARG,
    "dataset": "Synthetic <demo> & co",
    "config": {
        "dataset": "synthetic",
        "bandpower": {"bands": {k: list(v) for k, v in BANDS.items()}},
    },
    "seed": 3,
    "n_bootstrap": 300,
    "title": "Synthetic report <test>",
}


@pytest.fixture(scope="module")
def study() -> dict:
    return _synthetic_study()


@pytest.fixture(scope="module")
def report(study: dict) -> str:
    return build_group_report(**study, **REPORT_KW)


def test_report_is_self_contained_html(report: str) -> None:
    assert report.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in report
    assert "<script" not in report.lower()
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", report, re.I)
    assert "http://" not in report and "https://" not in report
    imgs = re.findall(r"<img\b[^>]*>", report)
    assert len(imgs) >= 3  # PSD, topomaps, paired plot
    for tag in imgs:
        assert re.search(r'\balt="[^"]+"', tag), tag
        uri = re.search(r'\bsrc="data:image/png;base64,([A-Za-z0-9+/=]+)"', tag)
        assert uri, tag[:80]
        assert base64.b64decode(uri.group(1), validate=True).startswith(b"\x89PNG\r\n\x1a\n")


def test_report_contents(report: str, study: dict) -> None:
    # Title and dataset are escaped, never raw.
    assert "<title>Synthetic report &lt;test&gt;</title>" in report
    assert "Synthetic &lt;demo&gt; &amp; co" in report
    assert "<demo>" not in report
    for band in BANDS:
        assert band in report
    # Plain-language sentence for occipital alpha with the pairing count.
    assert re.search(r"alpha \(8–13 Hz\), occipital: −\d\.\d dB \[", report)
    assert "4/4 subjects lower" in report
    assert "Whitham et al. 2007" in report
    # The subject without a target recording is named and counted.
    assert "sub-05 (no dissociative)" in report
    # QC: every recording appears, the excluded one is highlighted.
    for rec in study["qc"]["recording"]:
        assert f"<td>{rec}</td>" in report
    excluded = re.findall(r'<tr class="excluded">(.*?)</tr>', report, re.S)
    assert len(excluded) == 1 and "sub-77" in excluded[0]
    # Section order and configuration/versions.
    order = ["What the data say", "Band × region", "Power spectra", "topographies", "Aperiodic"]
    order += ["Per-subject", "Default-mode", "classification", "Quality", "Data citation"]
    positions = [report.index(word) for word in order]
    assert positions == sorted(positions)
    assert "bands:" in report and "numpy" in report and "matplotlib" in report


def test_report_is_reproducible_and_leaks_no_figures(report: str, study: dict) -> None:
    import matplotlib.pyplot as plt

    assert plt.get_fignums() == []
    again = build_group_report(**study, **REPORT_KW)
    assert again == report
    assert plt.get_fignums() == []


def test_write_group_report_is_atomic(
    tmp_path: Path, study: dict, report: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = write_group_report(tmp_path / "sub" / "report.html", **study, **REPORT_KW)
    assert out == tmp_path / "sub" / "report.html"
    assert out.read_text(encoding="utf-8") == report
    assert [p.name for p in out.parent.iterdir()] == ["report.html"]

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(report_html.os, "replace", boom)
    monkeypatch.setattr(report_html, "build_group_report", lambda **kw: "<!DOCTYPE html>")
    with pytest.raises(OSError, match="disk full"):
        write_group_report(out, **study, **REPORT_KW)
    assert [p.name for p in out.parent.iterdir()] == ["report.html"]
    assert out.read_text(encoding="utf-8") == report


# ----------------------------------------------------------------------------- claims, figures


CLAIMS = pd.DataFrame(
    [
        ("alpha_abolished", "posterior alpha", -1.74, -1.93, -1.52, 0.0005, 12, "reduced", "pk"),
        ("gamma_increases", "gamma", np.nan, np.nan, np.nan, np.nan, 0, "not_testable", "100 Hz"),
    ],
    columns=list(CLAIMS_COLUMNS),
)


def test_claim_sentences_state_verdict_and_numbers() -> None:
    alpha, gamma = CLAIMS.to_dict("records")
    assert claim_sentence(alpha) == (
        "Alpha is reduced, not abolished: posterior alpha −1.7 dB [−1.9, −1.5], "
        "p < 0.001 (Holm), n = 12; pk."
    )
    assert claim_sentence(gamma).startswith("Not testable:")
    assert "100 Hz" in claim_sentence(gamma)


def test_report_with_results_puts_claims_first_and_fills_the_figure_sink(study: dict) -> None:
    sink: dict[str, bytes] = {}
    doc = build_group_report(
        **study,
        **REPORT_KW,
        results=GroupResults(claims=CLAIMS, citation="Doe 2020"),
        figure_sink=sink,
    )
    assert doc.index('id="claims-table"') < doc.index("Band × region contrast")
    assert "Alpha is reduced, not abolished" in doc
    assert "Data:</strong> Doe 2020" in doc
    assert "step not run" in doc  # connectivity and classification sections
    assert set(sink) == {"psd", "topomaps", "aperiodic", "dmn", "classification"}
    assert all(png.startswith(b"\x89PNG\r\n\x1a\n") for png in sink.values())


def test_recording_report(tmp_path: Path) -> None:
    import mne
    from conftest import make_raw

    from eegstate.config import validate_config
    from eegstate.pipeline import analyse_raw
    from eegstate.report.recording import write_recording_report

    raw = make_raw(n_seconds=30.0)
    identity = {"subject": "01", "session": "", "recording": "sub-01_r", "state": BASE}
    config = validate_config(
        {"preprocess": {"ica": "none", "reject": "ptp_mad", "bad_channels": "none"}}
    )
    with mne.utils.use_log_level("error"):
        result = analyse_raw(raw, config, identity)
    out = write_recording_report(
        tmp_path / "r.html",
        identity=identity,
        raw=raw,
        epochs=result.epochs,
        bandpower=result.bandpower,
    )
    text = out.read_text(encoding="utf-8")
    for title in ("Raw PSD", "Epochs drop log", "Band power topomaps"):
        assert title in text
    excluded = write_recording_report(
        tmp_path / "x.html", identity=identity, excluded="too few epochs <3>"
    )
    assert "too few epochs &lt;3&gt;" in excluded.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html", "x.html"]
