"""jsonschema is imported without compiling its IRI checker's grammars (a 2-s import cost)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = """
import json, sys
from eegstate.config import validate_config
from eegstate.schema_validation import SLOW_FORMAT_BACKEND
validate_config({})
loaded_by_validation = SLOW_FORMAT_BACKEND in sys.modules
try:
    __import__(SLOW_FORMAT_BACKEND)
    importable_after = True
except ImportError:
    importable_after = False
print(json.dumps({"loaded": loaded_by_validation, "importable": importable_after}))
"""


def run_probe(code: str) -> dict:
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_validation_does_not_load_the_slow_backend_and_leaves_it_importable():
    import importlib.util

    result = run_probe(PROBE)
    assert result["loaded"] is False
    installed = importlib.util.find_spec("rfc3987_syntax") is not None
    assert result["importable"] is installed


def test_an_already_imported_jsonschema_is_used_as_it_is():
    code = (
        "import sys, json, jsonschema\n"
        "from eegstate.schema_validation import import_jsonschema\n"
        "print(json.dumps({'same': import_jsonschema() is jsonschema}))\n"
    )
    assert run_probe(code)["same"] is True


def test_validation_still_reports_schema_errors():
    from eegstate.config import ConfigError, validate_config

    with pytest.raises(ConfigError, match=r"simulation\.n_subjects"):
        validate_config({"simulation": {"n_subjects": "many"}})
