"""Print README.md's `## Argument reference` section: one table per args TypedDict, generated from the code.

Every `*Args` TypedDict exported by `hardened.aws` then `hardened.gcp` (in `__all__` order), each followed by the
TypedDicts nested in its annotations (a list item, Optional, NotRequired, `pulumi.Input[...]`, a dict value, a forward
reference), depth first; then any other exported TypedDict. A field's description is its docstring: the string literal
right under it in the class body, read with `ast` from the module's source.

    .venv/bin/python scripts/readme_arguments.py            # print the section
    .venv/bin/python scripts/readme_arguments.py --write    # replace the section in README.md
    .venv/bin/python scripts/readme_arguments.py --check    # exit 1 when README.md's section is stale

`tests/test_readme_arguments.py` fails whenever README.md's section differs from this script's output.
"""

from __future__ import annotations

import argparse
import ast
import collections.abc
import dataclasses
import enum
import functools
import importlib
import inspect
import re
import sys
import types
import typing
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
MODULES = ("hardened.aws", "hardened.gcp")
TITLE = "## Argument reference"
HEADER = "| Field | Type | Required | Description |"
RULE = "|---|---|---|---|"
OUTPUT_MARK = "†"
REGENERATE = (
    "regenerate it with `.venv/bin/python scripts/readme_arguments.py --write` (or paste the output of "
    "`.venv/bin/python scripts/readme_arguments.py` over README.md's `## Argument reference` section)"
)
INTRO = (
    "Every field of every component's `args` TypedDict, and of the TypedDicts nested in them, generated from the\n"
    "code by `scripts/readme_arguments.py` (`tests/test_readme_arguments.py` fails when this section and the code\n"
    'disagree). Required "no": the key may be left out. Type leaves out `pulumi.Input[...]`: a type marked\n'
    f"{OUTPUT_MARK} is declared as an Input, so the value (for a list, each item) may also be a Pulumi `Output`; the\n"
    "unmarked ones are declared as plain values."
)


@dataclasses.dataclass(frozen=True)
class Field:
    name: str
    type: str
    takes_output: bool
    required: bool
    docstring: str | None
    """The docstring as written (cleaned of indentation), or None when the field has none."""
    line: int | None
    """The field's line in its module, when it was found in the source."""

    @property
    def description(self) -> str | None:
        """The docstring's first paragraph on one line (a one-line docstring as it is)."""
        if self.docstring is None:
            return None
        paragraph = self.docstring.strip().split("\n\n")[0]
        return " ".join(paragraph.split())


class MissingDocstrings(Exception):
    """Fields without a docstring: the table would have nothing to say about them."""

    def __init__(self, missing: list[str]):
        self.missing = missing
        super().__init__(
            "these fields have no docstring (add a string literal right under each field):\n  " + "\n  ".join(missing)
        )


# --- Which TypedDicts -------------------------------------------------------------------------------------------


def is_typed_dict(candidate: object) -> typing.TypeGuard[type]:
    return isinstance(candidate, type) and typing.is_typeddict(candidate)


def argument_types() -> list[type]:
    """Every args TypedDict reachable from the public components, in README order, each once."""
    ordered: list[type] = []

    def visit(typed_dict: type) -> None:
        if typed_dict in ordered:
            return
        ordered.append(typed_dict)
        for nested in nested_types(typed_dict):
            visit(nested)

    exported = [getattr(module, name) for module in map(importlib.import_module, MODULES) for name in module.__all__]
    for candidate in exported:
        if is_typed_dict(candidate) and candidate.__name__.endswith("Args"):
            visit(candidate)
    for candidate in exported:
        if is_typed_dict(candidate):
            visit(candidate)
    return ordered


def nested_types(typed_dict: type) -> list[type]:
    """The TypedDicts a TypedDict's field annotations name, in field order."""
    found: list[type] = []
    for annotation in typed_dict.__annotations__.values():
        for nested in _typed_dicts_in(annotation, typed_dict.__module__):
            if nested not in found and nested is not typed_dict:
                found.append(nested)
    return found


def _typed_dicts_in(annotation: object, module: str) -> list[type]:
    if is_typed_dict(annotation):
        return [annotation]
    if isinstance(annotation, (str, typing.ForwardRef)):
        return [t for t in _names_in(_forward_text(annotation), module) if is_typed_dict(t)]
    found = []
    for argument in typing.get_args(annotation):
        found += _typed_dicts_in(argument, module)
    return found


