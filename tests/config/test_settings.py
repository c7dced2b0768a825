"""The typed settings and the configuration schema agree: every key, type and default."""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from typing import Any

import pytest

from eegstate.config import load_schema, validate_config
from eegstate.settings import Settings, build_settings, load_settings, to_config

#: JSON-schema type -> the Python types a settings field of that type may be.
JSON_TYPES = {
    "string": {str},
    "number": {float},
    "integer": {int},
    "boolean": {bool},
    "null": {type(None)},
    "array": {tuple},
    "object": {Mapping, dict},
}


def _alternatives(tp: Any) -> list[Any]:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return list(typing.get_args(tp))
    return [tp]


def _python_kinds(tp: Any) -> set[str]:
    """The JSON types a field annotation accepts."""
    kinds = set()
    for option in _alternatives(tp):
        origin = typing.get_origin(option) or option
        if dataclasses.is_dataclass(option):
            kinds.add("object")
            continue
        for kind, pythons in JSON_TYPES.items():
            if origin in pythons:
                kinds.add(kind)
    return kinds


def _schema_kinds(node: Mapping[str, Any]) -> set[str]:
    kind = node.get("type")
    return set(kind) if isinstance(kind, list) else {kind}


def _pairs(cls: type, schema: Mapping[str, Any], where: str = ""):
    """(option path, field annotation, schema node) for every option, recursively."""
    hints = typing.get_type_hints(cls)
    fields = {f.name for f in dataclasses.fields(cls)}
    properties = schema["properties"]
    assert fields == set(properties), (where or "<top>", fields ^ set(properties))
    for name, node in properties.items():
        path = f"{where}.{name}" if where else name
        yield path, hints[name], node
        nested = [t for t in _alternatives(hints[name]) if dataclasses.is_dataclass(t)]
        if nested:
            assert "properties" in node, path
            yield from _pairs(nested[0], node, path)


def test_every_schema_option_is_a_typed_field_and_back() -> None:
    schema = load_schema()
    count = 0
    for path, annotation, node in _pairs(Settings, schema):
        count += 1
        assert _python_kinds(annotation) == _schema_kinds(node), (path, annotation, node["type"])
    assert count > 150  # every option of the schema, nested ones included


def test_settings_of_an_empty_config_hold_the_schema_defaults() -> None:
    schema = load_schema()
    settings = load_settings({})
    plain = to_config(settings)
    for path, _, node in _pairs(Settings, schema):
        value = plain
        for part in path.split("."):
            value = value[part]
        if node.get("type") == "object" and "properties" in node:
            continue  # its options are checked one by one
        assert "default" in node, f"schema option {path} has no default"
        assert value == node["default"], (path, value, node["default"])


def test_settings_are_frozen_typed_and_round_trip() -> None:
    config = validate_config(
        {"preprocess": {"h_freq": 40}, "bandpower": {"bands": {"gamma": [30, 40]}}}
    )
    settings = load_settings(config)
    assert settings.preprocess.h_freq == 40.0 and isinstance(settings.preprocess.h_freq, float)
    assert settings.bandpower.bands["gamma"] == (30.0, 40.0)
    assert settings.simulation.channels[0] == "Fp1" and isinstance(
        settings.simulation.channels, tuple
    )
    assert settings.claims.dmn_metrics == ("aec_orth", "dwpli")
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.preprocess.h_freq = 30.0  # type: ignore[misc]
    assert validate_config(to_config(settings)) == config


def test_unvalidated_input_is_refused_with_a_clear_message() -> None:
    from eegstate.settings import PreprocessSettings

    with pytest.raises(KeyError, match=r"validated by eegstate\.config\.validate_config"):
        build_settings(PreprocessSettings, {"l_freq": 1.0})
    with pytest.raises(TypeError, match=r"preprocess\.h_freq"):
        build_settings(
            PreprocessSettings,
            {**validate_config({})["preprocess"], "h_freq": "high"},
            "preprocess",
        )


def test_every_step_consumes_schema_options_and_gets_them_from_step_config() -> None:
    from eegstate.steps.base import STEP_MODULES, get_step, step_config

    schema = load_schema()["properties"]
    config = validate_config({})
    for name in STEP_MODULES:
        step = get_step(name)
        assert step.name == name
        if step.consumes is None:  # data preparation: each adapter job declares its options
            with pytest.raises(ValueError, match="options of each job"):
                step_config(name, config)
            continue
        for key in step.consumes:
            section, _, option = key.partition(".")
            assert section in schema, (name, key)
            if option:
                assert option in schema[section]["properties"], (name, key)
        sliced = step_config(name, config)
        for key in step.consumes:
            section, _, option = key.partition(".")
            expected = config[section][option] if option else config[section]
            got = sliced[section][option] if option else sliced[section]
            assert got == expected, (name, key)
    with pytest.raises(KeyError, match="unknown step 'nope'; steps: prepare_data"):
        get_step("nope")
