"""Command-line overrides (issue 15): `--config` text converted to the schema's types.

Snakemake keeps `true`, lists and every value inside a mapping as strings; the workflow and
every eegstate command with `--config` convert them by the type the schema declares, and every
message that suggests a setting shows it for a config file and for the command line.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pandas as pd
import pytest
import yaml
from helpers.workflow_runs import run_eegstate

from eegstate.cli import main
from eegstate.config import (
    ConfigError,
    coerce_config,
    load_config,
    merge_config,
    parse_overrides,
    setting_hint,
    validate_config,
)
from eegstate.datasets.guard import ConfoundError, check_eyes_task

LEFTOVER_HINT = "eegstate run: the folder"


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ("allow_eyes_task_mismatch=true", {"allow_eyes_task_mismatch": True}),
        ("allow_eyes_task_mismatch=no", {"allow_eyes_task_mismatch": False}),
        ("seed=7", {"seed": 7}),
        ("preprocess={h_freq: 48}", {"preprocess": {"h_freq": 48}}),
        ("preprocess={line_freq: null, ica_n_components: ~}", {"preprocess": {
            "line_freq": None, "ica_n_components": None}}),
        ("simulation={effects: {remove_alpha: yes}}", {"simulation": {"effects": {
            "remove_alpha": True}}}),
        ("bandpower={relative_range: [1, 40], bands: {alpha: [8, 12.5]}}", {"bandpower": {
            "relative_range": [1, 40], "bands": {"alpha": [8, 12.5]}}}),
        ("sleep_physionet={nights: [1], wake_margin_min: 1e1}", {"sleep_physionet": {
            "nights": [1], "wake_margin_min": 10.0}}),
        # Subject labels and other strings keep their text (leading zeros included).
        ("subjects=[001, 2]", {"subjects": ["001", "2"]}),
        ("bids={root: /data/123, states: {rest: {entities: {run: 01}}}}", {"bids": {
            "root": "/data/123", "states": {"rest": {"entities": {"run": "01"}}}}}),
        ("data_dir=", {"data_dir": None}),
        ("data_dir=null", {"data_dir": None}),
        ("results_dir='my results'", {"results_dir": "my results"}),
        # A grid without item types reads as YAML would in a config file.
        ("classification={param_grids: {random_forest: {max_depth: [null, 3]}}}",
         {"classification": {"param_grids": {"random_forest": {"max_depth": [None, 3]}}}}),
    ],
)  # fmt: skip
def test_command_line_text_is_converted_to_the_schema_type(item, expected):
    assert parse_overrides([item]) == expected
    validate_config(expected)  # the converted values are valid options


def test_conversion_is_the_same_for_snakemake_parsed_values():
    # What Snakemake's own --config parser hands to the workflow for the same items.
    from snakemake.cli import parse_config

    items = ["allow_eyes_task_mismatch=true", "preprocess={h_freq: 40}", "subjects=[2,3]"]
    assert coerce_config(parse_config(items)) == parse_overrides(items)


def test_text_that_cannot_be_converted_stays_and_is_named():
    assert coerce_config({"seed": "seven"}) == {"seed": "seven"}
    with pytest.raises(ConfigError) as error:
        load_config(None, parse_overrides(["allow_eyes_task_mismatch=maybe"]))
    assert str(error.value).startswith(
        "config option 'allow_eyes_task_mismatch' must be of type boolean, got 'maybe' (str)"
    )
    assert "--config allow_eyes_task_mismatch=true on the command line" in str(error.value)
    with pytest.raises(ConfigError, match=r"--config 'preprocess=\{h_freq: 45.0\}'"):
        load_config(None, parse_overrides(["preprocess={h_freq: forty}"]))


def test_malformed_items_are_refused():
    for item in ("h_freq", "preprocess.h_freq=40", "=3"):
        with pytest.raises(ConfigError, match="--config expects key=value"):
            parse_overrides([item])


def test_nested_overrides_merge_into_the_file_and_the_defaults(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("preprocess: {l_freq: 2.0, ica: none}\nbandpower: {bands: {gamma: [30, 40]}}")
    items = ["preprocess={h_freq: 40}", "preprocess={reject: ptp_mad}"]
    config = load_config(path, parse_overrides(items))
    pre = config["preprocess"]
    assert (pre["l_freq"], pre["ica"], pre["h_freq"], pre["reject"]) == (2.0, "none", 40, "ptp_mad")
    assert pre["epoch_length_s"] == 4.0  # a default
    assert merge_config({"a": {"b": 1, "c": 2}}, {"a": {"c": 3}, "d": [1]}) == {
        "a": {"b": 1, "c": 3},
        "d": [1],
    }


def suggested_forms(message: str) -> tuple[dict, dict]:
    """The config-file line and the --config item a message suggests, read as options."""
    pattern = r"'([^']+)' in the config file or --config (.+?) on the command line"
    match = re.search(pattern, message)
    assert match, message
    return yaml.safe_load(match.group(1)), parse_overrides(shlex.split(match.group(2)))


def config_problems(config: dict) -> list[str]:
    try:
        validate_config(config)
    except ConfigError as err:
        return str(err).split("; ")
    return []


@pytest.mark.parametrize(
    ("config", "suggested"),
    [
        ({"adapter": "samplesheet"}, {"samples": "sheet.tsv"}),
        ({"adapter": "openneuro"}, {"openneuro": {"accession": "ds005620"}}),
        ({"adapter": "bids"}, {"bids": {"root": "DIR"}}),
        ({"preprocess": {"montage": "none"}}, {"preprocess": {"bad_channels": "none",
                                                              "ica": "none"}}),
        ({"preprocess": {"montage": "none", "bad_channels": "none"}}, {"preprocess": {
            "ica": "none"}}),
        ({"adapter": "sleep-physionet", "baseline": "wake", "target": "n1"},
         {"preprocess": {"epoch_length_s": 30}}),
    ],
)  # fmt: skip
def test_suggested_settings_work_in_a_file_and_on_the_command_line(config, suggested):
    problems = config_problems(config)
    hinted = [problem for problem in problems if "on the command line" in problem]
    assert len(hinted) == 1, problems
    from_file, from_command_line = suggested_forms(hinted[0])
    assert from_file == from_command_line == suggested
    # Applying the suggestion (either form) removes the problem it named.
    fixed = merge_config(config, from_command_line)
    assert not any("on the command line" in problem for problem in config_problems(fixed))


def test_eyes_task_guard_suggests_both_forms():
    table = pd.DataFrame(
        {"state": ["rest", "drug"], "eyes": ["closed", "open"], "task": ["rest", "rest"]}
    )
    with pytest.raises(ConfoundError) as error:
        check_eyes_task(table, "rest", "drug")
    from_file, from_command_line = suggested_forms(str(error.value))
    assert from_file == from_command_line == {"allow_eyes_task_mismatch": True}


def test_setting_hint_quotes_for_the_shell_only_when_needed():
    assert setting_hint("seed", 7) == (
        "'seed: 7' in the config file or --config seed=7 on the command line"
    )
    assert "--config 'bids={multiple_matches: first}' on" in setting_hint(
        "bids.multiple_matches", "first"
    )


def test_train_reads_config_items_like_the_workflow(tmp_path, capsys):
    code = main(["train", "--config", "preprocess={h_freq: forty}", "--out", str(tmp_path / "m")])
    assert code == 2
    err = capsys.readouterr().err
    assert "'preprocess.h_freq' must be of type number, got 'forty'" in err
    assert "--config 'preprocess={h_freq: 45.0}' on the command line" in err


# --- eegstate run --dry-run: the workflow converts what Snakemake hands it --------------------


def dry_run(tmp_path: Path, *items: str, configfile: dict | None = None):
    config = {"simulation": {"n_subjects": 2, "duration_s": 20}, **(configfile or {})}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    command = ["run", "--dry-run", "--cores", "1", "--configfile", str(path)]
    items = (f"results_dir={tmp_path / 'results'}", *items)
    result = run_eegstate([*command, "--config", *items], tmp_path, timeout=300)
    return result.returncode, result.stdout + result.stderr  # Snakemake's errors go to stdout


@pytest.mark.parametrize(
    "items",
    [
        ["allow_eyes_task_mismatch=true"],
        ["preprocess={h_freq: 40}", "bandpower={bands: {gamma: [30, 40]}}"],
        ["classification={n_permutations: 0}", "seed=7"],
        ["bandpower={relative_range: [1, 40]}"],
        ["simulation={effects: {remove_alpha: true}}"],
    ],
    ids=["bool", "nested-number", "integers", "list", "nested-bool"],
)
def test_dry_run_accepts_command_line_values(tmp_path, items):
    code, output = dry_run(tmp_path, *items)
    assert code == 0, output[-2000:]
    assert LEFTOVER_HINT not in output


def test_dry_run_nested_integer_reaches_the_plan(tmp_path):
    code, output = dry_run(tmp_path, "simulation={n_subjects: 3}", "subjects=[2,3]")
    assert code == 0, output[-2000:]
    assert "sub-03" in output and "sub-04" not in output


def test_dry_run_merges_nested_values_into_the_config_file(tmp_path):
    # The error shows the merged values: l_freq from the file, h_freq from the command line.
    in_file = {"preprocess": {"l_freq": 2.0}}
    code, output = dry_run(tmp_path, "preprocess={h_freq: 20}", configfile=in_file)
    assert code != 0
    assert "[preprocess.l_freq, preprocess.h_freq] = [2.0, 20]" in output


def test_dry_run_value_that_cannot_be_converted(tmp_path):
    code, output = dry_run(tmp_path, "allow_eyes_task_mismatch=maybe")
    assert code != 0
    assert (
        "config option 'allow_eyes_task_mismatch' must be of type boolean, got 'maybe' (str)"
        in output
    )
    assert "--config allow_eyes_task_mismatch=true on the command line" in output
    assert LEFTOVER_HINT not in output
