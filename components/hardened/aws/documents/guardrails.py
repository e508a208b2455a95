"""Service control policies (SCPs) of an organization whose backups and logs live in accounts of their own.

Each statement is a Deny: SCPs grant nothing, they only cap what IAM policies in member accounts may grant
(FullAWSAccess, or another Allow, must stay attached beside them). SCPs have no Principal element and never
apply to the management account or to service-linked roles.

Exemptions name exact role ARNs (`unless_principal_is`); an ARN carries its account id, so a document with
exemptions belongs to one account and is attached to that account, not to an OU. An exemption is only as
strong as the role it names, so the same documents stop anyone from re-trusting, re-policying or re-creating
those roles: nobody changes the deployment role; the deployment role creates the break-glass roles (with their
own managed policies only) and nobody but break-glass changes them afterwards.

AWS Organizations stores a policy exactly as submitted through the API: submit `scp_content(document)`,
the minified JSON that `scp_size` measures.
"""

import json
from collections.abc import Iterable

from ..arns import ADMINISTRATOR_ACCESS
from ..tags import PROTECTED_KEY_TAG
from .alarm_names import alarm_topic_name
from .key_policy import KEY_DESTRUCTION, KEY_POLICY_CHANGES
from .mfa import deny_access_key_creation, deny_sensitive_actions_without_mfa
from .statements import policy_document, unless_principal_is, with_condition

__all__ = [
    "ALERT_BUS_CHANGES",
    "ALERT_BUS_REMOVAL",
    "ALERT_PATH_CHANGES",
    "ALERT_PATH_REMOVAL",
    "alert_path_guardrails",
    "alert_path_resources",
    "deny_alert_bus_changes",
    "deny_alert_bus_removal",
    "deny_alert_path_changes",
    "deny_alert_path_removal",
    "deny_unused_regions",
    "GLOBAL_SERVICES",
    "BACKUP_DESTRUCTION",
    "BACKUP_SETTING_CHANGES",
    "BREAK_GLASS_ROLE_CHANGES",
    "BREAK_GLASS_ROLE_CREATION",
    "BREAK_GLASS_USER_CHANGES",
    "BREAK_GLASS_USER_CREATION",
    "BUCKET_DESTRUCTION",
    "BUCKET_PROTECTION_CHANGES",
    "KEY_DESTRUCTION",
    "KEY_POLICY_CHANGES",
    "LASTING_IDENTITIES",
    "PROTECTED_KEY_TAG",
    "RESTORES_AND_COPIES_OUT",
    "RESTORE_TEST_BUCKETS",
    "ROLE_TAKEOVER",
    "ROLE_TRUST_CHANGES",
    "SCPS_PER_TARGET",
    "SCRATCH_BUCKET_EXPOSURE",
    "SHARING_CHANGES",
    "SCP_MAX_CHARACTERS",
    "TRAIL_TAMPERING",
    "WRITES",
    "backup_account_guardrails",
    "backup_perimeter_guardrails",
    "check_scp_size",
    "deny_backup_destruction",
    "deny_backup_setting_changes",
    "deny_bucket_destruction",
    "deny_bucket_protection_changes",
    "deny_break_glass_role_changes",
    "deny_break_glass_role_creation",
    "deny_break_glass_user_changes",
    "deny_break_glass_user_creation",
    "deny_mfa_enrollment_by_others",
    "deny_deployment_role_changes",
    "deny_key_destruction",
    "deny_key_lockout_bypass",
    "deny_key_repolicy",
    "deny_lasting_identities",
    "deny_leaving_organization",
    "deny_new_role_trust",
    "deny_other_break_glass_role_policies",
    "deny_passing_roles_to_backup",
    "deny_protection_tag_changes",
    "deny_protection_tag_removal",
    "deny_restores_and_copies_out",
    "deny_root_user",
    "deny_scratch_bucket_exposure",
    "deny_sharing",
    "deny_trail_tampering",
    "deny_weaker_vault_locks",
    "deny_writes_outside_organization",
    "log_archive_guardrails",
    "organization_guardrails",
    "scp_content",
    "scp_size",
    "security_account_guardrails",
    "workload_guardrails",
]

# Quotas for AWS Organizations, https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html
# ("Maximum size of a policy document — Service control policies: 5120 characters"; whitespace is kept when the
# policy is saved through an SDK or the CLI) and the policy-type table of
# https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies.html ("Maximum number you can
# attach to a root, OU, or account — SCP: 5"; inherited SCPs do not count, FullAWSAccess does).
# Third-party posts of May 2026 report both doubled (10,240 characters, 10 SCPs); until an AWS page confirms it
# everywhere these stay at the older values, which fit either way.
SCP_MAX_CHARACTERS = 5120
SCPS_PER_TARGET = 5

# Ways to lose backups outright. Denied to everyone: undoing it takes detaching the SCP in the management account.
BACKUP_DESTRUCTION = (
    "backup:DeleteBackupVault",  # the vault and, with it, the place recovery points are kept
    "backup:DeleteBackupVaultAccessPolicy",  # the vault's own denies go with it
    "backup:DeleteBackupVaultLockConfiguration",  # a governance-mode lock is lifted
    "backup:DeleteBackupVaultSharingPolicy",  # accounts restoring from a shared vault lose it
    "backup:DeleteRecoveryPoint",  # the backup itself
    "backup:DisassociateRecoveryPoint",  # a continuous backup leaves AWS Backup's retention
    "backup:DisassociateRecoveryPointFromParent",  # a child recovery point leaves its composite parent's retention
    "backup:UpdateRecoveryPointLifecycle",  # shortening retention deletes the backup early
)

