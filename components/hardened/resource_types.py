"""What each resource type means to the backups: one catalogue, read by the policy rules (and so `posture`), `diff`,
`review` and the plan's text and markdown.

For each Pulumi type token: its role (it holds data or evidence, locks it, guards it, copies it, backs it up, tests
restores, records activity, or raises an alarm), what its removal loses, and two consequences of the role:
- `DATA_BEARING`: deleting it loses data or evidence (or, for an account, project or folder, everything in it); the
  policy rule `data-resources-protected` demands `protect` on every one, `review` reports its delete or replace.
- `SETTINGS_GUARDS`: it exists only to hold a guard (a lock, a policy, a bucket setting): every property but its tags
  is security-relevant, and `review` reports its delete or replace as it does a store's.
A type not listed means nothing special: its removal is judged by its content (a policy with Deny statements).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["store", "lock", "guard", "copy", "backup", "restore-test", "logging", "alarm"]

# What each role is, in words: the plan shows it beside every resource of a catalogued type.
ROLE_WORDS: dict[str, str] = {
    "store": "holds data or evidence",
    "lock": "locks data against deletion",
    "guard": "guards a store",
    "copy": "copies data elsewhere",
    "backup": "backs data up",
    "restore-test": "tests restores",
    "logging": "records activity",
    "alarm": "an alert path",
}

# The weakening each role's removal is reported as, by `hardened diff`.
REMOVAL_KINDS: dict[str, str] = {
    "store": "data-store-removed",
    "lock": "lock-removed",
    "copy": "copy-removed",
    "backup": "backup-removed",
    "restore-test": "restore-test-removed",
    "logging": "logging-removed",
    "alarm": "alarm-removed",
}


@dataclass(frozen=True)
class ResourceType:
    """One type token's meaning."""

    token: str
    role: Role
    loses: str
    """What removing it loses, as `hardened diff` says it; empty when its removal weakens nothing."""
    removal_kind: str = ""
    """The weakening kind reported when it is removed; by default its role's."""
    protected: bool = False
    """Data-bearing: the protect rule demands `protect` (and, advisory, `retainOnDelete`)."""
    settings_guard: bool = False
    """Every property is security-relevant: it exists only to hold a guard."""

    @property
    def described(self) -> str:
        """The meaning in words, as the plan shows it: what it is and what removing it loses."""
        return f"{ROLE_WORDS[self.role]} (removing it: {self.loses or 'weakens nothing'})"

    @property
    def removal(self) -> str | None:
        """The weakening kind of its removal, or None when removing it weakens nothing (no `loses`)."""
        if not self.loses:
            return None
        return self.removal_kind or REMOVAL_KINDS.get(self.role, "guardrail-removed")


def _row(tokens: str | tuple[str, ...], role: Role, loses: str, **flags) -> list[ResourceType]:
    return [ResourceType(token, role, loses, **flags) for token in ((tokens,) if isinstance(tokens, str) else tokens)]


