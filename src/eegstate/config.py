"""Load and validate the workflow configuration.

The JSON schema ``workflow/schemas/config.schema.yaml`` is the single source of truth for option
names, types and defaults. This module fills the documented defaults, turns schema violations
into messages that name the option and the allowed values, and adds the cross-option checks a
schema cannot express (e.g. band edges inside the analysed frequency range).

Values given on the command line (``snakemake --config`` / ``eegstate run --config``) arrive as
text: Snakemake turns only top-level numbers and ``True``/``False`` into Python values and keeps
``true``, lists and every value inside a mapping as strings. :func:`coerce_config` converts such
text to the type the schema declares for the option, and :func:`merge_config` merges nested
mappings the way Snakemake merges ``--config`` into ``--configfile``.
"""

from __future__ import annotations

import copy
import functools
import math
import re
import shlex
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from eegstate.paths import config_schema_path
from eegstate.schema_validation import import_jsonschema


class ConfigError(ValueError):
    """A configuration option is missing, unknown or has a value that is not allowed."""


#: Keys ``snakemake --config`` accepts (its own rule: a Python-like identifier).
_OVERRIDE_KEY = re.compile(r"[A-Za-z_][\w-]*\w")
#: Texts that mean null (YAML's spellings and the empty value of ``--config key=``).
NULL_TEXTS = frozenset({"", "~", "null", "Null", "NULL"})


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
    return copy.deepcopy(_read_schema(str(path or config_schema_path())))


@functools.lru_cache(maxsize=8)
def _read_schema(path: str) -> dict[str, Any]:
    """Parse a schema file once per process (callers get deep copies)."""
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def option_default(*path: str) -> Any:
    """The schema's default of one option (e.g. ``option_default("classification",
    "n_permutations")``), for command-line options that mirror configuration options.

    Raises
    ------
    KeyError
        If the option does not exist or has no default.
    """
    node: Mapping[str, Any] = load_schema()
    for part in path:
        node = node["properties"][part]
    return copy.deepcopy(node["default"])


def load_config(path: str | Path | None = None, overrides: Mapping[str, Any] | None = None) -> dict:
    """Load a YAML configuration, apply overrides, fill defaults and validate it.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        YAML file. Without it, only defaults and ``overrides`` are used.
    overrides : mapping, optional
        Options overriding those of the file, like ``snakemake --config``: mappings are merged
        into the file's mappings (:func:`merge_config`) and text is converted to the option's
        type (:func:`coerce_config`), e.g. the output of :func:`parse_overrides`.

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
    schema = load_schema()
    config = merge_config(config, coerce_config(overrides or {}, schema))
    return validate_config(coerce_config(config, schema), schema)


def parse_overrides(
    items: Iterable[str], schema: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Parse ``key=value`` command-line items the way the workflow reads ``snakemake --config``.

    Like Snakemake, quotes around a value are dropped, an empty value is null and a key given
    twice merges its mappings; every value is then converted to its option's type
    (:func:`coerce_config`), so ``eegstate train --config`` and ``eegstate run --config`` read
    the same items identically.

    Parameters
    ----------
    items : iterable of str
        Items such as ``allow_eyes_task_mismatch=true`` or ``preprocess={h_freq: 40}``.
    schema : mapping, optional
        Configuration schema; defaults to the workflow's.

    Returns
    -------
    dict
        Top-level options and their converted values.

    Raises
    ------
    ConfigError
        If an item is not ``key=value`` with an option name as key.
    """
    schema = schema or load_schema()
    overrides: dict[str, Any] = {}
    for item in items:
        key, separator, value = item.partition("=")
        if not separator or not _OVERRIDE_KEY.fullmatch(key):
            raise ConfigError(
                f"--config expects key=value with an option name as key, got {item!r} "
                "(e.g. --config seed=7 'preprocess={h_freq: 40}')"
            )
        value = value.strip("'\"")
        overrides = merge_config(overrides, coerce_config({key: value or None}, schema))
    return overrides


