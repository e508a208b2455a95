"""Deterministic, realistically shaped stand-ins for values that exist only after deployment.

Every value is derived from a hash of the resource's URN, so the same program always prints the same
plan. Each generated fragment (account id, UUID, name suffix) is remembered as an atom, which lets
the plan mark any input that carries one as computed.
"""

import hashlib
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..json_text import parse_json_text

TOKEN = re.compile(r"[\w-]+")


@dataclass(frozen=True)
class Target:
    """Where a resource lands, as its provider says: cloud, account or project, region."""

    cloud: str
    account: str | None = None
    region: str | None = None
    project: str | None = None

    def as_dict(self) -> dict:
        return {k: v for k, v in (("cloud", self.cloud), ("account", self.account), ("project", self.project), ("region", self.region)) if v}


@dataclass
class Placeholders:
    """Generates placeholders and remembers every fragment it made up."""

    atoms: set[str] = field(default_factory=set)

    def digest(self, *parts: str) -> str:
        return hashlib.sha256("|".join(parts).encode()).hexdigest()

    def account_id(self, *seed: str) -> str:
        return self._atom(f"{int(self.digest('account', *seed), 16) % 10**12:012d}")

    def uuid(self, *seed: str) -> str:
        return self._atom(str(uuid.UUID(hex=self.digest("uuid", *seed)[:32], version=4)))

    def hex_id(self, prefix: str, length: int, *seed: str) -> str:
        return self._atom(prefix + self.digest("hex", prefix, *seed)[:length])

    def autoname(self, name: str, urn: str, lowercase: bool = False) -> str:
        """Pulumi's auto-name: the logical name plus a dash and seven random hex digits."""
        value = f"{name}-{self.digest('autoname', urn)[:7]}"
        return self._atom(value.lower() if lowercase else value)

    def contains_atom(self, value: Any) -> bool:
        """Whether `value` (any JSON-like structure) carries a generated fragment."""
        if isinstance(value, str):
            return any(token in self.atoms for token in TOKEN.findall(value))
        if isinstance(value, dict):
            return any(self.contains_atom(v) for v in value.values())
        if isinstance(value, list):
            return any(self.contains_atom(v) for v in value)
        return False

    def _atom(self, value: str) -> str:
        self.atoms.add(value)
        return value


@dataclass(frozen=True)
class NewResource:
    """What a placeholder shape needs to know about a resource being created."""

    type: str
    name: str
    urn: str
    inputs: dict
    target: Target
    placeholders: Placeholders

    def autoname(self, key: str, lowercase: bool = False) -> str:
        given = self.inputs.get(key)
        return given if isinstance(given, str) and given else self.placeholders.autoname(self.name, self.urn, lowercase)


Shape = Callable[[NewResource], tuple[str, dict]]


def _s3_bucket(r: NewResource) -> tuple[str, dict]:
    name = r.autoname("bucket", lowercase=True)
    region = r.target.region or "us-east-1"
    return name, {
        "bucket": name,
        "arn": f"arn:aws:s3:::{name}",
        "bucketDomainName": f"{name}.s3.amazonaws.com",
        "bucketRegionalDomainName": f"{name}.s3.{region}.amazonaws.com",
        "hostedZoneId": "Z3AQBSTGFYJSTF",
        "region": region,
    }


def _s3_bucket_setting(r: NewResource) -> tuple[str, dict]:
    """Bucket sub-resources (versioning, lock, policy...) take the bucket's name as their id."""
    return str(r.inputs.get("bucket")), {}


def _kms_key(r: NewResource) -> tuple[str, dict]:
    key_id = r.placeholders.uuid(r.urn)
    return key_id, {"keyId": key_id, "arn": f"arn:aws:kms:{r.target.region}:{r.target.account}:key/{key_id}"}


def _kms_alias(r: NewResource) -> tuple[str, dict]:
    name = r.inputs.get("name") or f"alias/{r.placeholders.autoname(r.name, r.urn)}"
    target_key = r.inputs.get("targetKeyId", "")
    return name, {
        "arn": f"arn:aws:kms:{r.target.region}:{r.target.account}:{name}",
        "targetKeyArn": f"arn:aws:kms:{r.target.region}:{r.target.account}:key/{target_key}",
    }


