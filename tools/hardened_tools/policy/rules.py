"""The library's invariants as pure rules, run over the offline plan and by the Pulumi policy pack (`policy-pack/`).

A `Rule` judges one resource, a `StackRule` all of a stack's resources. Both see resources as
`PlannedResource`: built from an offline-plan resource (`PlannedResource.from_plan`) or from what
pulumi-policy passes a policy during `pulumi preview` / `up` (`PlannedResource.from_policy_args`).
Checks return violation messages and never raise for bad input, except `UnknownInput` when a value
they need is not known yet (during a real preview); the policy pack turns that into pulumi-policy's
"can't run policy during preview" diagnostic, `evaluate_plan` into a violation.

Tiers: "production", "non-production", or None when nobody said; None is judged as production.

The rules' types, the tables of rules and `evaluate_plan` live here; the checks, their limits and the
resource types in `checks.py`; `PlannedResource`, the tiers and unknown values in `planned_resource.py`.
Every public name of the three is importable from here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from .checks import (
    BACKUP_VAULT,
    BACKUP_VAULT_LOCK,
    CLOUDTRAIL_TRAIL,
    DATA_BEARING_TYPES,
    GCP_BACKUP_VAULT,
    GCP_CRYPTO_KEY,
    GCP_FOLDER,
    GCP_PROJECT,
    GCS_BUCKET,
    IAM_ROLE,
    KMS_KEY,
    MAX_BREAK_GLASS_SESSION_SECONDS,
    MAX_KEY_ROTATION_DAYS,
    MAX_MFA_AGE_SECONDS,
    MINIMUM_RETENTION_DAYS,
    ORGANIZATIONS_ACCOUNT,
    PUBLIC_ACCESS_FLAGS,
    S3_ACCOUNT_PUBLIC_ACCESS_BLOCK,
    S3_BUCKET,
    S3_BUCKET_V2,
    S3_OBJECT_LOCK,
    S3_OBJECT_LOCK_V2,
    S3_PUBLIC_ACCESS_BLOCK,
    Finding,
    break_glass_requires_mfa,
    data_resource_protected,
    data_resource_retained,
    gcp_vault_enforces_retention,
    gcs_retention_locked,
    key_policies_sealed,
    keys_rotate,
    no_public_buckets,
    object_lock_compliance,
    vaults_locked,
)
from .planned_resource import (
    DEFAULT_TIER,
    NON_PRODUCTION,
    PRODUCTION,
    TIERS,
    UNKNOWN_SENTINELS,
    PlannedResource,
    Unknown,
    UnknownInput,
    checked_tier,
)

# Tests, the policy pack and `posture` import all of these from here.
__all__ = [
    "BACKUP_VAULT",
    "BACKUP_VAULT_LOCK",
    "CLOUDTRAIL_TRAIL",
    "DATA_BEARING_TYPES",
    "DEFAULT_TIER",
    "ENFORCEMENTS",
    "GCP_BACKUP_VAULT",
    "GCP_CRYPTO_KEY",
    "GCP_FOLDER",
    "GCP_PROJECT",
    "GCS_BUCKET",
    "IAM_ROLE",
    "KMS_KEY",
    "MAX_BREAK_GLASS_SESSION_SECONDS",
    "MAX_KEY_ROTATION_DAYS",
    "MAX_MFA_AGE_SECONDS",
    "MINIMUM_RETENTION_DAYS",
    "NON_PRODUCTION",
    "ORGANIZATIONS_ACCOUNT",
    "ORGANIZATION_TYPES",
    "PRODUCTION",
    "PUBLIC_ACCESS_FLAGS",
    "RULES",
    "RULE_NAMES",
    "S3_ACCOUNT_PUBLIC_ACCESS_BLOCK",
    "S3_BUCKET",
    "S3_BUCKET_V2",
    "S3_OBJECT_LOCK",
    "S3_OBJECT_LOCK_V2",
    "S3_PUBLIC_ACCESS_BLOCK",
    "STACK_RULES",
    "TIERS",
    "UNKNOWN_SENTINELS",
    "Enforcement",
    "Finding",
    "PlannedResource",
    "Rule",
    "StackRule",
    "Unknown",
    "UnknownInput",
    "Violation",
    "evaluate_plan",
    "tier_of",
]

Enforcement = Literal["mandatory", "advisory"]
ENFORCEMENTS = ("mandatory", "advisory")

ORGANIZATION_TYPES = (
    "aws:organizations/organization:Organization",
    "aws:organizations/organizationalUnit:OrganizationalUnit",
    ORGANIZATIONS_ACCOUNT,
)
"""Only the organization stack (kind organization) declares these."""


@dataclass(frozen=True)
class Rule:
    """An invariant of one resource: `check` returns what is wrong with it (nothing when it complies)."""

    name: str
    description: str
    enforcement: Enforcement
    resource_types: tuple[str, ...]
    check: Callable[[PlannedResource], list[str]]
    uses_tier: bool = False
    """Judges production and non-production stacks differently (the policy pack's `tier` config matters)."""

    def __post_init__(self) -> None:
        if self.enforcement not in ENFORCEMENTS:
            raise ValueError(f"rule {self.name}: enforcement must be one of {ENFORCEMENTS} (got {self.enforcement!r})")

    def applies_to(self, resource: PlannedResource) -> bool:
        return resource.type in self.resource_types


@dataclass(frozen=True)
class StackRule:
    """An invariant of a whole stack: `check` sees every resource (a message may be a `Finding` naming one)."""

    name: str
    description: str
    enforcement: Enforcement
    check: Callable[[list[PlannedResource]], list[str]]
    uses_tier: bool = False
    resource_types: tuple[str, ...] | None = None
    """The types `check` reads, when it reads only some: `evaluate_plan` passes it just those (in plan order), and
    builds no `PlannedResource` for a type no rule reads. None: it reads every resource."""

    def __post_init__(self) -> None:
        if self.enforcement not in ENFORCEMENTS:
            raise ValueError(f"rule {self.name}: enforcement must be one of {ENFORCEMENTS} (got {self.enforcement!r})")


@dataclass(frozen=True)
class Violation:
    """One broken rule in a plan."""

    policy: str
    enforcement: Enforcement
    urn: str
    name: str
    message: str

    def __str__(self) -> str:
        return f"[{self.enforcement}] {self.policy}: {self.name}: {self.message}"


RULES: tuple[Rule, ...] = (
    Rule(
        "object-lock-compliance-in-production",
        f"S3 Object Lock in production is COMPLIANCE mode with a default retention of at least {MINIMUM_RETENTION_DAYS} days.",
        "mandatory",
        (S3_OBJECT_LOCK, S3_OBJECT_LOCK_V2),
        object_lock_compliance,
        uses_tier=True,
    ),
    Rule(
        "no-public-buckets",
        "S3 public access blocks (bucket and account) turn on all four flags; GCS buckets enforce public access "
        "prevention and uniform bucket-level access.",
        "mandatory",
        (S3_PUBLIC_ACCESS_BLOCK, S3_ACCOUNT_PUBLIC_ACCESS_BLOCK, GCS_BUCKET),
        no_public_buckets,
    ),
    Rule(
        "kms-keys-rotate",
        f"AWS KMS keys enable key rotation; GCP KMS crypto keys rotate at least every {MAX_KEY_ROTATION_DAYS} days.",
        "mandatory",
        (KMS_KEY, GCP_CRYPTO_KEY),
        keys_rotate,
    ),
    Rule(
        "kms-key-policies-sealed",
        "AWS KMS key policies let no whole account (its IAM policies) and nobody at large replace them (kms:PutKeyPolicy): "
        "only named roles, such as break-glass.",
        "advisory",
        (KMS_KEY,),
        key_policies_sealed,
    ),
    Rule(
        "break-glass-requires-mfa",
        "IAM roles named break-glass, or trusted by IAM users, demand recent MFA (Bool aws:MultiFactorAuthPresent "
        f"true and NumericLessThan aws:MultiFactorAuthAge) in every Allow statement and last at most "
        f"{MAX_BREAK_GLASS_SESSION_SECONDS} seconds.",
        "mandatory",
        (IAM_ROLE,),
        break_glass_requires_mfa,
    ),
    Rule(
        "gcp-backup-vaults-enforce-retention",
        "GCP Backup and DR vaults enforce a minimum retention (backupMinimumEnforcedRetentionDuration), in "
        f"production at least {MINIMUM_RETENTION_DAYS} days.",
        "mandatory",
        (GCP_BACKUP_VAULT,),
        gcp_vault_enforces_retention,
        uses_tier=True,
    ),
    Rule(
        "data-resources-protected",
        "Data-bearing resources (buckets, keys, vaults and their locks, trails, accounts, GCP projects and folders) "
        "are protected from deletion by Pulumi.",
        "mandatory",
        DATA_BEARING_TYPES,
        data_resource_protected,
    ),
    Rule(
        "data-resources-retained",
        "Data-bearing resources are retained in the cloud when removed from the program (retainOnDelete).",
        "advisory",
        DATA_BEARING_TYPES,
        data_resource_retained,
    ),
    Rule(
        "gcs-retention-locked-in-production",
        "GCS buckets in production have a locked retention policy.",
        "advisory",
        (GCS_BUCKET,),
        gcs_retention_locked,
        uses_tier=True,
    ),
)

STACK_RULES: tuple[StackRule, ...] = (
    StackRule(
        "backup-vaults-locked",
        "Every AWS Backup vault has an aws:backup/vaultLockConfiguration naming it (in the same account and region).",
        "mandatory",
        vaults_locked,
        resource_types=(BACKUP_VAULT_LOCK, BACKUP_VAULT),
    ),
)

RULE_NAMES: tuple[str, ...] = tuple(rule.name for rule in RULES) + tuple(rule.name for rule in STACK_RULES)


# ---------------------------------------------------------------------------------------------------
# Running the rules over an offline plan.


def evaluate_plan(plan: Mapping[str, Any], tier: str | None = None) -> list[Violation]:
    """Every rule over every resource the plan declares (reads excluded); `tier` defaults to `tier_of(plan)`."""
    tier = checked_tier(tier) if tier is not None else tier_of(plan)
    declared = [r for r in plan.get("resources", []) if not r.get("read")]
    stack_urn = next((r["urn"] for r in declared if r["type"] == "pulumi:pulumi:Stack"), "")
    # Only the resources a rule reads are built (an organization's plan is mostly alarm forwarders no rule reads).
    read = _types_read()
    resources = [PlannedResource.from_plan(r, tier) for r in declared if read is None or r["type"] in read]
    violations: list[Violation] = []
    names: dict[str, str] | None = None  # by URN, for the resources stack rules name: made when one does
    for rule in RULES:
        for resource in resources:
            if not rule.applies_to(resource):
                continue
            for message in _run(functools.partial(rule.check, resource)):
                violations.append(Violation(rule.name, rule.enforcement, resource.urn, resource.name, str(message)))
    for stack_rule in STACK_RULES:
        types = stack_rule.resource_types
        seen = resources if types is None else [r for r in resources if r.type in types]
        for message in _run(functools.partial(stack_rule.check, seen)):
            urn = getattr(message, "urn", None) or stack_urn
            names = names if names is not None else {r["urn"]: r["name"] for r in declared}
            violations.append(Violation(stack_rule.name, stack_rule.enforcement, urn, names.get(urn, ""), str(message)))
    return violations


def _types_read() -> frozenset[str] | None:
    """Every type some rule reads; None when a stack rule reads every resource."""
    if any(rule.resource_types is None for rule in STACK_RULES):
        return None
    return frozenset(
        [t for rule in RULES for t in rule.resource_types]
        + [t for stack_rule in STACK_RULES for t in stack_rule.resource_types or ()]
    )


def _run(check: Callable[[], list[str]]) -> list[str]:
    try:
        return list(check())
    except UnknownInput as error:
        # The offline plan fills every computed value; an unknown one means the plan cannot vouch for it.
        return [Finding(f"cannot be checked: {'.'.join(error.path)} is not known", error.urn)]


def tier_of(plan: Mapping[str, Any]) -> str | None:
    """The stack's tier, from what the plan document holds, or None.

    In order: the stack config if the plan carries it (`<project>:tier`; kind organization is production),
    an exported `tier` output, the `hardened:tier` tags the environment stacks put on their resources and
    providers' default tags, and finally the organization stack's own resources (it is production-grade).
    """
    project = plan.get("project") or "hardened-accounts"
    config = plan.get("config") or {}
    if isinstance(config, Mapping):
        for key in (f"{project}:tier", "tier"):
            if config.get(key) in TIERS:
                return config[key]
        if config.get(f"{project}:kind") == "organization" or config.get("kind") == "organization":
            return PRODUCTION
    outputs = plan.get("outputs") or {}
    if isinstance(outputs, Mapping) and outputs.get("tier") in TIERS:
        return outputs["tier"]
    tagged = {tier for resource in plan.get("resources", []) for tier in _tier_tags(resource.get("inputs") or {})}
    if PRODUCTION in tagged:
        return PRODUCTION
    if NON_PRODUCTION in tagged:
        return NON_PRODUCTION
    if any(resource.get("type") in ORGANIZATION_TYPES for resource in plan.get("resources", [])):
        return PRODUCTION
    return None


def _tier_tags(inputs: Mapping[str, Any]) -> Iterable[str]:
    default_tags = inputs.get("defaultTags")
    for tags in (inputs.get("tags"), default_tags.get("tags") if isinstance(default_tags, Mapping) else None):
        if isinstance(tags, Mapping) and tags.get("hardened:tier") in TIERS:
            yield tags["hardened:tier"]
