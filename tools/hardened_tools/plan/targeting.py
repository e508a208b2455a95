"""Where a resource lands: the provider serving it, and the cloud, account or project and region it points at.

A resource is served by the provider it names, else by the engine's default provider of its package,
configured from the stack's `<package>:` config keys. It lands where that provider points (the plan's
`lands_in`), as read from the provider's inputs here.
"""

from dataclasses import dataclass
from typing import Any

from hardened.json_text import parse_json_text

from . import sdk_internals as sdk
from .fragments import Placeholders

PROVIDER_PREFIX = "pulumi:providers:"


@dataclass(frozen=True)
class Target:
    """Where a resource lands, as its provider says: cloud, account or project, region."""

    cloud: str
    account: str | None = None
    region: str | None = None
    project: str | None = None

    def as_dict(self) -> dict:
        fields = (("cloud", self.cloud), ("account", self.account), ("project", self.project), ("region", self.region))
        return {k: v for k, v in fields if v}


def provider_target(package: str, inputs: dict, urn: str, placeholders: Placeholders) -> Target | None:
    """Where resources of a provider land, read from its inputs (pinned account, assumed role, project).

    Settings may be outputs of other resources (the id of an account created in the same program):
    they arrive resolved, and secret ones unwrapped, since an account id is what a reviewer must see.
    None for the engine's builtin `pulumi` provider, which creates nothing in any cloud.
    """
    if package == "pulumi":
        return None
    inputs = {key: sdk.unwrap_rpc_secret(value) for key, value in inputs.items()}
    if package == "aws":
        account = _first(parse_json_text(inputs.get("allowedAccountIds"))) or _account_of(assumed_role_arn(inputs))
        return Target("aws", account=account or placeholders.account_id(urn), region=inputs.get("region"))
    if package == "gcp":
        return Target("gcp", project=inputs.get("project"), region=inputs.get("region"))
    return Target(package)


def assumed_role_arn(inputs: dict) -> str | None:
    roles = parse_json_text(sdk.unwrap_rpc_secret(inputs.get("assumeRoles")))
    return roles[0].get("roleArn") if isinstance(roles, list) and roles and isinstance(roles[0], dict) else None


def misspelled_provider_keys(inputs: dict) -> list[str]:
    """snake_case keys in an AWS provider's role settings, which the real provider silently ignores.

    A plain dict such as {"role_arn": ...} is serialized as written, and the provider then deploys with
    the caller's own credentials (pulumi/pulumi-aws#5271); the typed ProviderAssumeRoleArgs is safe.
    """
    found = []
    for setting in ("assumeRoles", "assumeRoleWithWebIdentity"):
        value = parse_json_text(sdk.unwrap_rpc_secret(inputs.get(setting)))
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                found += [f"{setting}.{key}" for key in item if "_" in key]
    return found


# --- which provider serves a request ----------------------------------------------------------------


def named_provider(reference: str) -> str:
    """The URN in a provider reference (`<urn>::<id>`)."""
    return reference.rsplit("::", 1)[0]


def package_of(token: str) -> str:
    """The package of a type or function token (`aws` of `aws:s3/bucket:Bucket`)."""
    return token.split(":", 1)[0]


def default_provider_name(version: str) -> str:
    """The engine's name of a package's default provider: one per version asked for, `default_7_2_0` for 7.2.0."""
    return "default" + (f"_{version.replace('.', '_').replace('-', '_')}" if version else "")


def default_provider_inputs(package: str, version: str, config: dict[str, str]) -> dict:
    """A default provider's inputs: the stack's `<package>:` config keys, and the version asked for.

    `pulumi:` keys configure the engine itself, never its builtin provider."""
    inputs = {
        k.split(":", 1)[1]: v for k, v in sorted(config.items()) if k.startswith(f"{package}:") and package != "pulumi"
    }
    if version:
        inputs["version"] = version
    return inputs


def default_provider_disabled(package: str, config: dict[str, str]) -> bool:
    """Whether the stack's `pulumi:disable-default-providers` names the package (or `*`)."""
    disabled = parse_json_text(config.get("pulumi:disable-default-providers") or "[]")
    if isinstance(disabled, str):  # a single name rather than a JSON list
        disabled = [disabled]
    return package != "pulumi" and isinstance(disabled, list) and ("*" in disabled or package in disabled)


def _first(value: Any) -> str | None:
    return value[0] if isinstance(value, list) and value and isinstance(value[0], str) else None


def _account_of(arn: str | None) -> str | None:
    parts = str(arn or "").split(":")
    return parts[4] if len(parts) > 5 and parts[4] else None
