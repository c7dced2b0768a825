"""The Snakemake profiles in ``workflow/profiles/`` name only real options (no network).

Each profile is parsed by the installed Snakemake's own command-line parser, which rejects an
unknown key; the executor and storage plugins it names must be installed (the ``test`` extra
installs the SLURM and Kubernetes executors and the S3 storage plugin) and their settings must
parse; the rules named under ``set-resources`` must exist; the options shown commented out
(``group-components``) must parse once uncommented; docs/cluster.md must show every profile.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from helpers import REPO
from helpers.workflow_runs import require_plugin

PROFILES = REPO / "workflow" / "profiles"
#: The profiles the project ships (issue 12): local, SLURM, Kubernetes with S3 storage.
EXPECTED = {"default", "slurm", "kubernetes"}
#: The plugins each profile needs: (import name, distribution).
PLUGINS = {
    "slurm": [("snakemake_executor_plugin_slurm", "snakemake-executor-plugin-slurm")],
    "kubernetes": [
        ("snakemake_executor_plugin_kubernetes", "snakemake-executor-plugin-kubernetes"),
        ("snakemake_storage_plugin_s3", "snakemake-storage-plugin-s3"),
    ],
}
#: A commented-out option in a profile: ``# key:`` followed by commented list items.
COMMENTED_LIST = re.compile(r"^# ([a-z-]+):\n((?:#   - .*\n)+)", re.MULTILINE)


def profile_file(profile: Path) -> Path:
    """The profile's configuration file (``config.yaml`` or a versioned ``config.v8+.yaml``)."""
    files = sorted(profile.glob("config*.yaml"))
    assert len(files) == 1, f"{profile}: expected one config*.yaml, found {files}"
    return files[0]


def parse_profile(profile: Path):
    """Snakemake's parsed arguments with ``--profile profile`` (SystemExit on a bad key).

    Skips when a plugin the profile needs (:data:`PLUGINS`, by the folder's name) is absent.
    """
    from snakemake.cli import parse_args

    for module, package in PLUGINS.get(profile.name, ()):
        require_plugin(module, package)
    _, args = parse_args(
        ["--snakefile", str(REPO / "Snakefile"), "--profile", str(profile), "--dry-run"]
    )
    return args


def workflow_rule_names() -> set[str]:
    """Names of the workflow's rules (the batch rules ``process_recordings_<n>`` by prefix)."""
    names = set()
    for path in (REPO / "workflow" / "rules").glob("*.smk"):
        names |= set(re.findall(r"^\s*rule (\w+):", path.read_text(), re.MULTILINE))
    return names | {"process_recordings_"}


def test_the_shipped_profiles():
    assert {path.name for path in PROFILES.iterdir() if path.is_dir()} == EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_profile_names_real_options(name):
    from snakemake_interface_executor_plugins.registry import ExecutorPluginRegistry
    from snakemake_interface_storage_plugins.registry import StoragePluginRegistry

    profile = PROFILES / name
    args = parse_profile(profile)
    if args.executor not in (None, "local", "dryrun"):
        registry = ExecutorPluginRegistry()
        assert registry.is_installed(args.executor), f"executor plugin {args.executor}"
        registry.get_plugin(args.executor).get_settings(args)
    if args.default_storage_provider is not None:
        registry = StoragePluginRegistry()
        provider = args.default_storage_provider
        assert registry.is_installed(provider), f"storage plugin {provider}"
        registry.get_plugin(provider).get_settings(args)
        assert args.default_storage_prefix.startswith(f"{provider}://")
    rules = workflow_rule_names()
    for rule in args.set_resources or {}:
        assert rule in rules or rule.startswith("process_recordings_"), rule


def test_profiles_expected_settings():
    slurm = parse_profile(PROFILES / "slurm")
    assert slurm.executor == "slurm" and "slurm_partition" in slurm.default_resources
    kubernetes = parse_profile(PROFILES / "kubernetes")
    assert kubernetes.executor == "kubernetes"
    assert kubernetes.default_storage_provider == "s3"
    assert kubernetes.container_image
    default = parse_profile(PROFILES / "default")
    assert default.executor in (None, "local") and default.cores == 2


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_commented_options_parse_uncommented(name, tmp_path):
    text = profile_file(PROFILES / name).read_text(encoding="utf-8")
    commented = COMMENTED_LIST.findall(text)
    if name != "default":
        assert [key for key, _ in commented] == ["group-components"]
    copy = tmp_path / name
    copy.mkdir()
    for key, items in commented:
        text += f"{key}:\n" + items.replace("#   - ", "  - ")
    (copy / profile_file(PROFILES / name).name).write_text(text, encoding="utf-8")
    args = parse_profile(copy)
    if name != "default":
        assert args.group_components == {"recordings": 10}


def test_unknown_profile_key_is_rejected(tmp_path, capsys):
    copy = tmp_path / "slurm"
    shutil.copytree(PROFILES / "slurm", copy)
    file = profile_file(copy)
    file.write_text(file.read_text() + "slurm-partitions: normal\n", encoding="utf-8")
    with pytest.raises(SystemExit):
        parse_profile(copy)
    assert "unrecognized arguments: --slurm-partitions" in capsys.readouterr().err


def test_cluster_page_shows_every_profile():
    page = (REPO / "docs" / "cluster.md").read_text(encoding="utf-8")
    for name in sorted(EXPECTED):
        relative = profile_file(PROFILES / name).relative_to(REPO).as_posix()
        assert f'--8<-- "{relative}"' in page, relative
