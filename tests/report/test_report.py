"""Tests of eegstate.report: the self-contained group report renders the statistics step's
tables (claims on the dataset's own states, floors, normalisation, power) and computes nothing.
"""

from __future__ import annotations

import ast
import base64
import dataclasses
import html
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import REPO
from helpers.report import (
    BASE,
    classification_results,
    placeholder_png,
    power_summary_table,
    report_tables,
    run_report,
    run_stats,
    study_config,
    synthetic_study,
)

from eegstate.io import read_table, write_table
from eegstate.report import GroupTables, build_group_report, write_group_report
from eegstate.report import figures as report_figures
from eegstate.report import page as report_page
from eegstate.report.claims_text import claim_sentence
from eegstate.steps.report import FIGURES
from eegstate.tables import CLAIMS_COLUMNS

REPORT_DIR = REPO / "src" / "eegstate" / "report"
TITLE = "Synthetic report <test>"
EYES = {"baseline": "eyes_open", "target": "eyes_closed"}


def _subjects(n: int) -> list[str]:
    return [f"sub-{i:02d}" for i in range(1, n + 1)]


def _sentences(doc: str) -> list[str]:
    return re.findall(r'<p class="verdict">(.*?)</p>', doc, re.S)


def _section(doc: str, key: str) -> str:
    match = re.search(rf'<section id="{key}">(.*?)</section>', doc, re.S)
    assert match, key
    return match.group(1)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """4 paired subjects: no test can reach alpha (floors); decoding at its floor 0.125."""
    folder = tmp_path_factory.mktemp("small")
    config = study_config()
    study = synthetic_study(5)
    decoding = classification_results(_subjects(4), p_value=0.125, p_floor=0.125)
    paths = run_stats(study, folder, config, classification=decoding)
    sink: dict[str, bytes] = {}
    doc = build_group_report(
        report_tables(paths), config=config, info=study["info"], title=TITLE, figure_sink=sink
    )
    return {"paths": paths, "config": config, "study": study, "doc": doc, "sink": sink}


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """10 paired subjects, connectivity and classification (with the normalize comparison)."""
    folder = tmp_path_factory.mktemp("large")
    config = study_config(connectivity={"enabled": True})
    decoding = classification_results(_subjects(10), p_value=0.002, p_floor=0.001)
    paths = run_stats(
        synthetic_study(11), folder, config, connectivity=True, classification=decoding
    )
    doc = run_report(paths, config, folder / "report.html")
    return {"paths": paths, "config": config, "doc": doc, "folder": folder}


