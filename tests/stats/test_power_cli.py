"""`eegstate power` from the command line: a pilot run's group tables, and planning mode.

Both modes write power.tsv, power_summary.tsv and power.png; the figure step once imported a
module that the report rewrite removed, which no test noticed (the engine was tested, the
command's last step was not).
"""

from __future__ import annotations

import yaml
from helpers.report import study_config, synthetic_study, write_study

from eegstate.cli import main
from eegstate.io import read_table
from eegstate.tables import POWER_COLUMNS, POWER_SUMMARY_COLUMNS

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _outputs(folder):
    power = read_table(folder / "power.tsv")
    summary = read_table(folder / "power_summary.tsv")
    assert list(power.columns) == list(POWER_COLUMNS)
    assert list(summary.columns) == list(POWER_SUMMARY_COLUMNS)
    assert (folder / "power.png").read_bytes().startswith(PNG_SIGNATURE)
    return power, summary


def test_power_of_a_pilot_run_writes_its_tables_and_figure(tmp_path):
    results = tmp_path / "results" / "synthetic"
    write_study(synthetic_study(n_subjects=9, seed=4), results / "group")
    configfile = tmp_path / "config.yaml"
    configfile.write_text(yaml.safe_dump(study_config()), encoding="utf-8")
    code = main(
        [
            "power", str(results), "--configfile", str(configfile), "--subjects", "6", "8",
            "--replicates", "20", "--seed", "1", "--n-jobs", "1",
        ]
    )  # fmt: skip
    assert code == 0
    power, summary = _outputs(results / "group")
    assert set(summary["n_subjects"]) == {6, 8}
    assert set(summary["scenario"]) == {"planted", "null"}
    assert (summary["replicates"] == 20).all()
    # Holm over the 3 power claims (no connectivity): 6 subjects cannot reach p < 0.05
    six = summary[(summary["n_subjects"] == 6) & (summary["claim"] == "alpha_abolished")]
    assert (six["probability_changed"] == 0).all()
    not_testable = power[(power["n_subjects"] == 6) & (power["claim"] == "alpha_abolished")]
    assert set(not_testable["verdict"]) == {"not_testable"}


def test_planned_power_grows_with_the_planned_effect(tmp_path):
    out = tmp_path / "plan"
    common = ["--subjects", "12", "--replicates", "40", "--seed", "2", "--n-jobs", "1"]
    code = main(["power", "--plan", "--out", str(out), *common, "--effect", "alpha=-3",
                 "--sd", "alpha=0.5"])  # fmt: skip
    assert code == 0
    _, large = _outputs(out)
    code = main(["power", "--plan", "--out", str(tmp_path / "small"), *common,
                 "--effect", "alpha=-0.1", "--sd", "alpha=1.5"])  # fmt: skip
    assert code == 0
    _, small = _outputs(tmp_path / "small")

    def alpha(summary):
        return summary.loc[summary["claim"] == "alpha_abolished", "probability_changed"].item()

    assert alpha(large) >= 0.9 > 0.3 >= alpha(small)
