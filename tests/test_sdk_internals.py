"""The SDK names the offline plan relies on (tools/hardened_tools/plan/sdk_internals.py) exist as the plan uses them.

An SDK upgrade that renames, moves or reshapes one fails here, naming it and the installed version; and no
other module of the tools reaches past that table into the SDK's runtime or its private names.
"""

import ast
import importlib
import inspect
from importlib.metadata import version
from pathlib import Path

import pytest

from hardened_tools.plan import sdk_internals as sdk
from hardened_tools.plan.sdk_internals import CLASS, COROUTINE, FUNCTION, MESSAGE, TEXT, Internal

TOOLS = Path(__file__).resolve().parents[1] / "tools" / "hardened_tools"
TABLE = TOOLS / "plan" / "sdk_internals.py"
SDK_PACKAGES = ("pulumi", "pulumi_aws", "pulumi_gcp", "pulumi_policy", "google")


def problems_of(internal: Internal) -> list[str]:
    """What keeps one entry from being used as the plan uses it, in the installed SDK (nothing: it is fine)."""
    try:
        obj = getattr(importlib.import_module(internal.module), internal.name)
    except (ImportError, AttributeError) as error:
        return [f"is gone ({error})"]
    is_kind = {
        FUNCTION: inspect.isroutine(obj) and not inspect.iscoroutinefunction(obj),
        COROUTINE: inspect.iscoroutinefunction(obj),
        CLASS: inspect.isclass(obj),
        MESSAGE: inspect.isclass(obj) and hasattr(obj, "DESCRIPTOR"),
        TEXT: isinstance(obj, str) and bool(obj),
    }[internal.kind]
    if not is_kind:
        return [f"is no longer a {internal.kind} ({type(obj).__name__})"]
    problems = []
    if internal.kind in (FUNCTION, COROUTINE, CLASS) and (internal.positional or internal.keywords):
        signature = inspect.signature(obj)
        names = list(signature.parameters)
        if names[: len(internal.positional)] != list(internal.positional):
            problems.append(
                f"takes {names[: len(internal.positional)]} first, where the plan passes {list(internal.positional)}"
            )
        else:
            try:
                signature.bind(*internal.positional, **dict.fromkeys(internal.keywords))
            except TypeError as error:
                problems.append(
                    f"cannot be called as the plan calls it, with {list(internal.positional)} and "
                    f"{list(internal.keywords)} by name: {error}"
                )
    problems += [f"has no method {name}" for name in internal.methods if not callable(getattr(obj, name, None))]
    declared = (
        {name for cls in inspect.getmro(obj) for name in inspect.get_annotations(cls)}
        if inspect.isclass(obj)
        else set()
    )
    problems += [
        f"declares no attribute {name}"
        for name in internal.attributes
        if name not in declared and not hasattr(obj, name)
    ]
    if internal.kind == MESSAGE:
        problems += [f"has no field {name}" for name in internal.fields if name not in obj.DESCRIPTOR.fields_by_name]
    return problems


@pytest.mark.parametrize("internal", sdk.INTERNALS, ids=lambda internal: internal.path)
def test_the_installed_sdk_has_it_as_the_plan_uses_it(internal):
    problems = problems_of(internal)
    assert not problems, (
        f"{sdk.distribution_of(internal.module)}: {internal.path} {'; '.join(problems)}. The offline plan needs it because "
        f"it {internal.why}; update tools/hardened_tools/plan/sdk_internals.py and its users for this SDK."
    )


@pytest.mark.parametrize("internal", sdk.INTERNALS, ids=lambda internal: internal.alias)
def test_the_module_gives_the_sdk_object_under_its_alias(internal):
    assert getattr(sdk, internal.alias) is getattr(importlib.import_module(internal.module), internal.name)


def test_each_entry_is_listed_once_and_says_why():
    assert len({internal.alias for internal in sdk.INTERNALS}) == len(sdk.INTERNALS)
    assert len({internal.path for internal in sdk.INTERNALS}) == len(sdk.INTERNALS)
    assert all(
        internal.why and internal.kind in (FUNCTION, COROUTINE, CLASS, MESSAGE, TEXT) for internal in sdk.INTERNALS
    )


def test_the_check_catches_a_name_that_moved():
    gone = Internal("x", "pulumi.runtime.rpc", "_special_gone_sig", TEXT, "is made up")
    assert problems_of(gone) == ["is gone (module 'pulumi.runtime.rpc' has no attribute '_special_gone_sig')"]
    assert problems_of(Internal("x", "pulumi.runtime.rpc", "UNKNOWN", FUNCTION, "is made up")) == [
        "is no longer a function (str)"
    ]
    assert problems_of(Internal("x", "pulumi.runtime.rpc", "serialize_properties", FUNCTION, "is made up")) == [
        "is no longer a function (function)"
    ]
    renamed = Internal(
        "x", "pulumi.runtime.rpc", "serialize_properties", COROUTINE, "is made up", positional=("values", "deps")
    )
    assert problems_of(renamed) == ["takes ['inputs', 'property_deps'] first, where the plan passes ['values', 'deps']"]
    keyword = Internal(
        "x", "pulumi.runtime", "set_mocks", FUNCTION, "is made up", positional=("mocks",), keywords=("engine",)
    )
    assert problems_of(keyword)[0].startswith(
        "cannot be called as the plan calls it, with ['mocks'] and ['engine'] by name:"
    )
    members = Internal(
        "x", "pulumi.runtime.stack", "Stack", CLASS, "is made up", methods=("finish",), attributes=("exports",)
    )
    assert problems_of(members) == ["has no method finish", "declares no attribute exports"]
    message = Internal(
        "x", "pulumi.runtime.proto.resource_pb2", "ReadResourceResponse", MESSAGE, "is made up", fields=("state",)
    )
    assert problems_of(message) == ["has no field state"]


