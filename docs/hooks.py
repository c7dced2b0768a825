"""MkDocs hooks: the parts of the site generated from the code, so they never drift.

A page asks for generated Markdown with a marker comment on a line of its own:

``<!-- generated: config-reference -->``
    every option of ``workflow/schemas/config.schema.yaml`` with its type, default, allowed
    values and description (:func:`config_reference`); an option without a description stops
    the build (:class:`UndocumentedOptionError`).
``<!-- generated: table-columns -->``
    every column contract of ``src/eegstate/tables.py`` with its ``#:`` comment
    (:func:`tables_reference`).
``<!-- generated: docstring eegstate.stats.verdicts -->``
    a module's docstring, read from its source file (no import), with its reStructuredText
    idioms rewritten as Markdown (:func:`module_docstring`).

An unknown marker stops the build too. The generators read files only, so the site builds
without importing eegstate's scientific stack.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from rst_markdown import convert_roles, to_markdown

#: A marker comment asking for generated content.
MARKER = re.compile(r"^<!-- generated: (?P<what>[a-z-]+)(?: (?P<arg>[\w.]+))? -->$", re.MULTILINE)
#: The repository root (this file is ``docs/hooks.py``).
ROOT = Path(__file__).resolve().parent.parent
SCHEMA_PATH = ROOT / "workflow" / "schemas" / "config.schema.yaml"
TABLES_PATH = ROOT / "src" / "eegstate" / "tables.py"
#: Placeholder of a user-chosen key in the dotted name of an option (entries of a mapping).
ENTRY = "<name>"


class UndocumentedOptionError(ValueError):
    """A configuration option of the schema has no ``description``."""


# --------------------------------------------------------------------------------------------
# Markdown helpers


def _outside_code(text: str, function: Any) -> str:
    """Apply ``function`` to the parts of ``text`` that are not code spans or HTML tags."""
    parts = re.split(r"(`+[^`]*?`+|<autoref [^>]*>|</autoref>|</?code>)", text)
    return "".join(part if i % 2 else function(part) for i, part in enumerate(parts))


def cell(text: str) -> str:
    """Text safe in a Markdown table cell: one line, ``|`` and ``<`` escaped outside code."""
    text = " ".join(text.split())
    return _outside_code(text, lambda s: s.replace("<", "&lt;").replace("|", "\\|"))


def code(value: str) -> str:
    """An inline code span holding ``value`` (which may contain backquotes)."""
    fence = "``" if "`" in value else "`"
    return f"{fence}{' ' if fence == '``' else ''}{value}{' ' if fence == '``' else ''}{fence}"


# --------------------------------------------------------------------------------------------
# Configuration reference


def format_value(value: Any) -> str:
    """A schema value as it is written in a YAML config file (flow style, one line)."""
    if isinstance(value, str):
        dumped = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10**6)
        return dumped.removesuffix("\n...\n").strip()
    return (
        yaml.safe_dump(
            value, default_flow_style=True, allow_unicode=True, sort_keys=False, width=10**6
        )
        .removesuffix("\n...\n")
        .strip()
    )


def _types(schema: Mapping[str, Any]) -> list[str]:
    kind = schema.get("type")
    if kind is None:
        return []
    return [kind] if isinstance(kind, str) else list(kind)


def describe_type(schema: Mapping[str, Any]) -> str:
    """The type of an option in words, e.g. ``array of number`` or ``mapping of name → …``."""
    words = []
    for kind in _types(schema):
        if kind == "array" and isinstance(schema.get("items"), Mapping):
            item = describe_type(schema["items"]) or "value"
            words.append(f"array of ({item})" if " or " in item else f"array of {item}")
        elif kind == "object" and "properties" in schema:
            words.append("section")
        elif kind == "object" and isinstance(schema.get("additionalProperties"), Mapping):
            value = describe_type(schema["additionalProperties"]) or "value"
            words.append(
                f"mapping of name → ({value})" if " or " in value else f"mapping of name → {value}"
            )
        elif kind == "object":
            words.append("mapping")
        else:
            words.append(kind)
    return " or ".join(words)


def describe_constraints(schema: Mapping[str, Any]) -> list[str]:
    """The allowed values of an option in words (enum, bounds, pattern, sizes)."""
    out = []
    if "enum" in schema:
        out.append("one of " + ", ".join(code(format_value(v)) for v in schema["enum"]))
    for key, sign in (
        ("minimum", "≥"),
        ("exclusiveMinimum", ">"),
        ("maximum", "≤"),
        ("exclusiveMaximum", "<"),
    ):
        if key in schema:
            out.append(f"{sign} {format_value(schema[key])}")
    if "not" in schema and "const" in schema["not"]:
        out.append(f"not {code(format_value(schema['not']['const']))}")
    if "pattern" in schema:
        out.append(f"matching {code(schema['pattern'])}")
    low, high = schema.get("minItems"), schema.get("maxItems")
    if low is not None and low == high:
        out.append(f"exactly {low} items")
    else:
        if low is not None:
            out.append(f"at least {low} item{'s' if low != 1 else ''}")
        if high is not None:
            out.append(f"at most {high} items")
    if schema.get("uniqueItems"):
        out.append("no repeats")
    if "minProperties" in schema:
        count = schema["minProperties"]
        out.append(f"at least {count} entr{'ies' if count != 1 else 'y'}")
    if schema.get("additionalProperties") is False and "properties" not in schema:
        out.append("no other keys")
    for part, label in (("items", "items"), ("additionalProperties", "values")):
        sub = schema.get(part)
        if isinstance(sub, Mapping) and "properties" not in sub:
            inner = describe_constraints(sub)
            if inner:
                out.append(f"{label}: " + ", ".join(inner))
    return out


def iter_options(
    schema: Mapping[str, Any], prefix: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], Mapping[str, Any], bool]]:
    """Every option of a schema, depth first in schema order.

    Parameters
    ----------
    schema : mapping
        A JSON schema of an object (the whole configuration or one section).
    prefix : tuple of str
        Dotted path of ``schema`` (empty for the root).

    Yields
    ------
    path : tuple of str
        The option's dotted path; :data:`ENTRY` stands for a user-chosen key (the fields of the
        entries of a mapping such as ``bids.states``).
    option : mapping
        The option's schema.
    required : bool
        Whether the enclosing object lists the option as required.
    """
    required = set(schema.get("required", ()))
    for name, option in schema.get("properties", {}).items():
        path = (*prefix, name)
        yield path, option, name in required
        yield from iter_options(option, path)
    entry = schema.get("additionalProperties")
    if isinstance(entry, Mapping) and "properties" in entry:
        yield from iter_options(entry, (*prefix, ENTRY))


#: JSON Schema keywords an option's schema may use; any other key is a mistake, typically a
#: YAML flow mapping ``{..., description: a, b}`` whose unquoted comma cut the description.
KEYWORDS: frozenset[str] = frozenset(
    {
        "$schema", "$ref", "$defs", "title", "description", "default", "examples", "deprecated",
        "type", "enum", "const", "format", "pattern", "minLength", "maxLength",
        "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
        "items", "prefixItems", "minItems", "maxItems", "uniqueItems", "contains",
        "properties", "additionalProperties", "patternProperties", "propertyNames",
        "required", "minProperties", "maxProperties", "dependentRequired",
        "not", "anyOf", "oneOf", "allOf", "if", "then", "else",
    }
)  # fmt: skip


def _unknown_keywords(schema: Mapping[str, Any]) -> list[str]:
    unknown = [str(key) for key in schema if key not in KEYWORDS]
    for key in ("items", "additionalProperties", "not"):
        sub = schema.get(key)
        if isinstance(sub, Mapping) and "properties" not in sub:
            unknown += _unknown_keywords(sub)
    return unknown


def check_documented(schema: Mapping[str, Any]) -> None:
    """Check that every option of the schema is documented.

    Parameters
    ----------
    schema : mapping
        The configuration schema.

    Raises
    ------
    UndocumentedOptionError
        Naming every option without a ``description`` and every option whose schema holds a
        key that is no JSON Schema keyword (e.g. the tail of a description cut at a comma).
    """
    problems = []
    for path, option, _ in iter_options(schema):
        name = ".".join(path)
        if not str(option.get("description") or "").strip():
            problems.append(f"{name}: no description")
        for key in _unknown_keywords(option):
            problems.append(
                f"{name}: unknown schema keyword {key!r} (a description cut at a comma? quote it)"
            )
    if problems:
        raise UndocumentedOptionError(
            f"{len(problems)} problem(s) in workflow/schemas/config.schema.yaml: "
            + "; ".join(problems)
        )


def anchor(path: Sequence[str]) -> str:
    """HTML id of an option's row (``preprocess.montage``; entries as ``name``)."""
    return ".".join(p.strip("<>") for p in path)


