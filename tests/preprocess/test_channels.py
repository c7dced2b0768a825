"""Channel names and types of real files: naming conventions, explicit renames, non-EEG types."""

from __future__ import annotations

from pathlib import Path

import mne
import numpy as np
import pytest
from helpers.raws import make_raw

from eegstate.channels import (
    ChannelChanges,
    ChannelNameError,
    candidate_name,
    infer_channel_types,
    match_montage,
    read_rename_table,
)
from eegstate.config import ConfigError, validate_config
from eegstate.io import RecordingError, read_raw
from eegstate.montage import standard_montage
from eegstate.pipeline import analyse_raw
from eegstate.preprocess import preprocess_raw

MONTAGE = standard_montage("standard_1005").ch_names
#: A 10-20 layout (plus Fpz and Oz), as many clinical files have it.
STANDARD = (
    "Fp1", "Fpz", "Fp2", "F7", "F3", "Fz", "F4", "F8", "T7", "C3", "Cz",
    "C4", "T8", "P7", "P3", "Pz", "P4", "P8", "O1", "Oz", "O2",
)  # fmt: skip
#: The same channels in each naming convention, written by hand as the files spell them.
CONVENTION_NAMES = {
    "dots": (
        "Fp1.", "Fpz.", "Fp2.", "F7..", "F3..", "Fz..", "F4..", "F8..", "T7..", "C3..", "Cz..",
        "C4..", "T8..", "P7..", "P3..", "Pz..", "P4..", "P8..", "O1..", "Oz..", "O2..",
    ),
    "tuh_ref": (
        "EEG FP1-REF", "EEG FPZ-REF", "EEG FP2-REF", "EEG F7-REF", "EEG F3-REF", "EEG FZ-REF",
        "EEG F4-REF", "EEG F8-REF", "EEG T3-REF", "EEG C3-REF", "EEG CZ-REF", "EEG C4-REF",
        "EEG T4-REF", "EEG T5-REF", "EEG P3-REF", "EEG PZ-REF", "EEG P4-REF", "EEG T6-REF",
        "EEG O1-REF", "EEG OZ-REF", "EEG O2-REF",
    ),
    "tuh_le": (
        "EEG FP1-LE", "EEG FPZ-LE", "EEG FP2-LE", "EEG F7-LE", "EEG F3-LE", "EEG FZ-LE",
        "EEG F4-LE", "EEG F8-LE", "EEG T3-LE", "EEG C3-LE", "EEG CZ-LE", "EEG C4-LE",
        "EEG T4-LE", "EEG T5-LE", "EEG P3-LE", "EEG PZ-LE", "EEG P4-LE", "EEG T6-LE",
        "EEG O1-LE", "EEG OZ-LE", "EEG O2-LE",
    ),
    "ear_reference": (
        "Fp1-A1", "Fpz-A1", "Fp2-A2", "F7-A1", "F3-A1", "Fz-A1", "F4-A2", "F8-A2", "T7-A1",
        "C3-A1", "Cz-A1", "C4-A2", "T8-A2", "P7-A1", "P3-A1", "Pz-A1", "P4-A2", "P8-A2",
        "O1-A1", "Oz-A1", "O2-A2",
    ),
    "mastoid_reference": (
        "Fp1-M2", "Fpz-M2", "Fp2-M1", "F7-M2", "F3-M2", "Fz-M2", "F4-M1", "F8-M1", "T7-M2",
        "C3-M2", "Cz-M2", "C4-M1", "T8-M1", "P7-M2", "P3-M2", "Pz-M2", "P4-M1", "P8-M1",
        "O1-M2", "Oz-M2", "O2-M1",
    ),
    "upper_case": (
        "FP1", "FPZ", "FP2", "F7", "F3", "FZ", "F4", "F8", "T7", "C3", "CZ",
        "C4", "T8", "P7", "P3", "PZ", "P4", "P8", "O1", "OZ", "O2",
    ),
    "old_1020": (
        "Fp1", "Fpz", "Fp2", "F7", "F3", "Fz", "F4", "F8", "T3", "C3", "Cz",
        "C4", "T4", "T5", "P3", "Pz", "P4", "T6", "O1", "Oz", "O2",
    ),
}  # fmt: skip
#: The conventions each file's QC summary names (hand-written).
CONVENTION_RULES = {
    "dots": "renamed 21 (dots): Fp1.→Fp1",
    "tuh_ref": "renamed 21 (type prefix, reference suffix, case, old 10-20 name): EEG FP1-REF→Fp1",
    "tuh_le": "renamed 21 (type prefix, reference suffix, case, old 10-20 name): EEG FP1-LE→Fp1",
    "ear_reference": "renamed 21 (reference suffix): Fp1-A1→Fp1",
    "mastoid_reference": "renamed 21 (reference suffix): Fp1-M2→Fp1",
    "upper_case": "renamed 7 (case): FP1→Fp1, FPZ→Fpz, FP2→Fp2, FZ→Fz, +3 more",
    "old_1020": "renamed 4 (old 10-20 name): T3→T7, T4→T8, T5→P7, T6→P8",
}
FAST = validate_config({"preprocess": {"ica": "none"}, "connectivity": {"enabled": False}})
IDENTITY = {"subject": "01", "session": "", "recording": "sub-01_state-rest", "state": "rest"}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Fc5.", ("Fc5", ("dots",))),
        ("Cz..", ("Cz", ("dots",))),
        ("EEG Fp1-REF", ("Fp1", ("type prefix", "reference suffix"))),
        ("EEG O1-LE", ("O1", ("type prefix", "reference suffix"))),
        ("O2-M1", ("O2", ("reference suffix",))),
        ("Fp1_A1A2", ("Fp1", ("reference suffix",))),
        ("C3 AVG", ("C3", ("reference suffix",))),
        ("Fp1-F3", ("Fp1-F3", ())),  # a bipolar derivation stays what it is
        ("Fpz-Cz", ("Fpz-Cz", ())),
    ],
)
def test_conventions_are_stripped(name, expected):
    assert candidate_name(name) == expected


