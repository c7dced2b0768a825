"""Subject-wise nested evaluation: leakage guards, permutation test, plug-in estimators, CLI."""

from __future__ import annotations

import json
import logging

import numpy as np
import pandas as pd
import pytest
from helpers.features import data_of, feature_table

from eegstate.classify import (
    evaluate,
    normalize_per_subject,
    permuted_labels,
    roc_curves,
    subject_accuracy,
)
from eegstate.tables import (
    CLASSIFICATION_FOLD_COLUMNS,
    CLASSIFICATION_PREDICTION_COLUMNS,
    CLASSIFICATION_RECORDING_COLUMNS,
)

FAST = {"param_grid": {"C": [1.0]}, "n_permutations": 0}


def shuffle_within_subjects(table, seed=1):
    """Epoch labels shuffled within each subject: no relation between features and labels."""
    rng = np.random.default_rng(seed)
    table = table.copy()
    for _, index in table.groupby("subject").groups.items():
        table.loc[index, "state"] = rng.permutation(table.loc[index, "state"].to_numpy())
    return table


def test_real_effect_is_found_with_a_small_p_value():
    result = evaluate(data_of(feature_table()), param_grid={"C": [1.0]}, n_permutations=49)
    summary = result.summary
    assert summary["balanced_accuracy"] >= 0.75
    assert summary["p_value"] <= 0.05
    assert summary["n_subjects"] == 12 and summary["n_permutations"] == 49
    assert summary["n_distinct_labellings"] == 2**12
    assert set(summary["per_subject"]) == {f"s{s:02d}" for s in range(12)}
    assert np.sum(summary["confusion_matrix"]) == summary["n_epochs"] == 12 * 2 * 20


def test_leakage_guard_labels_permuted_within_subjects_stay_at_chance():
    table = shuffle_within_subjects(feature_table(effect=2.0))
    for normalize in ("subject", "baseline"):
        result = evaluate(
            data_of(table),
            param_grid={"C": [1.0]},
            n_permutations=49 if normalize == "subject" else 0,
            normalize=normalize,
        )
        assert abs(result.summary["balanced_accuracy"] - 0.5) <= 0.1, normalize
    assert result.summary["p_value"] is None
    subject_result = evaluate(data_of(table), param_grid={"C": [1.0]}, n_permutations=49)
    assert subject_result.summary["p_value"] > 0.05


