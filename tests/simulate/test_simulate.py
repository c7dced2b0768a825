"""Tests of the simulated cohort (eegstate.simulate)."""

from __future__ import annotations

import json
from pathlib import Path

import mne
import numpy as np
import pandas as pd
import pytest
from helpers import REPO
from scipy.signal import welch

from eegstate.simulate import (
    default_simulation_params,
    merge_simulation_params,
    plan_simulated_recordings,
    prepare_subject,
    simulate_cohort,
    simulate_recording,
    simulate_recording_with_truth,
)
from eegstate.simulate.params import REGIONS

BASE, TARGET = "baseline", "dissociative"


def _params(**kw) -> dict:
    return merge_simulation_params(kw)


def _read_tsv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)


def _band_db(x: np.ndarray, sfreq: float, rows: list[int], band: tuple[float, float]) -> float:
    """Band power (dB re V²) of average-referenced data, linear mean over ``rows``."""
    x = x - x.mean(axis=0, keepdims=True)
    f, psd = welch(x, fs=sfreq, nperseg=int(4 * sfreq))
    sel = (f >= band[0]) & (f < band[1])
    bp = psd[:, sel].sum(axis=1) * (f[1] - f[0])
    return 10 * np.log10(bp[rows].mean())


@pytest.fixture(scope="module")
def artefact_cohort(tmp_path_factory) -> tuple[Path, dict]:
    """3 subjects x 60 s, default artefacts but a noisy channel in every recording."""
    out = tmp_path_factory.mktemp("sim_art")
    params = _params(n_subjects=3, duration_s=60, artefacts={"noisy_channel_probability": 1.0})
    simulate_cohort(out, params, BASE, TARGET, seed=11)
    return out, params


@pytest.fixture(scope="module")
def clean_cohort(tmp_path_factory) -> tuple[Path, dict]:
    """3 subjects x 240 s without blinks / noisy channels (line noise kept), for effects."""
    out = tmp_path_factory.mktemp("sim_clean")
    params = _params(
        n_subjects=3,
        duration_s=240,
        artefacts={"blink_rate_per_min": 0, "noisy_channel_probability": 0.0},
    )
    simulate_cohort(out, params, BASE, TARGET, seed=3)
    return out, params


def test_default_params_match_schema_keys():
    import yaml

    schema_path = REPO / "workflow" / "schemas" / "config.schema.yaml"
    schema = yaml.safe_load(schema_path.read_text())["properties"]["simulation"]["properties"]
    params = default_simulation_params()
    assert set(params) == set(schema)
    for section in ("effects", "effect_sd", "artefacts"):
        assert set(params[section]) == set(schema[section]["properties"])
        for key, spec in schema[section]["properties"].items():
            assert params[section][key] == spec["default"], key
    for key in ("n_subjects", "duration_s", "sfreq", "channels", "line_freq", "file_format"):
        assert params[key] == schema[key]["default"], key


def test_merge_is_recursive_and_strict():
    p = merge_simulation_params({"effects": {"gamma_db": 2.0}})
    assert p["effects"]["gamma_db"] == 2.0
    assert p["effects"]["alpha_occipital_db"] == -1.8
    with pytest.raises(ValueError, match=r"unknown config option 'simulation\.effects\.gama_db'"):
        merge_simulation_params({"effects": {"gama_db": 2.0}})
    with pytest.raises(ValueError, match=r"simulation\.continuous"):
        merge_simulation_params({"continuous": {"onset_s": 900, "peak_s": 600}})
    with pytest.raises(ValueError, match="file_format"):
        merge_simulation_params({"file_format": "bdf"})


def test_plan_columns_and_padding(tmp_path):
    plan = plan_simulated_recordings(tmp_path, {"n_subjects": 3}, BASE, TARGET)
    assert list(plan.columns) == ["subject", "session", "state", "path"]
    assert list(plan.subject) == ["01", "01", "02", "02", "03", "03"]
    assert set(plan.session) == {""}
    assert list(plan.state[:2]) == [BASE, TARGET]
    assert plan.path[0] == str(tmp_path / "sub-01" / "sub-01_state-baseline_raw.fif")
    assert all(Path(p).is_absolute() for p in plan.path)
    big = plan_simulated_recordings(
        tmp_path, {"n_subjects": 100, "file_format": "edf"}, BASE, TARGET
    )
    assert big.subject.iloc[0] == "001" and big.subject.iloc[-1] == "100"
    assert big.path.iloc[-1].endswith("sub-100/sub-100_state-dissociative_eeg.edf")
    assert not any(tmp_path.iterdir())  # planning writes nothing
    with pytest.raises(ValueError, match="must differ"):
        plan_simulated_recordings(tmp_path, {}, BASE, BASE)


