"""The documentation site: its generators (docs/hooks.py, docs/rst_markdown.py) and strictness.

The full site is built in strict mode by ``make lint`` (part of ``make test``); these tests
check the generators' contracts and that the site's strictness settings turn a broken link or
anchor into a failed build.
"""

from __future__ import annotations

import copy
import importlib
import re
import sys
from pathlib import Path

import pytest
import yaml
from helpers import REPO

ROOT = REPO
DOCS = ROOT / "docs"


@pytest.fixture(scope="module")
def hooks():
    """docs/hooks.py as a module (it imports docs/rst_markdown.py, like MkDocs loads it)."""
    sys.path.insert(0, str(DOCS))
    try:
        yield importlib.import_module("hooks")
    finally:
        sys.path.remove(str(DOCS))


@pytest.fixture(scope="module")
def rst(hooks):
    return sys.modules["rst_markdown"]


def _row(markdown: str, anchor: str) -> str:
    """The table row of the reference whose option has this HTML id."""
    rows = [line for line in markdown.splitlines() if f'<span id="{anchor}"></span>' in line]
    assert len(rows) == 1, f"{anchor}: {len(rows)} rows"
    return rows[0]


# ------------------------------------------------------------------------------------------
# configuration reference


def test_reference_lists_every_option_with_its_default(hooks):
    schema = hooks.load_schema()
    reference = hooks.config_reference(schema)
    options = list(hooks.iter_options(schema))
    assert len(options) > 200  # the whole schema, nested sections included
    for path, option, _ in options:
        row = _row(reference, hooks.anchor(path))
        assert f"`{path[-1]}`" in row
        if "default" in option:
            assert hooks.code(hooks.format_value(option["default"])) in row, path
        first_words = " ".join(str(option["description"]).split()[:4])
        assert hooks.cell(first_words) in row, path


def test_reference_shows_types_defaults_and_allowed_values(hooks):
    reference = hooks.config_reference(hooks.load_schema())
    row = _row(reference, "preprocess.reference")
    assert "| string | `average` |" in row
    assert "one of `average`, `csd`, `none`" in row
    row = _row(reference, "bandpower.bands")
    assert (
        "`{delta: [1, 4], theta: [4, 8], alpha: [8, 13], beta: [13, 30], gamma: [30, 45]}`" in row
    )
    assert "mapping of name → array of number" in row
    row = _row(reference, "report.ci_level")
    assert "`0.95`" in row and "> 0; &lt; 1" in row
    assert "{#preprocess-section}" in reference  # one heading per section
    assert "{#simulation.effects-section}" in reference  # nested sections too
    assert "{#bids.states.name.entities-section}" in reference  # and entries of mappings


def test_format_value_writes_yaml_as_in_a_config_file(hooks):
    assert hooks.format_value(None) == "null"
    assert hooks.format_value(False) == "false"
    assert hooks.format_value("standard_1005") == "standard_1005"
    assert hooks.format_value("1") == "'1'"
    assert hooks.format_value(["eye blink", "muscle artifact"]) == "[eye blink, muscle artifact]"
    assert hooks.format_value({"C": [0.01, 0.1]}) == "{C: [0.01, 0.1]}"


def _schema(option: dict) -> dict:
    return {
        "type": "object",
        "properties": {
            "seed": {"type": "integer", "default": 1, "description": "Seed."},
            "section": {
                "type": "object",
                "default": {},
                "description": "A section.",
                "properties": {"option": option},
            },
        },
    }


def test_option_without_description_fails(hooks):
    schema = _schema({"type": "number", "default": 2.0})
    with pytest.raises(hooks.UndocumentedOptionError, match=r"section\.option: no description"):
        hooks.config_reference(schema)
    schema["properties"]["section"]["properties"]["option"]["description"] = "  "
    with pytest.raises(hooks.UndocumentedOptionError, match=r"section\.option"):
        hooks.check_documented(schema)


def test_field_of_a_mapping_entry_without_description_fails(hooks):
    schema = _schema(
        {
            "type": "object",
            "default": {},
            "description": "Label -> entry.",
            "additionalProperties": {
                "type": "object",
                "properties": {"kind": {"type": "string"}},
            },
        }
    )
    with pytest.raises(hooks.UndocumentedOptionError, match=r"section\.option\.<name>\.kind"):
        hooks.check_documented(schema)


