"""examples/: the Pulumi YAML and TypeScript programs that use the components from another language.

Neither the Pulumi CLI nor node runs here: each component a program declares is constructed through the component
provider (components/__main__.py's ComponentProvider) with the very inputs the program sends, as JSON values off the
wire, and checked against the schema the plugin serves (required inputs present, no unknown ones, each of its type).
The YAML program's inputs are its `properties`; the TypeScript program's are args.json, which index.ts imports."""

import json
import re
from pathlib import Path

import pulumi
import pulumi_aws as aws
import pulumi_gcp as gcp
import pytest
import yaml
from google.protobuf import struct_pb2
from module_files import module_from_file
from planning import plan_of
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider.experimental.util import camel_case
from pulumi.runtime import rpc

import hardened.gcp

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
PLUGIN = yaml.safe_load((ROOT / "components" / "PulumiPlugin.yaml").read_text())

# What `components/__main__.py` hosts (tests/test_component_schema.py checks it runs exactly that).
ENTRY = module_from_file("hardened_plugin_entry_examples", ROOT / "components" / "__main__.py")
PROVIDERS = {"aws": aws.Provider, "gcp": gcp.Provider}


def provider() -> ComponentProvider:
    return ComponentProvider(ENTRY.public_components(), ENTRY.NAME, ENTRY.NAMESPACE, "0.0.0")


@pytest.fixture(scope="module")
def schema() -> dict:
    return json.loads(provider().schema)


# --- what each program declares ----------------------------------------------------------------------------------


def snake(name: str) -> str:
    converted = re.sub(r"[A-Z]", lambda m: "_" + m.group().lower(), name)
    assert camel_case(converted) == name, name
    return converted


def yaml_program() -> tuple[dict, list[tuple[str, str, dict, str]]]:
    """The YAML program's providers ({name: (cloud, settings)}) and its components (name, type, inputs, provider)."""
    program = yaml.safe_load((EXAMPLES / "yaml" / "Pulumi.yaml").read_text())
    config = {key: spec["default"] for key, spec in program.get("config", {}).items()}

    def resolved(value: object) -> object:
        if isinstance(value, str):
            return re.sub(r"\$\{(\w+)\}", lambda m: str(config[m.group(1)]), value)
        if isinstance(value, list):
            return [resolved(v) for v in value]
        return {k: resolved(v) for k, v in value.items()} if isinstance(value, dict) else value

    providers, components = {}, []
    for name, spec in program["resources"].items():
        if spec["type"].startswith("pulumi:providers:"):
            providers[name] = (spec["type"].removeprefix("pulumi:providers:"), resolved(spec.get("properties", {})))
        else:
            assert "${" not in json.dumps(spec.get("properties", {})), f"{name}: the test sends plain values only"
            (reference,) = spec["options"]["providers"]
            (provider_name,) = re.fullmatch(r"\$\{(\w+)\}", reference).groups()
            components.append((name, spec["type"], spec.get("properties", {}), provider_name))
    return providers, components


NEW_COMPONENT = re.compile(
    r"new hardened\.(\w+)\(\s*\"([^\"]+)\",\s*args\.(\w+),\s*\{\s*providers:\s*\[(\w+)\]\s*\}\s*\)"
)
NEW_PROVIDER = re.compile(r"const (\w+) = new (aws|gcp)\.Provider\(\s*\"[^\"]+\",\s*(\{.*?\})\s*\);", re.S)


def typescript_program() -> tuple[dict, list[tuple[str, str, dict, str]]]:
    """The TypeScript program's providers and components, read from index.ts; the components' inputs from args.json."""
    source = (EXAMPLES / "typescript" / "index.ts").read_text()
    args = json.loads((EXAMPLES / "typescript" / "args.json").read_text())
    providers = {
        variable: (cloud, json.loads(re.sub(r"([{,]\s*)(\w+)\s*:", r'\1"\2":', literal)))  # { region: "..." } as JSON
        for variable, cloud, literal in NEW_PROVIDER.findall(source)
    }
    declared = NEW_COMPONENT.findall(source)
    assert len(declared) == source.count("new hardened."), "index.ts declares a component the test cannot read"
    assert sorted(key for _, _, key, _ in declared) == sorted(args), "each entry of args.json is one component's"
    components = [
        (name, f"{PLUGIN_NAME}:index:{component}", args[key], variable) for component, name, key, variable in declared
    ]
    return providers, components


PLUGIN_NAME = ENTRY.NAME
PROGRAMS = {"yaml": yaml_program, "typescript": typescript_program}


# --- the schema check ---------------------------------------------------------------------------------------------


