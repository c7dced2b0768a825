"""Permutation test: exact enumeration, the floor of the attainable p, the `none` comparison."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from helpers.features import data_of, feature_table

from eegstate.classify import evaluate
from eegstate.classify import permutation as permutation_module
from eegstate.classify.permutation import all_labellings


def unbalanced_table(n_subjects=3, n_epochs=6, effect=0.6, seed=2):
    """Two baseline recordings and one target recording per subject (no global flip)."""
    return feature_table(
        n_subjects=n_subjects,
        n_epochs=n_epochs,
        effect=effect,
        seed=seed,
        recordings=("baseline", "baseline", "drug"),
    )


def test_four_balanced_subjects_enumerate_the_16_labellings_exactly():
    data = data_of(feature_table(n_subjects=4, n_epochs=8, effect=3.0))
    rows = np.concatenate(list(all_labellings(data.y, data.groups, data.recordings, 5)))
    assert rows.shape == (16, len(data.y))
    assert len({row.tobytes() for row in rows}) == 16
    np.testing.assert_array_equal(rows[0], data.y)
    np.testing.assert_array_equal(rows[1:].sum(axis=1), data.y.sum())

    result = evaluate(data, param_grid={"C": [1.0]}, n_permutations=1000)
    summary = result.summary
    scores = result.permutation_scores
    assert summary["balanced_accuracy"] >= 0.95
    assert summary["permutation_exact"] is True
    assert summary["n_distinct_labellings"] == 16 and len(scores) == 16
    assert summary["p_value_floor"] == 2 / 16
    # The observed labelling comes first, the global flip (every subject swapped) last; a
    # classifier symmetric in its classes scores both the same, and with a strong effect no
    # other labelling comes close.
    assert scores[0] == pytest.approx(summary["balanced_accuracy"], abs=1e-6)
    np.testing.assert_array_equal(rows[-1], 1 - data.y)
    assert scores[-1] == scores[0]
    assert np.max(scores[1:-1]) < scores[0] - 0.2
    assert summary["p_value"] == 2 / 16


def test_baseline_normalisation_has_no_flip_symmetry():
    """Under `baseline` the flip also changes the reference recording: floor 1/N."""
    data = data_of(feature_table(n_subjects=4, n_epochs=5, effect=3.0))
    summary = evaluate(
        data, param_grid={"C": [1.0]}, normalize="baseline", n_permutations=16
    ).summary
    assert summary["permutation_exact"] is True
    assert summary["p_value_floor"] == 1 / 16
    assert summary["p_value"] >= 1 / 16


def brute_force_scores(table: pd.DataFrame, normalize: str) -> tuple[float, list[float]]:
    """Leave-one-subject-out balanced accuracy of the observed and of every labelling.

    Written with itertools and sklearn only: every way to choose each subject's target
    recordings (as many as observed), features re-referenced to the labelling's baseline
    under ``normalize="baseline"``, a fresh scaler + logistic regression per held-out subject.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import balanced_accuracy_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    columns = [c for c in table.columns if c.startswith("f")]
    per_subject = []
    for _, part in table.groupby("subject", sort=True):
        observed = part.groupby("recording", sort=True)["state"].first()
        n_target = int((observed == "drug").sum())
        per_subject.append(
            [set(chosen) for chosen in itertools.combinations(observed.index, n_target)]
        )
    truth = set(table.loc[table["state"] == "drug", "recording"])
    scores, observed_score = [], None
    for choice in itertools.product(*per_subject):
        targets = set().union(*choice)
        y = table["recording"].isin(targets).to_numpy().astype(int)
        X = table[columns].to_numpy(dtype=float)
        if normalize == "baseline":
            X = X.copy()
            for subject in table["subject"].unique():
                rows = (table["subject"] == subject).to_numpy()
                X[rows] -= X[rows & (y == 0)].mean(axis=0)
        predicted = np.empty_like(y)
        for subject in table["subject"].unique():
            test = (table["subject"] == subject).to_numpy()
            model = make_pipeline(StandardScaler(), LogisticRegression())
            predicted[test] = model.fit(X[~test], y[~test]).predict(X[test])
        score = balanced_accuracy_score(y, predicted)
        scores.append(score)
        if targets == truth:
            observed_score = score
    return observed_score, scores


@pytest.mark.parametrize("normalize", ["none", "baseline"])
def test_exact_p_matches_a_brute_force_enumeration(normalize):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    table = unbalanced_table()
    observed, scores = brute_force_scores(table, normalize)
    expected_p = sum(score >= observed - 1e-12 for score in scores) / len(scores)
    assert len(scores) == 27

    result = evaluate(
        data_of(table),
        estimator=make_pipeline(StandardScaler(), LogisticRegression()),
        normalize=normalize,
        n_permutations=27,
    )
    summary = result.summary
    assert summary["permutation_exact"] is True
    assert summary["balanced_accuracy"] == pytest.approx(observed, abs=1e-6)
    assert summary["p_value"] == pytest.approx(expected_p, abs=1e-12)
    np.testing.assert_allclose(np.sort(result.permutation_scores), np.sort(scores), atol=1e-12)


