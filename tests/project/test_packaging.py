"""Project hygiene: one version source, the declared licence shipped, a changelog."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from importlib.metadata import metadata, version

from helpers import REPO

import eegstate


def test_the_version_has_one_source() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert version("eegstate") == eegstate.__version__
    out = subprocess.run(
        [sys.executable, "-m", "eegstate.cli", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == f"eegstate {eegstate.__version__}"


def test_licence_file_matches_the_declared_licence() -> None:
    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["license"]
    assert declared == "BSD-3-Clause"
    assert metadata("eegstate")["License-Expression"] == declared
    text = (REPO / "LICENSE").read_text()
    assert text.startswith("BSD 3-Clause License")
    assert "Neither the name of the copyright holder" in text


def test_changelog_has_an_entry_for_the_current_version_or_unreleased() -> None:
    text = (REPO / "CHANGELOG.md").read_text()
    assert "## Unreleased" in text or f"## {eegstate.__version__}" in text