def test_cohort_files_match_plan(artefact_cohort):
    out, params = artefact_cohort
    plan = plan_simulated_recordings(out, params, BASE, TARGET)
    for path in plan.path:
        assert Path(path).is_file()
    samples = _read_tsv(out / "samples.tsv")
    assert list(samples.columns) == ["subject", "session", "state", "path"]
    assert (samples.subject == plan.subject).all() and (samples.state == plan.state).all()
    assert [str(out / p) for p in samples.path] == list(plan.path)
    assert not list(out.rglob(".tmp-*"))
    truth = json.loads((out / "ground_truth.json").read_text())
    for key in (
        "seed",
        "params",
        "sources",
        "subjects",
        "recordings",
        "networks",
        "head_model",
        "expected_sensor_effects_db",
    ):
        assert key in truth
    assert truth["seed"] == 11
    assert [r["path"] for r in truth["recordings"]] == list(samples.path)
    assert set(truth["subjects"]) == {"01", "02", "03"}
    sub = truth["subjects"]["01"]
    assert 8.5 <= sub["alpha_peak_hz"] <= 11.5
    assert set(sub["aperiodic_exponent"]) == {"baseline", "target"}
    mean = truth["expected_sensor_effects_db"]
    assert set(mean) == {"delta", "theta", "alpha", "beta", "gamma"}
    assert set(mean["alpha"]) == {"frontal", "central", "temporal", "parietal", "occipital", "all"}
    dmn = truth["networks"]["dmn"]
    # the planted network is the analysis' DMN, node for node
    from eegstate.connectivity.nodes import DMN as DMN_NETWORK
    from eegstate.connectivity.nodes import NODES

    assert set(dmn["nodes"]) == {n.name for n in NODES if n.network == DMN_NETWORK}
    assert len(dmn["pairs"]) == 15
    assert all(abs(p["lag_ms"]) > 0 for p in dmn["pairs"])
    assert all(p["coupling"] == {"baseline": 0.6, "target": 0.15} for p in dmn["pairs"])
    ctl = truth["networks"]["control"]["pairs"][0]["coupling"]
    assert ctl["baseline"] == ctl["target"]
    assert set(truth["networks"]["control"]["nodes"]) == {"lSM", "rSM"}
    assert truth["networks"]["expected_direction"]["dmn"] == {
        "aec_orth": "decrease",
        "dwpli": "decrease",
    }
    assert truth["networks"]["expected_direction"]["control"]["dwpli"] == "none"
    # per-subject planted values, drawn with the between-subject SDs
    drawn = [truth["subjects"][s]["planted_effects"]["gamma_db"] for s in truth["subjects"]]
    assert len(set(drawn)) == 3 and truth["effect_sd"]["gamma_db"] == 1.0
    assert "Vlisides" in json.dumps(truth["sources"])


def test_read_back_fif(artefact_cohort):
    out, params = artefact_cohort
    raw = mne.io.read_raw(out / "sub-02" / "sub-02_state-dissociative_raw.fif", verbose=False)
    assert raw.ch_names == params["channels"]
    assert raw.info["sfreq"] == 250.0 and raw.info["line_freq"] == 50.0
    assert raw.n_times == 60 * 250
    montage = raw.get_montage()
    assert montage is not None
    pos = montage.get_positions()["ch_pos"]
    assert np.linalg.norm(pos["Cz"]) > 0.05
    std = (raw.get_data() - raw.get_data().mean(axis=0)).std(axis=1) * 1e6
    assert 5 < np.median(std) < 40  # µV, like resting EEG


def test_memory_matches_file(artefact_cohort):
    out, params = artefact_cohort
    raw, truth = simulate_recording_with_truth(3, "target", params, seed=11)
    disk = mne.io.read_raw(out / "sub-03" / "sub-03_state-dissociative_raw.fif", verbose=False)
    np.testing.assert_allclose(disk.get_data(), raw.get_data(), rtol=1e-6, atol=1e-12)
    recs = json.loads((out / "ground_truth.json").read_text())["recordings"]
    assert recs[-1]["artefacts"]["noisy_channel"] == truth["noisy_channel"]