def _default(option: Mapping[str, Any], required: bool) -> str:
    if "default" in option:
        return code(format_value(option["default"]))
    return "required" if required else "not set"


def _row(path: tuple[str, ...], option: Mapping[str, Any], required: bool) -> str:
    name = f'<span id="{anchor(path)}"></span>' + cell(code(path[-1]))
    kind = describe_type(option) or "any"
    if "properties" in option:
        kind = f"[section](#{anchor(path)}-section)"
    allowed = describe_constraints(option)
    description = convert_roles(str(option["description"]).strip())
    if allowed:
        description += " *Allowed:* " + "; ".join(allowed) + "."
    cells = (name, *map(cell, (kind, _default(option, required), description)))
    return "| " + " | ".join(cells) + " |"


def _section(
    path: tuple[str, ...], schema: Mapping[str, Any], level: int, title: str | None = None
) -> list[str]:
    heading = title or code(".".join(path))
    identifier = f"{anchor(path)}-section" if path else "top-level"
    lines = [f"{'#' * level} {heading} {{#{identifier}}}", ""]
    if path:
        lines += [convert_roles(" ".join(str(schema["description"]).split())), ""]
    required = set(schema.get("required", ()))
    properties = schema.get("properties", {})
    entry = schema.get("additionalProperties")
    if isinstance(entry, Mapping) and "properties" in entry:
        lines += [
            f"Each entry {code(ENTRY)} of this mapping is a section of its own: "
            f"[{code('.'.join((*path, ENTRY)))}](#{anchor((*path, ENTRY))}-section).",
            "",
        ]
    if properties:
        lines += ["| option | type | default | description |", "| --- | --- | --- | --- |"]
        lines += [
            _row((*path, name), option, name in required) for name, option in properties.items()
        ]
        lines.append("")
    for name, option in properties.items():
        if "properties" in option or _entry_section(option):
            lines += _section((*path, name), option, level + 1)
    if isinstance(entry, Mapping) and "properties" in entry:
        entry_schema = {"description": f"An entry of {code('.'.join(path))}.", **entry}
        lines += _section((*path, ENTRY), entry_schema, level + 1)
    return lines


