"""Eyes/task guard (eegstate.datasets.guard) and its use when planning recordings."""

from __future__ import annotations

import pandas as pd
import pytest

from eegstate.config import validate_config
from eegstate.datasets import plan_recordings
from eegstate.datasets.guard import ConfoundError, check_eyes_task, eyes_task_problems


def table(rows):
    return pd.DataFrame(rows, columns=["subject", "state", "eyes", "task"])


def test_drug_contrast_with_different_eyes_is_refused():
    planned = table(
        [
            ("01", "awake", "closed", "rest"),
            ("01", "drug", "open", "rest"),
            ("02", "awake", "closed", "rest"),
            ("02", "drug", "open", "rest"),
        ]
    )
    with pytest.raises(ConfoundError) as err:
        check_eyes_task(planned, "awake", "drug")
    message = str(err.value)
    assert "'awake': 2 closed; 'drug': 2 open" in message
    assert "allow_eyes_task_mismatch: true" in message
    assert check_eyes_task(planned, "awake", "drug", allow=True)  # problems returned, no error


def test_uneven_mix_is_refused_and_balanced_mix_allowed():
    uneven = table(
        [
            ("01", "awake", "closed", ""),
            ("01", "awake", "open", ""),
            ("01", "drug", "closed", ""),
        ]
    )
    assert eyes_task_problems(uneven, "awake", "drug")
    balanced = table(
        [
            ("01", "awake", "closed", ""),
            ("01", "awake", "open", ""),
            ("01", "drug", "closed", ""),
            ("01", "drug", "open", ""),
        ]
    )
    assert eyes_task_problems(balanced, "awake", "drug") == []


def test_task_difference_is_refused():
    planned = table([("01", "rest", "", "rest"), ("01", "drug", "", "oddball")])
    assert "task" in eyes_task_problems(planned, "rest", "drug")[0]


@pytest.mark.parametrize("labels", [("eyes_open", "eyes_closed"), ("eo", "ec")])
def test_eyes_contrast_is_allowed(labels):
    baseline, target = labels
    planned = table([("01", baseline, "open", "rest"), ("01", target, "closed", "rest")])
    assert eyes_task_problems(planned, baseline, target) == []


def test_empty_columns_are_not_checked():
    planned = table([("01", "a", "", ""), ("01", "b", "", "")])
    assert eyes_task_problems(planned, "a", "b") == []


def test_plan_recordings_stops_a_confounded_sample_sheet(tmp_path):
    sheet = tmp_path / "samples.tsv"
    pd.DataFrame(
        [
            {"subject": "01", "state": "rest", "path": "a.edf", "eyes": "closed", "task": "rest"},
            {"subject": "01", "state": "drug", "path": "b.edf", "eyes": "open", "task": "rest"},
        ]
    ).to_csv(sheet, sep="\t", index=False)
    config = {"adapter": "samplesheet", "samples": str(sheet), "baseline": "rest"}
    with pytest.raises(ConfoundError, match="'rest': 1 closed; 'drug': 1 open"):
        plan_recordings(validate_config({**config, "target": "drug"}))
    allowed = validate_config({**config, "target": "drug", "allow_eyes_task_mismatch": True})
    assert len(plan_recordings(allowed)) == 2