# What decides whether, how long and under whose eyes backups are kept. Only the named roles (the deployment
# role creates and replaces these) may change it.
BACKUP_SETTING_CHANGES = (
    "backup:AssociateBackupVaultMpaApprovalTeam",  # who may approve restoring from a logically air-gapped vault
    "backup:CancelLegalHold",  # releases recovery points held beyond their retention
    "backup:DeleteBackupPlan",  # backups stop being taken
    "backup:DeleteBackupSelection",  # resources drop out of a plan
    "backup:DeleteBackupVaultNotifications",  # silences the vault's alerts
    "backup:DisassociateBackupVaultMpaApprovalTeam",  # removes the way back into an air-gapped vault
    "backup:PutBackupVaultAccessPolicy",  # replaces the vault's own denies
    "backup:PutBackupVaultLockConfiguration",  # a lock with a tiny maximum retention makes backup jobs fail
    "backup:PutBackupVaultNotifications",  # redirects the vault's alerts
    "backup:PutBackupVaultSharingPolicy",  # changes who may restore from the vault
    "backup:DeleteRestoreTestingPlan",  # restores stop being proven
    "backup:DeleteRestoreTestingSelection",  # resources drop out of restore tests
    "backup:UpdateBackupPlan",  # shorter retention, fewer copies, rarer backups
    "backup:UpdateGlobalSettings",  # cross-account copy to the backup account switched off
    "backup:UpdateRegionSettings",  # a resource type opted out of AWS Backup
    "backup:UpdateRestoreTestingPlan",  # rarer restore tests
    "backup:UpdateRestoreTestingSelection",  # tests that no longer cover what is backed up
)

# Ways to lose stored objects or the bucket. Denied to everyone.
BUCKET_DESTRUCTION = (
    "s3:BypassGovernanceRetention",  # lifts a governance-mode object lock
    "s3:DeleteBucket",  # the bucket itself
    "s3:DeleteObjectVersion",  # the stored copy, not just a delete marker
)

# What keeps the objects safe. Only the named roles may change it. The Put* actions also authorize the matching
# Delete* APIs (DeleteBucketLifecycle, DeleteBucketEncryption, DeleteBucketReplication, DeletePublicAccessBlock,
# DeleteBucketOwnershipControls), which have no action of their own.
BUCKET_PROTECTION_CHANGES = (
    "s3:DeleteBucketPolicy",  # the bucket's own denies go with it
    "s3:PutAccountPublicAccessBlock",  # opens every bucket of the account to public policies
    "s3:PutBucketObjectLockConfiguration",  # shorter or weaker default retention
    "s3:PutBucketOwnershipControls",  # brings back ACLs and foreign-owned objects
    "s3:PutBucketPolicy",  # replaces the bucket's own denies
    "s3:PutBucketPublicAccessBlock",  # opens the bucket to public policies
    "s3:PutBucketVersioning",  # suspending versioning stops keeping old versions
    "s3:PutEncryptionConfiguration",  # swaps or drops the bucket key
    "s3:PutLifecycleConfiguration",  # expiry rules delete what no user may
    "s3:PutReplicationConfiguration",  # stops or redirects the off-site copy
)

# AWS Backup's restore tests restore S3 into new buckets it names `awsbackup-restore-test-<random>` (a name no
# override changes), set them up (versioning, ownership) and delete them after validation. Those scratch copies
# are left out of the bucket guardrails; the library's own buckets can never take such a name.
RESTORE_TEST_BUCKETS = ("arn:aws:s3:::awsbackup-restore-test-*", "arn:aws:s3:::awsbackup-restore-test-*/*")

# What a scratch bucket of a restore test may never get: a bucket policy, bucket ACL, public access or replication that
# would hand a restored copy to someone else. Restores need none of them: AWSBackupServiceRolePolicyForS3Restore sets
# versioning and ownership on the bucket, and restores the objects' own ACLs (s3:PutObjectAcl, PutObjectVersionAcl),
# which stay allowed; an object ACL naming an outsider grants nothing past the data perimeter (resource_controls.py).
SCRATCH_BUCKET_EXPOSURE = (
    "s3:DeleteBucketPolicy",  # the bucket's own denies go with it
    "s3:PutBucketAcl",  # grants another account the bucket
    "s3:PutBucketPolicy",  # grants another account, or everyone, the restored data
    "s3:PutBucketPublicAccessBlock",  # opens the bucket to public policies
    "s3:PutReplicationConfiguration",  # copies the restored data elsewhere
)

# Ways to take a copy out of the backup account through AWS Backup: a restore wherever its caller can read it, or a
# copy to a vault elsewhere. Restore tests run as AWS Backup's service-linked role, which SCPs never bind.
RESTORES_AND_COPIES_OUT = (
    "backup:CopyFromBackupVault",  # the source side of every copy job
    "backup:StartCopyJob",  # a copy to a vault of the caller's choosing
    "backup:StartRestoreJob",  # a restore where the caller can read it
)

# Ways to share what the backup account holds with another account (a share reaches any account of the organization,
# which may then restore), or to cut a recovery account off the air-gapped vault. Restores are break-glass's alone,
# so is sharing: AirGappedVault's RAM share is created by break-glass.
SHARING_CHANGES = (
    "backup:PutBackupVaultSharingPolicy",  # changes who may restore from a vault
    "ram:AssociateResourceShare",  # another vault or account joins a share
    "ram:AssociateResourceSharePermission",  # a share grants more
    "ram:CreateResourceShare",  # a new share
    "ram:DeleteResourceShare",  # the share, and every account's access with it
    "ram:DisassociateResourceShare",  # the vault or a recovery account leaves the share
    "ram:DisassociateResourceSharePermission",  # the share keeps no permission to restore
    "ram:ReplacePermissionAssociations",  # the share's permission swapped
    "ram:UpdateResourceShare",  # lets principals outside the organization in
)

