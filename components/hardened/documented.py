"""`@documented`: a component's `__doc__` lists its own arguments and outputs, read from the code.

`help(ImmutableBucket)` shows the class docstring first; without this it says nothing of the `args` TypedDict
(pydoc shows `args: ImmutableBucketArgs` and then the inherited `ComponentResource` parameters). The decorator
appends an "Arguments" section (each field of the TypedDict that `__init__`'s `args` is annotated with, its
required-ness and its docstring) and an "Outputs" section (each `pulumi.Output` attribute the class annotates,
with its docstring) to the class docstring at import. The docstrings are the string literals right under each
field or attribute, read with `ast` from the module's source, so the code stays the one source of truth.
"""

from __future__ import annotations

import ast
import functools
import inspect
import sys
import typing
from typing import TypeVar

C = TypeVar("C", bound=type)

ARGUMENTS = "Arguments (`args: {name}`):"
OUTPUTS = "Outputs:"


def args_type(component: type) -> type:
    """The TypedDict that the component's `__init__` takes as `args`."""
    hints = typing.get_type_hints(component.__init__, vars(sys.modules[component.__module__]))  # type: ignore[misc]
    found = hints.get("args")
    if not (isinstance(found, type) and typing.is_typeddict(found)):
        raise TypeError(f"{component.__qualname__}.__init__ takes no `args: <TypedDict>`")
    return found


def outputs(component: type) -> list[str]:
    """The component's own typed attributes, in order: its `pulumi.Output[...]` outputs (and any other attribute it
    annotates, such as MemberAccount's `provider`)."""
    own = component.__dict__.get("__annotations__", {})
    return [name for name, annotation in own.items() if typing.get_origin(annotation) is not typing.ClassVar]


@functools.cache
def _module_tree(module_name: str) -> ast.Module | None:
    try:
        return ast.parse(inspect.getsource(sys.modules[module_name]))
    except (OSError, TypeError):  # no source: a frozen or built-in module
        return None


def field_docstrings(cls: type) -> dict[str, tuple[str | None, int]]:
    """Name to (docstring, line) of each name annotated in the class body: the string literal right under it,
    cleaned by `inspect.cleandoc` (None when there is none), and the annotation's line. A TypedDict's fields inherited
    from other TypedDicts come first, as in its `__annotations__`. The one reader of these docstrings: `help()`, the
    docs generators and the argument reference all read them through it."""
    module = sys.modules[cls.__module__]
    tree = _module_tree(cls.__module__)
    nodes = [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == cls.__name__] if tree else []
    if not nodes:
        return {}
    found: dict[str, tuple[str | None, int]] = {}
    for base in nodes[0].bases:
        parent = vars(module).get(ast.unparse(base))
        if isinstance(parent, type) and typing.is_typeddict(parent) and parent is not cls:
            found.update(field_docstrings(parent))
    body = nodes[0].body
    for statement, after in zip(body, [*body[1:], None], strict=True):
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            is_docstring = (
                isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
            )
            docstring = inspect.cleandoc(after.value.value) if is_docstring else None  # type: ignore[union-attr]
            found[statement.target.id] = (docstring, statement.lineno)
    return found


def first_paragraph(docstring: str) -> str:
    """A docstring's first paragraph on one line."""
    return " ".join(docstring.split("\n\n")[0].split())


def attribute_docstrings(cls: type) -> dict[str, str]:
    """Name to the first paragraph of the docstring of each annotated name that has one (`field_docstrings`)."""
    return {name: first_paragraph(doc) for name, (doc, _) in field_docstrings(cls).items() if doc is not None}


def reference(component: type) -> str:
    """The "Arguments" and "Outputs" sections appended to the component's docstring."""
    typed_dict = args_type(component)
    required: frozenset[str] = typed_dict.__required_keys__  # type: ignore[attr-defined]
    field_docs = attribute_docstrings(typed_dict)
    lines = [ARGUMENTS.format(name=typed_dict.__name__)]
    for field in typed_dict.__annotations__:
        need = "required" if field in required else "optional"
        lines.append(f"    {field} ({need}): {field_docs.get(field, '')}".rstrip())
    output_docs = attribute_docstrings(component)
    lines += ["", OUTPUTS]
    lines += [f"    {name}: {output_docs.get(name, '')}".rstrip() for name in outputs(component)] or ["    (none)"]
    return "\n".join(lines)


class _ComposedDoc:
    """A class `__doc__` composed on first read: `type.__doc__` calls the `__get__` of what the class holds."""

    def __init__(self, own: str):
        self.own = inspect.cleandoc(own)
        self.text: str | None = None

    def __get__(self, instance: object, owner: type) -> str:
        if self.text is None:
            self.text = (self.own + "\n\n" if self.own else "") + reference(owner)
        return self.text


def documented(component: C) -> C:
    """Append the component's arguments and outputs to its docstring (once; the class is returned unchanged
    otherwise)."""
    # Composed when first read (help, pydoc, the docs generator): reading the sources at import would cost every
    # plan process about 0.1 s for text only a reader of the docs needs.
    component.__doc__ = _ComposedDoc(component.__dict__.get("__doc__") or "")  # type: ignore[assignment]
    init = component.__dict__.get("__init__")
    if inspect.isfunction(init) and not init.__doc__:
        # Otherwise pydoc shows ComponentResource.__init__'s parameters (t, props, remote, ...), which are not these.
        init.__doc__ = (
            f"Declare the {component.__name__} `name` and its children from `args` (its fields are in the class "
            "docstring); `opts` is passed through to the component."
        )
    return component