def _entry_section(option: Mapping[str, Any]) -> bool:
    entry = option.get("additionalProperties")
    return isinstance(entry, Mapping) and "properties" in entry


def config_reference(schema: Mapping[str, Any], level: int = 2) -> str:
    """Markdown reference of every option of the workflow configuration schema.

    Parameters
    ----------
    schema : mapping
        The configuration schema (``workflow/schemas/config.schema.yaml``, loaded).
    level : int
        Heading level of the sections.

    Returns
    -------
    str
        One table per section (top-level options first, then each section and its nested
        sections in schema order); each row holds the option's name (with an HTML id equal to
        its dotted path, e.g. ``#preprocess.montage``), type, default as written in a config
        file, and description with the allowed values.

    Raises
    ------
    UndocumentedOptionError
        When an option has no description.
    """
    check_documented(schema)
    properties = schema.get("properties", {})
    scalars = {k: v for k, v in properties.items() if "properties" not in v}
    sections = {k: v for k, v in properties.items() if "properties" in v}
    lines = _section((), {**schema, "properties": scalars}, level, "Top-level options")
    # the sections listed in the top-level table too, so every option has a row
    table_end = lines.index("", lines.index("| option | type | default | description |"))
    lines[table_end:table_end] = [_row((name,), option, False) for name, option in sections.items()]
    for name, option in sections.items():
        lines += _section((name,), option, level)
    return "\n".join(lines).rstrip("\n") + "\n"


def load_schema(path: Path = SCHEMA_PATH) -> dict[str, Any]:
    """The configuration schema as a mapping."""
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


# --------------------------------------------------------------------------------------------
# Output tables


def table_contracts(source: str) -> list[dict[str, Any]]:
    """The column contracts of ``eegstate/tables.py``, parsed from its source.

    Parameters
    ----------
    source : str
        Source code of the module.

    Returns
    -------
    list of dict
        One entry per module-level tuple of strings, in source order: ``name``, ``comment``
        (its ``#:`` comment lines joined), ``columns`` (with ``*OTHER`` expanded), ``includes``
        (names of the tuples it expands) and ``file`` (the first ``name.tsv`` of the comment,
        or ``None``).
    """
    lines = source.splitlines()
    values: dict[str, tuple[str, ...]] = {}
    contracts = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            name, value = node.target.id, node.value
        elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            name, value = node.targets[0].id, node.value
        else:
            continue
        if not isinstance(value, ast.Tuple):
            continue
        columns: list[str] = []
        includes: list[str] = []
        for element in value.elts:
            if isinstance(element, ast.Starred) and isinstance(element.value, ast.Name):
                includes.append(element.value.id)
                columns.extend(values[element.value.id])
            elif isinstance(element, ast.Constant) and isinstance(element.value, str):
                columns.append(element.value)
            else:
                raise ValueError(f"{name}: unsupported element {ast.dump(element)}")
        values[name] = tuple(columns)
        comment: list[str] = []
        row = node.lineno - 2
        while row >= 0 and lines[row].lstrip().startswith("#:"):
            comment.insert(0, lines[row].lstrip()[2:].strip())
            row -= 1
        text = " ".join(comment)
        found = re.match(r"``([\w<>./-]+\.(?:tsv|json))``", text)
        contracts.append(
            {
                "name": name,
                "comment": text,
                "columns": tuple(columns),
                "includes": includes,
                "file": found.group(1) if found else None,
            }
        )
    return contracts


