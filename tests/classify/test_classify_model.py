"""Saved models: train -> save -> load -> predict, refusal of unsafe files and bad input."""

from __future__ import annotations

import io
import json
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from helpers.raws import make_raw
from sklearn.preprocessing import StandardScaler

from eegstate.apps.classification import predict_recordings, train_model
from eegstate.classify import (
    IncompatibleInputError,
    ModelFileError,
    TrainedModel,
    epoch_features,
    fit_model,
    model_from_bytes,
    model_to_bytes,
    predict_features,
    prepare_data,
)
from eegstate.config import validate_config
from eegstate.io import load_model, read_table, write_table
from eegstate.pipeline import analyse_raw, epoch_band_power_table, recording_settings

#: Fast preprocessing for these mechanics tests (ICA and PREP are tested elsewhere).
OPTIONS = {
    "dataset": "toy",
    "preprocess": {"ica": "none", "bad_channels": "none"},
    "classification": {"n_permutations": 0},
}
AMPLITUDE = {"baseline": 20.0, "dissociative": 30.0}


def analyse(raw, config, identity):
    """The recording's analysis and its per-epoch band-power table."""
    settings = recording_settings(config)
    result = analyse_raw(raw, settings, identity)
    return result, epoch_band_power_table(result, settings, identity)


