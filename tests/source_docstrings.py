"""The tests' own reader of the string under each annotated name of a class, apart from the library's.

`hardened.documented.field_docstrings` is what `help()`, scripts/argument_reference.py and scripts/component_docs.py
read. The tests that hold their output to the code read the source through this module instead, so a bug in the
library's reader cannot hide in both sides of a comparison.
"""

import ast
import inspect
import sys
import typing


def source_docstrings(typed_dict: type) -> dict[str, tuple[str | None, int]]:
    """Field name to (docstring, line): the `Expr(Constant str)` right after each `AnnAssign` of the class body
    (and of the TypedDicts it inherits from), read with `ast` from the module's source."""
    module = sys.modules[typed_dict.__module__]
    tree = ast.parse(inspect.getsource(module))
    classes = [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == typed_dict.__name__]
    assert classes, f"class {typed_dict.__name__} is not in the source of {typed_dict.__module__}"
    found: dict[str, tuple[str | None, int]] = {}
    for base in classes[0].bases:  # a TypedDict's runtime bases are (dict,): its parents are only in the source
        try:
            parent = eval(ast.unparse(base), vars(module))  # noqa: S307
        except Exception:
            continue
        if isinstance(parent, type) and typing.is_typeddict(parent) and parent is not typed_dict:
            found.update(source_docstrings(parent))
    body = classes[0].body
    for statement, after in zip(body, body[1:] + [None], strict=True):
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            is_docstring = (
                isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
                and after.value.value.strip()
            )
            found[statement.target.id] = (after.value.value if is_docstring else None, statement.lineno)
    return found


def description(docstring: str) -> str:
    """The docstring's first paragraph on one line: a one-line docstring as it is."""
    return " ".join(inspect.cleandoc(docstring).split("\n\n")[0].split())