def test_determinism(artefact_cohort, tmp_path):
    out, params = artefact_cohort
    simulate_cohort(tmp_path / "same", params, BASE, TARGET, seed=11)
    for f in sorted(out.rglob("*")):
        if f.is_file():
            assert (tmp_path / "same" / f.relative_to(out)).read_bytes() == f.read_bytes(), f
    simulate_cohort(tmp_path / "other", params, BASE, TARGET, seed=12)
    rel = Path("sub-01") / "sub-01_state-baseline_raw.fif"
    a = mne.io.read_raw(out / rel, verbose=False).get_data()
    b = mne.io.read_raw(tmp_path / "other" / rel, verbose=False).get_data()
    assert not np.allclose(a, b)


def test_subject_independent_of_cohort_size():
    a = simulate_recording(2, "baseline", {"n_subjects": 3, "duration_s": 20}, seed=5)
    b = simulate_recording(2, "baseline", {"n_subjects": 40, "duration_s": 20}, seed=5)
    c = simulate_recording(3, "baseline", {"n_subjects": 3, "duration_s": 20}, seed=5)
    np.testing.assert_array_equal(a.get_data(), b.get_data())
    assert not np.allclose(a.get_data(), c.get_data())


def test_edf_format(tmp_path):
    params = _params(n_subjects=2, duration_s=20, file_format="edf")
    plan = simulate_cohort(tmp_path, params, BASE, TARGET, seed=2)
    assert all(p.endswith("_eeg.edf") for p in plan.path)
    raw = mne.io.read_raw(plan.path.iloc[1], verbose=False)
    assert raw.ch_names == params["channels"]
    assert raw.info["sfreq"] == 250.0
    ref = simulate_recording(1, "target", params, seed=2).get_data()
    data = raw.get_data()[:, : ref.shape[1]]
    err = np.abs(data - ref).max(axis=1)
    assert np.all(err <= np.ptp(ref, axis=1) / 2**15)  # 16-bit quantisation only


def test_calibration_is_exact_and_remove_alpha():
    params = _params(duration_s=20, effect_sd={key: 0.0 for key in _params()["effect_sd"]})
    model = prepare_subject(1, params, seed=0)
    from eegstate.simulate.calibrate import expected_effects_db
    from eegstate.simulate.head import build_head_model

    head = build_head_model(params["channels"])
    eff = expected_effects_db(model, head)
    assert eff["alpha"]["occipital"] == pytest.approx(-1.8, abs=1e-9)
    assert eff["alpha"]["parietal"] == pytest.approx(-0.9, abs=1e-9)
    assert eff["theta"]["frontal"] == pytest.approx(0.0, abs=1e-9)
    assert eff["delta"]["all"] == pytest.approx(-1.5, abs=1e-9)
    assert eff["gamma"]["all"] == pytest.approx(1.5, abs=1e-9)
    removed = prepare_subject(1, _params(duration_s=20, effects={"remove_alpha": True}), seed=0)
    assert removed.scales["target"]["alpha_occipital"] == 0.0
    assert expected_effects_db(removed, head)["alpha"]["occipital"] < -5.0


def test_each_subject_gets_its_own_drawn_effects_exactly():
    """With between-subject SDs every subject is calibrated to its own drawn values."""
    from eegstate.simulate.calibrate import expected_effects_db
    from eegstate.simulate.head import build_head_model

    params = _params(n_subjects=40, duration_s=10)
    head = build_head_model(params["channels"])
    drawn = []
    for index in range(1, 41):
        model = prepare_subject(index, params, seed=5, head=head)
        eff = expected_effects_db(model, head)
        want = model.effects
        for key, band, region in (
            ("alpha_occipital_db", "alpha", "occipital"),
            ("theta_frontal_db", "theta", "frontal"),
            ("gamma_db", "gamma", "all"),
        ):
            target = model.clipped.get(key, want[key])
            assert eff[band][region] == pytest.approx(target, abs=1e-6), (index, key)
        assert 0.0 <= want["dmn_coupling_target"] <= 1.0
        drawn.append(want)
    table = pd.DataFrame(drawn)
    sd = params["effect_sd"]
    # means and spreads of 40 draws (standard errors about sd/6 and sd/9)
    for key in ("alpha_occipital_db", "theta_frontal_db", "gamma_db", "delta_db"):
        assert abs(table[key].mean() - params["effects"][key]) < 3 * sd[key] / np.sqrt(40)
        assert 0.6 * sd[key] < table[key].std() < 1.4 * sd[key]
    # the two alpha effects share one deviate: perfectly correlated across subjects
    assert np.corrcoef(table["alpha_occipital_db"], table["alpha_parietal_db"])[0, 1] > 0.999
    assert abs(np.corrcoef(table["theta_frontal_db"], table["gamma_db"])[0, 1]) < 0.5


