"""Load and validate the workflow configuration.

The JSON schema ``workflow/schemas/config.schema.yaml`` is the single source of truth for option
names, types and defaults. This module fills the documented defaults, turns schema violations
into messages that name the option and the allowed values, and adds the cross-option checks a
schema cannot express (e.g. band edges inside the analysed frequency range).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from eegstate.paths import config_schema_path


class ConfigError(ValueError):
    """A configuration option is missing, unknown or has a value that is not allowed."""


def load_schema(path: Path | None = None) -> dict[str, Any]:
    """Read the configuration JSON schema (YAML).

    Parameters
    ----------
    path : pathlib.Path, optional
        Schema file; defaults to the one shipped with the workflow.

    Returns
    -------
    dict
        The schema.
    """
    with open(path or config_schema_path(), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def load_config(path: str | Path | None = None, overrides: Mapping[str, Any] | None = None) -> dict:
    """Load a YAML configuration, apply overrides, fill defaults and validate it.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        YAML file. Without it, only defaults and ``overrides`` are used.
    overrides : mapping, optional
        Top-level options replacing those of the file (like ``snakemake --config``).

    Returns
    -------
    dict
        The validated configuration with every default filled in.

    Raises
    ------
    ConfigError
        If the file cannot be read or an option is invalid.
    """
    config: dict[str, Any] = {}
    if path is not None:
        try:
            with open(path, encoding="utf-8") as handle:
                config = yaml.safe_load(handle) or {}
        except FileNotFoundError as err:
            raise ConfigError(f"config file not found: {path}") from err
        except yaml.YAMLError as err:
            raise ConfigError(f"config file {path} is not valid YAML: {err}") from err
        if not isinstance(config, dict):
            raise ConfigError(f"config file {path} must hold a mapping of options")
    config.update(overrides or {})
    return validate_config(config)


def fill_defaults(config: Mapping[str, Any], schema: Mapping[str, Any]) -> dict[str, Any]:
    """Return a copy of ``config`` with schema defaults filled in, recursively.

    Parameters
    ----------
    config : mapping
        User options (not modified).
    schema : mapping
        The (sub-)schema of an object.

    Returns
    -------
    dict
        Options with every missing default added.
    """
    filled = copy.deepcopy(dict(config))
    for key, sub_schema in schema.get("properties", {}).items():
        if key not in filled and "default" in sub_schema:
            filled[key] = copy.deepcopy(sub_schema["default"])
        if sub_schema.get("type") == "object" and isinstance(filled.get(key), Mapping):
            filled[key] = fill_defaults(filled[key], sub_schema)
    return filled


def _option_name(path: Any) -> str:
    return ".".join(str(part) for part in path) or "<top level>"


def _describe_error(error: Any) -> str:
    """Turn a jsonschema ValidationError into a message naming the option."""
    option = _option_name(error.absolute_path)
    schema = error.schema
    if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
        allowed = sorted(schema.get("properties", {}))
        unknown = sorted(set(error.instance) - set(allowed))
        prefix = "" if option == "<top level>" else f"{option}."
        names = ", ".join(f"'{prefix}{key}'" for key in unknown)
        if allowed:
            return f"unknown config option {names}; allowed options here: {', '.join(allowed)}"
    if error.validator == "enum":
        allowed = ", ".join(repr(value) for value in schema["enum"])
        return f"config option '{option}' is {error.instance!r}; allowed values: {allowed}"
    if error.validator == "type":
        wanted = schema["type"]
        wanted = " or ".join(wanted) if isinstance(wanted, list) else wanted
        return (
            f"config option '{option}' must be of type {wanted}, "
            f"got {error.instance!r} ({type(error.instance).__name__})"
        )
    description = " ".join(str(schema.get("description", "")).split())
    hint = f" ({description})" if description else ""
    return f"config option '{option}': {error.message}{hint}"


def validate_config(config: Mapping[str, Any], schema: Mapping[str, Any] | None = None) -> dict:
    """Fill defaults and validate options against the schema and cross-option rules.

    Parameters
    ----------
    config : mapping
        User options (not modified).
    schema : mapping, optional
        Configuration schema; defaults to the workflow's.

    Returns
    -------
    dict
        Validated options with defaults filled.

    Raises
    ------
    ConfigError
        Naming the first invalid option(s) and what is allowed.
    """
    import jsonschema

    schema = schema or load_schema()
    filled = fill_defaults(config, schema)
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = sorted(validator.iter_errors(filled), key=lambda e: list(e.absolute_path))
    if errors:
        raise ConfigError("; ".join(_describe_error(error) for error in errors))
    _check_cross_options(filled)
    return filled


def _check_cross_options(config: Mapping[str, Any]) -> None:
    problems: list[str] = []
    if config["baseline"] == config["target"]:
        problems.append("'baseline' and 'target' must be different state labels")
    if config["adapter"] == "samplesheet" and not config["samples"]:
        problems.append(
            "adapter 'samplesheet' needs the option 'samples' (path of a TSV sample sheet), "
            "e.g. --config samples=sheet.tsv"
        )
    if config["adapter"] == "eegbci":
        runs = config["eegbci"]["runs"]
        for role in ("baseline", "target"):
            if config[role] not in runs:
                problems.append(
                    f"option '{role}' is {config[role]!r} but 'eegbci.runs' maps only "
                    f"{', '.join(sorted(runs))}; use one of those labels"
                )
    problems.extend(_dataset_problems(config))
    pre = config["preprocess"]
    problems.extend(_channel_rename_problems(pre["channel_rename"]))
    if pre["h_freq"] <= pre["l_freq"]:
        problems.append("'preprocess.h_freq' must be greater than 'preprocess.l_freq'")
    bp = config["bandpower"]
    if bp["fmax"] <= bp["fmin"]:
        problems.append("'bandpower.fmax' must be greater than 'bandpower.fmin'")
    for name, (low, high) in {**bp["bands"], "relative_range": bp["relative_range"]}.items():
        option = (
            "bandpower.relative_range" if name == "relative_range" else f"bandpower.bands.{name}"
        )
        if low >= high:
            problems.append(f"'{option}' must be [low, high] with low < high, got {[low, high]}")
        elif low < bp["fmin"] or high > bp["fmax"]:
            problems.append(
                f"'{option}' = {[low, high]} lies outside the analysed range "
                f"[bandpower.fmin, bandpower.fmax] = {[bp['fmin'], bp['fmax']]}"
            )
        elif name != "relative_range" and (high > pre["h_freq"] or low < pre["l_freq"]):
            problems.append(
                f"'{option}' = {[low, high]} is not inside the pass band "
                f"[preprocess.l_freq, preprocess.h_freq] = {[pre['l_freq'], pre['h_freq']]}; "
                "power outside it is filtered out: narrow the band or widen the filter"
            )
    seen: dict[str, str] = {}
    for region, channels in config["regions"].items():
        for channel in channels:
            other = seen.setdefault(channel.lower(), region)
            if other != region:
                problems.append(f"channel '{channel}' is in regions '{other}' and '{region}'")
    if problems:
        raise ConfigError("; ".join(problems))


def _channel_rename_problems(value: Any) -> list[str]:
    """Problems of option ``preprocess.channel_rename`` (a mapping or a TSV path)."""
    from eegstate.channels import ChannelNameError, rename_mapping

    try:
        rename_mapping(value)
    except ChannelNameError as err:
        message = str(err)
        option = "option 'preprocess.channel_rename'"
        return [message if option in message else f"{option}: {message}"]
    return []


def _dataset_problems(config: Mapping[str, Any]) -> list[str]:
    """Cross-option checks of the dataset adapters and of positionless (bipolar) data."""
    problems: list[str] = []
    adapter = config["adapter"]
    roles = ("baseline", "target")
    if adapter == "sleep-physionet":
        states = config["sleep_physionet"]["states"]
        problems += [
            f"option '{role}' is {config[role]!r} but 'sleep_physionet.states' maps only "
            f"{', '.join(sorted(states))}; use one of those labels"
            for role in roles
            if config[role] not in states
        ]
        if config["preprocess"]["epoch_length_s"] != 30:
            problems.append(
                "adapter 'sleep-physionet' needs 'preprocess.epoch_length_s: 30' (one epoch per "
                "scored 30-s hypnogram epoch)"
            )
    if adapter == "openneuro" and not config["openneuro"]["accession"]:
        problems.append("adapter 'openneuro' needs 'openneuro.accession', e.g. ds005620")
    if adapter == "bids" and not config["bids"]["root"]:
        problems.append("adapter 'bids' needs 'bids.root' (the BIDS folder)")
    if adapter in ("openneuro", "bids"):
        states = config["bids"]["states"]
        problems += [
            f"option '{role}' is {config[role]!r} but 'bids.states' maps only "
            f"{', '.join(sorted(states)) or 'nothing'}; map it to BIDS entities there"
            for role in roles
            if config[role] not in states
        ]
    pre = config["preprocess"]
    if pre["montage"] == "none":
        needs = {"bad_channels": "none", "ica": "none"}
        problems += [
            f"'preprocess.montage: none' (no channel positions) needs 'preprocess.{key}: "
            f"{value}' (it needs positions)"
            for key, value in needs.items()
            if pre[key] != value
        ]
        if pre["reference"] == "csd":
            problems.append(
                "'preprocess.reference: csd' needs channel positions, not 'montage: none'"
            )
    return problems


def check_writable(folder: str | Path, option: str) -> Path:
    """Create ``folder`` if needed and check that files can be written in it.

    Parameters
    ----------
    folder : str or pathlib.Path
        Output folder.
    option : str
        Config option that names it (for the message).

    Returns
    -------
    pathlib.Path
        The folder.

    Raises
    ------
    ConfigError
        If the folder cannot be created or written.
    """
    import tempfile

    path = Path(folder)
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-test-"):
            pass
    except OSError as err:
        raise ConfigError(
            f"cannot write to the output folder {path} (option '{option}'): {err.strerror}; "
            f"choose a writable '{option}'"
        ) from err
    return path