# Identities that outlast an intrusion: users and their passwords or keys, and identity providers a role can then
# trust. The backup and log-archive accounts need none of them (break-glass users live elsewhere).
LASTING_IDENTITIES = (
    "iam:AddClientIDToOpenIDConnectProvider",  # an identity provider trusts another audience
    "iam:CreateLoginProfile",  # a password
    "iam:CreateOpenIDConnectProvider",  # an outside issuer roles can trust
    "iam:CreateSAMLProvider",  # an outside identity provider roles can trust
    "iam:CreateServiceSpecificCredential",  # a long-term credential for one service
    "iam:CreateUser",  # a user
    "iam:UpdateLoginProfile",  # a new password
    "iam:UpdateOpenIDConnectProviderThumbprint",  # the issuer's certificate swapped
    "iam:UpdateSAMLProvider",  # the identity provider's metadata swapped
    "iam:UploadSigningCertificate",  # a long-term signing credential
    "iam:UploadSSHPublicKey",  # a long-term SSH credential
)
# New roles, or new trust for existing ones: what the deployment role does when it deploys, and nobody else.
ROLE_TRUST_CHANGES = ("iam:CreateRole", "iam:UpdateAssumeRolePolicy")

# What changes a break-glass user or its group once they exist: nobody but break-glass may. A new password, a removed
# MFA device, a policy or an access key would let someone else in; a deleted user or group, or a user out of the group,
# locks break-glass out. (EnableMFADevice has a statement of its own: the users enrol their own devices.)
BREAK_GLASS_USER_CHANGES = (
    "iam:AttachGroupPolicy",  # the users get more than the way in
    "iam:AttachUserPolicy",  # one user gets more than the way in
    "iam:CreateAccessKey",  # a key that needs no MFA (the root SCP denies it too)
    "iam:CreateServiceSpecificCredential",  # a long-term credential for one service
    "iam:DeactivateMFADevice",  # the user's MFA device removed, so another can be enrolled
    "iam:DeleteGroup",  # the users lose the way in
    "iam:DeleteGroupPolicy",  # the users lose the way in
    "iam:DeleteLoginProfile",  # the user can no longer sign in
    "iam:DeleteUser",  # the user is gone
    "iam:DeleteUserPermissionsBoundary",  # lifts a cap on the user
    "iam:DeleteUserPolicy",  # changes what the user may do
    "iam:DetachGroupPolicy",  # the users lose what was attached
    "iam:DetachUserPolicy",  # the user loses what was attached
    "iam:PutUserPermissionsBoundary",  # the way in stops working
    "iam:PutUserPolicy",  # one user gets more, or a deny of the way in
    "iam:RemoveUserFromGroup",  # the user loses the way in
    "iam:ResyncMFADevice",  # the device's counter moved
    "iam:UpdateAccessKey",  # a key re-enabled
    "iam:UpdateGroup",  # the group renamed or moved, and the users' ARNs in every trust with it
    "iam:UpdateLoginProfile",  # a new password, set by someone else
    "iam:UpdateUser",  # the user renamed or moved: every break-glass role's trust names the old ARN
    "iam:UploadSigningCertificate",  # a long-term signing credential
    "iam:UploadSSHPublicKey",  # a long-term SSH credential
)
# What the deployment role does once, when it creates the users and their group. Creating fails once the user, its
# password or the group exists, and nobody below break-glass deletes them, so it can never replace them. The deployer
# also keeps PutGroupPolicy: the group policy is the users' own, still under every SCP and their MFA.
BREAK_GLASS_USER_CREATION = (
    "iam:AddUserToGroup",  # a user joins the break-glass group
    "iam:CreateGroup",  # the break-glass group
    "iam:CreateLoginProfile",  # the first password, set by hand (docs/deploying.md)
    "iam:CreateUser",  # a break-glass user
    "iam:PutGroupPolicy",  # the users' own policy: set up MFA, then assume the break-glass roles
)

# Ways to silence the alarm path (AlarmForwarder's rules and role, AlarmHub's rules and topic, the library's alarms and
# the restore validator, all named `<hub>-...`): only break-glass may.
ALERT_PATH_REMOVAL = (
    "cloudwatch:DeleteAlarms",  # a library alarm (restore time, failed validation) that the forwarders watch
    "cloudwatch:DisableAlarmActions",  # the same alarm's actions, off
    "events:DeleteRule",  # the rule, and the alarms it forwards
    "events:DisableRule",  # the same, reversibly
    "events:RemoveTargets",  # the rule matches, and tells nobody
    "iam:AttachRolePolicy",  # a deny on the forwarding role
    "iam:DeleteRole",  # the forwarding role: every rule of the account stops delivering
    "iam:DeleteRolePermissionsBoundary",  # lifts a cap on the forwarding role
    "iam:DeleteRolePolicy",  # the forwarding role may no longer put events on the hub
    "iam:DetachRolePolicy",  # changes what the forwarding role may do
    "iam:PutRolePermissionsBoundary",  # a boundary that stops the forwarding
    "iam:UpdateAssumeRolePolicy",  # EventBridge can no longer assume the forwarding role
    "lambda:DeleteFunction",  # the restore validator: restores go unchecked
    "lambda:PutFunctionConcurrency",  # a reserved concurrency of 0 stops the validator running
    "lambda:RemovePermission",  # EventBridge may no longer invoke the validator
    "sns:DeleteTopic",  # the topic, and every subscription
    "sns:RemovePermission",  # a statement of the topic policy: EventBridge may no longer publish
    "sns:Unsubscribe",  # a subscriber stops being told
)
# What the deployment role changes when it deploys the alarm path (and break-glass may): nobody else.
ALERT_PATH_CHANGES = (
    "cloudwatch:PutMetricAlarm",  # a threshold nothing reaches
    "events:PutRule",  # a pattern that matches nothing
    "events:PutTargets",  # the alarms go elsewhere
    "iam:PutRolePolicy",  # the forwarding role's only permission
    "lambda:AddPermission",  # others invoke the validator with forged events
    "lambda:UpdateFunctionCode",  # a validator that reports every restore as usable
    "lambda:UpdateFunctionConfiguration",  # another role, another handler, another objective
    "sns:AddPermission",  # others publish noise to the topic
    "sns:SetSubscriptionAttributes",  # a filter policy that drops every alarm
    "sns:SetTopicAttributes",  # the topic's policy or key replaced
)
# The hub's bus in the security account: its removal and its policy. events:PutPermission and RemovePermission act on
# no resource type (Service Authorization Reference), so they are denied on every bus of the account.
ALERT_BUS_REMOVAL = ("events:DeleteEventBus", "events:RemovePermission")
ALERT_BUS_CHANGES = ("events:PutPermission",)