def test_effects_of_either_sign_are_plantable():
    """A profile no default uses: theta up, gamma unchanged, alpha down, DMN unchanged."""
    from eegstate.simulate.calibrate import expected_effects_db
    from eegstate.simulate.head import build_head_model

    effects = {
        "theta_frontal_db": 2.0,
        "gamma_db": 0.0,
        "alpha_occipital_db": -3.0,
        "alpha_parietal_db": -2.5,
        "delta_db": 1.0,
        "dmn_coupling_baseline": 0.4,
        "dmn_coupling_target": 0.4,
    }
    params = _params(duration_s=10, effects=effects, effect_sd={k: 0.0 for k in effects})
    head = build_head_model(params["channels"])
    for index in range(1, 31):
        eff = expected_effects_db(prepare_subject(index, params, seed=9, head=head), head)
        assert eff["theta"]["frontal"] == pytest.approx(2.0, abs=1e-6)
        assert eff["gamma"]["all"] == pytest.approx(0.0, abs=1e-6)
        assert eff["delta"]["all"] == pytest.approx(1.0, abs=1e-6)
    lower = _params(
        duration_s=10,
        effects={"gamma_db": -1.5, "theta_frontal_db": -1.0, "aperiodic_exponent_change": 0.0},
    )
    no_spread = {key: 0.0 for key in lower["effect_sd"]}
    model = prepare_subject(1, {**lower, "effect_sd": no_spread}, seed=9, head=head)
    eff = expected_effects_db(model, head)
    assert eff["gamma"]["all"] == pytest.approx(-1.5, abs=1e-6)
    assert eff["theta"]["frontal"] == pytest.approx(-1.0, abs=1e-6)


def test_network_nodes_are_coupled_in_phase_and_envelope():
    """Node signals of the coupled DMN: envelope correlation and phase locking follow c."""
    from scipy.signal import hilbert

    from eegstate.simulate.head import build_head_model
    from eegstate.simulate.model import ENVELOPE_DEPTH, seed_rng

    params = _params(duration_s=600)
    params["effect_sd"] = {key: 0.0 for key in params["effect_sd"]}
    head = build_head_model(params["channels"])
    model = prepare_subject(1, params, seed=1, head=head)
    results = {}
    for state in ("baseline", "target"):
        dmn = next(c for c in model.components(state, head) if c.name == "dmn")
        nodes = dmn.node_signals(model.grid, seed_rng(1, 99))
        # node power does not depend on the coupling
        results[state] = {"var": nodes.var(axis=1)}
        analytic = hilbert(nodes, axis=1)
        env = np.log(np.abs(analytic))
        phase = np.angle(analytic[0] * np.conj(analytic[2]))  # PCC vs lAG
        results[state]["env_r"] = np.corrcoef(env[0], env[2])[0, 1]
        results[state]["plv"] = np.abs(np.mean(np.exp(1j * phase)))
    c_base, c_targ = model.coupling["baseline"], model.coupling["target"]
    assert (c_base, c_targ) == (0.6, 0.15)
    assert results["baseline"]["env_r"] > results["target"]["env_r"] + 0.2
    assert results["baseline"]["plv"] > results["target"]["plv"] + 0.2
    ratio = results["target"]["var"].mean() / results["baseline"]["var"].mean()
    assert 0.8 < ratio < 1.25
    assert ENVELOPE_DEPTH > 0


def test_defaults_feasible_for_many_subjects():
    params = _params(n_subjects=60, duration_s=10)
    clipped = 0
    for i in range(1, 61):
        model = prepare_subject(i, params, seed=123)
        clipped += len(model.clipped)
        assert min(model.scales["target"].values()) >= 0
    assert clipped <= 3  # rare draws far in the tails are planted as close as possible


def test_infeasible_effect_raises(tmp_path):
    bad = {"effects": {"alpha_occipital_db": 30.0, "alpha_parietal_db": -30.0}}
    with pytest.raises(ValueError, match=r"effects\.alpha_\w+_db=.*negative power"):
        prepare_subject(1, _params(duration_s=20, **bad), seed=0)
    with pytest.raises(ValueError, match=r"effects\.delta_db=-20.*choose effects\.delta_db"):
        prepare_subject(1, _params(duration_s=20, effects={"delta_db": -20.0}), seed=0)
    with pytest.raises(ValueError, match="negative power"):
        simulate_cohort(tmp_path / "c", {"n_subjects": 2, "duration_s": 20, **bad}, BASE, TARGET, 0)
    assert not list((tmp_path / "c").rglob("*.fif"))  # nothing written before the failure


