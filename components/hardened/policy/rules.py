"""The library's invariants as pure rules, run over the offline plan and by the Pulumi policy pack (`policies/`).

A `Rule` judges one resource, a `StackRule` all of a stack's resources. Both see resources as
`PlannedResource`: built from an offline-plan resource (`PlannedResource.from_plan`) or from what
pulumi-policy passes a policy during `pulumi preview` / `up` (`PlannedResource.from_policy_args`).
Checks return violation messages and never raise for bad input, except `UnknownInput` when a value
they need is not known yet (during a real preview); the policy pack turns that into pulumi-policy's
"can't run policy during preview" diagnostic, `evaluate_plan` into a violation.

Tiers: "production", "non-production", or None when nobody said; None is judged as production.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ..json_text import parse_json_text

PRODUCTION = "production"
NON_PRODUCTION = "non-production"
TIERS = (PRODUCTION, NON_PRODUCTION)
DEFAULT_TIER = PRODUCTION

MINIMUM_RETENTION_DAYS = 30
"""The shortest retention a production lock may have, in days: S3 Object Lock default retention (COMPLIANCE)
and the enforced minimum of GCP Backup and DR vaults. A month covers the time ransomware usually sits
unnoticed before it strikes; the production stacks keep 35 days and more."""

MAX_BREAK_GLASS_SESSION_SECONDS = 3600
"""The longest session a break-glass role may grant (IAM's default for roles), as BreakGlassAccess sets it."""

MAX_MFA_AGE_SECONDS = 3600
"""The oldest MFA sign-in a break-glass trust may accept, the upper bound BreakGlassAccess accepts."""

MAX_KEY_ROTATION_DAYS = 365
"""Keys rotate at least once a year: AWS KMS `rotationPeriodInDays`, GCP KMS `rotationPeriod`."""

Enforcement = Literal["mandatory", "advisory"]
ENFORCEMENTS = ("mandatory", "advisory")

# Resource types, as Pulumi tokens.
S3_BUCKET = "aws:s3/bucket:Bucket"
S3_BUCKET_V2 = "aws:s3/bucketV2:BucketV2"
S3_OBJECT_LOCK = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"
S3_OBJECT_LOCK_V2 = "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2"
S3_PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
S3_ACCOUNT_PUBLIC_ACCESS_BLOCK = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"
KMS_KEY = "aws:kms/key:Key"
IAM_ROLE = "aws:iam/role:Role"
BACKUP_VAULT = "aws:backup/vault:Vault"
BACKUP_VAULT_LOCK = "aws:backup/vaultLockConfiguration:VaultLockConfiguration"
CLOUDTRAIL_TRAIL = "aws:cloudtrail/trail:Trail"
ORGANIZATIONS_ACCOUNT = "aws:organizations/account:Account"
GCS_BUCKET = "gcp:storage/bucket:Bucket"
GCP_CRYPTO_KEY = "gcp:kms/cryptoKey:CryptoKey"
GCP_BACKUP_VAULT = "gcp:backupdisasterrecovery/backupVault:BackupVault"
GCP_PROJECT = "gcp:organizations/project:Project"
GCP_FOLDER = "gcp:organizations/folder:Folder"

DATA_BEARING_TYPES = (
    S3_BUCKET, S3_BUCKET_V2, KMS_KEY, BACKUP_VAULT, BACKUP_VAULT_LOCK, CLOUDTRAIL_TRAIL, ORGANIZATIONS_ACCOUNT,
    GCS_BUCKET, GCP_CRYPTO_KEY, GCP_BACKUP_VAULT, GCP_PROJECT, GCP_FOLDER,
)
"""Resources whose deletion loses data or evidence (or, for accounts, projects and folders, everything in them)."""

ORGANIZATION_TYPES = (
    "aws:organizations/organization:Organization",
    "aws:organizations/organizationalUnit:OrganizationalUnit",
    ORGANIZATIONS_ACCOUNT,
)
"""Only the organization stack (kind organization) declares these."""

# The engine's sentinels for values not known during preview (as in pulumi_policy.proxy).
UNKNOWN_SENTINELS = frozenset({
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",  # boolean
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421",  # number
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9",  # string
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",  # array
    "030794c1-ac77-496b-92df-f27374a8bd58",  # asset
    "e48ece36-62e2-4504-bad9-02848725956a",  # archive
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",  # object
})


@dataclass(frozen=True)
class Unknown:
    """A value the engine does not know yet (during preview), in place of its sentinel string."""

    sentinel: str

    def __repr__(self) -> str:
        return "<unknown during preview>"


class UnknownInput(Exception):
    """A rule needs a value that is not known yet; raised by `PlannedResource.get`."""

    def __init__(self, urn: str, path: Sequence[str | int], sentinel: str) -> None:
        self.urn = urn
        self.path = [str(step) for step in path]
        self.sentinel = sentinel
        super().__init__(f"{'.'.join(self.path)} of {urn} is not known yet")


class Finding(str):
    """A violation message that names the resource it is about (stack rules judge many resources)."""

    urn: str | None

    def __new__(cls, message: str, urn: str | None = None) -> "Finding":
        finding = super().__new__(cls, message)
        finding.urn = urn
        return finding


@dataclass(frozen=True)
class PlannedResource:
    """One resource as the rules see it: inputs with policy documents parsed, options, and the stack's tier."""

    type: str
    name: str
    urn: str
    inputs: Mapping[str, Any]
    protect: bool | None = False
    retain_on_delete: bool | None = False
    """None when not known: pulumi-policy does not pass retainOnDelete to policies."""
    stack_tier: str | None = None
    outputs: Mapping[str, Any] = field(default_factory=dict)
    provider: str | None = None
    """The URN of the resource's provider, when known (tells apart same-named resources in two accounts)."""

    @classmethod
    def from_plan(cls, resource: Mapping[str, Any], tier: str | None = None) -> "PlannedResource":
        """A resource of an offline plan document (`hardened.plan.build_plan`)."""
        return cls(
            type=resource["type"],
            name=resource["name"],
            urn=resource["urn"],
            inputs=dict(resource.get("inputs") or {}),
            protect=bool(resource.get("protect")),
            retain_on_delete=bool(resource.get("retain_on_delete")),
            stack_tier=_checked_tier(tier),
            outputs=dict(resource.get("outputs") or {}),
            provider=resource.get("provider"),
        )

    @classmethod
    def from_policy_args(cls, args: Any, tier: str | None = None) -> "PlannedResource":
        """What pulumi-policy passes: `ResourceValidationArgs` (props are inputs) or a stack's `PolicyResource`
        (props are outputs). JSON-text policy documents are parsed; unknown values become `Unknown`."""
        props = _plain(args.props)
        opts = getattr(args, "opts", None)
        provider = getattr(args, "provider", None)
        return cls(
            type=args.resource_type,
            name=args.name,
            urn=args.urn,
            inputs=props,
            protect=bool(getattr(opts, "protect", False)),
            # PolicyResourceOptions (pulumi-policy 1.21) has no retain_on_delete; None means "not known".
            retain_on_delete=getattr(opts, "retain_on_delete", None),
            stack_tier=_checked_tier(tier),
            outputs=props if isinstance(args, _stack_resource_types()) else {},
            provider=getattr(provider, "urn", None),
        )

    @property
    def production(self) -> bool:
        """Judged as production: the tier says so, or nobody said."""
        return self.stack_tier != NON_PRODUCTION

    def get(self, *path: str | int, default: Any = None) -> Any:
        """The input at `path` (keys and list indexes), `default` if absent; raises UnknownInput if not known yet."""
        value: Any = self.inputs
        for depth, step in enumerate(path):
            if isinstance(value, Unknown):
                raise UnknownInput(self.urn, path[:depth], value.sentinel)
            if isinstance(value, Mapping) and isinstance(step, str):
                if step not in value:
                    return default
                value = value[step]
            elif isinstance(value, list) and isinstance(step, int):
                if not -len(value) <= step < len(value):
                    return default
                value = value[step]
            else:
                return default
        _require_known(value, self.urn, list(path))
        return default if value is None else value

    def output(self, key: str) -> Any:
        value = self.outputs.get(key)
        _require_known(value, self.urn, [key])
        return value


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


# ---------------------------------------------------------------------------------------------------
# The checks.


def _object_lock_compliance(resource: PlannedResource) -> list[str]:
    if not resource.production:
        return []
    wanted = f"production buckets keep every version under COMPLIANCE for at least {MINIMUM_RETENTION_DAYS} days"
    retention = resource.get("rule", "defaultRetention")
    if not isinstance(retention, Mapping):
        return [f"no default retention: {wanted}"]
    problems = []
    mode = retention.get("mode")
    if mode != "COMPLIANCE":
        problems.append(f"retention mode is {mode!r}, which an administrator can lift: {wanted}")
    days = _days_of_retention(retention)
    if days is None:
        problems.append(f"default retention names neither days nor years: {wanted}")
    elif days < MINIMUM_RETENTION_DAYS:
        problems.append(f"default retention is {_days(days)}: {wanted}")
    return problems


def _days_of_retention(retention: Mapping[str, Any]) -> float | None:
    days, years = _number(retention.get("days")), _number(retention.get("years"))
    if days is not None:
        return days
    if years is not None:
        return years * 365
    return None


PUBLIC_ACCESS_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


def _no_public_buckets(resource: PlannedResource) -> list[str]:
    if resource.type == GCS_BUCKET:
        problems = []
        prevention = resource.get("publicAccessPrevention")
        if prevention != "enforced":
            problems.append(f"publicAccessPrevention is {prevention!r}: set it to 'enforced' so no object can be made public")
        if not _true(resource.get("uniformBucketLevelAccess")):
            problems.append("uniformBucketLevelAccess is off: object ACLs could grant access the bucket's IAM policy does not show")
        return problems
    scope = "account" if resource.type == S3_ACCOUNT_PUBLIC_ACCESS_BLOCK else "bucket"
    off = [flag for flag in PUBLIC_ACCESS_FLAGS if not _true(resource.get(flag))]
    if off:
        return [f"{', '.join(off)} not true: the {scope}-level public access block must turn on all four of {', '.join(PUBLIC_ACCESS_FLAGS)}"]
    return []


def _keys_rotate(resource: PlannedResource) -> list[str]:
    if resource.type == GCP_CRYPTO_KEY:
        period = resource.get("rotationPeriod")
        if period is None:
            return [f"no rotationPeriod: give one of at most {MAX_KEY_ROTATION_DAYS} days (such as '7776000s', 90 days)"]
        seconds = _duration_seconds(period)
        if seconds is None:
            return [f"rotationPeriod {period!r} is not a duration in seconds such as '7776000s'"]
        if seconds > MAX_KEY_ROTATION_DAYS * 86400:
            return [f"rotationPeriod is {_days(seconds / 86400)}: keys rotate at least every {MAX_KEY_ROTATION_DAYS} days"]
        return []
    if not _true(resource.get("enableKeyRotation")):
        return ["enableKeyRotation is not true: customer-managed keys rotate their key material every year or sooner"]
    days = _number(resource.get("rotationPeriodInDays"))
    if days is not None and days > MAX_KEY_ROTATION_DAYS:
        return [f"rotationPeriodInDays is {days:g}: keys rotate at least every {MAX_KEY_ROTATION_DAYS} days"]
    return []


def _break_glass_requires_mfa(resource: PlannedResource) -> list[str]:
    trust = resource.get("assumeRolePolicy")
    names = [resource.name, resource.get("name"), resource.get("namePrefix")]
    named_break_glass = any(isinstance(n, str) and "break-glass" in n.lower() for n in names)
    statements = _statements(trust)
    trusts_users = any(_allows(s) and _iam_user_principals(s) for s in statements)
    if not (named_break_glass or trusts_users):
        return []
    what = "break-glass role" if named_break_glass else "role trusted by IAM users"
    problems = []
    if not isinstance(trust, Mapping):
        problems.append(f"{what} has no readable trust policy: it must demand MFA of everyone it trusts")
    for index, statement in enumerate(statements):
        if not _allows(statement):
            continue
        sid = statement.get("Sid") or f"#{index}"
        conditions = statement.get("Condition") if isinstance(statement.get("Condition"), Mapping) else {}
        present = _condition_values(conditions, "Bool", "aws:MultiFactorAuthPresent")
        if not present or not all(_true(v) for v in present):
            problems.append(f"{what}: trust statement {sid} does not require Bool aws:MultiFactorAuthPresent true")
        ages = _condition_values(conditions, "NumericLessThan", "aws:MultiFactorAuthAge")
        numbers = [_number(v) for v in ages]
        if not ages:
            problems.append(f"{what}: trust statement {sid} does not limit NumericLessThan aws:MultiFactorAuthAge")
        elif any(n is None or n <= 0 or n > MAX_MFA_AGE_SECONDS for n in numbers):
            problems.append(
                f"{what}: trust statement {sid} accepts MFA up to {', '.join(map(str, ages))} seconds old; "
                f"at most {MAX_MFA_AGE_SECONDS} seconds"
            )
    session = resource.get("maxSessionDuration")
    seconds = _number(session)
    if session is not None and (seconds is None or seconds > MAX_BREAK_GLASS_SESSION_SECONDS):
        problems.append(f"{what}: maxSessionDuration is {session}; sessions last at most {MAX_BREAK_GLASS_SESSION_SECONDS} seconds")
    return problems


def _gcp_vault_enforces_retention(resource: PlannedResource) -> list[str]:
    duration = resource.get("backupMinimumEnforcedRetentionDuration")
    if duration is None:
        return ["no backupMinimumEnforcedRetentionDuration: the vault must enforce a minimum retention"]
    seconds = _duration_seconds(duration)
    if seconds is None or seconds <= 0:
        return [f"backupMinimumEnforcedRetentionDuration {duration!r} enforces nothing: give a positive duration such as '3024000s'"]
    if resource.production and seconds < MINIMUM_RETENTION_DAYS * 86400:
        return [f"backupMinimumEnforcedRetentionDuration is {_days(seconds / 86400)}: production keeps at least {MINIMUM_RETENTION_DAYS} days"]
    return []


def _protected(resource: PlannedResource) -> list[str]:
    if resource.protect:
        return []
    return ["protect is not set: a data-bearing resource must not be deletable by `pulumi destroy` or a refactoring"]


def _retained(resource: PlannedResource) -> list[str]:
    if resource.retain_on_delete is None or resource.retain_on_delete:
        return []
    return ["retainOnDelete is not set: removing it from the program would delete it in the cloud"]


def _gcs_retention_locked(resource: PlannedResource) -> list[str]:
    if not resource.production:
        return []
    policy = resource.get("retentionPolicy")
    if not isinstance(policy, Mapping) or not _true(policy.get("isLocked")):
        return ["retention policy is not locked: a production bucket's retention policy is locked so nobody can shorten it"]
    return []


def _vaults_locked(resources: list[PlannedResource]) -> list[str]:
    locks = [r for r in resources if r.type == BACKUP_VAULT_LOCK]
    locked = {(lock.provider, lock.get("backupVaultName")) for lock in locks}
    locked_names = {name for _, name in locked}
    findings: list[str] = []
    for vault in (r for r in resources if r.type == BACKUP_VAULT):
        name = vault.get("name") or vault.output("name")
        if not name:
            findings.append(Finding(f"backup vault {vault.name} has no name a vault lock configuration could name", vault.urn))
            continue
        if (vault.provider, name) in locked or (vault.provider is None and name in locked_names) or (None, name) in locked:
            continue
        findings.append(Finding(
            f"backup vault {name!r} ({vault.name}) has no aws:backup/vaultLockConfiguration naming it: "
            "without Vault Lock anyone with backup:DeleteRecoveryPoint can delete its recovery points",
            vault.urn,
        ))
    return findings


RULES: tuple[Rule, ...] = (
    Rule(
        "object-lock-compliance-in-production",
        f"S3 Object Lock in production is COMPLIANCE mode with a default retention of at least {MINIMUM_RETENTION_DAYS} days.",
        "mandatory", (S3_OBJECT_LOCK, S3_OBJECT_LOCK_V2), _object_lock_compliance, uses_tier=True,
    ),
    Rule(
        "no-public-buckets",
        "S3 public access blocks (bucket and account) turn on all four flags; GCS buckets enforce public access "
        "prevention and uniform bucket-level access.",
        "mandatory", (S3_PUBLIC_ACCESS_BLOCK, S3_ACCOUNT_PUBLIC_ACCESS_BLOCK, GCS_BUCKET), _no_public_buckets,
    ),
    Rule(
        "kms-keys-rotate",
        f"AWS KMS keys enable key rotation; GCP KMS crypto keys rotate at least every {MAX_KEY_ROTATION_DAYS} days.",
        "mandatory", (KMS_KEY, GCP_CRYPTO_KEY), _keys_rotate,
    ),
    Rule(
        "break-glass-requires-mfa",
        "IAM roles named break-glass, or trusted by IAM users, demand recent MFA (Bool aws:MultiFactorAuthPresent "
        f"true and NumericLessThan aws:MultiFactorAuthAge) in every Allow statement and last at most "
        f"{MAX_BREAK_GLASS_SESSION_SECONDS} seconds.",
        "mandatory", (IAM_ROLE,), _break_glass_requires_mfa,
    ),
    Rule(
        "gcp-backup-vaults-enforce-retention",
        "GCP Backup and DR vaults enforce a minimum retention (backupMinimumEnforcedRetentionDuration), in "
        f"production at least {MINIMUM_RETENTION_DAYS} days.",
        "mandatory", (GCP_BACKUP_VAULT,), _gcp_vault_enforces_retention, uses_tier=True,
    ),
    Rule(
        "data-resources-protected",
        "Data-bearing resources (buckets, keys, vaults and their locks, trails, accounts, GCP projects and folders) "
        "are protected from deletion by Pulumi.",
        "mandatory", DATA_BEARING_TYPES, _protected,
    ),
    Rule(
        "data-resources-retained",
        "Data-bearing resources are retained in the cloud when removed from the program (retainOnDelete).",
        "advisory", DATA_BEARING_TYPES, _retained,
    ),
    Rule(
        "gcs-retention-locked-in-production",
        "GCS buckets in production have a locked retention policy.",
        "advisory", (GCS_BUCKET,), _gcs_retention_locked, uses_tier=True,
    ),
)

STACK_RULES: tuple[StackRule, ...] = (
    StackRule(
        "backup-vaults-locked",
        "Every AWS Backup vault has an aws:backup/vaultLockConfiguration naming it (in the same account and region).",
        "mandatory", _vaults_locked,
    ),
)

RULE_NAMES: tuple[str, ...] = tuple(rule.name for rule in RULES) + tuple(rule.name for rule in STACK_RULES)


# ---------------------------------------------------------------------------------------------------
# Running the rules over an offline plan.


def evaluate_plan(plan: Mapping[str, Any], tier: str | None = None) -> list[Violation]:
    """Every rule over every resource the plan declares (reads excluded); `tier` defaults to `tier_of(plan)`."""
    tier = _checked_tier(tier) if tier is not None else tier_of(plan)
    resources = [PlannedResource.from_plan(r, tier) for r in plan.get("resources", []) if not r.get("read")]
    stack_urn = next((r.urn for r in resources if r.type == "pulumi:pulumi:Stack"), "")
    names = {r.urn: r.name for r in resources}
    violations: list[Violation] = []
    for rule in RULES:
        for resource in resources:
            if not rule.applies_to(resource):
                continue
            for message in _run(lambda rule=rule, resource=resource: rule.check(resource)):
                violations.append(Violation(rule.name, rule.enforcement, resource.urn, resource.name, str(message)))
    for stack_rule in STACK_RULES:
        for message in _run(lambda stack_rule=stack_rule: stack_rule.check(resources)):
            urn = getattr(message, "urn", None) or stack_urn
            violations.append(Violation(stack_rule.name, stack_rule.enforcement, urn, names.get(urn, ""), str(message)))
    return violations


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


# ---------------------------------------------------------------------------------------------------
# Helpers.


def _checked_tier(tier: str | None) -> str | None:
    if tier is not None and tier not in TIERS:
        raise ValueError(f"tier must be one of {', '.join(TIERS)} (got {tier!r})")
    return tier


def _stack_resource_types() -> tuple[type, ...]:
    try:
        from pulumi_policy import PolicyResource
    except ImportError:  # pragma: no cover - the pack always has pulumi-policy
        return ()
    return (PolicyResource,)


def _plain(value: Any) -> Any:
    """pulumi-policy's unknown-checking proxies as plain dicts and lists, without touching their unknowns;
    unknown sentinels become `Unknown`, JSON-text policy documents are parsed."""
    if isinstance(value, str):
        if value in UNKNOWN_SENTINELS:
            return Unknown(value)
        parsed = parse_json_text(value)
        if isinstance(parsed, dict) and "Statement" in parsed:
            return _plain(parsed)
        return value
    if isinstance(value, Mapping):
        raw = value if isinstance(value, dict) else _proxy_target(value)
        return {key: _plain(raw[key]) for key in raw}
    if isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        raw = value if isinstance(value, (list, tuple)) else _proxy_target(value)
        return [_plain(item) for item in raw]
    return value


def _proxy_target(container: Any) -> Any:
    """The dict or list behind pulumi-policy's proxy: its items read without raising for unknowns."""
    try:
        target = container["__target"]
    except (KeyError, TypeError, IndexError):
        return container
    return target if isinstance(target, (dict, list)) else container


def _require_known(value: Any, urn: str, path: list[str | int]) -> None:
    if isinstance(value, Unknown):
        raise UnknownInput(urn, path, value.sentinel)
    if isinstance(value, Mapping):
        for key, item in value.items():
            _require_known(item, urn, [*path, key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _require_known(item, urn, [*path, index])


def _days(days: float) -> str:
    return f"{days:g} day" if days == 1 else f"{days:g} days"


def _true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


_DURATION = re.compile(r"^(\d+(?:\.\d{1,9})?)s$")


def _duration_seconds(value: Any) -> float | None:
    """A Google duration ('7776000s') in seconds, or None."""
    match = _DURATION.match(value) if isinstance(value, str) else None
    return float(match.group(1)) if match else None


def _statements(policy: Any) -> list[Mapping[str, Any]]:
    if not isinstance(policy, Mapping):
        return []
    statements = policy.get("Statement")
    if isinstance(statements, Mapping):
        statements = [statements]
    return [s for s in statements if isinstance(s, Mapping)] if isinstance(statements, list) else []


def _allows(statement: Mapping[str, Any]) -> bool:
    return statement.get("Effect") == "Allow"


def _iam_user_principals(statement: Mapping[str, Any]) -> list[str]:
    principal = statement.get("Principal")
    aws = principal.get("AWS") if isinstance(principal, Mapping) else None
    arns = [aws] if isinstance(aws, str) else aws if isinstance(aws, list) else []
    return [arn for arn in arns if isinstance(arn, str) and re.match(r"^arn:aws[a-z-]*:iam::\d{12}:user/", arn)]


def _condition_values(conditions: Mapping[str, Any], operator: str, key: str) -> list[Any]:
    """The values `conditions` gives `key` (case-insensitive, as IAM compares keys) under `operator`."""
    block = conditions.get(operator)
    if not isinstance(block, Mapping):
        return []
    values: list[Any] = []
    for name, value in block.items():
        if isinstance(name, str) and name.lower() == key.lower():
            values.extend(value if isinstance(value, list) else [value])
    return values