_S3_SETTINGS = dict(settings_guard=True)
CATALOGUE: dict[str, ResourceType] = {
    t.token: t
    for t in [
        # Stores: deleting one loses the data, or makes it unreadable.
        *_row(
            ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2", "gcp:storage/bucket:Bucket"),
            "store",
            "the bucket and the copies in it",
            protected=True,
        ),
        *_row(
            (
                "aws:backup/vault:Vault",
                "aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault",
                "gcp:backupdisasterrecovery/backupVault:BackupVault",
            ),
            "store",
            "the vault and its recovery points",
            protected=True,
        ),
        *_row(
            (
                "aws:kms/key:Key",
                "aws:kms/replicaKey:ReplicaKey",
                "aws:kms/externalKey:ExternalKey",
                "aws:kms/replicaExternalKey:ReplicaExternalKey",
                "gcp:kms/cryptoKey:CryptoKey",
                "gcp:kms/keyRing:KeyRing",
            ),
            "store",
            "what it encrypts is unreadable once it is deleted",
            protected=True,
        ),
        *_row("aws:organizations/account:Account", "store", "the account and everything in it", protected=True),
        *_row(
            "aws:organizations/organization:Organization",
            "store",
            "the organization, its accounts and every guardrail",
            protected=True,
        ),
        *_row("gcp:organizations/project:Project", "store", "the project and everything in it", protected=True),
        *_row(
            "gcp:organizations/folder:Folder", "store", "the folder, its projects and its guardrails", protected=True
        ),
        # The trail's CloudWatch Logs copy is a working copy (90 days) for its alarms; the locked bucket keeps the record.
        *_row("aws:cloudwatch/logGroup:LogGroup", "store", "the logs in it"),
        # Locks: deleting one unlocks what it held.
        *_row(
            (
                "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
                "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2",
            ),
            "lock",
            "objects written from now on are not locked",
            **_S3_SETTINGS,
        ),
        *_row(
            "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
            "lock",
            "recovery points in the vault can be deleted",
            protected=True,
            settings_guard=True,
        ),
        # Guards: policies and settings that keep a store closed.
        *_row(
            "aws:organizations/policy:Policy",
            "guard",
            "its Deny statements no longer apply",
            settings_guard=True,
            removal_kind="guardrail-removed",
        ),
        *_row(
            "aws:organizations/policyAttachment:PolicyAttachment",
            "guard",
            "the policy no longer applies to its target",
            settings_guard=True,
            removal_kind="guardrail-removed",
        ),
        *_row(
            "gcp:orgpolicy/policy:Policy",
            "guard",
            "the constraint is no longer enforced",
            settings_guard=True,
            removal_kind="guardrail-removed",
        ),
        *_row(
            "gcp:iam/denyPolicy:DenyPolicy",
            "guard",
            "its deny rules no longer apply",
            settings_guard=True,
            removal_kind="guardrail-removed",
        ),
        *_row(
            "aws:s3/bucketPolicy:BucketPolicy",
            "guard",
            "the bucket's Deny statements no longer apply",
            **_S3_SETTINGS,
            removal_kind="guardrail-removed",
        ),
        *_row(
            "aws:backup/vaultPolicy:VaultPolicy",
            "guard",
            "the vault's Deny statements no longer apply",
            settings_guard=True,
            removal_kind="guardrail-removed",
        ),
        *_row(
            "aws:kms/keyPolicy:KeyPolicy",
            "guard",
            "the key falls back to the policy it was created with",
            settings_guard=True,
            removal_kind="guardrail-removed",
        ),
        *_row(
            "aws:iam/organizationsFeatures:OrganizationsFeatures",
            "guard",
            "central root access management is off",
            removal_kind="guardrail-removed",
        ),
        *_row(
            "gcp:resourcemanager/lien:Lien",
            "guard",
            "the project can be deleted",
            removal_kind="deletion-protection-removed",
        ),
        *_row(
            "aws:iam/accountPasswordPolicy:AccountPasswordPolicy",
            "guard",
            "the account falls back to the default password policy",
            removal_kind="password-policy-weakened",
        ),
        *_row(
            ("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",),
            "guard",
            "public ACLs and policies are no longer blocked",
            **_S3_SETTINGS,
            removal_kind="public-access-opened",
        ),
        *_row(
            "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock",
            "guard",
            "public ACLs and policies are no longer blocked",
            removal_kind="public-access-opened",
        ),
        *_row(
            "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
            "guard",
            "ACLs are honoured again",
            removal_kind="public-access-opened",
        ),
        *_row(
            ("aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"),
            "guard",
            "versioning is no longer managed",
            **_S3_SETTINGS,
            removal_kind="versioning-suspended",
        ),
        *_row(
            (
                "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
            ),
            "guard",
            "objects are no longer encrypted with the customer-managed key",
            **_S3_SETTINGS,
            removal_kind="encryption-weakened",
        ),
        # Its removal keeps versions longer, which weakens nothing; a change to it (an earlier expiry) is judged by review.
        *_row(
            (
                "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
            ),
            "guard",
            "",
            **_S3_SETTINGS,
        ),
        # Copies, backups, restore tests.
        *_row(
            "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
            "copy",
            "new versions are no longer replicated",
            **_S3_SETTINGS,
        ),
        *_row("gcp:storage/transferJob:TransferJob", "copy", "the copy to the other vendor stops"),
        *_row("aws:backup/plan:Plan", "backup", "scheduled backups and their copies stop"),
        *_row("aws:backup/selection:Selection", "backup", "its resources are no longer backed up"),
        *_row(
            (
                "gcp:backupdisasterrecovery/backupPlan:BackupPlan",
                "gcp:backupdisasterrecovery/backupPlanAssociation:BackupPlanAssociation",
            ),
            "backup",
            "scheduled backups stop",
        ),
        *_row(
            (
                "aws:backup/restoreTestingPlan:RestoreTestingPlan",
                "aws:backup/restoreTestingSelection:RestoreTestingSelection",
            ),
            "restore-test",
            "restores are no longer tested",
        ),
        # Records and alarms.
        *_row("aws:cloudtrail/trail:Trail", "logging", "API activity is no longer recorded", protected=True),
        *_row(
            (
                "aws:cloudwatch/eventRule:EventRule",
                "aws:cloudwatch/eventTarget:EventTarget",
                "aws:cloudwatch/metricAlarm:MetricAlarm",
                "aws:cloudwatch/logMetricFilter:LogMetricFilter",
                "aws:sns/topicSubscription:TopicSubscription",
                "gcp:monitoring/alertPolicy:AlertPolicy",
                "gcp:logging/metric:Metric",
                "gcp:monitoring/notificationChannel:NotificationChannel",
            ),
            "alarm",
            "an alert no longer fires or reaches anyone",
        ),
    ]
}

DATA_BEARING: frozenset[str] = frozenset(t for t, meaning in CATALOGUE.items() if meaning.protected)
"""Types the protect rule covers: deleting one loses data or evidence, or the lock that keeps it."""

SETTINGS_GUARDS: frozenset[str] = frozenset(t for t, meaning in CATALOGUE.items() if meaning.settings_guard)
"""Types whose every property (tags aside) is security-relevant."""

REVIEWED_ON_DELETE: frozenset[str] = frozenset(
    t
    for t, meaning in CATALOGUE.items()
    if meaning.protected or meaning.settings_guard or meaning.role in ("copy", "backup")
)
"""Types whose delete or replace `review` reports as destructive: the data-bearing, the guards, copies and backups."""


def meaning_of(token: str) -> ResourceType | None:
    """The catalogue's entry for a type token, or None for a type that means nothing special."""
    return CATALOGUE.get(token)