# Ways to write data into a bucket: denied when the bucket belongs to no account of the organization.
WRITES = (
    "s3:PutObject",
    "s3:ReplicateObject",
)

# Ways to take over a role the guardrails exempt: trust someone else, grant it more, or delete and re-create it.
ROLE_TAKEOVER = (
    "iam:AttachRolePolicy",  # more permissions
    "iam:CreateRole",  # a role under an exempt name that does not exist yet (break-glass before it is deployed)
    "iam:DeleteRole",  # then re-created with another trust policy
    "iam:DeleteRolePermissionsBoundary",  # lifts a cap on its permissions
    "iam:DeleteRolePolicy",  # the way in stops working
    "iam:DetachRolePolicy",  # the way in stops working
    "iam:PutRolePermissionsBoundary",  # the way in stops working
    "iam:PutRolePolicy",  # more permissions
    "iam:UpdateAssumeRolePolicy",  # trusts the intruder
    "iam:UpdateRole",  # longer sessions
)

# What changes a break-glass role once it exists: nobody but break-glass may.
BREAK_GLASS_ROLE_CHANGES = tuple(a for a in ROLE_TAKEOVER if a not in ("iam:AttachRolePolicy", "iam:CreateRole"))
# What the deployment role does once, when it creates a break-glass role.
BREAK_GLASS_ROLE_CREATION = ("iam:AttachRolePolicy", "iam:CreateRole")

# Ways to blind the organization trail. Denied to everyone, on that trail only.
TRAIL_TAMPERING = (
    "cloudtrail:DeleteTrail",  # the trail itself
    "cloudtrail:PutEventSelectors",  # drops events from what is recorded
    "cloudtrail:PutInsightSelectors",  # switches off anomaly detection
    "cloudtrail:StopLogging",  # nothing is recorded any more
    "cloudtrail:UpdateTrail",  # other bucket, no validation, no KMS, single region
)


def deny_backup_destruction() -> dict:
    """Nobody deletes a vault, its policy, lock or sharing, a recovery point, or shortens a recovery point's life."""
    return {
        "Sid": "DenyBackupDestruction",
        "Effect": "Deny",
        "Action": list(BACKUP_DESTRUCTION),
        "Resource": "*",
    }


def deny_backup_setting_changes(exempt_role_arns: Iterable[str]) -> dict:
    """Nobody but the named roles changes backup plans, selections, vault policies, locks or account settings."""
    statement = {
        "Sid": "DenyBackupSettingChanges",
        "Effect": "Deny",
        "Action": list(BACKUP_SETTING_CHANGES),
        "Resource": "*",
    }
    return with_condition(statement, unless_principal_is(exempt_role_arns))


def deny_weaker_vault_locks(minimum_retention_days: int) -> dict:
    """Nobody, exempt roles included, sets a vault lock keeping backups fewer than `minimum_retention_days`.

    `NumericLessThanIfExists` matches when MinRetentionDays is below the floor *and* when the request leaves
    it out (a lock without a minimum enforces none), so the deny cannot fail open. Writing the two cases as
    `NumericLessThan` plus `Null: true` in one Condition would require both at once, which never happens.
    """
    if minimum_retention_days < 1:
        raise ValueError(f"minimum_retention_days must be at least 1, not {minimum_retention_days}")
    return {
        "Sid": "DenyWeakerVaultLocks",
        "Effect": "Deny",
        "Action": "backup:PutBackupVaultLockConfiguration",
        "Resource": "*",
        "Condition": {"NumericLessThanIfExists": {"backup:MinRetentionDays": str(minimum_retention_days)}},
    }


def deny_bucket_destruction(except_buckets: Iterable[str] = ()) -> dict:
    """Nobody deletes a bucket or an object version, or bypasses governance retention: every bucket but `except_buckets`."""
    return {
        "Sid": "DenyBucketDestruction",
        "Effect": "Deny",
        "Action": list(BUCKET_DESTRUCTION),
        **_every_resource_but(except_buckets),
    }


def deny_bucket_protection_changes(exempt_role_arns: Iterable[str], except_buckets: Iterable[str] = ()) -> dict:
    """Nobody but the named roles changes a bucket's lock, policy, versioning, lifecycle, keys, replication or exposure."""
    statement = {
        "Sid": "DenyBucketProtectionChanges",
        "Effect": "Deny",
        "Action": list(BUCKET_PROTECTION_CHANGES),
        **_every_resource_but(except_buckets),
    }
    return with_condition(statement, unless_principal_is(exempt_role_arns))


