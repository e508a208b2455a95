"""AWS components of hardened-accounts."""

from .air_gapped_vault import AirGappedVault, AirGappedVaultArgs
from .alarm_forwarder import AlarmForwarder, AlarmForwarderArgs
from .alarm_hub import AlarmHub, AlarmHubArgs
from .alert_topic import AlertTopic, AlertTopicArgs, Subscriber
from .backup_plan import BackupCopy, BackupPlan, BackupPlanArgs
from .break_glass_access import BreakGlassAccess, BreakGlassAccessArgs, users_group_name
from .bucket_replication import BucketReplication, BucketReplicationArgs, ReplicaDestination, replication_role_name
from .guardrail_policy import Baseline, GuardrailPolicy, GuardrailPolicyArgs, check_attachments_per_target
from .immutable_bucket import ImmutableBucket, ImmutableBucketArgs
from .locked_vault import LockedVault, LockedVaultArgs
from .member_account import MemberAccount, MemberAccountArgs
from .mfa_enforcement import MfaEnforcement, MfaEnforcementArgs
from .organization_trail import OrganizationTrail, OrganizationTrailArgs, events_log_group_of
from .restore_testing import RestoreTesting, RestoreTestingArgs
from .restore_validation import RestoreValidation, RestoreValidationArgs
from .retention import RetentionMode
from .state_bucket import StateBucket, StateBucketArgs

__all__ = [
    "AirGappedVault",
    "AirGappedVaultArgs",
    "AlarmForwarder",
    "AlarmForwarderArgs",
    "AlarmHub",
    "AlarmHubArgs",
    "AlertTopic",
    "AlertTopicArgs",
    "Baseline",
    "BackupCopy",
    "BackupPlan",
    "BackupPlanArgs",
    "BreakGlassAccess",
    "BreakGlassAccessArgs",
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
    "MfaEnforcement",
    "MfaEnforcementArgs",
    "OrganizationTrail",
    "OrganizationTrailArgs",
    "events_log_group_of",
    "ReplicaDestination",
    "RestoreTesting",
    "RestoreTestingArgs",
    "RestoreValidation",
    "RestoreValidationArgs",
    "RetentionMode",
    "StateBucket",
    "StateBucketArgs",
    "Subscriber",
    "check_attachments_per_target",
    "replication_role_name",
    "users_group_name",
]