def test_names_matching_exactly_are_kept():
    match = match_montage(list(STANDARD), MONTAGE)
    assert match.rename == {} and match.unknown == []


def test_each_convention_maps_to_the_montage_names():
    for convention, names in CONVENTION_NAMES.items():
        match = match_montage(list(names), MONTAGE)
        renamed = [match.rename.get(name, name) for name in names]
        assert renamed == list(STANDARD), convention
        assert match.unknown == [], convention


def test_unknown_names_are_listed():
    match = match_montage(["EEG Fp1-REF", "EEG 26-REF", "Fp1-F3", "X1"], MONTAGE)
    assert match.rename == {"EEG Fp1-REF": "Fp1"}
    assert match.unknown == ["EEG 26-REF", "Fp1-F3", "X1"]


def test_old_and_new_name_in_one_file_is_an_error_naming_both():
    with pytest.raises(ChannelNameError, match=r"'T3' and 'T7' both match the channel 'T7'"):
        match_montage(["Fp1", "T3", "T7", "O1"], MONTAGE, "standard_1005")


def test_two_spellings_of_one_channel_is_an_error_naming_both():
    with pytest.raises(ChannelNameError, match=r"'Fp1' and 'FP1\.' both match the channel 'Fp1'"):
        match_montage(["Fp1", "FP1.", "O1"], MONTAGE)


def test_a_name_matching_two_montage_channels_is_an_error_naming_both():
    with pytest.raises(ChannelNameError, match=r"'fp1' matches 'Fp1' and 'FP1' of the montage"):
        match_montage(["fp1"], ["Fp1", "FP1", "O1"])


def test_channel_types_from_names():
    names = [
        "Fp1", "EOG horizontal", "VEOG", "ECG", "EKG1", "EEG EKG1-REF", "EMG submental",
        "Resp oro-nasal", "Status", "Trigger", "STI 014", "Photic", "SpO2", "EDF Annotations",
        "Cz", "O2-M1",
    ]  # fmt: skip
    types = ["eeg"] * len(names)
    types[9] = "stim"  # already typed by the file: left alone
    assert infer_channel_types(names, types) == {
        "EOG horizontal": "eog",
        "VEOG": "eog",
        "ECG": "ecg",
        "EKG1": "ecg",
        "EEG EKG1-REF": "ecg",
        "EMG submental": "emg",
        "Resp oro-nasal": "resp",
        "Status": "stim",
        "STI 014": "stim",
        "Photic": "misc",
        "SpO2": "bio",
        "EDF Annotations": "misc",
    }


def test_summary_is_short_and_readable():
    changes = ChannelChanges()
    changes.rename({"Fc5.": "FC5", "Cz..": "Cz"}, {"Fc5.": ("dots", "case"), "Cz..": ("dots",)})
    changes.retyped.extend([("HEOG", "eog"), ("EKG", "ecg")])
    changes.dropped.extend([("HEOG", "eog, used by ICA"), ("EKG", "ecg"), ("X1", "not in m")])
    assert changes.summary(limit=2) == (
        "renamed 2 (dots, case): Fc5.→FC5, Cz..→Cz; retyped 2: HEOG→eog, EKG→ecg; "
        "dropped 3: HEOG (eog, used by ICA), EKG (ecg), +1 more"
    )
    assert ChannelChanges().summary() == ""


def test_rename_table(tmp_path):
    table = tmp_path / "names.tsv"
    table.write_text("old\tnew\n# comment\nE1\tFp1\n\nE2\tFp2\n", encoding="utf-8")
    assert read_rename_table(table) == {"E1": "Fp1", "E2": "Fp2"}
    table.write_text("E1\tFp1\nE2 Fp2\n", encoding="utf-8")
    with pytest.raises(ChannelNameError, match=r"names\.tsv, line 2: expected two"):
        read_rename_table(table)
    table.write_text("E1\tFp1\nE1\tFp2\n", encoding="utf-8")
    with pytest.raises(ChannelNameError, match=r"line 2: channel 'E1' is already renamed on line"):
        read_rename_table(table)