def deny_trail_tampering(trail_arn: str) -> dict:
    """Nobody in a member account (a CloudTrail delegated administrator included) stops or weakens the trail."""
    return {
        "Sid": "DenyTrailTampering",
        "Effect": "Deny",
        "Action": list(TRAIL_TAMPERING),
        "Resource": trail_arn,
    }


def deny_key_destruction(protected_tag: str | None = None) -> dict:
    """Nobody disables or deletes a key: every key of the account, or only keys carrying `protected_tag`."""
    statement = {
        "Sid": "DenyKeyDestruction",
        "Effect": "Deny",
        "Action": list(KEY_DESTRUCTION),
        "Resource": "*",
    }
    return with_condition(statement, _tagged(protected_tag))


def deny_key_repolicy(break_glass_arns: Iterable[str], protected_tag: str | None = None) -> dict:
    """Nobody but break-glass replaces a key policy, the deployment role included: every key of the account, or only keys with the tag.

    A new key policy granting only an outsider would lock the owner out of everything the key encrypts (a ransom).
    """
    statement = {
        "Sid": "DenyKeyRepolicy",
        "Effect": "Deny",
        "Action": list(KEY_POLICY_CHANGES),
        "Resource": "*",
    }
    return with_condition(statement, {**unless_principal_is(break_glass_arns), **_tagged(protected_tag)})


def deny_key_lockout_bypass() -> dict:
    """Nobody, break-glass included, replaces a key policy while bypassing KMS's lockout safety check.

    With the check on, KMS refuses a new policy that does not let the caller change it again, so whoever may
    re-policy a key can never lock the account out of it. (CreateKey keeps the flag: the deployment role needs it
    to create keys it may not re-policy.)
    """
    return {
        "Sid": "DenyKeyLockoutBypass",
        "Effect": "Deny",
        "Action": list(KEY_POLICY_CHANGES),
        "Resource": "*",
        "Condition": {"Bool": {"kms:BypassPolicyLockoutSafetyCheck": "true"}},
    }


def deny_protection_tag_changes(tag: str, exempt_role_arns: Iterable[str]) -> dict:
    """Nobody but the named roles sets the tag that puts a key under these guardrails (they tag keys at creation)."""
    return {
        "Sid": "DenyProtectionTagChanges",
        "Effect": "Deny",
        "Action": "kms:TagResource",
        "Resource": "*",
        "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": tag}, **unless_principal_is(exempt_role_arns)},
    }


def deny_protection_tag_removal(tag: str) -> dict:
    """Nobody, exempt roles included, removes the tag: an untagged key falls outside the key guardrails."""
    return {
        "Sid": "DenyProtectionTagRemoval",
        "Effect": "Deny",
        "Action": "kms:UntagResource",
        "Resource": "*",
        "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": tag}},
    }


def deny_deployment_role_changes(deployment_role_arn: str) -> dict:
    """Nobody in the account, the deployment role itself included, re-trusts, re-policies or deletes the deployment role.

    Organizations creates that role with the account; changing it takes detaching this SCP in the management account.
    """
    return {
        "Sid": "DenyDeploymentRoleChanges",
        "Effect": "Deny",
        "Action": list(ROLE_TAKEOVER),
        "Resource": deployment_role_arn,
    }


def deny_break_glass_role_changes(break_glass_arns: Iterable[str]) -> dict:
    """Nobody but break-glass re-trusts, re-policies, bounds, lengthens or deletes a break-glass role, the deployer included.

    A deployer that could rewrite the trust (to a web identity without MFA, say) and assume the role would own
    break-glass and every exemption it carries.
    """
    return with_condition(
        {
            "Sid": "DenyBreakGlassRoleChanges",
            "Effect": "Deny",
            "Action": list(BREAK_GLASS_ROLE_CHANGES),
            "Resource": sorted(set(break_glass_arns)),
        },
        unless_principal_is(break_glass_arns),
    )


def deny_break_glass_role_creation(break_glass_arns: Iterable[str], deployment_role_arn: str) -> dict:
    """Nobody but the deployment role (and break-glass) creates a break-glass role or attaches its policies.

    Creating only works while no such role exists, and nobody below break-glass may delete one, so the deployer
    makes it once and can never replace it.
    """
    break_glass = sorted(set(break_glass_arns))
    return with_condition(
        {
            "Sid": "DenyBreakGlassRoleCreation",
            "Effect": "Deny",
            "Action": list(BREAK_GLASS_ROLE_CREATION),
            "Resource": break_glass,
        },
        unless_principal_is([deployment_role_arn, *break_glass]),
    )


def deny_other_break_glass_role_policies(break_glass_arns: Iterable[str], policy_arns: Iterable[str]) -> dict:
    """Below break-glass, only the role's own managed policies may be attached to it: never one that denies its way in."""
    break_glass = sorted(set(break_glass_arns))
    return {
        "Sid": "DenyOtherBreakGlassRolePolicies",
        "Effect": "Deny",
        "Action": "iam:AttachRolePolicy",
        "Resource": break_glass,
        "Condition": {"ArnNotEquals": {"iam:PolicyARN": sorted(set(policy_arns)), "aws:PrincipalArn": break_glass}},
    }