def identity_table(with_identity: bool, seed=3):
    """No state effect; label proportions differ by subject; optional subject-identity code."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(12):
        states = ["drug"] * 3 + ["baseline"] if s % 2 else ["drug"] + ["baseline"] * 3
        code = rng.normal(0, 10, 4)
        for r, state in enumerate(states):
            for epoch in range(15):
                noise = rng.normal(0, 1, 4)
                identity = code + rng.normal(0, 0.1, 4) if with_identity else np.zeros(4)
                rows.append(
                    {
                        "subject": f"s{s:02d}",
                        "recording": f"s{s:02d}_r{r}",
                        "state": state,
                        "epoch": epoch,
                        **{f"f{i}": noise[i] for i in range(4)},
                        **{f"fid{i}": identity[i] for i in range(4)},
                    }
                )
    return pd.DataFrame(rows)


def test_leakage_guard_subject_identity_gives_no_advantage():
    from sklearn.metrics import balanced_accuracy_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.neighbors import KNeighborsClassifier

    knn = KNeighborsClassifier(n_neighbors=15)
    scores = {}
    for with_identity in (False, True):
        data = data_of(identity_table(with_identity))
        result = evaluate(data, estimator=knn, normalize="none", n_permutations=0)
        scores[with_identity] = result.summary["balanced_accuracy"]
    assert abs(scores[True] - 0.5) <= 0.1
    assert scores[True] - scores[False] <= 0.05
    # The identity feature is exploitable: epoch-wise (leaky) folds do profit from it.
    data = data_of(identity_table(True))
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    leaky = cross_val_predict(knn, data.X, data.y, cv=folds)
    assert balanced_accuracy_score(data.y, leaky) >= 0.65


def test_subject_normalisation_removes_between_subject_differences():
    data = data_of(feature_table(effect=0.8, subject_sd=5.0, seed=4))
    scores = {
        normalize: evaluate(data, normalize=normalize, **FAST).summary["balanced_accuracy"]
        for normalize in ("none", "subject", "baseline")
    }
    assert scores["subject"] - scores["none"] >= 0.1
    assert scores["baseline"] - scores["none"] >= 0.1


def test_normalize_per_subject_uses_each_subjects_own_epochs():
    rng = np.random.default_rng(0)
    X = rng.normal(5, 2, (40, 3))
    X[:, 2] = 7.0
    groups = np.repeat(["a", "b"], 20)
    z = normalize_per_subject(X, groups, "subject")
    for g in ("a", "b"):
        np.testing.assert_allclose(z[groups == g, :2].mean(axis=0), 0, atol=1e-12)
        np.testing.assert_allclose(z[groups == g, :2].std(axis=0), 1)
    np.testing.assert_array_equal(z[:, 2], 0)
    reference = np.tile(np.repeat([True, False], 10), 2)
    b = normalize_per_subject(X, groups, "baseline", reference=reference)
    np.testing.assert_allclose(b[reference & (groups == "a")].mean(axis=0), 0, atol=1e-12)
    a_baseline = X[reference & (groups == "a")].mean(axis=0)
    np.testing.assert_allclose(b[groups == "a"], X[groups == "a"] - a_baseline)
    with pytest.raises(ValueError, match=r"subjects \['b'\]"):
        normalize_per_subject(X, groups, "baseline", reference=reference & (groups == "a"))
    with pytest.raises(ValueError, match="unknown normalisation"):
        normalize_per_subject(X, groups, "global")


def test_permutations_keep_recordings_whole_within_subjects():
    data = data_of(feature_table(n_subjects=4, n_epochs=5))
    labels = permuted_labels(data.y, data.groups, data.recordings, 50, np.random.default_rng(0))
    assert labels.shape == (50, len(data.y))
    frame = pd.DataFrame({"subject": data.groups, "recording": data.recordings})
    for permuted in labels:
        per_recording = pd.Series(permuted).groupby(frame["recording"]).nunique()
        assert (per_recording == 1).all()
        per_subject = pd.Series(permuted).groupby(frame["subject"]).sum()
        assert (per_subject == 5).all()
    assert len({row.tobytes() for row in labels}) > 2


def test_nested_search_outputs_and_report_helpers():
    data = data_of(feature_table(n_subjects=4, n_epochs=8))
    result = evaluate(data, inner_folds=5, n_permutations=0)
    assert list(result.predictions.columns) == list(CLASSIFICATION_PREDICTION_COLUMNS)
    assert list(result.folds.columns) == list(CLASSIFICATION_FOLD_COLUMNS)
    assert list(result.recordings.columns) == list(CLASSIFICATION_RECORDING_COLUMNS)
    assert len(result.recordings) == 8
    assert set(result.summary["best_params"]) == set(data.groups)
    assert all("classifier__C" in p for p in result.summary["best_params"].values())
    curves = roc_curves(result.predictions)
    assert set(curves["scope"]) == {"pooled", *data.groups}
    assert subject_accuracy(result.folds)["subject"].tolist() == sorted(set(data.groups))


def make_lda(seed=None):
    """A plug-in factory for the import-path test (receives the seed)."""
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    assert seed == 7
    return LinearDiscriminantAnalysis()


@pytest.mark.parametrize(
    "estimator",
    ["linear_svm", "random_forest", "sklearn.naive_bayes:GaussianNB", f"{__name__}:make_lda"],
)
def test_estimators_by_name_and_import_path(estimator):
    data = data_of(feature_table(n_subjects=5, n_epochs=10, effect=2.0))
    grid = {"max_depth": [3]} if estimator == "random_forest" else None
    result = evaluate(
        data, estimator=estimator, param_grid=grid, n_permutations=0, seed=7, inner_folds=2
    )
    assert result.summary["estimator"] == estimator
    assert result.summary["balanced_accuracy"] >= 0.8


def test_bad_estimator_is_refused():
    data = data_of(feature_table(n_subjects=3, n_epochs=4))
    with pytest.raises(ValueError, match="neither a built-in"):
        evaluate(data, estimator="svm", n_permutations=0)
    with pytest.raises(ValueError, match="cannot import"):
        evaluate(data, estimator="no_such_package.models:make", n_permutations=0)
    with pytest.raises(ValueError, match="not a sklearn-compatible classifier"):
        evaluate(data, estimator="collections:OrderedDict", n_permutations=0)


def test_parallel_permutations_give_the_same_scores(monkeypatch):
    from eegstate.classify import permutation

    # one label set per worker is enough here, so the 8 permutations use two workers
    monkeypatch.setattr(permutation, "MIN_LABEL_SETS_PER_WORKER", 1)
    data = data_of(feature_table(n_subjects=5, n_epochs=6))
    serial = evaluate(data, param_grid={"C": [1.0]}, n_permutations=8, n_jobs=1)
    parallel = evaluate(data, param_grid={"C": [1.0]}, n_permutations=8, n_jobs=2)
    np.testing.assert_array_equal(serial.permutation_scores, parallel.permutation_scores)
    assert serial.summary["p_value"] == parallel.summary["p_value"]


def test_few_permutations_start_no_worker_processes(monkeypatch):
    import joblib

    def no_pool(*args, **kwargs):
        raise AssertionError("a worker pool was started for a few permutations")

    monkeypatch.setattr(joblib, "Parallel", no_pool)
    data = data_of(feature_table(n_subjects=5, n_epochs=6))
    result = evaluate(data, param_grid={"C": [0.1, 1.0]}, n_permutations=8, n_jobs=2)
    assert len(result.permutation_scores) == 8


def test_cli_classify_any_table(tmp_path, capsys, caplog):
    from eegstate.cli import main

    table = feature_table(n_subjects=5, n_epochs=8, effect=2.0).rename(
        columns={"subject": "participant", "state": "condition"}
    )
    table["site"] = "lab"
    path = tmp_path / "features.csv"
    table.drop(columns=["session", "recording", "epoch"]).to_csv(path, index=False)
    argv = ["classify", str(path), "--label", "condition", "--group", "participant"]
    with caplog.at_level(logging.WARNING):
        code = main([*argv, "--baseline-label", "baseline", "--permutations", "9"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("balanced_accuracy", "roc_auc", "n_subjects", "per_subject", "p_value"):
        assert key in out
    assert out["permutation_exact"] is False and out["p_value_floor"] == max(1 / 10, 2 / 32)
    assert out["balanced_accuracy_ci_low"] <= out["balanced_accuracy_ci_high"]
    assert out["normalize_comparison"]["normalize"] == "none"
    assert out["n_subjects"] == 5 and out["classes"] == {"0": "baseline", "1": "drug"}
    assert out["feature_names"] == [f"f{i}" for i in range(6)]
    assert "using all 6 numeric columns" in caplog.text
    code = main([*argv, "--features", "f0", "--normalize", "none", "--permutations", "0"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["feature_names"] == ["f0"]
    assert out["normalize_comparison"] is None and out["p_value_floor"] is None
    assert main([*argv, "--features", "nothing*"]) == 2
    assert "no column matches" in capsys.readouterr().err


def test_subjects_with_one_state_only_are_left_out(caplog):
    table = feature_table(n_subjects=3, n_epochs=4)
    table = table[~((table["subject"] == "s02") & (table["state"] == "drug"))]
    with caplog.at_level(logging.WARNING):
        data = data_of(table)
    assert sorted(set(data.groups)) == ["s00", "s01"]
    assert "['s02']" in caplog.text


def test_evaluation_step_writes_its_outputs_or_says_why_not(tmp_path):
    from eegstate.classify.metrics import balanced_accuracy_ci
    from eegstate.config import validate_config
    from eegstate.io import read_table, write_table
    from eegstate.seeding import derive_seed
    from eegstate.steps.classify import evaluate_classifier

    config = validate_config(
        {
            "target": "drug",
            "classification": {"n_permutations": 5, "n_jobs": 1},
            "report": {"ci_level": 0.8, "n_bootstrap": 300},
        }
    )
    outputs = {
        "summary_out": tmp_path / "classification.json",
        "folds_out": tmp_path / "folds.tsv",
        "predictions_out": tmp_path / "predictions.tsv",
        "recordings_out": tmp_path / "recordings.tsv",
    }
    table = feature_table(n_subjects=4, n_epochs=5, effect=2.0)
    write_table(table, tmp_path / "features.tsv")
    summary = evaluate_classifier(features_path=tmp_path / "features.tsv", config=config, **outputs)
    written = json.loads(outputs["summary_out"].read_text())
    assert written["n_permutations"] == 5 and written["feature_level"] == "region"
    assert written["balanced_accuracy"] == summary["balanced_accuracy"]
    assert len(read_table(outputs["predictions_out"])) == 4 * 2 * 5
    assert len(read_table(outputs["folds_out"])) == 4
    assert written["permutation_exact"] is False and written["p_value_floor"] == 1 / 6
    # The claims table's interval: same predictions, level, resamples and seed derivation.
    interval = balanced_accuracy_ci(
        read_table(outputs["predictions_out"]),
        ci_level=0.8,
        n_bootstrap=300,
        seed=derive_seed(config["seed"], "claims", "state_decodable"),
    )
    assert (written["balanced_accuracy_ci_low"], written["balanced_accuracy_ci_high"]) == interval
    assert written["ci_level"] == 0.8 and written["n_bootstrap"] == 300
    assert written["normalize"] == "subject"
    assert written["normalize_comparison"]["normalize"] == "none"
    assert set(written["normalize_comparison"]["per_subject_balanced_accuracy"]) == {
        f"s{s:02d}" for s in range(4)
    }

    write_table(table[table["subject"] == "s00"], tmp_path / "one.tsv")
    summary = evaluate_classifier(features_path=tmp_path / "one.tsv", config=config, **outputs)
    assert "at least two subjects" in json.loads(outputs["summary_out"].read_text())["skipped"]
    assert read_table(outputs["folds_out"]).empty