def problems(schema: dict, prop: dict, value: object, path: str) -> list[str]:
    """Why `value` is not of the schema property's type (an empty list when it is)."""
    ref = prop.get("$ref", "")
    if ref.startswith("#/types/"):
        type_ = schema["types"][ref.removeprefix("#/types/")]
        if "enum" in type_:
            allowed = [e["value"] for e in type_["enum"]]
            return [] if value in allowed else [f"{path}: {value!r} is none of {allowed}"]
        return object_problems(schema, type_["properties"], type_.get("required", []), value, path)
    kind = prop.get("type")
    if kind == "array":
        if not isinstance(value, list):
            return [f"{path}: {value!r} is not a list"]
        return [p for i, v in enumerate(value) for p in problems(schema, prop["items"], v, f"{path}[{i}]")]
    if kind == "object":
        if not isinstance(value, dict):
            return [f"{path}: {value!r} is not an object"]
        return [p for k, v in value.items() for p in problems(schema, prop["additionalProperties"], v, f"{path}.{k}")]
    fits = {
        "string": lambda v: isinstance(v, str),
        "boolean": lambda v: isinstance(v, bool),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    }
    assert kind in fits, f"{path}: the test knows no schema type {prop}"
    return [] if fits[kind](value) else [f"{path}: {value!r} is not {kind}"]


def object_problems(schema: dict, properties: dict, required: list, value: object, path: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{path}: {value!r} is not an object"]
    found = [f"{path}.{name}: required" for name in required if name not in value]
    found += [f"{path}.{name}: not an input" for name in value if name not in properties]
    found += [
        p
        for name, v in value.items()
        if name in properties
        for p in problems(schema, properties[name], v, f"{path}.{name}")
    ]
    return found


def from_the_wire(inputs: dict) -> dict:
    """`inputs` as the component provider receives them: through a protobuf Struct (every number a double)."""
    wire = struct_pb2.Struct()
    wire.update(inputs)
    return rpc.deserialize_properties(wire)


# --- the tests ----------------------------------------------------------------------------------------------------


def test_the_examples_are_the_two_programs():
    assert (EXAMPLES / "yaml" / "Pulumi.yaml").is_file()
    assert {p.name for p in (EXAMPLES / "typescript").iterdir()} >= {
        "index.ts",
        "args.json",
        "package.json",
        "Pulumi.yaml",
        "tsconfig.json",
    }


def test_the_programs_use_the_plugin_package_as_published():
    assert PLUGIN == {"runtime": "python"}
    for language in ("yaml", "typescript"):
        project = yaml.safe_load((EXAMPLES / language / "Pulumi.yaml").read_text())
        assert project["packages"] == {ENTRY.NAME: "../../components"}, language
    package = json.loads((EXAMPLES / "typescript" / "package.json").read_text())
    sdk = f"@{ENTRY.NAMESPACE}/{ENTRY.NAME}"
    assert package["dependencies"][sdk] == f"file:sdks/{ENTRY.NAME}"
    assert f'import * as {ENTRY.NAME} from "{sdk}";' in (EXAMPLES / "typescript" / "index.ts").read_text()
    assert json.loads((EXAMPLES / "typescript" / "tsconfig.json").read_text())["compilerOptions"]["resolveJsonModule"]


@pytest.mark.parametrize("language", PROGRAMS)
def test_each_program_uses_an_immutable_bucket_a_locked_vault_and_a_gcp_component(language):
    providers, components = PROGRAMS[language]()
    types = {token.rsplit(":", 1)[1] for _, token, _, _ in components}
    assert {"ImmutableBucket", "LockedVault"} <= types
    assert types & set(hardened.gcp.__all__), "no GCP component"
    assert {providers[p][0] for _, _, _, p in components} == {"aws", "gcp"}, "explicit providers into both clouds"


@pytest.mark.parametrize("language", PROGRAMS)
def test_each_program_sends_inputs_the_schema_takes(language, schema):
    _, components = PROGRAMS[language]()
    for name, token, inputs, _ in components:
        assert token in schema["resources"], f"{language}: {name} is a {token}, which the plugin does not serve"
        resource = schema["resources"][token]
        found = object_problems(schema, resource["inputProperties"], resource.get("requiredInputs", []), inputs, name)
        assert found == [], f"{language}: {found}"


@pytest.mark.parametrize("language", PROGRAMS)
def test_each_program_constructs_through_the_plugin(language):
    providers, components = PROGRAMS[language]()

    def program():
        made = {
            name: PROVIDERS[cloud](name, **{snake(k): v for k, v in settings.items()})
            for name, (cloud, settings) in providers.items()
        }
        host = provider()
        for name, token, inputs, provider_name in components:
            host.construct(name, token, from_the_wire(inputs), pulumi.ResourceOptions(providers=[made[provider_name]]))

    plan = plan_of(program)
    declared = {r["name"]: r for r in plan["resources"]}
    for name, token, _, provider_name in components:
        assert declared[name]["type"] == token
        cloud, settings = providers[provider_name]
        children = [
            r for r in plan["resources"] if r["name"].startswith(f"{name}-") and r["type"].startswith(f"{cloud}:")
        ]
        assert children, f"{language}: {name} declared nothing in {cloud}"
        expected = {"cloud": cloud, "region": settings["region"]} | (
            {"account": settings["allowedAccountIds"][0]} if cloud == "aws" else {"project": settings["project"]}
        )
        assert all(r["lands_in"] == expected for r in children), f"{language}: {name} left its provider's account"