def deny_break_glass_user_changes(user_arns: Iterable[str], group_arn: str, break_glass_arns: Iterable[str]) -> dict:
    """Nobody but break-glass re-passwords, strips the MFA of, re-policies, renames or deletes a break-glass user or group.

    The deployer of the users' account included: one that could set a user's password and enrol its own MFA device would
    own every break-glass role of the organization.
    """
    return with_condition(
        {
            "Sid": "DenyBreakGlassUserChanges",
            "Effect": "Deny",
            "Action": list(BREAK_GLASS_USER_CHANGES),
            "Resource": [*sorted(set(user_arns)), group_arn],
        },
        unless_principal_is(break_glass_arns),
    )


def deny_break_glass_user_creation(
    user_arns: Iterable[str], group_arn: str, deployment_role_arn: str, break_glass_arns: Iterable[str]
) -> dict:
    """Nobody but the deployment role (and break-glass) creates a break-glass user, its first password or its group."""
    return with_condition(
        {
            "Sid": "DenyBreakGlassUserCreation",
            "Effect": "Deny",
            "Action": list(BREAK_GLASS_USER_CREATION),
            "Resource": [*sorted(set(user_arns)), group_arn],
        },
        unless_principal_is([deployment_role_arn, *break_glass_arns]),
    )


def deny_mfa_enrollment_by_others(user_arns: Iterable[str], break_glass_arns: Iterable[str]) -> dict:
    """Nobody enrols an MFA device for a break-glass user but the break-glass users themselves (and break-glass).

    A user enrols its own device after its first sign-in; its own policy lets it touch no other user's.
    """
    users = sorted(set(user_arns))
    return with_condition(
        {"Sid": "DenyMfaEnrollmentByOthers", "Effect": "Deny", "Action": "iam:EnableMFADevice", "Resource": users},
        unless_principal_is([*users, *break_glass_arns]),
    )


def alert_path_resources(prefix: str) -> list[str]:
    """The alarm path's resources in any account, named after the hub (`prefix`): the library's alarms, rules on the
    default bus and on the hub's bus, the topic, the roles (the forwarder's, the restore validator's) and the validator."""
    return [
        f"arn:aws:cloudwatch:*:*:alarm:{prefix}-*",
        f"arn:aws:events:*:*:rule/{prefix}-*",
        f"arn:aws:events:*:*:rule/{prefix}/*",
        f"arn:aws:iam::*:role/{prefix}-*",
        f"arn:aws:lambda:*:*:function:{prefix}-*",
        f"arn:aws:sns:*:*:{alarm_topic_name(prefix)}",
    ]


def deny_alert_path_removal(prefix: str, break_glass_arns: Iterable[str]) -> dict:
    """Nobody but break-glass deletes, disables or strips a rule of the alarm path, its topic or its forwarding role."""
    return with_condition(
        {
            "Sid": "DenyAlertPathRemoval",
            "Effect": "Deny",
            "Action": list(ALERT_PATH_REMOVAL),
            "Resource": alert_path_resources(prefix),
        },
        unless_principal_is(break_glass_arns),
    )


def deny_alert_path_changes(prefix: str, exempt_role_arns: Iterable[str]) -> dict:
    """Nobody but the deployment role and break-glass rewrites a rule of the alarm path, its targets, topic or role."""
    return with_condition(
        {
            "Sid": "DenyAlertPathChanges",
            "Effect": "Deny",
            "Action": list(ALERT_PATH_CHANGES),
            "Resource": alert_path_resources(prefix),
        },
        unless_principal_is(exempt_role_arns),
    )


def deny_alert_bus_removal(break_glass_arns: Iterable[str]) -> dict:
    """Nobody but break-glass deletes an event bus of the security account or removes its permissions (the hub's)."""
    return with_condition(
        {"Sid": "DenyAlertBusRemoval", "Effect": "Deny", "Action": list(ALERT_BUS_REMOVAL), "Resource": "*"},
        unless_principal_is(break_glass_arns),
    )


def deny_alert_bus_changes(exempt_role_arns: Iterable[str]) -> dict:
    """Nobody but the deployment role and break-glass changes who may put events on a bus of the security account."""
    return with_condition(
        {"Sid": "DenyAlertBusChanges", "Effect": "Deny", "Action": list(ALERT_BUS_CHANGES), "Resource": "*"},
        unless_principal_is(exempt_role_arns),
    )


def deny_restores_and_copies_out(break_glass_arns: Iterable[str]) -> dict:
    """Nobody but break-glass restores a recovery point or copies one out: a restore lands where its caller can read it."""
    return with_condition(
        {"Sid": "DenyRestoresAndCopiesOut", "Effect": "Deny", "Action": list(RESTORES_AND_COPIES_OUT), "Resource": "*"},
        unless_principal_is(break_glass_arns),
    )


def deny_passing_roles_to_backup(exempt_role_arns: Iterable[str]) -> dict:
    """Nobody but the named roles hands AWS Backup a role (the restore role, say) to act with.

    The deployment role passes the restore role when it creates a restore testing selection.
    """
    return {
        "Sid": "DenyPassingRolesToBackup",
        "Effect": "Deny",
        "Action": "iam:PassRole",
        "Resource": "*",
        "Condition": {
            "StringEquals": {"iam:PassedToService": "backup.amazonaws.com"},
            **unless_principal_is(exempt_role_arns),
        },
    }


def deny_scratch_bucket_exposure(break_glass_arns: Iterable[str]) -> dict:
    """Nobody but break-glass shares, publishes or replicates a restore test's scratch copy."""
    return with_condition(
        {
            "Sid": "DenyScratchBucketExposure",
            "Effect": "Deny",
            "Action": list(SCRATCH_BUCKET_EXPOSURE),
            "Resource": list(RESTORE_TEST_BUCKETS),
        },
        unless_principal_is(break_glass_arns),
    )


