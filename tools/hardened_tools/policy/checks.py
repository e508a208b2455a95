"""The checks behind the rules: each takes a `PlannedResource` (or all of a stack's) and returns what is wrong.

A check returns violation messages, never raises for bad input, and raises `UnknownInput` (through
`PlannedResource.get`) when a value it needs is not known yet. The limits and resource types the
checks judge by live here too; `rules.py` names and describes each check as a rule.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from typing import Any

from hardened.json_text import parse_number
from hardened.resource_types import DATA_BEARING

from .planned_resource import PlannedResource

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
AIR_GAPPED_VAULT = "aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault"
BACKUP_VAULT_LOCK = "aws:backup/vaultLockConfiguration:VaultLockConfiguration"
CLOUDTRAIL_TRAIL = "aws:cloudtrail/trail:Trail"
ORGANIZATIONS_ACCOUNT = "aws:organizations/account:Account"
GCS_BUCKET = "gcp:storage/bucket:Bucket"
GCP_CRYPTO_KEY = "gcp:kms/cryptoKey:CryptoKey"
GCP_BACKUP_VAULT = "gcp:backupdisasterrecovery/backupVault:BackupVault"
GCP_PROJECT = "gcp:organizations/project:Project"
GCP_FOLDER = "gcp:organizations/folder:Folder"

DATA_BEARING_TYPES = tuple(sorted(DATA_BEARING))
"""Resources whose deletion loses data or evidence (or, for accounts, projects and folders, everything in them):
the catalogue's (`hardened.resource_types`)."""


class Finding(str):
    """A violation message that names the resource it is about (stack rules judge many resources)."""

    urn: str | None

    def __new__(cls, message: str, urn: str | None = None) -> Finding:
        finding = super().__new__(cls, message)
        finding.urn = urn
        return finding


# ---------------------------------------------------------------------------------------------------
# The checks.


def object_lock_compliance(resource: PlannedResource) -> list[str]:
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


def no_public_buckets(resource: PlannedResource) -> list[str]:
    if resource.type == GCS_BUCKET:
        problems = []
        prevention = resource.get("publicAccessPrevention")
        if prevention != "enforced":
            problems.append(
                f"publicAccessPrevention is {prevention!r}: set it to 'enforced' so no object can be made public"
            )
        if not _true(resource.get("uniformBucketLevelAccess")):
            problems.append(
                "uniformBucketLevelAccess is off: object ACLs could grant access the bucket's IAM policy does not show"
            )
        return problems
    scope = "account" if resource.type == S3_ACCOUNT_PUBLIC_ACCESS_BLOCK else "bucket"
    off = [flag for flag in PUBLIC_ACCESS_FLAGS if not _true(resource.get(flag))]
    if off:
        return [
            f"{', '.join(off)} not true: the {scope}-level public access block must turn on all four of {', '.join(PUBLIC_ACCESS_FLAGS)}"
        ]
    return []


def keys_rotate(resource: PlannedResource) -> list[str]:
    if resource.type == GCP_CRYPTO_KEY:
        period = resource.get("rotationPeriod")
        if period is None:
            return [
                f"no rotationPeriod: give one of at most {MAX_KEY_ROTATION_DAYS} days (such as '7776000s', 90 days)"
            ]
        seconds = _duration_seconds(period)
        if seconds is None:
            return [f"rotationPeriod {period!r} is not a duration in seconds such as '7776000s'"]
        if seconds > MAX_KEY_ROTATION_DAYS * 86400:
            return [
                f"rotationPeriod is {_days(seconds / 86400)}: keys rotate at least every {MAX_KEY_ROTATION_DAYS} days"
            ]
        return []
    if not _true(resource.get("enableKeyRotation")):
        return ["enableKeyRotation is not true: customer-managed keys rotate their key material every year or sooner"]
    days = _number(resource.get("rotationPeriodInDays"))
    if days is not None and days > MAX_KEY_ROTATION_DAYS:
        return [f"rotationPeriodInDays is {days:g}: keys rotate at least every {MAX_KEY_ROTATION_DAYS} days"]
    return []


def key_policies_sealed(resource: PlannedResource) -> list[str]:
    """A key policy that lets a whole account (through its IAM policies) or everyone replace it lets any administrator
    hand the key to an outsider and lock the owner out of what it encrypts (documents/key_policy.py grants it to
    named break-glass roles only)."""
    policy = resource.get("policy")
    if policy is None:
        return [
            "no key policy: KMS's default one lets the account's IAM policies grant kms:PutKeyPolicy to any administrator; "
            "name the roles that may replace it (break-glass)"
        ]
    problems = []
    for index, statement in enumerate(_statements(policy)):
        if not _allows(statement) or not _grants(statement, "kms:PutKeyPolicy"):
            continue
        broad = [p for p in _aws_principals(statement) if p == "*" or _WHOLE_ACCOUNT.fullmatch(p)]
        if broad:
            problems.append(
                f"key policy statement {statement.get('Sid') or f'#{index}'} lets {', '.join(broad)} replace the policy "
                "(kms:PutKeyPolicy): any administrator there could lock the owner out; grant it to named break-glass roles only"
            )
    return problems


