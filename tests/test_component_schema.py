"""The components as a Pulumi package: the schema Pulumi's component provider host infers lists every public
component with its documented inputs and outputs, docs/components.md and docs/arguments.md document exactly those, and the plugin files
(components/PulumiPlugin.yaml, __main__.py, requirements.txt) host exactly those components."""

import ast
import inspect
import json
import re
import runpy
import textwrap
import tomllib
import typing
from pathlib import Path

import pulumi
import pulumi.provider.experimental
import pulumi_aws as aws
import pytest
import yaml
from google.protobuf import struct_pb2
from module_files import module_from_file
from planning import plan_of, resources
from pulumi.provider.experimental import host
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider.experimental.util import camel_case
from pulumi.provider.server import ComponentInitError
from pulumi.runtime import rpc
from source_docstrings import source_docstrings

import hardened.aws
import hardened.gcp
from hardened.errors import ComponentArgumentError

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = ROOT / "components"
GUIDE = (ROOT / "docs" / "components.md").read_text()
ARGUMENTS = (ROOT / "docs" / "arguments.md").read_text()

# From Pulumi's package metaschema (pkg/codegen/schema/pulumi.json): what `pulumi package add` validates.
PACKAGE_NAME = re.compile(r"^[a-zA-Z][-a-zA-Z0-9_]*$")
NAMESPACE = re.compile(r"^([a-z][a-z0-9]*)(-[a-z0-9]+)*$")
TOKEN = re.compile(r"^[a-zA-Z][-a-zA-Z0-9_]*:([^0-9][a-zA-Z0-9._/-]*)?:[^0-9][a-zA-Z0-9._/-]*$")
NOT_PROPERTIES = (object, dict, pulumi.Resource, pulumi.ComponentResource)


def discover() -> dict[str, tuple[type[pulumi.ComponentResource], str]]:
    """Every ComponentResource exported by `__all__`, with the cloud its section of docs/components.md names."""
    found = {}
    for module, cloud in ((hardened.aws, "AWS"), (hardened.gcp, "GCP")):
        for name in module.__all__:
            value = getattr(module, name)
            if inspect.isclass(value) and issubclass(value, pulumi.ComponentResource):
                assert name not in found, f"{name} is exported twice"
                found[name] = (value, cloud)
    return found


COMPONENTS = discover()


def args_type(component: type) -> type:
    return inspect.get_annotations(component.__init__)["args"]


def annotated(cls: type) -> dict[str, object]:
    """The public annotations of a class and its bases, as the analyzer reads inputs and outputs."""
    found: dict[str, object] = {}
    for base in reversed(cls.__mro__):
        if base not in NOT_PROPERTIES:
            found.update(inspect.get_annotations(base))
    return {name: annotation for name, annotation in found.items() if not name.startswith("_")}


def docstrings(cls: type) -> dict[str, str]:
    """The string under each annotated attribute of a class and of the TypedDicts it inherits from, as written."""
    return {name: doc for name, (doc, _) in source_docstrings(cls).items() if doc is not None}


def readme_table(component: str, header: str) -> list[str]:
    """The names in the first column of the table headed `| <header> |` in the component's section of
    docs/components.md."""
    cloud = COMPONENTS[component][1]
    match = re.search(rf"^### `{component}` \({cloud}\)[^\n]*\n(.*?)(?=^#{{1,3}} |\Z)", GUIDE, flags=re.S | re.M)
    assert match, f"docs/components.md has no section ### `{component}` ({cloud})"
    tables = re.findall(rf"^\| {header} \|.*?(?:\n\n|\Z)", match.group(1), flags=re.S | re.M)
    assert len(tables) == 1, f"docs/components.md's section of {component} has {len(tables)} tables headed {header!r}"
    rows = tables[0].strip().splitlines()[2:]
    return [name for row in rows for name in re.findall(r"`(\w+)`", row.split("|")[1])]