def test_channel_rename_option_is_validated(tmp_path):
    missing = tmp_path / "nowhere.tsv"
    with pytest.raises(ConfigError, match=r"preprocess\.channel_rename.*nowhere\.tsv"):
        validate_config({"preprocess": {"channel_rename": str(missing)}})
    with pytest.raises(ConfigError, match=r"'E1' and 'E2' are both renamed to 'Fp1'"):
        validate_config({"preprocess": {"channel_rename": {"E1": "Fp1", "E2": "Fp1"}}})
    with pytest.raises(ConfigError, match=r"preprocess\.channel_rename' must be of type"):
        validate_config({"preprocess": {"channel_rename": ["E1", "Fp1"]}})


def odd_names_raw():
    raw = make_raw(n_seconds=30, channels=STANDARD, seed=2)
    raw.set_montage(None)
    raw.rename_channels({name: f"E{index}" for index, name in enumerate(STANDARD, start=1)})
    return raw


def test_explicit_rename_is_applied_first(tmp_path):
    table = tmp_path / "names.tsv"
    table.write_text(
        "".join(f"E{index}\t{name.upper()}\n" for index, name in enumerate(STANDARD, start=1)),
        encoding="utf-8",
    )
    params = {**FAST["preprocess"], "channel_rename": str(table)}
    epochs, qc = preprocess_raw(odd_names_raw(), params, seed=0, source="odd.edf")
    assert epochs.ch_names == list(STANDARD)
    assert qc.channel_changes == (
        "renamed 21 (explicit, case): E1→Fp1, E2→Fpz, E3→Fp2, E4→F7, +17 more"
    )


def test_explicit_rename_of_a_missing_channel_names_it():
    params = {**FAST["preprocess"], "channel_rename": {"E1": "Fp1", "E99": "O9"}}
    with pytest.raises(RecordingError, match=r"odd\.edf: .*renames 'E99', which the recording"):
        preprocess_raw(odd_names_raw(), params, seed=0, source="odd.edf")


def test_old_and_new_name_in_a_recording_excludes_it_naming_both():
    raw = make_raw(n_seconds=30, channels=(*STANDARD, "T3"), seed=2)
    raw.set_montage(None)
    with pytest.raises(RecordingError, match=r"both\.edf: channels 'T7' and 'T3' both match"):
        preprocess_raw(raw, FAST["preprocess"], seed=0, source="both.edf")


def write_edf(raw, path: Path, names) -> Path:
    raw = raw.copy().set_montage(None)
    raw.rename_channels(dict(zip(raw.ch_names, names, strict=True)))
    mne.export.export_raw(path, raw, fmt="edf", overwrite=True, verbose="error")
    return path


def test_generated_edf_files_in_each_convention_are_read_correctly(tmp_path):
    raw = make_raw(n_seconds=40, channels=STANDARD, seed=4)
    reference_file = write_edf(raw, tmp_path / "ref.edf", STANDARD)
    reference = analyse_raw(read_raw(reference_file), FAST, IDENTITY)
    assert reference.qc.channel_changes == ""
    for convention, names in CONVENTION_NAMES.items():
        path = write_edf(raw, tmp_path / f"{convention}.edf", names)
        result = analyse_raw(read_raw(path), FAST, IDENTITY, source=str(path))
        assert result.epochs.ch_names == list(STANDARD), convention
        assert result.qc.channel_changes.startswith(CONVENTION_RULES[convention]), (
            convention,
            result.qc.channel_changes,
        )
        np.testing.assert_array_equal(
            result.bandpower["power_db"], reference.bandpower["power_db"], err_msg=convention
        )


def test_non_eeg_channels_in_an_edf_are_typed_dropped_and_listed(tmp_path):
    extra = ("EOG horizontal", "ECG", "Resp", "Status", "Photic", "SpO2")
    raw = make_raw(n_seconds=40, channels=STANDARD, seed=4).set_montage(None)
    signals = np.random.default_rng(1).normal(0, 20e-6, (len(extra), raw.n_times))
    others = mne.io.RawArray(signals, mne.create_info(list(extra), raw.info["sfreq"], "eeg"))
    raw.add_channels([others])
    path = write_edf(raw, tmp_path / "psg.edf", (*STANDARD, *extra))
    result = analyse_raw(read_raw(path), FAST, IDENTITY, source=str(path))
    assert result.epochs.ch_names == list(STANDARD)
    assert result.qc.channel_changes == (
        "retyped 5: EOG horizontal→eog, ECG→ecg, Resp→resp, Photic→misc, +1 more; "
        "dropped 6: EOG horizontal (eog), ECG (ecg), Resp (resp), Status (stim), +2 more"
    )