def merge_config(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``overrides`` into ``base`` recursively, as Snakemake merges ``--config``.

    A mapping merges into a mapping of the same key (``--config 'preprocess={h_freq: 40}'``
    keeps the other preprocessing options of the config file); any other value replaces it.

    Parameters
    ----------
    base, overrides : mapping
        Options (neither is modified).

    Returns
    -------
    dict
        The merged options.
    """
    merged = copy.deepcopy(dict(base))
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge_config(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def coerce_config(config: Mapping[str, Any], schema: Mapping[str, Any] | None = None) -> dict:
    """Convert option values written as text to the types the schema declares.

    Walks ``config`` along the schema. A string where the option's schema does not allow a
    string (boolean, integer, number, array, object or null) is read as YAML (``true``,
    ``yes``, ``40``, ``[2, 3]``, ``{h_freq: 40}``, ``null``) and kept converted only if the
    result has an allowed type; mappings and lists are converted item by item. A string stays
    a string where the schema allows one (subject labels such as ``001`` keep their zeros),
    except null spellings (``null``, ``~``, empty) where null is allowed too. Text that cannot
    be converted is left as it is, so validation names the option, the value and the expected
    type. Options the schema does not know are left for validation to name.

    Parameters
    ----------
    config : mapping
        Options, e.g. as ``snakemake --config`` delivers them (not modified).
    schema : mapping, optional
        Configuration schema; defaults to the workflow's.

    Returns
    -------
    dict
        The options with converted values.
    """
    return _coerce(config, schema or load_schema())


def _coerce(value: Any, schema: Mapping[str, Any] | None) -> Any:
    if schema is None:
        return value
    if isinstance(value, str):
        return _coerce_text(value, schema)
    if isinstance(value, Mapping):
        return {key: _coerce(item, _child_schema(schema, key)) for key, item in value.items()}
    if isinstance(value, list):
        items = schema.get("items", {})
        return [_coerce(item, items if isinstance(items, Mapping) else {}) for item in value]
    return value


def _child_schema(schema: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    """Schema of ``key`` inside an object (``{}``: anything; None: an unknown key)."""
    if key in schema.get("properties", {}):
        return schema["properties"][key]
    extra = schema.get("additionalProperties", True)
    if extra is False:
        return None
    return extra if isinstance(extra, Mapping) else {}


def _allowed_types(schema: Mapping[str, Any]) -> set[str] | None:
    """JSON types the schema allows (None: it does not restrict the type)."""
    types = schema.get("type")
    if types is None:
        return None
    return {types} if isinstance(types, str) else set(types)


def _has_type(value: Any, types: Iterable[str]) -> bool:
    jsonschema = import_jsonschema()
    checker = jsonschema.Draft202012Validator.TYPE_CHECKER
    return any(checker.is_type(value, kind) for kind in types)


def _coerce_text(text: str, schema: Mapping[str, Any]) -> Any:
    types = _allowed_types(schema)
    if types is not None:
        if "null" in types and text.strip() in NULL_TEXTS:
            return None
        if "string" in types:
            return text
    try:
        # BaseLoader keeps every scalar as text: the structure first, then each leaf by schema.
        parsed = yaml.load(text, Loader=yaml.BaseLoader)
    except yaml.YAMLError:
        return text
    if isinstance(parsed, dict | list):
        kind = "object" if isinstance(parsed, dict) else "array"
        return _coerce(parsed, schema) if types is None or kind in types else text
    value = _yaml_scalar(text)
    return value if types is None or _has_type(value, types) else text


def _yaml_scalar(text: str) -> Any:
    """A scalar as YAML reads it (``true``, ``40``, ``null``), plus ``1e3``-style numbers."""
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    if isinstance(value, str):
        for parse in (int, float):
            try:
                number = parse(text)
            except ValueError:
                continue
            if math.isfinite(number):
                return number
    return value


def _flow_yaml(value: Any) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, sort_keys=False, width=math.inf)
    return text.removesuffix("\n...\n").strip()


def setting_hint(option: str, value: Any) -> str:
    """How to set an option: as a config-file line and as a command-line ``--config`` item.

    Parameters
    ----------
    option : str
        Option name, nested options joined with dots (``preprocess.h_freq``).
    value : object
        The value to suggest.

    Returns
    -------
    str
        E.g. ``'preprocess: {h_freq: 40}' in the config file or --config
        'preprocess={h_freq: 40}' on the command line`` (the ``--config`` item quoted for the
        shell when it needs it).
    """
    top, *nested = option.split(".")
    for key in reversed(nested):
        value = {key: value}
    text = _flow_yaml(value)
    return (
        f"'{top}: {text}' in the config file or --config {shlex.quote(f'{top}={text}')} "
        "on the command line"
    )


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
            + _type_hint(list(error.absolute_path), schema, error.instance)
        )
    description = " ".join(str(schema.get("description", "")).split())
    hint = f" ({description})" if description else ""
    return f"config option '{option}': {error.message}{hint}"


def _type_hint(path: list[Any], schema: Mapping[str, Any], instance: Any) -> str:
    """How to write a value of the right type, for options not inside a list."""
    if not path or any(isinstance(part, int) for part in path):
        return ""
    option = _option_name(path)
    types = _allowed_types(schema) or set()
    if types == {"string"} and isinstance(instance, int | float) and len(path) == 1:
        return (
            f"; snakemake --config reads {instance!r} as a number: write it in the config file "
            f"as '{option}: \"{instance}\"'"
        )
    example = _example_value(schema, types)
    return "" if example is None else f"; write e.g. {setting_hint(option, example)}"


def _example_value(schema: Mapping[str, Any], types: set[str] | None) -> Any:
    """An example of an option's type: the opposite of a boolean default, another default,
    else a plain value of the type (None when there is no simple example)."""
    types = types or set()
    default = schema.get("default")
    if isinstance(default, bool) and "boolean" in types:
        return not default
    if default not in (None, [], {}) and _has_type(default, types):
        return default
    if "array" in types:
        items = schema.get("items")
        item = _example_value(items, _allowed_types(items)) if isinstance(items, Mapping) else None
        return None if item is None else [item]
    examples = {"boolean": True, "integer": 1, "number": 1.0}
    return next((examples[kind] for kind in examples if kind in types), None)


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
    jsonschema = import_jsonschema()
    schema = schema or load_schema()
    filled = fill_defaults(config, schema)
    validator = jsonschema.validators.validator_for(schema)(schema)
    problems = [
        (list(error.absolute_path), _describe_error(error))
        for error in validator.iter_errors(filled)
    ]
    problems += [(["adapter"], problem) for problem in _adapter_problems(filled)]
    if problems:
        raise ConfigError("; ".join(message for _, message in sorted(problems, key=lambda p: p[0])))
    _check_cross_options(filled)
    return filled


def _adapter_problems(config: Mapping[str, Any]) -> list[str]:
    """The option ``adapter`` must name a registered adapter (:mod:`eegstate.datasets.registry`;
    the schema does not enumerate them, so other packages can add adapters)."""
    from eegstate.datasets.registry import ADAPTERS

    adapter = config.get("adapter")
    if not isinstance(adapter, str) or adapter in ADAPTERS:
        return []  # a wrong type is the schema's to report
    allowed = ", ".join(repr(name) for name in ADAPTERS)
    return [f"config option 'adapter' is {adapter!r}; allowed values: {allowed}"]


def _check_cross_options(config: Mapping[str, Any]) -> None:
    problems: list[str] = []
    if config["baseline"] == config["target"]:
        problems.append("'baseline' and 'target' must be different state labels")
    problems.extend(_dataset_problems(config))
    problems.extend(_montage_problems(config["preprocess"]))
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
    problems.extend(_simulation_problems(config["simulation"]))
    if problems:
        raise ConfigError("; ".join(problems))


def _simulation_problems(sim: Mapping[str, Any]) -> list[str]:
    """Cross-option checks of ``simulation`` (its planted time course, its channels)."""
    problems: list[str] = []
    channels = [str(c).lower() for c in sim["channels"]]
    if len(set(channels)) != len(channels):
        problems.append("'simulation.channels' must not repeat a channel")
    c = sim["continuous"]
    times = {key: float(c[key]) for key in ("onset_s", "peak_s", "offset_s", "duration_s")}
    plateau_end = times["offset_s"] - float(c["decay_s"])
    if not 0 <= times["onset_s"] <= times["peak_s"] <= plateau_end <= times["offset_s"]:
        problems.append(
            "the time course of 'simulation.continuous' must satisfy 0 <= onset_s <= peak_s <= "
            f"offset_s - decay_s <= offset_s, got onset_s={times['onset_s']:g}, "
            f"peak_s={times['peak_s']:g}, offset_s={times['offset_s']:g}, "
            f"decay_s={float(c['decay_s']):g}"
        )
    if times["offset_s"] > times["duration_s"]:
        problems.append(
            f"'simulation.continuous.offset_s' ({times['offset_s']:g} s) lies after the end of "
            f"the recording ('simulation.continuous.duration_s' = {times['duration_s']:g} s)"
        )
    if not 1 <= c["overlap_s"] < c["block_s"]:
        problems.append(
            "'simulation.continuous.block_s' and 'overlap_s' need 1 <= overlap_s < block_s, "
            f"got block_s={c['block_s']!r}, overlap_s={c['overlap_s']!r}"
        )
    return problems


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
    """Cross-option checks of the dataset adapter (its :meth:`check`)."""
    from eegstate.datasets.registry import ADAPTERS

    return ADAPTERS[config["adapter"]].check(config)


def _montage_problems(pre: Mapping[str, Any]) -> list[str]:
    """Cross-option checks of positionless (bipolar) data (``preprocess.montage: none``)."""
    problems: list[str] = []
    if pre["montage"] == "none":
        needs = {key: "none" for key in ("bad_channels", "ica") if pre[key] != "none"}
        if needs:
            problems.append(
                f"'preprocess.montage: none' (no channel positions) needs {' and '.join(needs)} "
                f"switched off (they need positions): {setting_hint('preprocess', needs)}"
            )
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