def break_glass_requires_mfa(resource: PlannedResource) -> list[str]:
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
        condition = statement.get("Condition")
        conditions = condition if isinstance(condition, Mapping) else {}
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
        problems.append(
            f"{what}: maxSessionDuration is {session}; sessions last at most {MAX_BREAK_GLASS_SESSION_SECONDS} seconds"
        )
    return problems


def gcp_vault_enforces_retention(resource: PlannedResource) -> list[str]:
    duration = resource.get("backupMinimumEnforcedRetentionDuration")
    if duration is None:
        return ["no backupMinimumEnforcedRetentionDuration: the vault must enforce a minimum retention"]
    seconds = _duration_seconds(duration)
    if seconds is None or seconds <= 0:
        return [
            f"backupMinimumEnforcedRetentionDuration {duration!r} enforces nothing: give a positive duration such as '3024000s'"
        ]
    if resource.production and seconds < MINIMUM_RETENTION_DAYS * 86400:
        return [
            f"backupMinimumEnforcedRetentionDuration is {_days(seconds / 86400)}: production keeps at least {MINIMUM_RETENTION_DAYS} days"
        ]
    return []


def data_resource_protected(resource: PlannedResource) -> list[str]:
    if resource.protect:
        return []
    return ["protect is not set: a data-bearing resource must not be deletable by `pulumi destroy` or a refactoring"]


def data_resource_retained(resource: PlannedResource) -> list[str]:
    if resource.retain_on_delete is None or resource.retain_on_delete:
        return []
    return ["retainOnDelete is not set: removing it from the program would delete it in the cloud"]


def gcs_retention_locked(resource: PlannedResource) -> list[str]:
    if not resource.production:
        return []
    policy = resource.get("retentionPolicy")
    if not isinstance(policy, Mapping) or not _true(policy.get("isLocked")):
        return [
            "retention policy is not locked: a production bucket's retention policy is locked so nobody can shorten it"
        ]
    return []


def vaults_locked(resources: list[PlannedResource]) -> list[str]:
    locks = [r for r in resources if r.type == BACKUP_VAULT_LOCK]
    locked = {(lock.provider, lock.get("backupVaultName")) for lock in locks}
    locked_names = {name for _, name in locked}
    findings: list[str] = []
    for vault in (r for r in resources if r.type == BACKUP_VAULT):
        name = vault.get("name") or vault.output("name")
        if not name:
            findings.append(
                Finding(f"backup vault {vault.name} has no name a vault lock configuration could name", vault.urn)
            )
            continue
        if (
            (vault.provider, name) in locked
            or (vault.provider is None and name in locked_names)
            or (None, name) in locked
        ):
            continue
        findings.append(
            Finding(
                f"backup vault {name!r} ({vault.name}) has no aws:backup/vaultLockConfiguration naming it: "
                "without Vault Lock anyone with backup:DeleteRecoveryPoint can delete its recovery points",
                vault.urn,
            )
        )
    return findings


# ---------------------------------------------------------------------------------------------------
# Helpers.


def _days(days: float) -> str:
    return f"{days:g} day" if days == 1 else f"{days:g} days"


def _true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _number(value: Any) -> float | None:
    return parse_number(value)


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


_WHOLE_ACCOUNT = re.compile(r"^(arn:aws[a-z-]*:iam::)?\d{12}(:root)?$")


def _grants(statement: Mapping[str, Any], action: str) -> bool:
    """Whether the statement's Action (wildcards included, case-insensitive as IAM matches) covers `action`."""
    actions = statement.get("Action")
    listed = [actions] if isinstance(actions, str) else actions if isinstance(actions, list) else []
    return any(isinstance(a, str) and fnmatch.fnmatchcase(action.lower(), a.lower()) for a in listed)


def _aws_principals(statement: Mapping[str, Any]) -> list[str]:
    principal = statement.get("Principal")
    if principal == "*":
        return ["*"]
    aws = principal.get("AWS") if isinstance(principal, Mapping) else None
    return [aws] if isinstance(aws, str) else [a for a in aws if isinstance(a, str)] if isinstance(aws, list) else []


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
