"""docs/arguments.md, the argument reference, lists every args TypedDict, field by field, exactly as the code declares it.

The types are every `*Args` TypedDict exported by `hardened.aws` and `hardened.gcp` and every TypedDict nested in their
annotations (list items, Optional, NotRequired, `pulumi.Input[...]`, forward references), found by
`scripts/argument_reference.py`, which also renders the page: docs/arguments.md must be its output, exactly. The fields,
their required-ness and their descriptions are checked here against the TypedDicts themselves (`__required_keys__`,
and each field's docstring read with `ast` from the module's source), so a failure names the type and field.
"""

import ast
import difflib
import functools
import inspect
import re
import sys
import typing
from pathlib import Path

import pytest
from module_files import module_from_file
from source_docstrings import description, source_docstrings

import hardened.aws
import hardened.gcp

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "arguments.md"
TOOL = ROOT / "scripts/argument_reference.py"


reference = module_from_file("argument_reference", TOOL)
TYPES = reference.argument_types()
REGENERATE = reference.REGENERATE


# --- The code's side, read independently of the generator -------------------------------------------------------


def where(typed_dict: type, line: int) -> str:
    path = Path(inspect.getsourcefile(sys.modules[typed_dict.__module__])).resolve()
    return f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}:{line}"


def keys(typed_dict: type) -> set[str]:
    return set(typed_dict.__required_keys__ | typed_dict.__optional_keys__)


# --- The page's side --------------------------------------------------------------------------------------------


@functools.cache
def page_text() -> str:
    if not PAGE.is_file():
        pytest.fail(f"docs/arguments.md is missing; {REGENERATE}", pytrace=False)
    return PAGE.read_text()


def cells(row: str) -> list[str]:
    """The cells of a markdown table row, `\\|` kept inside its cell."""
    return [c.strip() for c in re.split(r"(?<!\\)\|", row.strip())[1:-1]]


def tables(section: str) -> dict[str, dict]:
    """Per `### TypeName` heading: its table's header line and its rows by field name (with duplicates)."""
    result: dict[str, dict] = {}
    current = None
    for line in section.splitlines():
        if line.startswith("### "):
            current = result.setdefault(line[4:].strip().strip("`"), {"header": None, "rows": {}, "duplicates": []})
        elif current is not None and line.startswith("|"):
            row = cells(line)
            if current["header"] is None:
                current["header"] = line.strip()
            elif set("".join(row)) <= set("-: "):
                continue
            else:
                name = row[0].strip("`") if row else ""
                if name in current["rows"]:
                    current["duplicates"].append(name)
                current["rows"][name] = row
    return result


# --- Tests ------------------------------------------------------------------------------------------------------


def test_every_field_has_a_docstring():
    missing = [
        f"{t.__name__}.{name} ({where(t, line)})"
        for t in TYPES
        for name, (docstring, line) in source_docstrings(t).items()
        if docstring is None
    ]
    undeclared = [f"{t.__name__}.{name}" for t in TYPES for name in keys(t) - set(source_docstrings(t))]
    if missing or undeclared:
        pytest.fail(
            "these args fields have no docstring (a string literal right under the field), so the "
            "argument reference has nothing to say about them:\n  " + "\n  ".join(missing + undeclared),
            pytrace=False,
        )