def argument_reference(component: str) -> list[str]:
    """The fields the generated argument reference (docs/arguments.md) lists for the component's args type."""
    match = re.search(rf"^### {component}Args\n(.*?)(?=^#{{1,3}} |\Z)", ARGUMENTS, flags=re.S | re.M)
    assert match, f"docs/arguments.md has no ### {component}Args"
    (table,) = re.findall(r"^\| Field \|.*?(?:\n\n|\Z)", match.group(1), flags=re.S | re.M)
    return [name for row in table.strip().splitlines()[2:] for name in re.findall(r"`(\w+)`", row.split("|")[1])]


@pytest.fixture(scope="module")
def hosted() -> dict:
    """The arguments `python components/` passes to component_provider_host, run the way the language host runs it."""
    calls = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pulumi.provider.experimental, "component_provider_host", lambda *a, **kw: calls.append((a, kw)))
        runpy.run_path(str(PLUGIN), run_name="__main__")
    assert len(calls) == 1, f"the entry point called component_provider_host {len(calls)} times"
    arguments = inspect.signature(host.component_provider_host).bind(*calls[0][0], **calls[0][1])
    arguments.apply_defaults()
    return dict(arguments.arguments)


@pytest.fixture(scope="module")
def schema(hosted) -> dict:
    """The schema the plugin serves (`pulumi package get-schema components/`)."""
    provider = ComponentProvider(
        hosted["components"], hosted["name"], hosted["namespace"], hosted["version"] or "0.0.0"
    )
    return json.loads(provider.schema)


def resource(schema: dict, component: str) -> dict:
    token = f"{schema['name']}:index:{component}"
    assert token in schema["resources"], f"{token} is not in the schema"
    return schema["resources"][token]


def test_there_are_public_components_on_both_clouds():
    assert {cloud for _, cloud in COMPONENTS.values()} == {"AWS", "GCP"}


def test_the_plugin_manifest_names_the_python_runtime_and_nothing_else():
    # Python component providers support only the pip toolchain in `venv`: no runtime options, and
    # __main__.py at the plugin's root is found without `main`.
    assert yaml.safe_load((PLUGIN / "PulumiPlugin.yaml").read_text()) == {"runtime": "python"}
    assert (PLUGIN / "__main__.py").is_file()


def test_the_plugin_virtualenv_gets_the_library_dependencies():
    lines = (PLUGIN / "requirements.txt").read_text().splitlines()
    requirements = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert requirements == project["dependencies"]


def test_the_entry_point_hosts_every_public_component_once(hosted):
    assert [c.__name__ for c in hosted["components"]] == list(COMPONENTS)
    assert all(c is COMPONENTS[c.__name__][0] for c in hosted["components"])


