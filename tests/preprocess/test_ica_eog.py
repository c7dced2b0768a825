"""EOG channels, when a recording has them, confirm ICLabel's blink components."""

from __future__ import annotations

import mne
import numpy as np
import pytest

from eegstate.config import validate_config
from eegstate.preprocess import preprocess_raw

#: Orthogonal Picard: twice as fast, and the EOG check does not depend on the ICA variant.
PARAMS = validate_config({"preprocess": {"ica": "picard_o"}})["preprocess"]


@pytest.fixture(scope="module")
def blinking():
    """A simulated recording with blinks, and a vertical EOG channel recording those blinks."""
    from eegstate.simulate import simulate_recording_with_truth

    params = validate_config({"simulation": {"duration_s": 60}})["simulation"]
    raw, truth = simulate_recording_with_truth(1, "baseline", params, seed=3)
    blinks = truth["blinks"]
    assert blinks["count"] >= 4
    sfreq = raw.info["sfreq"]
    veog = np.random.default_rng(0).normal(0, 5e-6, raw.n_times)  # electrode noise
    for onset, duration, peak in zip(
        blinks["onsets_s"], blinks["durations_s"], blinks["peak_uv"], strict=True
    ):
        start, length = round(onset * sfreq), max(round(duration * sfreq), 2)
        wave = np.sin(np.pi * np.arange(length) / (length - 1)) ** 2 * 3 * peak * 1e-6
        stop = min(start + length, raw.n_times)
        veog[start:stop] += wave[: stop - start]
    eog = mne.io.RawArray(veog[None], mne.create_info(["VEOG"], sfreq, "eeg"), verbose="error")
    with_eog = raw.copy().add_channels([eog], force_update_info=True)  # typed EEG, as in an EDF
    return raw, with_eog


def test_blink_components_are_confirmed_by_the_eog_channel(blinking):
    raw, with_eog = blinking
    epochs, qc = preprocess_raw(with_eog, PARAMS, seed=0, source="simulated")
    assert "VEOG" not in epochs.ch_names
    assert "retyped 1: VEOG→eog" in qc.channel_changes
    assert "VEOG (eog, used by ICA)" in qc.channel_changes
    assert qc.ica_eog.startswith("EOG VEOG: blink ")
    confirmed = qc.ica_eog.split("blink ")[1].split(" confirmed")[0]
    assert confirmed
    assert all(f"{index}:eye blink" in qc.ica_excluded for index in confirmed.split(","))

    _, without = preprocess_raw(raw, PARAMS, seed=0, source="simulated")
    assert without.ica_eog == "" and without.channel_changes == ""
    # The EEG decomposition does not depend on the EOG channel; its removals only add to it.
    assert without.ica_labels == qc.ica_labels
    assert set(without.ica_excluded.split(",")) <= set(qc.ica_excluded.split(","))


def test_eog_is_not_used_without_ica(blinking):
    _, with_eog = blinking
    params = {**PARAMS, "ica": "none", "reject": "ptp_mad"}
    _, qc = preprocess_raw(with_eog, params, seed=0, source="simulated")
    assert qc.ica_eog == ""
    assert "dropped 1: VEOG (eog)" in qc.channel_changes