@pytest.fixture(scope="module")
def eyes(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """An eyes-open vs eyes-closed dataset (no ketamine anywhere in its states)."""
    folder = tmp_path_factory.mktemp("eyes")
    config = study_config(dataset="eegbci", **EYES)
    paths = run_stats(
        synthetic_study(11, baseline=EYES["baseline"], target=EYES["target"]), folder, config
    )
    doc = build_group_report(report_tables(paths), config=config)
    return {"paths": paths, "doc": doc}


# ----------------------------------------------------------------------------- the page


def test_report_is_self_contained_html(small: dict) -> None:
    doc = small["doc"]
    assert doc.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in doc
    assert "<script" not in doc.lower()
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", doc, re.I)
    assert "http://" not in doc and "https://" not in doc
    imgs = re.findall(r"<img\b[^>]*>", doc)
    assert len(imgs) >= 5  # PSD, topomaps, aperiodic, paired plot, classification
    for tag in imgs:
        assert re.search(r'\balt="[^"]+"', tag), tag
        uri = re.search(r'\bsrc="data:image/png;base64,([A-Za-z0-9+/=]+)"', tag)
        assert uri, tag[:80]
        assert base64.b64decode(uri.group(1), validate=True).startswith(b"\x89PNG\r\n\x1a\n")
    text = re.sub(r"<[^>]+>", " ", doc.split("<pre>")[0])
    assert not re.search(r"\bnan\b", text, re.I)  # missing values never show as "nan"


def test_report_contents(small: dict) -> None:
    doc, study = small["doc"], small["study"]
    assert "<title>Synthetic report &lt;test&gt;</title>" in doc
    assert "<test>" not in doc
    for band in ("delta", "theta", "alpha", "beta", "gamma"):
        assert band in doc
    # Plain-language sentence for occipital alpha with the pairing count.
    assert re.search(r"alpha \(8–13 Hz\), occipital: −\d\.\d dB \[", doc)
    assert "4/4 subjects lower" in doc
    assert "Whitham et al. 2007" in doc
    assert "sub-05 (no dissociative)" in doc  # the subject without a target recording
    for rec in study["qc"]["recording"]:
        assert f"<td>{rec}</td>" in doc
    excluded = re.findall(r'<tr class="excluded">(.*?)</tr>', doc, re.S)
    assert len(excluded) == 1 and "sub-77" in excluded[0]
    order = ["What the data say", "Band × region", "Power spectra", "topographies", "Aperiodic"]
    order += ["Per-subject", "Default-mode", "State classification", "Statistical power"]
    order += ["Quality", "Data citation"]
    positions = [doc.index(word) for word in order]
    assert positions == sorted(positions)
    assert "bands:" in doc and "numpy" in doc and "matplotlib" in doc
    assert doc.index('id="claims-table"') < doc.index("Band × region contrast")
    assert set(small["sink"]) == set(FIGURES)
    assert all(png.startswith(b"\x89PNG\r\n\x1a\n") for png in small["sink"].values())


def test_report_is_reproducible_and_leaks_no_figures(small: dict) -> None:
    import matplotlib.pyplot as plt

    assert plt.get_fignums() == []
    again = build_group_report(
        report_tables(small["paths"]),
        config=small["config"],
        info=small["study"]["info"],
        title=TITLE,
    )
    assert again == small["doc"]
    assert plt.get_fignums() == []


def test_write_group_report_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import eegstate.io

    tables = GroupTables(qc=synthetic_study(3)["qc"])
    config = study_config()
    out = write_group_report(tmp_path / "sub" / "report.html", tables, config=config)
    assert out == tmp_path / "sub" / "report.html"
    text = out.read_text(encoding="utf-8")
    assert text == build_group_report(tables, config=config)
    assert [p.name for p in out.parent.iterdir()] == ["report.html"]

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(eegstate.io.os, "replace", boom)
    monkeypatch.setattr(report_page, "build_group_report", lambda *a, **kw: "<!DOCTYPE html>")
    with pytest.raises(OSError, match="disk full"):
        write_group_report(out, tables, config=config)
    assert [p.name for p in out.parent.iterdir()] == ["report.html"]
    assert out.read_text(encoding="utf-8") == text


def test_every_section_says_what_is_missing() -> None:
    sink: dict[str, bytes] = {}
    doc = build_group_report(
        GroupTables(qc=synthetic_study(3)["qc"]), config=study_config(), figure_sink=sink
    )
    assert "Claims were not evaluated" in doc
    assert "statistics step did not run" in doc
    assert "DMN connectivity: step not run" in doc
    assert "Classification: step not run" in doc
    assert "eegstate power RESULTS_DIR" in doc
    assert set(sink) == set(FIGURES)  # placeholders keep the figure files


# ----------------------------------------------------------------------------- claims


ROWS = pd.DataFrame(
    [
        ("alpha_abolished", "posterior alpha", 11.44, 10.2, 12.6, 0.0005, 12, "increased", "pk"),
        ("gamma_increases", "gamma", np.nan, np.nan, np.nan, np.nan, 2, "not_testable", "100 Hz"),
    ],
    columns=list(CLAIMS_COLUMNS),
)


def test_claim_sentence_is_about_the_datasets_states() -> None:
    alpha, gamma = ROWS.to_dict("records")
    assert claim_sentence(alpha, **EYES) == (
        "eyes_closed vs eyes_open: posterior alpha +11.4 dB [10.2, 12.6], p < 0.001 (Holm), "
        "n = 12 — alpha increased, not abolished."
    )
    text = claim_sentence(gamma, **EYES)
    assert text == "eyes_closed vs eyes_open: n = 2 — not testable: 100 Hz."
    step = claim_sentence({**gamma, "n_subjects": 0, "caveat": "step not run"}, **EYES)
    assert step == "eyes_closed vs eyes_open — not testable: step not run."
    assert "unchanged" not in text and "not changed" not in text


def test_eyes_dataset_claims_read_on_its_own_states(eyes: dict) -> None:
    doc = eyes["doc"]
    sentences = _sentences(doc)
    assert len(sentences) == 5
    for sentence in sentences:
        assert sentence.startswith("eyes_closed vs eyes_open")
        assert "ketamine" not in sentence.lower() and "dissociative" not in sentence
    assert doc.count("come from popular accounts of ketamine") == 1
    assert "&#34;Ketamine completely abolishes the alpha state&#34;" in doc  # the hypothesis
    claims = read_table(eyes["paths"]["claims"]).set_index("claim")
    alpha = claims.loc["alpha_abolished"]
    assert alpha["verdict"] == "reduced"  # posterior alpha planted lower in the target state
    assert sentences[0].startswith(
        f"eyes_closed vs eyes_open: posterior alpha −{-alpha['effect']:.1f} dB"
    )
    assert sentences[3] == (
        "eyes_closed vs eyes_open — not testable: step not run (connectivity disabled or its "
        "outputs missing)."
    )


def test_not_testable_claims_explain_their_floor(small: dict) -> None:
    sentences = _sentences(small["doc"])
    claims = read_table(small["paths"]["claims"])
    assert (claims["verdict"] == "not_testable").all()  # 4 subjects: no test can decide
    for sentence in sentences:
        assert "— not testable: " in sentence
        assert "unchanged" not in sentence
    decoding = sentences[-1]
    assert "permutation p = 0.125 (smallest attainable 0.125)" in decoding
    assert "0.125 (exact over all 16 labellings; smallest attainable p 0.125)" in small["doc"]
    assert "cannot give p below 0.125" in decoding
    section = _section(small["doc"], "classification")
    assert "cannot give a p below 0.125" in section and "not testable" in section


def test_claims_tests_table(large: dict) -> None:
    tests = read_table(large["paths"]["claims_tests"])
    section = _section(large["doc"], "claims")
    rows = re.findall(r"<tr>(.*?)</tr>", section.split('id="claims-tests"')[1].split("</table>")[0])
    assert len(rows) == len(tests) + 1  # header row
    assert {"alpha_power", "dmn_dwpli", "control_aec_orth"} <= set(tests["test"])
    for name in tests["test"]:
        assert f"<td>{name}</td>" in section


# ----------------------------------------------------------------------------- floors


def test_floor_note_replaces_significance_columns(small: dict, large: dict) -> None:
    stats = read_table(small["paths"]["stats_regions"])
    assert (stats["p_floor"] >= 0.05).all()
    section = html.unescape(_section(small["doc"], "contrasts"))
    floor = f"{stats['p_floor'].min():.3g}"
    assert (
        f"With 4 subjects and Holm's adjustment over {len(stats)} band × region tests, the "
        f"smallest attainable adjusted p is {floor}, not below α = 0.05"
    ) in section
    assert "Holm p" not in section and "Wilcoxon p" not in section and 'class="sig"' not in section
    assert "[−" in section  # effect sizes and intervals stay
    big = _section(large["doc"], "contrasts")
    assert "smallest attainable adjusted p" not in big
    assert "<th>Holm p</th>" in big and 'class="sig"' in big


# ----------------------------------------------------------------------------- classification


def test_normalisation_comparison_table(large: dict) -> None:
    section = _section(large["doc"], "classification")
    table = section.split('id="normalisation"')[1].split("</table>")[0]
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
    assert len(rows) == 3  # header, main, none
    assert "subject (main result)" in rows[1] and "0.912" in rows[1] and "[0.850, 0.970]" in rows[1]
    assert "none (a new person&#39;s single recording)" in rows[2]
    assert "0.734" in rows[2] and "[0.610, 0.830]" in rows[2] and "not tested" in rows[2]
    assert "assumes between-subject differences are negligible" in rows[2]
    assert "assumes the recordings span its states" in rows[1]


# ----------------------------------------------------------------------------- DMN


def _cells(html: str) -> list[list[str]]:
    return [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", html)]


def test_dmn_section_shows_both_metrics_from_claims_tests(large: dict) -> None:
    section = _section(large["doc"], "dmn")
    tests = read_table(large["paths"]["claims_tests"]).set_index("test")
    shown = {(cells[0], cells[1].split(" (")[0]): cells for cells in _cells(section) if cells}
    for metric in ("aec_orth", "dwpli"):
        for test, label in (
            (f"dmn_{metric}", "within DMN"),
            (f"control_{metric}", "within control network"),
        ):
            cells = shown[(metric, label)]
            effect = f"{tests.loc[test, 'effect']:+.4f}".replace("-", "−")
            assert cells[2:4] == [str(tests.loc[test, "n_subjects"]), effect], (metric, label)
    assert len(re.findall(r"<img\b", section)) == 2  # matrices and per-subject changes


# ----------------------------------------------------------------------------- power


def test_power_section_with_and_without_power_inputs(large: dict, tmp_path: Path) -> None:
    assert "eegstate power RESULTS_DIR" in _section(large["doc"], "power")
    power = write_table(power_summary_table(), tmp_path / "power_summary.tsv")
    png = tmp_path / "power.png"
    png.write_bytes(placeholder_png("power"))
    doc = run_report(
        large["paths"], large["config"], tmp_path / "report.html", power=power, power_figure=png
    )
    section = _section(doc, "power")
    assert "eegstate power RESULTS_DIR" not in section
    cells = _cells(section.split('id="power-table"')[1].split("</table>")[0])[1:]
    assert cells[0] == ["alpha_abolished", "8", "0.80", "± 0.04", "0.03", "± 0.02", "0.05", "100"]
    assert cells[1][:6] == ["alpha_abolished", "16", "0.99", "± 0.01", "0.05", "± 0.02"]
    assert cells[2][:6] == ["gamma_increases", "8", "0.00", "± 0.00", "0.00", "± 0.00"]
    assert base64.b64encode(png.read_bytes()).decode("ascii") in section


def test_tracking_section_only_when_recordings_are_tracked(large: dict, tmp_path: Path) -> None:
    from eegstate.track.summary import track_summary

    assert 'id="track"' not in large["doc"]
    record = {
        "recording": "sub-01_cont",
        "index": {"kind": "unsupervised"},
        "event": True,
        "event_fraction": 0.97,
        "dose_s": 300.0,
        **{
            f"{k}{s}": v
            for k, v in (("onset_s", 372.0), ("peak_s", 655.0), ("offset_s", 1410.0))
            for s in ("", "_low", "_high")
        },
        "onset_latency_s": 72.0,
        "time_to_peak_s": 355.0,
        "time_to_peak_s_low": 300.0,
        "time_to_peak_s_high": 420.0,
        "duration_s": 1038.0,
        "claimed_time_to_peak_min": [5, 10],
        "time_to_peak_vs_claim": "within",
        "claimed_duration_min": [30, 60],
        "duration_vs_claim": "outside",
        "n_windows": 180,
        "n_windows_left_out": 3,
        "components_left_out": {},
    }
    summary = write_table(track_summary([record]), tmp_path / "summary.tsv")
    png = tmp_path / "sub-01_cont" / "track.png"
    png.parent.mkdir()
    png.write_bytes(placeholder_png("track"))
    doc = run_report(
        large["paths"],
        large["config"],
        tmp_path / "report.html",
        track_summary=summary,
        track_figures=(png,),
    )
    section = _section(doc, "track")
    assert "sub-01_cont: altered state from 6.2 min" in section  # 372 s, from the table
    assert "claimed 5-10: within" in section
    assert base64.b64encode(png.read_bytes()).decode("ascii") in section


# ----------------------------------------------------------------------------- provenance


def _numbers(text: str) -> list[str]:
    return re.findall(r"\d+(?:\.\d+)?", text)


def test_claim_sentence_numbers_are_table_values(large: dict) -> None:
    claims = read_table(large["paths"]["claims"])
    summary = large["paths"]["classification"].read_text()
    floor = float(re.search(r'"p_value_floor": ([0-9.e-]+)', summary).group(1))
    for row, sentence in zip(claims.to_dict("records"), _sentences(large["doc"]), strict=True):
        values = [
            abs(float(row[k])) for k in ("effect", "ci_low", "ci_high", "p_value", "n_subjects")
        ]
        values += [floor, 0.001]  # the floor of the decoding sentence, "p < 0.001"
        for number in _numbers(sentence.split(" — ")[0].split(": ", 1)[1]):
            decimals = len(number.split(".")[1]) if "." in number else 0
            assert any(
                abs(float(number) - v) <= 0.5 * 10**-decimals + 1e-12
                or float(f"{v:.2g}") == float(number)
                or float(f"{v:.3g}") == float(number)
                for v in values
            ), (number, sentence)


def test_figures_draw_the_summary_tables(large: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, object] = {}
    plot_psd, plot_paired = report_figures.plot_psd, report_figures.plot_paired

    def spy_psd(panels, *args, **kwargs):
        seen["psd"] = panels
        return plot_psd(panels, *args, **kwargs)

    def spy_paired(changes, means, *args, **kwargs):
        seen["paired"] = (changes, means)
        return plot_paired(changes, means, *args, **kwargs)

    monkeypatch.setattr(report_figures, "plot_psd", spy_psd)
    monkeypatch.setattr(report_figures, "plot_paired", spy_paired)
    paths = large["paths"]
    build_group_report(report_tables(paths), config=large["config"])
    summary = read_table(paths["psd_summary"])
    shown = pd.concat([rows for _, rows in seen["psd"]])
    pd.testing.assert_frame_equal(shown.reset_index(drop=True), summary)
    changes, means = seen["paired"]
    for drawn, name in ((changes, "subject_changes"), (means, "group_changes")):
        expected = read_table(paths[name])
        expected = expected[expected["measure"] == "power_db"].reset_index(drop=True)
        pd.testing.assert_frame_equal(drawn.reset_index(drop=True), expected)
    # The PSD figure would change with the table: perturb one value, the drawn panel follows.
    tables = report_tables(paths)
    moved = tables.psd_summary.assign(mean_db=tables.psd_summary["mean_db"] + 1.0)
    build_group_report(dataclasses.replace(tables, psd_summary=moved), config=large["config"])
    np.testing.assert_allclose(
        pd.concat([r for _, r in seen["psd"]])["mean_db"], summary["mean_db"] + 1.0
    )


#: Imports from eegstate.stats the report may use: names and filters, no computation.
ALLOWED_STATS_IMPORTS = {
    "eegstate.stats.claims": {"DESIGN_CAVEAT", "site_name"},
    "eegstate.stats.clusters": {"cluster_masks"},
}
#: Calls that would mean the report computes statistics.
FORBIDDEN_CALLS = {
    "mean",
    "median",
    "std",
    "var",
    "quantile",
    "percentile",
    "nanmean",
    "corr",
    "default_rng",
    "bootstrap_mean_ci",
    "paired_contrasts",
    "wilcoxon",
    "holm_adjust",
}


def test_report_code_performs_no_statistics() -> None:
    modules = sorted(REPORT_DIR.rglob("*.py"))
    assert len(modules) > 10
    for path in modules:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [(alias.name, None) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [(node.module or "", alias.name) for alias in node.names]
            else:
                names = []
            for module, name in names:
                assert not module.startswith(("scipy", "sklearn", "statsmodels")), (path, module)
                assert not module.startswith("eegstate.classify"), (path, module)
                if module.startswith("eegstate.stats"):
                    assert name in ALLOWED_STATS_IMPORTS.get(module, set()), (path, module, name)
            if isinstance(node, ast.Call):
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                assert called not in FORBIDDEN_CALLS, (path, node.lineno, called)
    assert not (REPORT_DIR / "stats.py").exists() and not (REPORT_DIR / "html.py").exists()


def test_every_section_has_its_packaged_template() -> None:
    from eegstate.report.sections import SECTIONS
    from eegstate.report.templating import environment

    names = set(environment().list_templates())
    assert {"page.html.j2", "style.css", "macros.html.j2", "sections/header.html.j2"} <= names
    for module in SECTIONS:
        assert f"sections/{module.KEY}.html.j2" in names, module.__name__


# ----------------------------------------------------------------------------- recording


def test_recording_report(tmp_path: Path) -> None:
    import mne
    from helpers.raws import make_raw

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