def test_planted_effects_visible(clean_cohort):
    out, params = clean_cohort
    truth = json.loads((out / "ground_truth.json").read_text())
    samples = _read_tsv(out / "samples.tsv")
    chans = params["channels"]
    rows = {r: [i for i, c in enumerate(chans) if c in REGIONS[r]] for r in REGIONS}
    rows["all"] = list(range(len(chans)))
    checks = [("alpha", "occipital"), ("theta", "frontal"), ("delta", "all"), ("gamma", "all")]
    bands = {"alpha": (8, 13), "theta": (4, 8), "delta": (1, 4), "gamma": (30, 45)}
    for sub in sorted(truth["subjects"]):
        expected = truth["subjects"][sub]["expected_sensor_effects_db"]
        db = {}
        for state in (BASE, TARGET):
            rel = samples[(samples.subject == sub) & (samples.state == state)].path.iloc[0]
            raw = mne.io.read_raw(out / rel, verbose=False)
            x = raw.get_data()
            db[state] = {
                (b, r): _band_db(x, raw.info["sfreq"], rows[r], bands[b]) for b, r in checks
            }
        for band, region in checks:
            measured = db[TARGET][(band, region)] - db[BASE][(band, region)]
            exp = expected[band][region]
            assert abs(measured - exp) < 0.5, (sub, band, region, measured, exp)
            if abs(exp) > 1:
                assert np.sign(measured) == np.sign(exp)
        planted = truth["subjects"][sub]["planted_effects"]["alpha_occipital_db"]
        assert expected["alpha"]["occipital"] == pytest.approx(planted, abs=1e-6)
        assert abs(db[TARGET][("theta", "frontal")] - db[BASE][("theta", "frontal")]) < 0.5


def test_alpha_dominates_occipital_spectrum(clean_cohort):
    out, _ = clean_cohort
    raw = mne.io.read_raw(out / "sub-01" / "sub-01_state-baseline_raw.fif", verbose=False)
    x = raw.get_data()
    x = x - x.mean(axis=0)
    f, psd = welch(x[raw.ch_names.index("O1")], fs=250, nperseg=1000)
    peak = f[np.argmax(np.where((f > 5) & (f < 15), psd, 0))]
    assert 8.0 <= peak <= 12.0
    alpha = psd[(f >= 8) & (f < 13)].max()
    flank = np.median(psd[(f >= 16) & (f < 25)])
    assert alpha > 20 * flank


def test_artefacts_present(artefact_cohort):
    out, params = artefact_cohort
    truth = json.loads((out / "ground_truth.json").read_text())
    chans = params["channels"]
    fp1, o1 = chans.index("Fp1"), chans.index("O1")
    n_blinks = 0
    for rec in truth["recordings"]:
        raw = mne.io.read_raw(out / rec["path"], verbose=False)
        x = raw.get_data()
        art = rec["artefacts"]
        # noisy channel: much larger variance than the others (average reference)
        noisy = chans.index(art["noisy_channel"])
        var = (x - x.mean(axis=0)).var(axis=1)
        assert var[noisy] > 20 * np.median(np.delete(var, noisy))  # std 5-10x
        # blinks: large positive deflections on Fp1 at the recorded times, not on O1
        blinks = art["blinks"]
        assert blinks["count"] == len(blinks["onsets_s"])
        n_blinks += blinks["count"]
        if noisy not in (fp1, o1) and blinks["count"]:
            peaks = [
                round((on + dur / 2) * 250)
                for on, dur in zip(blinks["onsets_s"], blinks["durations_s"], strict=True)
            ]
            fp1_dev = np.mean(x[fp1, peaks] - np.median(x[fp1])) * 1e6
            o1_dev = np.mean(x[o1, peaks] - np.median(x[o1])) * 1e6
            assert fp1_dev > 60 and abs(o1_dev) < 25, (fp1_dev, o1_dev)
        # line noise: a narrow peak at line_freq
        assert art["line_noise"]["line_freq"] == 50.0
        ch = chans.index("Cz") if noisy != chans.index("Cz") else chans.index("Pz")
        f, psd = welch(x[ch], fs=250, nperseg=500)
        at = psd[np.argmin(np.abs(f - 50))]
        near = np.median(psd[(f > 40) & (f < 60) & (np.abs(f - 50) > 2)])
        assert at > 10 * near
    assert n_blinks > 0