def test_description_cut_by_a_comma_fails(hooks):
    # `{type: number, description: Start, end (s).}` in YAML: the comma ends the description
    option = yaml.safe_load("{type: number, default: 1, description: Start, end (s).}")
    assert option["description"] == "Start"
    with pytest.raises(hooks.UndocumentedOptionError, match="unknown schema keyword 'end"):
        hooks.check_documented(_schema(option))


def test_documented_schema_passes(hooks):
    schema = _schema({"type": "number", "default": 2.0, "description": "An option."})
    reference = hooks.config_reference(schema)
    assert "`2.0`" in _row(reference, "section.option")
    hooks.check_documented(hooks.load_schema())  # the repository's schema is documented


def test_cells_escape_pipes_and_tags_outside_code(hooks):
    assert hooks.cell("a | b <name> `x|<y>`") == "a \\| b &lt;name> `x|<y>`"


# ------------------------------------------------------------------------------------------
# output tables


def test_tables_reference_lists_every_contract_and_column(hooks):
    tables = importlib.import_module("eegstate.tables")
    source = hooks.TABLES_PATH.read_text(encoding="utf-8")
    contracts = {c["name"]: c for c in hooks.table_contracts(source)}
    defined = {
        name: value
        for name, value in vars(tables).items()
        if isinstance(value, tuple) and value and all(isinstance(v, str) for v in value)
    }
    assert set(contracts) == set(defined)
    reference = hooks.tables_reference(source)
    for name, columns in defined.items():
        assert contracts[name]["columns"] == columns  # parsed exactly as Python evaluates it
        assert contracts[name]["comment"], name
        assert f"{{#{name.lower()}}}" in reference
        listed = reference.split(f"`eegstate.tables.{name}`)", 1)[1].split("\n", 1)[0]
        assert re.findall(r"`([^`]+)`", listed) == list(columns)
    assert "### `qc.tsv` {#qc_columns}" in reference
    assert "Includes [`RECORDING_COLUMNS`](#recording_columns)." in reference


def test_table_contract_without_comment_fails(hooks):
    source = '#: ``a.tsv``: rows.\nA: tuple[str, ...] = ("x",)\n\nB = (*A, "y")\n'
    with pytest.raises(ValueError, match=r"eegstate\.tables\.B has no #: comment"):
        hooks.tables_reference(source)


# ------------------------------------------------------------------------------------------
# reStructuredText idioms


def test_roles_become_optional_cross_references(rst):
    text = rst.convert_roles(
        "See :func:`eegstate.stats.paired.holm_adjust`, :class:`~eegstate.track.TrackResult`, "
        ":mod:`.claims` and :data:`VERDICTS`.",
        "eegstate.stats",
        package=True,
    )
    assert ":func:" not in text and ":class:" not in text
    assert (
        '<autoref identifier="eegstate.stats.paired.holm_adjust" optional>'
        "<code>eegstate.stats.paired.holm_adjust</code></autoref>" in text
    )
    assert 'identifier="eegstate.track.TrackResult" optional><code>TrackResult</code>' in text
    assert 'identifier="eegstate.stats.claims" optional><code>claims</code>' in text
    assert 'identifier="eegstate.stats.VERDICTS" optional>' in text
    assert rst.role_identifier(".claims", "eegstate.stats.power")[0] == "eegstate.stats.claims"


DOCSTRING = """Summary line.

Definitions
-----------
term one
    First definition,
    continued.
term two
    Second.

Rules
-----
=========  =========================
claim      rule
=========  =========================
``a_b_``   first row,
           continued
``c_d_     a literal wrapped
long``     over two lines
=========  =========================

Parameters
----------
x : int
    The value.

Examples
--------
>>> f(1)
2
"""


def test_docstring_idioms_become_markdown(rst):
    out = rst.to_markdown(DOCSTRING, "pkg.mod")
    assert "**term one**\n:   First definition,\n    continued." in out
    assert "**term two**\n:   Second." in out
    assert "| claim | rule |\n| --- | --- |" in out
    assert "| ``a_b_`` | first row, continued |" in out
    assert "| ``c_d_long`` | a literal wrapped over two lines |" in out
    assert "x : int\n    The value." in out  # numpydoc's structured sections are left alone
    assert "Parameters\n----------" in out and "Rules\n-----" in out
    pages = rst.to_markdown(DOCSTRING, "pkg.mod", heading_level=3)
    assert "### Definitions" in pages and "### Rules" in pages


