"""The baseline: the plan's resources registered directly with raw SDK calls, no hardened components.

From a plan document, `raw_program(plan)` returns a Pulumi program that creates each provider with
`pulumi_aws.Provider` / `pulumi_gcp.Provider` and each other custom resource with
`pulumi.CustomResource(type, name, props, opts)`: same types, names, inputs, providers, dependencies
and protect / retain-on-delete options. Component resources (`hardened:index:*`) are left out, as raw
code has none; their children are parented to the nearest custom ancestor (usually the stack).
"""

import importlib
import json
import re
from collections.abc import Callable
from typing import Any, cast

import pulumi

PROVIDER_PREFIX = "pulumi:providers:"
STACK_TYPE = "pulumi:pulumi:Stack"
_BOOLEANS = {"true": True, "false": False}
PROVIDER_CLASSES = {"aws": ("pulumi_aws", "Provider"), "gcp": ("pulumi_gcp", "Provider")}


def custom_resources(plan: dict) -> list[dict]:
    """The plan's custom resources (providers included) in an order where each comes after what it needs."""
    by_urn = {r["urn"]: r for r in plan["resources"]}
    ordered: list[dict] = []
    seen: set[str] = set()

    def visit(urn: str) -> None:
        if urn in seen or urn not in by_urn:
            return
        seen.add(urn)
        resource = by_urn[urn]
        for needed in [*resource["depends_on"], resource["provider"], resource["parent"]]:
            if needed:
                visit(needed)
        if resource["custom"]:
            ordered.append(resource)

    for urn in by_urn:
        visit(urn)
    return ordered


def sdk_modules(plan: dict) -> list[str]:
    """The pulumi_aws / pulumi_gcp submodules the plan's resource types live in (`aws:iam/role:Role` -> pulumi_aws.iam)."""
    modules = set()
    for resource in plan["resources"]:
        package, _, rest = resource["type"].partition(":")
        if package in PROVIDER_CLASSES and "/" in rest:
            modules.add(f"pulumi_{package}.{rest.split('/', 1)[0]}")
    return sorted(modules)


class TypedLike(pulumi.CustomResource):
    """`pulumi.CustomResource` behind one constructor, as every pulumi_aws / pulumi_gcp class is.

    The SDK records a stack trace for each registration, starting below the third `__init__` frame
    (Resource, CustomResource, the concrete class). A bare `pulumi.CustomResource` has no third one,
    so the SDK records nothing; the typed classes raw code would call pay for converting the frames
    below them. This class pays the same, and nothing else a typed class does (argument translation).
    """

    def __init__(self, t: str, name: str, props: dict, opts: pulumi.ResourceOptions):
        super().__init__(t, name, props, opts)


def raw_program(plan: dict, typed_like: bool = False) -> Callable[[], None]:
    """A program registering the plan's custom resources with raw SDK calls (through `TypedLike` if asked)."""
    resources = custom_resources(plan)
    by_urn = {r["urn"]: r for r in plan["resources"]}
    resource_class = TypedLike if typed_like else pulumi.CustomResource

    def program() -> None:
        created: dict[str, pulumi.CustomResource] = {}
        for resource in resources:
            opts = pulumi.ResourceOptions(
                parent=_nearest_custom(resource["parent"], by_urn, created),
                depends_on=[created[urn] for urn in _custom_dependencies(resource, by_urn)],
                protect=resource["protect"],
                retain_on_delete=resource["retain_on_delete"],
            )
            if resource["type"].startswith(PROVIDER_PREFIX):
                created[resource["urn"]] = _provider(resource, opts)
            else:
                opts.provider = cast(pulumi.ProviderResource, created[resource["provider"]])  # made by _provider above
                props = {key: _wire(value) for key, value in resource["inputs"].items()}
                created[resource["urn"]] = resource_class(resource["type"], resource["name"], props, opts)

    return program


def _provider(resource: dict, opts: pulumi.ResourceOptions) -> pulumi.ProviderResource:
    package = resource["type"][len(PROVIDER_PREFIX) :]
    module, cls = PROVIDER_CLASSES[package]
    provider_class = getattr(importlib.import_module(module), cls)
    # The provider class encodes its inputs as JSON text again; the plan shows booleans as that text.
    kwargs = {
        _snake(key): _BOOLEANS.get(value, value) if isinstance(value, str) else value
        for key, value in resource["inputs"].items()
        if key != "version"
    }
    return provider_class(resource["name"], opts=opts, **kwargs)


def _nearest_custom(urn: str | None, by_urn: dict, created: dict) -> pulumi.Resource | None:
    """The closest ancestor raw code also has: a custom resource, or none (the stack)."""
    while urn and urn in by_urn:
        if by_urn[urn]["custom"]:
            return created[urn]
        urn = by_urn[urn]["parent"]
    return None


def _custom_dependencies(resource: dict, by_urn: dict) -> list[str]:
    """`depends_on` with components replaced by their custom descendants (what the engine waits for)."""
    found: list[str] = []
    for urn in resource["depends_on"]:
        if by_urn[urn]["custom"]:
            found.append(urn)
        else:
            found.extend(r["urn"] for r in by_urn.values() if r["custom"] and _descends_from(r, urn, by_urn))
    return sorted(set(found))


def _descends_from(resource: dict, ancestor: str, by_urn: dict) -> bool:
    parent = resource["parent"]
    while parent:
        if parent == ancestor:
            return True
        parent = by_urn[parent]["parent"] if parent in by_urn else None
    return False


def _wire(value: Any) -> Any:
    """Inputs as the program sent them: the plan shows IAM policy documents parsed, the wire carries JSON text."""
    if isinstance(value, dict):
        if "Statement" in value:
            return json.dumps(value)
        return {key: _wire(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_wire(item) for item in value]
    return value


def _snake(key: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()