def test_unequal_baseline_and_target_recordings_floor_is_one_over_n():
    data = data_of(unbalanced_table(n_epochs=4))
    summary = evaluate(data, param_grid={"C": [1.0]}, n_permutations=100).summary
    assert summary["n_distinct_labellings"] == 27
    assert summary["permutation_exact"] is True
    assert summary["p_value_floor"] == 1 / 27
    assert 1 / 27 <= summary["p_value"] <= 1


@pytest.mark.parametrize(
    ("normalize", "expected_p", "expected_mean"),
    [
        # Regression values: produced by the code before exact enumeration existed (commit
        # a091646, Monte Carlo only) running this very call; the Monte Carlo test must keep
        # drawing the same permutations from the same seed.
        ("subject", 16 / 30, 0.49569),
        ("baseline", 12 / 30, 0.522701),
    ],
)
def test_monte_carlo_test_is_unchanged(normalize, expected_p, expected_mean):
    data = data_of(feature_table(n_subjects=10, n_epochs=6, effect=0.8, seed=5))
    summary = evaluate(
        data, param_grid={"C": [1.0]}, normalize=normalize, n_permutations=29, seed=11
    ).summary
    assert summary["permutation_exact"] is False
    assert summary["p_value"] == pytest.approx(expected_p, abs=1e-12)
    assert summary["permutation_mean"] == expected_mean
    assert summary["n_distinct_labellings"] == 1024
    assert summary["p_value_floor"] == max(1 / 30, 2 / 1024)


def test_monte_carlo_floor_can_be_set_by_the_labellings():
    """5 subjects, 20 permutations: 2/32 labellings is above 1/21 permutations."""
    data = data_of(feature_table(n_subjects=5, n_epochs=4, effect=2.0))
    summary = evaluate(data, param_grid={"C": [1.0]}, n_permutations=20).summary
    assert summary["permutation_exact"] is False
    assert summary["p_value_floor"] == max(1 / 21, 2 / 32) == 2 / 32
    assert summary["p_value"] >= 1 / 21


def test_no_permutations_no_p_and_no_floor():
    data = data_of(feature_table(n_subjects=4, n_epochs=4))
    summary = evaluate(data, param_grid={"C": [1.0]}, n_permutations=0).summary
    assert summary["p_value"] is None and summary["p_value_floor"] is None
    assert summary["permutation_exact"] is None


def test_chunks_and_workers_do_not_change_the_scores(monkeypatch):
    exact = data_of(feature_table(n_subjects=4, n_epochs=5, effect=0.5))
    sampled = data_of(feature_table(n_subjects=6, n_epochs=5, effect=0.5))
    settings = {"param_grid": {"C": [1.0]}, "normalize": "baseline", "seed": 3}
    reference = [
        evaluate(exact, n_permutations=16, **settings),
        evaluate(sampled, n_permutations=10, **settings),
    ]
    # At most 3 labellings (of 40 and 60 epochs) at a time.
    monkeypatch.setattr(permutation_module, "MAX_LABEL_VALUES", 3 * 60)
    chunked = [
        evaluate(exact, n_permutations=16, n_jobs=2, **settings),
        evaluate(sampled, n_permutations=10, **settings),
    ]
    for before, after in zip(reference, chunked, strict=True):
        np.testing.assert_array_equal(before.permutation_scores, after.permutation_scores)
        assert before.summary["p_value"] == after.summary["p_value"]
    assert [r.summary["permutation_exact"] for r in chunked] == [True, False]


def test_normalize_comparison_is_the_none_evaluation():
    data = data_of(feature_table(n_subjects=5, n_epochs=6, effect=1.0, subject_sd=2.0))
    grid = {"param_grid": {"C": [0.1, 1.0]}, "inner_folds": 2, "seed": 4}
    summary = evaluate(data, n_permutations=0, compare_none=True, **grid).summary
    none = evaluate(data, normalize="none", n_permutations=0, **grid).summary
    comparison = summary["normalize_comparison"]
    assert comparison["normalize"] == "none"
    assert comparison["assumption"] == none["normalize_assumption"]
    assert comparison["balanced_accuracy"] == none["balanced_accuracy"]
    assert comparison["roc_auc"] == none["roc_auc"]
    assert comparison["n_subjects"] == 5
    assert comparison["ci_low"] == none["balanced_accuracy_ci_low"]
    assert comparison["ci_high"] == none["balanced_accuracy_ci_high"]
    assert comparison["per_subject_balanced_accuracy"] == {
        subject: metrics["balanced_accuracy"] for subject, metrics in none["per_subject"].items()
    }
    # The configured (main) result is the subject-normalised one, with its own interval.
    assert summary["normalize"] == "subject"
    assert summary["balanced_accuracy"] != comparison["balanced_accuracy"]
    low, high = summary["balanced_accuracy_ci_low"], summary["balanced_accuracy_ci_high"]
    assert 0 <= low <= high <= 1

    assert none["normalize_comparison"] is None
    configured_none = evaluate(data, normalize="none", n_permutations=0, compare_none=True, **grid)
    assert configured_none.summary["normalize_comparison"] is None