def test_doctest_lines_become_a_code_block(rst):
    out = rst.to_markdown("Example\n-------\n>>> import x\n>>> x.f()\n\nText.")
    assert "```python\n>>> import x\n>>> x.f()\n```" in out


def test_module_docstring_is_read_from_source(hooks):
    text = hooks.module_docstring("eegstate.stats.verdicts")
    assert "### Definitions" in text
    assert "| ``dmn_connectivity_reduced`` |" in text  # the wrapped first cell, joined
    assert "==========" not in text and ":func:" not in text
    from mkdocs.exceptions import PluginError

    with pytest.raises(PluginError, match="unknown marker"):
        hooks.on_page_markdown("<!-- generated: nothing -->\n")


def test_build_stops_on_an_undocumented_option(hooks, monkeypatch):
    from mkdocs.exceptions import PluginError

    assert hooks.on_config({"site_name": "x"}) == {"site_name": "x"}
    monkeypatch.setattr(hooks, "load_schema", lambda: _schema({"type": "number", "default": 1}))
    with pytest.raises(PluginError, match=r"section\.option: no description"):
        hooks.on_config({"site_name": "x"})
    with pytest.raises(PluginError, match=r"section\.option: no description"):
        hooks.on_page_markdown("# Options\n\n<!-- generated: config-reference -->\n")


# ------------------------------------------------------------------------------------------
# strictness and the site's independence from the network


def _tiny_site(tmp_path: Path, page: str) -> Path:
    """A two-page site with the repository's strictness, theme and Markdown settings."""
    site = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# Home\n\n## Section\n\n[Other](other.md)\n")
    (docs / "other.md").write_text(page)
    config = {
        "site_name": "test",
        "docs_dir": str(docs),
        "site_dir": str(tmp_path / "site"),
        "nav": ["index.md", "other.md"],
        "plugins": [],
        **{
            key: copy.deepcopy(site[key])
            for key in ("strict", "use_directory_urls", "validation", "theme")
        },
        "markdown_extensions": [
            ext for ext in site["markdown_extensions"] if "snippets" not in str(ext)
        ],
    }
    path = tmp_path / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True))
    return path


def _build(path: Path) -> None:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    build(load_config(config_file=str(path)))


@pytest.mark.parametrize(
    "page",
    [
        "# Other\n\nA [broken link](missing.md).\n",
        "# Other\n\nA [missing anchor](index.md#no-such-section).\n",
    ],
    ids=["link", "anchor"],
)
def test_strict_settings_fail_on_broken_links(tmp_path, page):
    from mkdocs.exceptions import Abort

    with pytest.raises(Abort, match="warning"):
        _build(_tiny_site(tmp_path, page))


def test_site_builds_without_network_resources(tmp_path):
    _build(_tiny_site(tmp_path, "# Other\n\nBack [home](index.md#section).\n"))
    html = (tmp_path / "site" / "other.html").read_text(encoding="utf-8")
    assert 'href="index.html#section"' in html  # page.html links: works from file://
    external = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?://[^"]+)"', html)
    assert external == []  # no web fonts, no CDN scripts or stylesheets


def test_readme_keeps_the_two_commands_and_the_contract():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme and "make docs" in readme
    contract = (
        "On a fresh machine, two commands from the README do everything: `make demo` creates "
        "`.venv`, installs the package, and runs the whole workflow on the embedded default (a "
        "simulated cohort, no network), ending with a report path printed. `make test` creates "
        "`.venv` if needed, installs, and runs the test suite."
    )
    assert contract in " ".join(readme.split())


def test_every_page_is_in_the_navigation():
    site = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))

    def pages(nav):
        for item in nav:
            if isinstance(item, str):
                yield item
            else:
                for value in item.values():
                    yield from pages(value) if isinstance(value, list) else [value]

    listed = set(pages(site["nav"]))
    on_disk = {str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md")}
    assert listed == on_disk