def tables_reference(source: str, level: int = 3) -> str:
    """Markdown list of every column contract of ``eegstate/tables.py``.

    Parameters
    ----------
    source : str
        Source code of ``eegstate/tables.py``.
    level : int
        Heading level of each table's entry.

    Returns
    -------
    str
        Per contract a heading (the file it describes, else the constant's name) whose HTML id
        is the constant's name in lower case, its comment and its columns in order.

    Raises
    ------
    ValueError
        When a contract has no ``#:`` comment.
    """
    lines = []
    for contract in table_contracts(source):
        name = contract["name"]
        if not contract["comment"]:
            raise ValueError(f"eegstate.tables.{name} has no #: comment to document it")
        title = code(contract["file"]) if contract["file"] else code(name)
        lines += [f"{'#' * level} {title} {{#{name.lower()}}}", ""]
        lines += [convert_roles(contract["comment"], "eegstate.tables"), ""]
        label = "Values" if name == "VERDICTS" else "Columns"
        lines.append(
            f"{label} ({code('eegstate.tables.' + name)}): "
            + ", ".join(code(c) for c in contract["columns"])
            + "."
        )
        if contract["includes"]:
            links = ", ".join(f"[{code(n)}](#{n.lower()})" for n in contract["includes"])
            lines.append(f"Includes {links}.")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


# --------------------------------------------------------------------------------------------
# Docstrings


def module_docstring(module: str, heading_level: int = 3) -> str:
    """A module's docstring as Markdown, read from its source under ``src/``.

    Parameters
    ----------
    module : str
        Dotted module path, e.g. ``eegstate.stats.verdicts``.
    heading_level : int
        Level of the headings made of its numpydoc sections.

    Returns
    -------
    str
        The docstring rewritten by :func:`rst_markdown.to_markdown`.
    """
    parts = module.split(".")
    path = ROOT / "src" / Path(*parts).with_suffix(".py")
    package = False
    if not path.exists():
        path = ROOT / "src" / Path(*parts) / "__init__.py"
        package = True
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    if not docstring:
        raise ValueError(f"{module} has no docstring")
    return to_markdown(docstring, module, package, heading_level=heading_level)


# --------------------------------------------------------------------------------------------
# MkDocs hook


def generate(what: str, arg: str | None) -> str:
    """The Markdown a marker asks for."""
    if what == "config-reference":
        return config_reference(load_schema())
    if what == "table-columns":
        return tables_reference(TABLES_PATH.read_text(encoding="utf-8"))
    if what == "docstring" and arg:
        return module_docstring(arg)
    raise ValueError(f"unknown marker <!-- generated: {what} {arg or ''} -->")


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    """MkDocs event: replace each marker of a page by its generated Markdown.

    Raises
    ------
    mkdocs.exceptions.PluginError
        When a generator fails (the build stops with its message).
    """
    from mkdocs.exceptions import PluginError

    try:
        return MARKER.sub(lambda m: generate(m["what"], m["arg"]), markdown)
    except (ValueError, OSError) as error:
        raise PluginError(str(error)) from None


def on_config(config: Any, **kwargs: Any) -> Any:
    """MkDocs event: check the schema before anything is built (fails fast).

    Raises
    ------
    mkdocs.exceptions.PluginError
        When an option of the schema is undocumented.
    """
    from mkdocs.exceptions import PluginError

    try:
        check_documented(load_schema())
    except UndocumentedOptionError as error:
        raise PluginError(str(error)) from None
    return config


def on_post_build(config: Any, **kwargs: Any) -> None:
    """MkDocs event: write ``search/search_index.js`` beside the JSON index.

    Opened from the file system (``file://``), Material's pages load the search index as this
    script (as its ``offline`` plugin writes it); without it each page logs a missing file.
    The ``offline`` plugin itself is not used because it adds a script from a CDN.
    """
    index = Path(config["site_dir"]) / "search" / "search_index.json"
    if index.is_file():
        script = "var __index = " + index.read_text(encoding="utf-8")
        index.with_suffix(".js").write_text(script, encoding="utf-8")