def _forward_text(annotation: str | typing.ForwardRef) -> str:
    return annotation.__forward_arg__ if isinstance(annotation, typing.ForwardRef) else annotation


def _names_in(text: str, module: str) -> list[object]:
    """What each name (or dotted name) of a forward reference stands for in `module`, where it resolves."""
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        return []
    namespace = vars(sys.modules[module])
    resolved = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Name, ast.Attribute)):
            try:
                resolved.append(eval(compile(ast.Expression(node), "<annotation>", "eval"), namespace))  # noqa: S307
            except Exception:  # a name of another module (pulumi's Output[T]) or a type variable
                continue
    return resolved


# --- Each field -------------------------------------------------------------------------------------------------


def fields(typed_dict: type) -> list[Field]:
    """The fields of a TypedDict (inherited ones included), in declaration order."""
    docstrings = field_docstrings(typed_dict)
    required = typed_dict.__required_keys__  # type: ignore[attr-defined]  # a TypedDict class: no type says so
    result = []
    for name, annotation in typed_dict.__annotations__.items():
        text, takes_output = render_type(annotation, typed_dict.__module__)
        docstring, line = docstrings.get(name, (None, None))
        result.append(Field(name, text, takes_output, name in required, docstring, line))
    return result


def field_docstrings(typed_dict: type) -> dict[str, tuple[str | None, int]]:
    """Field name to (docstring, line): the `Expr(Constant str)` right after each `AnnAssign` of the class body,
    and of the TypedDict classes it inherits from."""
    module = sys.modules[typed_dict.__module__]
    tree = _module_tree(inspect.getsourcefile(module))
    classes = [node for node in ast.walk(tree) if isinstance(node, ast.ClassDef) and node.name == typed_dict.__name__]
    if not classes:
        return {}
    found: dict[str, tuple[str | None, int]] = {}
    for base in classes[0].bases:
        for parent in _names_in(ast.unparse(base), typed_dict.__module__):
            if is_typed_dict(parent) and parent is not typed_dict:
                found.update(field_docstrings(parent))
    body = classes[0].body
    for index, statement in enumerate(body):
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            after = body[index + 1] if index + 1 < len(body) else None
            docstring = None
            if (
                isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
            ):
                docstring = inspect.cleandoc(after.value.value)
            found[statement.target.id] = (docstring, statement.lineno)
    return found


@functools.cache
def _module_tree(path: str | None) -> ast.Module:
    return ast.parse(Path(path).read_text()) if path else ast.Module(body=[], type_ignores=[])


def _is_output_reference(option: object) -> bool:
    """`pulumi.Input[T]` is `Union[T, Awaitable[T], 'Output[T]']`: the last two are what makes it an Input."""
    if isinstance(option, (str, typing.ForwardRef)):
        return _forward_text(option).startswith("Output[")
    return typing.get_origin(option) is collections.abc.Awaitable


def render_type(annotation: object, module: str) -> tuple[str, bool]:
    """The annotation as a reader wants it (`list[BackupCopy]`, `str` for `pulumi.Input[str]`), and whether some
    part of it was a `pulumi.Input` (may be given as an Output)."""
    origin, arguments = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.NotRequired, typing.Required, typing.Annotated):
        return render_type(arguments[0], module)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in arguments if a is not type(None)]
        plain = [a for a in options if not _is_output_reference(a)]
        takes_output = bool(plain) and len(plain) < len(options)
        rendered = [render_type(a, module) for a in (plain or options)]
        return " | ".join(text for text, _ in rendered), takes_output or any(inner for _, inner in rendered)
    if isinstance(annotation, (str, typing.ForwardRef)):
        text = _forward_text(annotation)
        resolved = _names_in(text, module)
        if re.fullmatch(r"[A-Za-z_][\w.]*", text) and resolved and isinstance(resolved[-1], type):
            return render_type(resolved[0], module)
        return text, False
    if origin is not None:
        rendered = [render_type(a, module) for a in arguments]
        inner = ", ".join("..." if a is Ellipsis else text for a, (text, _) in zip(arguments, rendered, strict=True))
        return f"{_class_name(origin)}[{inner}]", any(output for _, output in rendered)
    if annotation is Ellipsis:
        return "...", False
    if isinstance(annotation, type):
        return _class_name(annotation), False
    return repr(annotation).removeprefix("typing."), False


