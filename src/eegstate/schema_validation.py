"""Importing jsonschema without paying for a format checker eegstate never uses.

jsonschema imports every optional format-checker backend when it is first imported. One of
them, ``rfc3987_syntax`` (installed by ``jsonschema[format-nongpl]``, which Jupyter packages and
some of MNE's optional dependencies require), compiles about 40 lark grammars at import time:
2.2 s of CPU in every process that imports jsonschema, measured here (``python -c "import
jsonschema"``: 2.35 s with it, 0.15 s without), and reported upstream as
python-jsonschema/jsonschema#1428. eegstate's schemas (``config.schema.yaml``,
``samples.schema.yaml``) use no ``format`` keyword, so the IRI checker that package provides is
never needed, and the workflow imports jsonschema in its main process, in the ``eegstate run``
command and in several jobs.
"""

from __future__ import annotations

import sys
from types import ModuleType

#: The optional backend of jsonschema's ``iri``/``iri-reference`` format checks.
SLOW_FORMAT_BACKEND = "rfc3987_syntax"


def import_jsonschema() -> ModuleType:
    """Import :mod:`jsonschema`, with its ``rfc3987_syntax`` backend skipped on first import.

    While jsonschema is imported for the first time in the process, ``rfc3987_syntax`` is
    marked unavailable (``sys.modules[name] = None``, which makes its import raise
    ``ImportError``, and jsonschema skips backends that do not import); the mark is removed
    right after, so other code can still import that package. The only effect is that
    jsonschema's ``FormatChecker`` in this process has no ``iri``/``iri-reference`` checks
    unless the ``rfc3987`` package is installed. If jsonschema was already imported, or
    ``rfc3987_syntax`` is already loaded, nothing is changed.

    Returns
    -------
    module
        The :mod:`jsonschema` package.
    """
    if "jsonschema" in sys.modules:
        return sys.modules["jsonschema"]
    marked = SLOW_FORMAT_BACKEND not in sys.modules
    if marked:
        sys.modules[SLOW_FORMAT_BACKEND] = None  # type: ignore[assignment]
    try:
        import jsonschema
    finally:
        if marked and sys.modules.get(SLOW_FORMAT_BACKEND, 0) is None:
            del sys.modules[SLOW_FORMAT_BACKEND]
    return jsonschema