def test_every_exported_args_type_and_its_nested_types_are_covered():
    names = [t.__name__ for t in TYPES]
    exported = [
        name
        for module in (hardened.aws, hardened.gcp)
        for name in module.__all__
        if name.endswith("Args") and typing.is_typeddict(getattr(module, name))
    ]
    assert exported, "hardened.aws and hardened.gcp export no *Args TypedDict"
    missed = [
        n for n in exported + ["BackupCopy", "ReplicaDestination", "Subscriber", "MalwareScans"] if n not in names
    ]
    assert not missed, f"scripts/argument_reference.py misses these args types: {missed}"
    assert [n for n in names if n in exported] == exported, "the components' args come in __all__ order"
    assert len(names) == len(set(names)), "each type once"
    # Every TypedDict named in a field's annotation as written in the source is covered too.
    for typed_dict in TYPES:
        tree = ast.parse(inspect.getsource(sys.modules[typed_dict.__module__]))
        node = next(n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == typed_dict.__name__)
        namespace = vars(sys.modules[typed_dict.__module__])
        for statement in node.body:
            if isinstance(statement, ast.AnnAssign):
                nodes = list(ast.walk(statement.annotation))
                for quoted in [n.value for n in nodes if isinstance(n, ast.Constant) and isinstance(n.value, str)]:
                    nodes += list(ast.walk(ast.parse(quoted, mode="eval")))  # a forward reference: "BackupCopy"
                for name in nodes:
                    named = namespace.get(name.id) if isinstance(name, ast.Name) else None
                    if isinstance(named, type) and typing.is_typeddict(named):
                        assert named in TYPES, (
                            f"{typed_dict.__name__}.{ast.unparse(statement.target)} uses {named.__name__}, which the generator misses"
                        )


def test_the_page_documents_every_type_and_no_other():
    documented = list(tables(page_text()))
    expected = [t.__name__ for t in TYPES]
    missing = [name for name in expected if name not in documented]
    stale = [name for name in documented if name not in expected]
    if missing or stale:
        pytest.fail(
            f"docs/arguments.md: missing `### <Type>` tables for {missing or 'none'}; tables of "
            f"types the components no longer take: {stale or 'none'}; {REGENERATE}",
            pytrace=False,
        )


@pytest.mark.parametrize("typed_dict", TYPES, ids=[t.__name__ for t in TYPES])
def test_table_lists_exactly_the_fields(typed_dict):
    table = tables(page_text()).get(typed_dict.__name__)
    if table is None:
        pytest.fail(f"docs/arguments.md has no `### {typed_dict.__name__}` table; {REGENERATE}", pytrace=False)
    name = typed_dict.__name__
    problems = []
    if table["header"] != reference.HEADER:
        problems.append(f"its table's header is {table['header']!r}, not {reference.HEADER!r}")
    rows, fields = table["rows"], keys(typed_dict)
    problems += [f"field {name}.{f} is missing" for f in sorted(fields - set(rows))]
    problems += [f"field {name}.{f} is listed but {name} has no such field" for f in sorted(set(rows) - fields)]
    problems += [f"field {name}.{f} is listed twice" for f in table["duplicates"]]
    docstrings = source_docstrings(typed_dict)
    generated = {field.name: cells(reference.table_row(field)) for field in reference.fields(typed_dict)}
    for field in sorted(fields & set(rows)):
        row = rows[field]
        if len(row) != 4:
            problems.append(f"the row of {name}.{field} has {len(row)} cells, not 4: {row}")
            continue
        required = "yes" if field in typed_dict.__required_keys__ else "no"
        if row[2] != required:
            problems.append(
                f"{name}.{field} is {'required' if required == 'yes' else 'optional'}: Required must be {required!r}, not {row[2]!r}"
            )
        if row[1] != generated[field][1]:
            problems.append(f"the Type of {name}.{field} is {row[1]!r}, the code says {generated[field][1]!r}")
        docstring, _ = docstrings.get(field, (None, 0))
        if docstring is not None and row[3].replace("\\|", "|") != description(docstring):
            problems.append(
                f"the Description of {name}.{field} is stale:\n      page: {row[3]!r}\n      code:   {description(docstring)!r}"
            )
    if problems:
        pytest.fail(
            f"docs/arguments.md's `### {name}` table:\n  " + "\n  ".join(problems) + f"\n{REGENERATE}", pytrace=False
        )


def test_section_is_exactly_the_generated_one():
    written, generated = page_text(), reference.render_page(TYPES)
    diff = "".join(
        difflib.unified_diff(
            written.splitlines(True),
            generated.splitlines(True),
            "docs/arguments.md",
            "scripts/argument_reference.py",
        )
    )
    if written != generated:
        pytest.fail(f"docs/arguments.md differs from the generated page; {REGENERATE}\n{diff}", pytrace=False)