SHAPES: dict[str, Shape] = {
    "aws:s3/bucket:Bucket": _s3_bucket,
    "aws:s3/bucketVersioning:BucketVersioning": _s3_bucket_setting,
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration": _s3_bucket_setting,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": _s3_bucket_setting,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": _s3_bucket_setting,
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": _s3_bucket_setting,
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": _s3_bucket_setting,
    "aws:s3/bucketPolicy:BucketPolicy": _s3_bucket_setting,
    "aws:kms/key:Key": _kms_key,
    "aws:kms/alias:Alias": _kms_alias,
}


def created_values(resource: NewResource) -> tuple[str, dict]:
    """The id and the outputs the provider would report on top of the inputs."""
    if resource.type.startswith("pulumi:providers:"):
        # `pulumi up` gives each new provider a random UUID.
        return resource.placeholders.uuid(resource.urn), {}
    shape = SHAPES.get(resource.type)
    if shape is not None:
        return shape(resource)
    # Unknown type: an opaque id, and for AWS a well-formed ARN in the resource's account and region.
    resource_id = resource.placeholders.hex_id(f"{resource.name}-", 8, resource.urn)
    if resource.target.cloud == "aws":
        service = resource.type.split(":")[1].split("/")[0].lower()
        kind = resource.type.rsplit(":", 1)[-1].lower()
        arn = f"arn:aws:{service}:{resource.target.region or ''}:{resource.target.account}:{kind}/{resource_id}"
        return resource_id, {"arn": arn}
    return resource_id, {}


def provider_target(package: str, inputs: dict, urn: str, placeholders: Placeholders) -> Target:
    """Where resources of a provider land, read from its inputs (pinned account, assumed role, project)."""
    if package == "aws":
        account = _first(parse_json_text(inputs.get("allowedAccountIds"))) or _account_of(assumed_role_arn(inputs))
        return Target("aws", account=account or placeholders.account_id(urn), region=inputs.get("region"))
    if package == "gcp":
        return Target("gcp", project=inputs.get("project"), region=inputs.get("region"))
    return Target(package)


def invoke_result(token: str, target: Target, role_arn: str | None) -> dict | None:
    """Answers for the read-only data sources the library uses; None for any other."""
    if token == "aws:index/getCallerIdentity:getCallerIdentity":
        role = role_arn.rsplit("/", 1)[-1] if role_arn else "deployer"
        return {
            "id": target.account,
            "accountId": target.account,
            "arn": f"arn:aws:sts::{target.account}:assumed-role/{role}/pulumi",
            "userId": f"AROA{target.account}:pulumi",
        }
    if token == "aws:index/getRegion:getRegion":
        region = target.region or "us-east-1"
        return {"id": region, "region": region, "name": region, "endpoint": f"ec2.{region}.amazonaws.com", "description": region}
    if token == "aws:index/getPartition:getPartition":
        return {"id": "aws", "partition": "aws", "dnsSuffix": "amazonaws.com", "reverseDnsPrefix": "com.amazonaws"}
    return None


def assumed_role_arn(inputs: dict) -> str | None:
    roles = parse_json_text(inputs.get("assumeRoles"))
    return roles[0].get("roleArn") if isinstance(roles, list) and roles and isinstance(roles[0], dict) else None


def misspelled_provider_keys(inputs: dict) -> list[str]:
    """snake_case keys in an AWS provider's role settings, which the real provider silently ignores.

    A plain dict such as {"role_arn": ...} is serialized as written, and the provider then deploys with
    the caller's own credentials (pulumi/pulumi-aws#5271); the typed ProviderAssumeRoleArgs is safe.
    """
    found = []
    for setting in ("assumeRoles", "assumeRoleWithWebIdentity"):
        value = parse_json_text(inputs.get(setting))
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                found += [f"{setting}.{key}" for key in item if "_" in key]
    return found


def _first(value: Any) -> str | None:
    return value[0] if isinstance(value, list) and value and isinstance(value[0], str) else None


def _account_of(arn: str | None) -> str | None:
    parts = str(arn or "").split(":")
    return parts[4] if len(parts) > 5 and parts[4] else None
