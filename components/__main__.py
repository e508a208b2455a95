"""The plugin entry point: Pulumi's component provider host serving every public component of the library.

`pulumi package add <path or git URL>/components` has the Python language host run this directory
(`python components/ <engine address>`, so `hardened` is imported from here) in the virtualenv `venv`
beside it, which holds requirements.txt. The host infers the package schema from the components' type
annotations and docstrings (args TypedDicts, output annotations), and TypeScript, Go, YAML or any other
Pulumi program gets an SDK generated from it.

The package name is the first part of the type token every component registers with
(`hardened:index:<Class>`): Pulumi's component providers require the two to match, and keeping the
token unchanged keeps the URNs, and so the protected resources, of existing stacks. The namespace scopes
the generated SDKs (`@hardened-accounts/hardened` for TypeScript).
"""

import inspect

import pulumi
from pulumi.provider.experimental import component_provider_host

import hardened.aws
import hardened.gcp

NAME = "hardened"
NAMESPACE = "hardened-accounts"


def public_components() -> list[type[pulumi.ComponentResource]]:
    """Every ComponentResource in `__all__` of hardened.aws and hardened.gcp, in that order."""
    return [
        value
        for module in (hardened.aws, hardened.gcp)
        for value in (getattr(module, name) for name in module.__all__)
        if inspect.isclass(value) and issubclass(value, pulumi.ComponentResource)
    ]


if __name__ == "__main__":
    component_provider_host(public_components(), name=NAME, namespace=NAMESPACE)