def deny_sharing(break_glass_arns: Iterable[str]) -> dict:
    """Nobody but break-glass shares a vault or a copy with another account, or changes or removes a share."""
    return with_condition(
        {"Sid": "DenySharing", "Effect": "Deny", "Action": list(SHARING_CHANGES), "Resource": "*"},
        unless_principal_is(break_glass_arns),
    )


def deny_lasting_identities(break_glass_arns: Iterable[str], except_users: Iterable[str] = ()) -> dict:
    """Nobody but break-glass creates users, passwords, long-term credentials or identity providers in the account
    (`except_users`, the break-glass users, are left to the statements on them)."""
    return with_condition(
        {
            "Sid": "DenyLastingIdentities",
            "Effect": "Deny",
            "Action": list(LASTING_IDENTITIES),
            **_every_resource_but(sorted(set(except_users))),
        },
        unless_principal_is(break_glass_arns),
    )


def deny_new_role_trust(exempt_role_arns: Iterable[str]) -> dict:
    """Nobody but the named roles (the deployer, which deploys roles, and break-glass) creates a role or changes whom one trusts."""
    return with_condition(
        {"Sid": "DenyNewRoleTrust", "Effect": "Deny", "Action": list(ROLE_TRUST_CHANGES), "Resource": "*"},
        unless_principal_is(exempt_role_arns),
    )


def deny_writes_outside_organization(organization_id: str) -> dict:
    """Nobody, break-glass included, writes or replicates objects into a bucket of an account outside the organization.

    `aws:ResourceOrgID` is absent for a bucket in no organization, and `StringNotEquals` then matches: denied too.
    """
    return {
        "Sid": "DenyWritesOutsideOrganization",
        "Effect": "Deny",
        "Action": list(WRITES),
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:ResourceOrgID": organization_id}},
    }


# Services with a single endpoint, in us-east-1, that a region deny must leave alone (IAM User Guide, "AWS: Denies
# access to AWS based on the requested Region"). us-east-1 stays allowed anyway: the alarms on IAM, Organizations and
# console sign-ins live there.
GLOBAL_SERVICES = ("cloudfront:*", "iam:*", "organizations:*", "route53:*", "sts:*", "support:*")


def deny_unused_regions(regions: Iterable[str]) -> dict:
    """Nobody does anything in a region the stacks do not use (where no alarm watches), global services aside."""
    allowed = sorted({*regions, "us-east-1"})
    return {
        "Sid": "DenyUnusedRegions",
        "Effect": "Deny",
        "NotAction": list(GLOBAL_SERVICES),
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:RequestedRegion": allowed}},
    }


def deny_leaving_organization() -> dict:
    """No account leaves the organization, and with it these guardrails."""
    return {
        "Sid": "DenyLeavingOrganization",
        "Effect": "Deny",
        "Action": "organizations:LeaveOrganization",
        "Resource": "*",
    }


def deny_root_user() -> dict:
    """A member account's root user does nothing, except in a centralized root session (sts:AssumeRoot)."""
    return {
        "Sid": "DenyRootUser",
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {
            "ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:root"},
            "Null": {"aws:AssumedRoot": "true"},
        },
    }


def organization_guardrails(trail_arn: str, regions: Iterable[str] | None = None) -> dict:
    """The SCP of the organization root: no exemptions, so it may apply to every account; with `regions`, no other
    region is used."""
    return policy_document(
        deny_leaving_organization(),
        deny_root_user(),
        deny_trail_tampering(trail_arn),
        deny_key_lockout_bypass(),
        deny_access_key_creation(),
        deny_sensitive_actions_without_mfa(),
        *([deny_unused_regions(regions)] if regions is not None else []),
    )


def backup_account_guardrails(
    deployment_role_arn: str,
    exempt_role_arns: Iterable[str],
    minimum_vault_retention_days: int,
    exempt_role_policy_arns: Iterable[str] = (ADMINISTRATOR_ACCESS,),
) -> dict:
    """The SCP of the backup account: its vaults, buckets (restore-test scratch buckets aside), every key, the exempt roles."""
    exempt_role_arns = list(exempt_role_arns)
    exempt = [deployment_role_arn, *exempt_role_arns]
    return policy_document(
        deny_backup_destruction(),
        deny_backup_setting_changes(exempt),
        deny_weaker_vault_locks(minimum_vault_retention_days),
        deny_bucket_destruction(RESTORE_TEST_BUCKETS),
        deny_bucket_protection_changes(exempt, RESTORE_TEST_BUCKETS),
        deny_key_destruction(),
        deny_key_repolicy(exempt_role_arns),
        *_exempt_roles_kept(deployment_role_arn, exempt_role_arns, exempt_role_policy_arns),
    )


def backup_perimeter_guardrails(
    deployment_role_arn: str, exempt_role_arns: Iterable[str], organization_id: str
) -> dict:
    """The backup account's second SCP: below break-glass no copy leaves it (restore, copy job, share, scratch bucket,
    write), no recovery account loses its share of the air-gapped vault, and no identity outlasts an intrusion."""
    exempt_role_arns = list(exempt_role_arns)
    return policy_document(
        deny_restores_and_copies_out(exempt_role_arns),
        deny_passing_roles_to_backup([deployment_role_arn, *exempt_role_arns]),
        deny_scratch_bucket_exposure(exempt_role_arns),
        deny_sharing(exempt_role_arns),
        deny_writes_outside_organization(organization_id),
        deny_lasting_identities(exempt_role_arns),
        deny_new_role_trust([deployment_role_arn, *exempt_role_arns]),
    )