def test_importing_the_entry_point_starts_no_server(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("importing components/__main__.py started the provider")

    monkeypatch.setattr(pulumi.provider.experimental, "component_provider_host", refuse)
    monkeypatch.setattr(host, "main", refuse)
    module = module_from_file("hardened_plugin_entry", PLUGIN / "__main__.py")
    assert [c.__name__ for c in module.public_components()] == list(COMPONENTS)


def test_the_package_name_namespace_and_tokens_are_valid(schema):
    assert PACKAGE_NAME.match(schema["name"])
    assert schema.get("namespace") is None or NAMESPACE.match(schema["namespace"])
    assert all(TOKEN.match(token) for token in [*schema["resources"], *schema["types"]])


def test_the_schema_lists_every_public_component_and_nothing_else(schema):
    assert set(schema["resources"]) == {f"{schema['name']}:index:{name}" for name in COMPONENTS}
    assert all(r["isComponent"] for r in schema["resources"].values())


@pytest.mark.parametrize("component", list(COMPONENTS))
def test_the_component_registers_under_its_schema_token(component, schema):
    # Construct hands back the component the SDK asked for only if its type token is the schema's.
    source = ast.parse(textwrap.dedent(inspect.getsource(COMPONENTS[component][0].__init__)))
    tokens = [
        call.args[0].value
        for call in ast.walk(source)
        if isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr == "__init__"
        and isinstance(call.func.value, ast.Call)
        and getattr(call.func.value.func, "id", None) == "super"
        and call.args
        and isinstance(call.args[0], ast.Constant)
    ]
    assert tokens == [f"{schema['name']}:index:{component}"]


@pytest.mark.parametrize("component", list(COMPONENTS))
def test_inputs_are_the_documented_argument_fields(component, schema):
    args = args_type(COMPONENTS[component][0])
    assert typing.is_typeddict(args), f"{component}'s args must be a TypedDict"
    fields, documented = annotated(args), docstrings(args)
    inputs = resource(schema, component)["inputProperties"]
    assert set(inputs) == {camel_case(name) for name in fields}
    assert resource(schema, component)["requiredInputs"] == sorted(camel_case(name) for name in args.__required_keys__)
    for name in fields:
        assert documented.get(name), f"{args.__name__}.{name} has no docstring"
        assert inputs[camel_case(name)].get("description") == documented[name], f"{args.__name__}.{name}"


@pytest.mark.parametrize("component", list(COMPONENTS))
def test_outputs_are_the_documented_class_annotations(component, schema):
    cls = COMPONENTS[component][0]
    outputs, documented = annotated(cls), docstrings(cls)
    properties = resource(schema, component)["properties"]
    assert set(properties) == {camel_case(name) for name in outputs}
    for name in outputs:
        assert documented.get(name), f"{component}.{name} has no docstring"
        assert properties[camel_case(name)].get("description") == documented[name], f"{component}.{name}"


@pytest.mark.parametrize("component", list(COMPONENTS))
def test_the_readme_section_lists_exactly_the_arguments_and_outputs(component):
    cls = COMPONENTS[component][0]
    arguments, outputs = argument_reference(component), readme_table(component, "Output")
    assert sorted(arguments) == sorted(annotated(args_type(cls))) and len(set(arguments)) == len(arguments)
    assert sorted(outputs) == sorted(annotated(cls)) and len(set(outputs)) == len(outputs)


def construct(hosted: dict, component: str, inputs: dict):
    provider = ComponentProvider(hosted["components"], hosted["name"], hosted["namespace"], "0.0.0")
    provider.construct("plugin", f"{hosted['name']}:index:{component}", inputs, None)


def test_a_component_constructed_by_the_plugin_takes_provider_references(hosted):
    # What a TypeScript, Go or YAML program sends: camelCase names, providers (alone or in a map) as references.
    accounts = {"management": "999988887777", "backup": "222233334444"}

    def program():
        construct(
            hosted,
            "BreakGlassAccess",
            {
                "accountId": accounts["management"],
                "organizationId": "o-a1b2c3d4e5",
                "userNames": ["break-glass-1", "break-glass-2"],
                "roleName": "hardened-break-glass",
                "accounts": {
                    label: aws.Provider(label, region="eu-west-1", allowed_account_ids=[account])
                    for label, account in accounts.items()
                },
                "signInEventsProvider": aws.Provider(
                    "us-east-1", region="us-east-1", allowed_account_ids=[accounts["management"]]
                ),
                "subscribers": [{"protocol": "email", "endpoint": "security@acme.example"}],
                "administratorArns": [f"arn:aws:iam::{accounts['management']}:role/hardened-deployer"],
            },
        )

    plan = plan_of(program)
    roles = {r["name"]: r["lands_in"] for r in resources(plan, "aws:iam/role:Role")}
    assert roles == {
        f"plugin-role-{label}": {"cloud": "aws", "account": account, "region": "eu-west-1"}
        for label, account in accounts.items()
    }
    assert {r["lands_in"]["region"] for r in resources(plan, "aws:cloudwatch/eventRule:EventRule")} == {"us-east-1"}


def test_whole_numbers_from_the_wire_reach_the_component_as_int(hosted):
    # pulumi 3.272's ComponentProvider.map_input_properties hands an integer input over as the float it travelled as
    # (and list items unconverted): the argument checker takes an integral float as the int it is.
    wire = struct_pb2.Struct()
    wire.update({"minimumPasswordLength": 16})  # numbers travel as doubles
    plan = plan_of(lambda: construct(hosted, "MfaEnforcement", rpc.deserialize_properties(wire)))
    length = resources(plan, "aws:iam/accountPasswordPolicy:AccountPasswordPolicy")[0]["inputs"][
        "minimumPasswordLength"
    ]
    assert length == 16 and type(length) is int


# --- whole numbers of every component, as another language sends them ---------------------------------------------


def takes_whole_numbers(annotation: object, seen: frozenset = frozenset()) -> bool:
    """Whether `annotation` (an Args TypedDict, a field's type) declares an int anywhere: a field, a list item, a
    nested TypedDict's field."""
    if annotation is int:
        return True
    if typing.is_typeddict(annotation) and annotation not in seen:
        return any(takes_whole_numbers(a, seen | {annotation}) for a in annotation.__annotations__.values())
    return any(takes_whole_numbers(a, seen) for a in typing.get_args(annotation))


WHOLE_NUMBERS = [name for name, (cls, _) in COMPONENTS.items() if takes_whole_numbers(args_type(cls))]


def has_integer(schema: dict, prop: dict) -> bool:
    """Whether a schema property (or what it refers to, its items or values) is an integer."""
    if prop.get("type") == "integer":
        return True
    ref = prop.get("$ref", "")
    if ref.startswith("#/types/"):
        return any(
            has_integer(schema, p) for p in schema["types"][ref.removeprefix("#/types/")].get("properties", {}).values()
        )
    return any(has_integer(schema, prop[key]) for key in ("items", "additionalProperties") if key in prop)


def from_the_wire(value: object) -> object:
    """`value` as the component provider host receives it: through a protobuf Struct (every number a double)."""
    wire = struct_pb2.Struct()
    wire.update({"value": value})
    return rpc.deserialize_properties(wire)["value"]


def python_name(name: str) -> str:
    snake = re.sub(r"[A-Z]", lambda m: "_" + m.group().lower(), name)
    assert camel_case(snake) == name
    return snake


def sample(schema: dict, prop: dict, numbers: typing.Iterator[int], path: str, found: list[tuple[str, int]]) -> object:
    """A value of the schema property's type, as sent from another language: every integer a different whole number
    (recorded in `found` with its Python path), each object with its required properties and those holding an integer."""
    ref = prop.get("$ref", "")
    if prop.get("type") == "integer":
        number = next(numbers)
        found.append((path, number))
        return from_the_wire(number)
    if ref.endswith("#/resources/pulumi:providers:aws"):
        return aws.Provider(f"provider-{len(found)}-{path}", region="eu-west-1")
    if ref.startswith("#/types/"):
        type_ = schema["types"][ref.removeprefix("#/types/")]
        if "enum" in type_:
            return from_the_wire(type_["enum"][0]["value"])
        return fields(schema, type_, numbers, f"{path}.", found)
    if prop.get("type") == "array":
        return [sample(schema, prop["items"], numbers, f"{path}[0]", found)]
    if prop.get("type") == "object":
        return {"key": sample(schema, prop["additionalProperties"], numbers, f"{path}.key", found)}
    assert prop.get("type") in ("string", "boolean"), f"no sample for {prop}"
    return from_the_wire("text" if prop["type"] == "string" else False)


def fields(schema: dict, object_type: dict, numbers, prefix: str, found: list) -> dict:
    """The properties of a resource's inputs or of an object type, sampled (see `sample`)."""
    resource = "inputProperties" in object_type  # a resource's `properties` and `required` are its outputs
    properties = object_type["inputProperties" if resource else "properties"]
    required = object_type.get("requiredInputs" if resource else "required", [])
    return {
        name: sample(schema, prop, numbers, f"{prefix}{python_name(name)}", found)
        for name, prop in properties.items()
        if name in required or has_integer(schema, prop)
    }


class Received(Exception):
    """Raised once a component's arguments are checked: the test has what the component would build from."""


@pytest.fixture
def stop_once_checked(monkeypatch):
    """Every component stops right after its argument check, raising Received with the checked arguments."""
    from hardened.arguments import Arguments

    original = Arguments.__init__

    def checked_then_stop(self, *args, **kwargs):
        original(self, *args, **kwargs)
        raise Received(self.args)

    monkeypatch.setattr(Arguments, "__init__", checked_then_stop)


def received_arguments(hosted: dict, component: str, inputs: typing.Callable[[], dict]) -> Exception:
    """What constructing `component` through the plugin with `inputs()` ends in, under `stop_once_checked`:
    Received with the checked arguments (what the component builds from), or the error the checker raised."""
    ended = []

    def program():
        with pytest.raises(ComponentInitError) as raised:
            construct(hosted, component, inputs())
        ended.append(raised.value.inner)

    plan_of(program)
    return ended[0]


def at(value: object, path: str) -> object:
    for part in re.findall(r"\w+|\[\d+\]", path):
        value = value[int(part[1:-1])] if part.startswith("[") else value[part]
    return value


def test_the_components_with_whole_numbers_are_those_the_schema_gives_integers(schema):
    assert WHOLE_NUMBERS, "no component takes a whole number"
    assert WHOLE_NUMBERS == [
        name
        for name in COMPONENTS
        if any(has_integer(schema, p) for p in resource(schema, name)["inputProperties"].values())
    ]


@pytest.mark.usefixtures("stop_once_checked")
@pytest.mark.parametrize("component", WHOLE_NUMBERS)
def test_every_whole_number_from_the_wire_reaches_the_component_as_that_int(component, hosted, schema):
    found: list[tuple[str, int]] = []

    def inputs() -> dict:
        found.clear()
        sent = fields(schema, resource(schema, component), iter(range(35, 1000)), "", found)
        assert all(type(at_wire) is float for at_wire in numbers_in(sent)), "numbers travel as doubles"
        return sent

    ended = received_arguments(hosted, component, inputs)
    assert isinstance(ended, Received), f"{component} refused what the wire sent: {ended}"
    (arguments,) = ended.args
    assert found, f"{component} was sent no whole number"
    for path, number in found:
        value = at(arguments, path)
        assert type(value) is int and value == number, f"{component}.{path}: {value!r}"


@pytest.mark.usefixtures("stop_once_checked")
@pytest.mark.parametrize("component", WHOLE_NUMBERS)
def test_a_fraction_for_a_whole_number_from_the_wire_is_refused(component, hosted, schema):
    paths: list[tuple[str, int]] = []
    received_arguments(
        hosted,
        component,
        lambda: fields(schema, resource(schema, component), iter(range(35, 1000)), "", paths),
    )
    assert paths, f"{component} was sent no whole number"
    for index, (path, _) in enumerate(paths):

        def inputs(index=index) -> dict:
            numbers = (35.5 if i == index else 35 + i for i in range(1000))
            return fields(schema, resource(schema, component), numbers, "", [])

        ended = received_arguments(hosted, component, inputs)
        assert isinstance(ended, ComponentArgumentError), f"{component}.{path} took 35.5: {ended!r}"
        assert str(ended) == f"{component} 'plugin': argument '{path}' takes a whole number, not float (got 35.5)"


def numbers_in(value: object) -> list:
    if isinstance(value, dict):
        return [n for v in value.values() for n in numbers_in(v)]
    if isinstance(value, list):
        return [n for v in value for n in numbers_in(v)]
    return [value] if isinstance(value, (int, float)) and not isinstance(value, bool) else []