def test_importing_the_table_names_every_name_gone_and_the_sdk_version():
    gone = (
        Internal("a", "pulumi.runtime.rpc", "_special_gone_sig", TEXT, "marks something"),
        Internal("b", "pulumi.runtime.gone", "helper", FUNCTION, "helps"),
    )
    with pytest.raises(sdk.SdkMismatch) as raised:
        sdk.resolve(gone)
    pulumi = f"pulumi {version('pulumi')}"
    assert str(raised.value) == (
        f"The offline plan cannot run with the installed SDK, which lacks: pulumi.runtime.rpc._special_gone_sig ({pulumi}; "
        f"needed because it marks something); pulumi.runtime.gone.helper ({pulumi}; needed because it helps). "
        "See hardened_tools.plan.sdk_internals and tests/test_sdk_internals.py."
    )
    assert sdk.distribution_of("google.protobuf.json_format") == f"protobuf {version('protobuf')}"


# --- nothing else reaches into the SDK --------------------------------------------------------------


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return ".".join([node.id, *reversed(parts)]) if isinstance(node, ast.Name) else None


def _runtime(module: str) -> bool:
    return module == "pulumi.runtime" or module.startswith(("pulumi.runtime.", "google.protobuf"))


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def reaches(source: str) -> set[str]:
    """Where a module uses the SDK's runtime or a private SDK name itself, rather than through sdk_internals."""
    tree = ast.parse(source)
    found, bound = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in SDK_PACKAGES:
                    bound.add((alias.asname or alias.name).split(".")[0])
                    if _runtime(alias.name) or any(map(_private, alias.name.split("."))):
                        found.add(f"line {node.lineno}: import {alias.name}")
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] in SDK_PACKAGES:
            for alias in node.names:
                bound.add(alias.asname or alias.name)
                full = f"{node.module}.{alias.name}"
                if _runtime(full) or any(map(_private, full.split("."))):
                    found.add(f"line {node.lineno}: from {node.module} import {alias.name}")
    for node in ast.walk(tree):
        dotted = _dotted(node) if isinstance(node, ast.Attribute) else None
        if dotted and dotted.split(".")[0] in bound:
            if dotted.startswith("pulumi.runtime") or any(map(_private, dotted.split(".")[1:])):
                found.add(f"line {node.lineno}: {dotted}")
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", None) in ("getattr", "setattr", "hasattr")
            and len(node.args) > 1
        ):
            target, name = _dotted(node.args[0]), node.args[1]
            if (
                target
                and target.split(".")[0] in bound
                and isinstance(name, ast.Constant)
                and _private(str(name.value))
            ):
                found.add(f"line {node.lineno}: {node.func.id}({target}, {name.value!r})")
    return {item for item in found if not any(other != item and other.startswith(item) for other in found)}


def test_the_check_catches_a_module_reaching_into_the_sdk():
    assert reaches("from pulumi.runtime.rpc import UNKNOWN") == {"line 1: from pulumi.runtime.rpc import UNKNOWN"}
    assert reaches("from pulumi.runtime import rpc") == {"line 1: from pulumi.runtime import rpc"}
    assert reaches("from pulumi import runtime") == {"line 1: from pulumi import runtime"}
    assert reaches("import pulumi\npulumi.runtime.set_mocks(None)") == {"line 2: pulumi.runtime.set_mocks"}
    assert reaches("import pulumi.runtime.rpc as rpc") == {"line 1: import pulumi.runtime.rpc"}
    assert reaches("from google.protobuf import json_format") == {"line 1: from google.protobuf import json_format"}
    assert reaches("import pulumi_aws as aws\naws._utilities.get_version()") == {"line 2: aws._utilities.get_version"}
    assert reaches("from pulumi_gcp import _utilities") == {"line 1: from pulumi_gcp import _utilities"}
    assert reaches("import pulumi\ngetattr(pulumi.output, '_secret')") == {"line 2: getattr(pulumi.output, '_secret')"}
    assert reaches("import pulumi\npulumi.export('bucket', 'name')\nfrom pulumi import automation") == set()
    assert reaches("import json\njson._default_decoder") == set()


def test_no_module_of_the_tools_but_the_table_reaches_into_the_sdk():
    found = {
        f"{path.relative_to(TOOLS.parent)} {where}"
        for path in sorted(TOOLS.rglob("*.py"))
        if path != TABLE
        for where in reaches(path.read_text(encoding="utf-8"))
    }
    assert found == set(), "use the SDK's runtime only through hardened_tools/plan/sdk_internals.py: " + ", ".join(
        sorted(found)
    )


def test_every_entry_is_used_and_every_use_has_an_entry():
    used = set()
    for path in sorted(TOOLS.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {
            alias.asname or alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            for alias in node.names
            if alias.name == "sdk_internals"
        }
        used |= {
            node.attr
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in names
        }
    assert used == {internal.alias for internal in sdk.INTERNALS}