def log_archive_guardrails(
    deployment_role_arn: str,
    exempt_role_arns: Iterable[str],
    exempt_role_policy_arns: Iterable[str] = (ADMINISTRATOR_ACCESS,),
) -> dict:
    """The SCP of the log-archive account: its buckets, every key in it, the exempt roles, no lasting identities."""
    exempt_role_arns = list(exempt_role_arns)
    exempt = [deployment_role_arn, *exempt_role_arns]
    return policy_document(
        deny_bucket_destruction(),
        deny_bucket_protection_changes(exempt),
        deny_key_destruction(),
        deny_key_repolicy(exempt_role_arns),
        deny_lasting_identities(exempt_role_arns),
        deny_new_role_trust(exempt),
        *_exempt_roles_kept(deployment_role_arn, exempt_role_arns, exempt_role_policy_arns),
    )


def security_account_guardrails(
    deployment_role_arn: str,
    exempt_role_arns: Iterable[str],
    user_arns: Iterable[str],
    group_arn: str,
    exempt_role_policy_arns: Iterable[str] = (ADMINISTRATOR_ACCESS,),
) -> dict:
    """The SCP of the security account, where the break-glass users live: nobody below break-glass takes a user over,
    no other user or identity provider, the exempt roles kept."""
    exempt_role_arns = list(exempt_role_arns)
    user_arns = sorted(set(user_arns))
    return policy_document(
        deny_break_glass_user_changes(user_arns, group_arn, exempt_role_arns),
        deny_break_glass_user_creation(user_arns, group_arn, deployment_role_arn, exempt_role_arns),
        deny_mfa_enrollment_by_others(user_arns, exempt_role_arns),
        deny_lasting_identities(exempt_role_arns, except_users=user_arns),
        deny_new_role_trust([deployment_role_arn, *exempt_role_arns]),
        *_exempt_roles_kept(deployment_role_arn, exempt_role_arns, exempt_role_policy_arns),
    )


def alert_path_guardrails(
    deployment_role_arn: str, break_glass_arns: Iterable[str], prefix: str, hub: bool = False
) -> dict:
    """The alert-path SCP of a member account: nobody below break-glass silences its forwarding rules and role (and, in
    the security account, `hub`, the hub's bus, rules and topic); only the deployer and break-glass change them."""
    break_glass = list(break_glass_arns)
    exempt = [deployment_role_arn, *break_glass]
    return policy_document(
        deny_alert_path_removal(prefix, break_glass),
        deny_alert_path_changes(prefix, exempt),
        *([deny_alert_bus_removal(break_glass), deny_alert_bus_changes(exempt)] if hub else []),
    )


def workload_guardrails(
    deployment_role_arn: str,
    exempt_role_arns: Iterable[str],
    minimum_vault_retention_days: int,
    exempt_role_policy_arns: Iterable[str] = (ADMINISTRATOR_ACCESS,),
) -> dict:
    """The SCP of a workload account: its backups, the keys tagged as protected, the exempt roles; its own buckets stay its own."""
    exempt_role_arns = list(exempt_role_arns)
    exempt = [deployment_role_arn, *exempt_role_arns]
    return policy_document(
        deny_backup_destruction(),
        deny_backup_setting_changes(exempt),
        deny_weaker_vault_locks(minimum_vault_retention_days),
        deny_key_destruction(PROTECTED_KEY_TAG),
        deny_key_repolicy(exempt_role_arns, PROTECTED_KEY_TAG),
        deny_protection_tag_changes(PROTECTED_KEY_TAG, exempt),
        deny_protection_tag_removal(PROTECTED_KEY_TAG),
        *_exempt_roles_kept(deployment_role_arn, exempt_role_arns, exempt_role_policy_arns),
    )


def scp_content(document: dict) -> str:
    """The document as minified JSON: what to submit, since the API stores (and counts) whitespace as given."""
    return json.dumps(document, separators=(",", ":"))


def scp_size(document: dict) -> int:
    """Characters AWS counts against SCP_MAX_CHARACTERS when the document is submitted as `scp_content`.

    Non-ASCII is escaped, so characters and bytes agree. A role ARN's account id is always 12 digits: a
    document built with a stand-in account id has the size of the real one.
    """
    return len(scp_content(document))


def check_scp_size(name: str, document: dict) -> int:
    """The document's size; ValueError naming the policy if AWS would refuse it as too large."""
    size = scp_size(document)
    if size > SCP_MAX_CHARACTERS:
        raise ValueError(
            f"service control policy {name!r} is {size} characters, over the limit of {SCP_MAX_CHARACTERS}"
        )
    return size


def _exempt_roles_kept(
    deployment_role_arn: str, exempt_role_arns: Iterable[str], exempt_role_policy_arns: Iterable[str]
) -> list[dict]:
    """The statements that keep every exempt role in the hands it was given to."""
    others = sorted(set(exempt_role_arns) - {deployment_role_arn})
    statements = [deny_deployment_role_changes(deployment_role_arn)]
    if not others:
        return statements
    return statements + [
        deny_break_glass_role_changes(others),
        deny_break_glass_role_creation(others, deployment_role_arn),
        deny_other_break_glass_role_policies(others, exempt_role_policy_arns),
    ]


def _every_resource_but(excluded: Iterable[str]) -> dict:
    """`Resource: *`, or `NotResource` when some resources are left out (SCPs accept it since September 2025)."""
    excluded = list(excluded)
    return {"NotResource": excluded} if excluded else {"Resource": "*"}


def _tagged(tag: str | None) -> dict:
    """Condition limiting a statement to resources carrying `tag` (any value); none without a tag."""
    return {"Null": {f"aws:ResourceTag/{tag}": "false"}} if tag else {}