def save_raw(raw, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    raw.save(path, overwrite=True, verbose="error")
    return path


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """Group tables of a toy run (3 subjects x 2 states), a trained model and new recordings."""
    root = tmp_path_factory.mktemp("classify-model")
    config = validate_config({**OPTIONS, "results_dir": str(root / "results")})
    epochs, bandpower, qc = [], [], []
    for s in range(3):
        for k, state in enumerate(("baseline", "dissociative")):
            identity = {
                "subject": f"0{s}",
                "session": "",
                "recording": f"sub-0{s}_state-{state}",
                "state": state,
            }
            raw = make_raw(n_seconds=40, seed=10 * s + k, amplitude_uv=AMPLITUDE[state])
            result, table = analyse(raw, config, identity)
            epochs.append(table)
            bandpower.append(result.bandpower)
            qc.append({**identity, **result.qc.as_row()})
    group = root / "results" / "toy" / "group"
    write_table(epoch_features(pd.concat(epochs)), group / "features.tsv")
    write_table(pd.concat(bandpower), group / "bandpower.tsv")
    write_table(pd.DataFrame(qc), group / "qc.tsv")
    model_path = root / "model.eegstate"
    model = train_model(config=config, model_out=model_path)
    new = [
        save_raw(make_raw(n_seconds=40, seed=90 + k, amplitude_uv=amp), root / f"new_{k}_raw.fif")
        for k, amp in enumerate(AMPLITUDE.values())
    ]
    config_path = root / "config.yaml"
    config_path.write_text(yaml.safe_dump(config))
    return {
        "root": root,
        "config": config,
        "model": model,
        "path": model_path,
        "new": new,
        "config_path": config_path,
    }


def in_memory_predictions(model: TrainedModel, paths) -> pd.DataFrame:
    """Predict new recordings without any file round trip of the model."""
    from eegstate.io import read_raw

    config = model.metadata["config"]
    tables = []
    for path in paths:
        recording = Path(path).name.removesuffix(".fif")
        identity = {"subject": "new", "session": "", "recording": recording, "state": ""}
        tables.append(analyse(read_raw(path), config, identity)[1])
    features = epoch_features(pd.concat(tables, ignore_index=True), level=model.metadata["level"])
    return predict_features(model, features)


def test_metadata_describes_the_expected_input(workspace):
    meta = workspace["model"].metadata
    assert meta["channels"] == ["Fp1", "Fz", "Cz", "Pz", "Oz", "O1", "O2", "C3", "C4", "P3"]
    assert meta["bands"]["alpha"] == [8, 13]
    assert meta["sfreq"] == [250.0]
    assert "alpha_db_occipital" in meta["feature_names"]
    assert {"eegstate", "scikit-learn", "numpy", "skops", "mne"} <= set(meta["versions"])
    assert meta["classes"] == ["baseline", "dissociative"]
    assert meta["config"]["preprocess"]["ica"] == "none"


def test_round_trip_gives_the_in_memory_probabilities(workspace):
    model, path = workspace["model"], workspace["path"]
    expected = in_memory_predictions(model, workspace["new"])
    out = workspace["root"] / "pred.tsv"
    per_recording = predict_recordings(model_path=path, inputs=workspace["new"], out=out)
    written = pd.read_csv(out, sep="\t")
    np.testing.assert_allclose(written["probability"], expected["probability"], rtol=1e-5)
    loaded = load_model(path)
    X = np.random.default_rng(0).normal(size=(7, len(model.feature_names)))
    np.testing.assert_array_equal(
        loaded.estimator.predict_proba(X), model.estimator.predict_proba(X)
    )
    assert loaded.metadata == json.loads(json.dumps(model.metadata, default=str))
    # The louder recording is the target state (the toy effect), the other the baseline.
    assert per_recording["label"].tolist() == ["baseline", "dissociative"]
    recordings = pd.read_csv(out.with_name("pred_recordings.tsv"), sep="\t")
    assert recordings["source"].tolist() == [str(p) for p in workspace["new"]]


def test_cli_train_and_predict(workspace, capsys):
    from eegstate.cli import main

    model_path = workspace["root"] / "cli-model.eegstate"
    argv = ["train", "--configfile", str(workspace["config_path"]), "--out", str(model_path)]
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["n_subjects"] == 3
    # Same data, same seed: the same model as the one trained in the fixture.
    X = np.random.default_rng(1).normal(size=(5, len(workspace["model"].feature_names)))
    np.testing.assert_array_equal(
        load_model(model_path).estimator.predict_proba(X),
        workspace["model"].estimator.predict_proba(X),
    )
    out = workspace["root"] / "cli-pred.tsv"
    inputs = [str(p) for p in workspace["new"]]
    assert main(["predict", str(model_path), *inputs, "--out", str(out)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert [row["label"] for row in printed] == ["baseline", "dissociative"]
    assert out.is_file()


def rewrite_member(data: bytes, name: str, change) -> bytes:
    """Copy a model archive, changing one member and keeping the stored checksums."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            target.writestr(info, change(content) if info.filename == name else content)
    return buffer.getvalue()


def test_tampered_model_is_refused(workspace):
    data = workspace["path"].read_bytes()
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0xFF
    with pytest.raises(ModelFileError):
        model_from_bytes(bytes(flipped))

    def more_channels(content: bytes) -> bytes:
        meta = json.loads(content)
        meta["channels"] = meta["channels"][:3]
        return json.dumps(meta).encode()

    with pytest.raises(ModelFileError, match="modified or corrupted"):
        model_from_bytes(rewrite_member(data, "metadata.json", more_channels))

    def other_estimator(content: bytes) -> bytes:
        import skops.io

        return skops.io.dumps(StandardScaler())

    with pytest.raises(ModelFileError, match=r"checksum of pipeline.skops"):
        model_from_bytes(rewrite_member(data, "pipeline.skops", other_estimator))


class CustomScaler(StandardScaler):
    """A type skops does not know: loading it must need explicit trust."""


def test_foreign_and_untrusted_files_are_refused(workspace, tmp_path):
    import skops.io

    estimator = workspace["model"].estimator
    pickled = tmp_path / "model.pkl"
    pickled.write_bytes(pickle.dumps(estimator))
    with pytest.raises(ModelFileError, match="never loads pickle"):
        load_model(pickled)
    plain = tmp_path / "plain.skops"
    skops.io.dump(estimator, plain)
    with pytest.raises(ModelFileError, match="not an eegstate model"):
        load_model(plain)

    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    data = prepare_data(
        read_table(workspace["root"] / "results/toy/group/features.tsv"),
        features=["*_db_*"],
        baseline="baseline",
        target="dissociative",
    )
    trained = fit_model(data, estimator=make_pipeline(CustomScaler(), LogisticRegression()))
    blob = model_to_bytes(trained)
    with pytest.raises(ModelFileError, match="CustomScaler"):
        model_from_bytes(blob)
    loaded = model_from_bytes(blob, trusted=[f"{__name__}.CustomScaler"])
    np.testing.assert_array_equal(
        loaded.estimator.predict_proba(data.X), trained.estimator.predict_proba(data.X)
    )


def test_missing_channels_are_refused(workspace, capsys):
    from eegstate.cli import main

    channels = ("Fp1", "Fz", "Cz", "Pz", "Oz", "C3", "C4", "P3")
    partial = save_raw(make_raw(n_seconds=20, channels=channels), workspace["root"] / "part.fif")
    with pytest.raises(IncompatibleInputError, match=r"missing 2 channels .*\['O1', 'O2'\]"):
        predict_recordings(
            model_path=workspace["path"], inputs=[partial], out=workspace["root"] / "x.tsv"
        )
    argv = ["predict", str(workspace["path"]), str(partial), "--out", "x.tsv"]
    assert main(argv) == 2
    assert "O1" in capsys.readouterr().err


def test_other_bands_and_low_sampling_rate_are_refused(workspace):
    config = validate_config(
        {**OPTIONS, "bandpower": {"bands": {"alpha": [8, 12], "mu": [12, 15]}}}
    )
    identity = {"subject": "x", "session": "", "recording": "r", "state": ""}
    _, table = analyse(make_raw(n_seconds=20, seed=5), config, identity)
    path = write_table(table, workspace["root"] / "other_bandpower-epochs.tsv")
    with pytest.raises(
        IncompatibleInputError, match=r"missing \['beta', 'delta', 'gamma', 'theta'\]"
    ):
        predict_recordings(
            model_path=workspace["path"], inputs=[path], out=workspace["root"] / "y.tsv"
        )
    slow = save_raw(make_raw(n_seconds=20, sfreq=80.0), workspace["root"] / "slow_raw.fif")
    with pytest.raises(IncompatibleInputError, match="Nyquist 40 Hz"):
        predict_recordings(
            model_path=workspace["path"], inputs=[slow], out=workspace["root"] / "z.tsv"
        )


def test_baseline_normalised_model_needs_the_baseline_recording(workspace):
    features = read_table(workspace["root"] / "results/toy/group/features.tsv")
    data = prepare_data(features, baseline="baseline", target="dissociative", features=["*_db_*"])
    model = fit_model(data, normalize="baseline", param_grid={"C": [1.0]})
    new = features[features["subject"] == "00"]
    with pytest.raises(IncompatibleInputError, match="baseline recording"):
        predict_features(model, new)
    predicted = predict_features(model, new, baseline_recordings=["sub-00_state-baseline"])
    assert (
        predicted.groupby("recording")["probability"].mean().idxmax() == "sub-00_state-dissociative"
    )