def _class_name(cls: type) -> str:
    """`str`, `BackupCopy`, `RetentionMode`, `aws.Provider`, `gcp.Provider`, `pulumi.Resource`."""
    package = cls.__module__.split(".")[0]
    if package.startswith("pulumi_"):
        return f"{package.removeprefix('pulumi_')}.{cls.__qualname__}"
    if package == "pulumi":
        return f"pulumi.{cls.__qualname__}"
    if package == "collections":
        return cls.__qualname__
    return (
        cls.__qualname__
        if (cls.__module__ == "builtins" or is_typed_dict(cls) or issubclass(cls, enum.Enum) or package == "hardened")
        else f"{cls.__module__}.{cls.__qualname__}"
    )


# --- The section ------------------------------------------------------------------------------------------------


def cell(text: str) -> str:
    """Text safe inside a markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def table_row(field: Field) -> str:
    mark = OUTPUT_MARK if field.takes_output else ""
    return f"| `{field.name}` | `{cell(field.type)}`{mark} | {'yes' if field.required else 'no'} | {cell(field.description or '')} |"


def type_heading(typed_dict: type) -> str:
    return f"### {typed_dict.__name__}"


def missing_docstrings(typed_dicts: list[type]) -> list[str]:
    """`Type.field (path:line)` of each field without a docstring."""
    missing = []
    for typed_dict in typed_dicts:
        source = inspect.getsourcefile(sys.modules[typed_dict.__module__]) or typed_dict.__module__
        where = Path(source).resolve()
        where_text = str(where.relative_to(ROOT)) if where.is_relative_to(ROOT) else str(where)
        for field in fields(typed_dict):
            if field.docstring is None or not field.docstring.strip():
                missing.append(f"{typed_dict.__name__}.{field.name} ({where_text}:{field.line or '?'})")
    return missing


def render_section(typed_dicts: list[type] | None = None) -> str:
    """The whole `## Argument reference` section, ending in a newline."""
    typed_dicts = argument_types() if typed_dicts is None else typed_dicts
    missing = missing_docstrings(typed_dicts)
    if missing:
        raise MissingDocstrings(missing)
    blocks = [TITLE, INTRO]
    for typed_dict in typed_dicts:
        rows = "\n".join(table_row(field) for field in fields(typed_dict))
        blocks += [type_heading(typed_dict), f"{HEADER}\n{RULE}\n{rows}"]
    return "\n\n".join(blocks) + "\n"


_HEADING = re.compile(r"^(#{1,6}) ")


def section_span(readme: str) -> tuple[int, int] | None:
    """Start and end line indexes of README's `## Argument reference` section: its title up to the next heading of
    level 1 or 2 outside a code block (or the end)."""
    lines = readme.split("\n")
    start, fenced = None, False
    for index, line in enumerate(lines):
        if line.startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            continue
        if start is None:
            if line.rstrip() == TITLE:
                start = index
        elif (match := _HEADING.match(line)) and len(match.group(1)) <= 2:
            return start, index
    return None if start is None else (start, len(lines))


def readme_section(readme: str) -> str | None:
    """README's `## Argument reference` section (trailing blank lines dropped, one final newline), or None."""
    span = section_span(readme)
    if span is None:
        return None
    return "\n".join(readme.split("\n")[span[0] : span[1]]).rstrip() + "\n"


def write(path: Path) -> int:
    readme = path.read_text()
    span = section_span(readme)
    if span is None:
        print(
            f"{path} has no `{TITLE}` section: paste the output of `scripts/readme_arguments.py` where it belongs",
            file=sys.stderr,
        )
        return 1
    lines = readme.split("\n")
    after = lines[span[1] :]
    replaced = "\n".join(lines[: span[0]]) + ("\n" if span[0] else "") + render_section()
    replaced += ("\n" + "\n".join(after)) if after else ""
    path.write_text(replaced)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--write",
        nargs="?",
        const=README,
        type=Path,
        metavar="README",
        help="replace the section in README.md (or the file given) instead of printing it",
    )
    parser.add_argument("--check", action="store_true", help="exit 1 when README.md's section differs from the code's")
    options = parser.parse_args(argv)
    try:
        if options.check:
            if readme_section(README.read_text()) == render_section():
                return 0
            print(f"README.md's `{TITLE}` section is stale: {REGENERATE}", file=sys.stderr)
            return 1
        if options.write:
            return write(options.write)
        sys.stdout.write(render_section())
    except MissingDocstrings as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
