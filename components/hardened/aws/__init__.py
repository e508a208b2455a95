"""AWS components of hardened-accounts."""

from .backup_plan import BackupCopy, BackupPlan, BackupPlanArgs
from .bucket_replication import BucketReplication, BucketReplicationArgs, ReplicaDestination, replication_role_name
from .guardrail_policy import Baseline, GuardrailPolicy, GuardrailPolicyArgs, check_attachments_per_target
from .immutable_bucket import ImmutableBucket, ImmutableBucketArgs
from .locked_vault import LockedVault, LockedVaultArgs
from .member_account import MemberAccount, MemberAccountArgs
from .organization_trail import OrganizationTrail, OrganizationTrailArgs
from .restore_testing import RestoreTesting, RestoreTestingArgs
from .retention import RetentionMode

__all__ = [
    "Baseline",
    "BackupCopy",
    "BackupPlan",
    "BackupPlanArgs",
    "BucketReplication",
    "BucketReplicationArgs",
    "GuardrailPolicy",
    "GuardrailPolicyArgs",
    "ImmutableBucket",
    "ImmutableBucketArgs",
    "LockedVault",
    "LockedVaultArgs",
    "MemberAccount",
    "MemberAccountArgs",
    "OrganizationTrail",
    "OrganizationTrailArgs",
    "ReplicaDestination",
    "RestoreTesting",
    "RestoreTestingArgs",
    "RetentionMode",
    "check_attachments_per_target",
    "replication_role_name",
]
