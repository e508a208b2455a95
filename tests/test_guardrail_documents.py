"""The organization's service control policies: their exact statements, their size, and what they deny.

Expected documents are written out literally, so a changed action list or condition shows up here as a diff.
Verdicts come from the independent evaluator: every principal holds an identity policy allowing everything,
and FullAWSAccess stays attached at each level, so every denial is the guardrails' own doing.
"""

import pytest
from iam_evaluator import ALLOW_EVERYTHING, ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY, Request, evaluate
from planning import ACCOUNT, BREAK_GLASS, DEPLOYER, REGION

from hardened.aws.arns import ADMINISTRATOR_ACCESS
from hardened.aws.documents.guardrails import (
    BACKUP_DESTRUCTION,
    BACKUP_SETTING_CHANGES,
    BREAK_GLASS_ROLE_CREATION,
    BUCKET_DESTRUCTION,
    BUCKET_PROTECTION_CHANGES,
    KEY_DESTRUCTION,
    LASTING_IDENTITIES,
    PROTECTED_KEY_TAG,
    RESTORE_TEST_BUCKETS,
    RESTORES_AND_COPIES_OUT,
    ROLE_TAKEOVER,
    ROLE_TRUST_CHANGES,
    SCP_MAX_CHARACTERS,
    SCPS_PER_TARGET,
    SCRATCH_BUCKET_EXPOSURE,
    SHARING_CHANGES,
    TRAIL_TAMPERING,
    alert_path_guardrails,
    backup_account_guardrails,
    backup_perimeter_guardrails,
    check_scp_size,
    deny_backup_destruction,
    deny_backup_setting_changes,
    deny_break_glass_role_changes,
    deny_break_glass_role_creation,
    deny_bucket_destruction,
    deny_bucket_protection_changes,
    deny_deployment_role_changes,
    deny_key_destruction,
    deny_key_lockout_bypass,
    deny_key_repolicy,
    deny_lasting_identities,
    deny_leaving_organization,
    deny_new_role_trust,
    deny_other_break_glass_role_policies,
    deny_passing_roles_to_backup,
    deny_protection_tag_changes,
    deny_protection_tag_removal,
    deny_restores_and_copies_out,
    deny_root_user,
    deny_scratch_bucket_exposure,
    deny_sharing,
    deny_trail_tampering,
    deny_unused_regions,
    deny_weaker_vault_locks,
    deny_writes_outside_organization,
    log_archive_guardrails,
    organization_guardrails,
    scp_content,
    scp_size,
    security_account_guardrails,
    workload_guardrails,
)
from hardened.aws.documents.resource_controls import data_perimeter, web_identity_controls

EXEMPT = [DEPLOYER, BREAK_GLASS]
OTHER_EXEMPT = [BREAK_GLASS]
ADMIN = f"arn:aws:iam::{ACCOUNT}:role/AdministratorAccess"
ROOT_USER = f"arn:aws:iam::{ACCOUNT}:root"
MANAGEMENT_ACCOUNT = "999988887777"
TRAIL = f"arn:aws:cloudtrail:us-east-1:{MANAGEMENT_ACCOUNT}:trail/organization-trail"
FLOOR = 7

# --- the statements, exactly -------------------------------------------------------------------------

EXPECTED_EXEMPTION = {
    "ArnNotEquals": {
        "aws:PrincipalArn": [
            "arn:aws:iam::111122223333:role/hardened-break-glass",
            "arn:aws:iam::111122223333:role/hardened-deployer",
        ]
    }
}

EXPECTED_BACKUP_DESTRUCTION = {
    "Sid": "DenyBackupDestruction",
    "Effect": "Deny",
    "Action": [
        "backup:DeleteBackupVault",
        "backup:DeleteBackupVaultAccessPolicy",
        "backup:DeleteBackupVaultLockConfiguration",
        "backup:DeleteBackupVaultSharingPolicy",
        "backup:DeleteRecoveryPoint",
        "backup:DisassociateRecoveryPoint",
        "backup:DisassociateRecoveryPointFromParent",
        "backup:UpdateRecoveryPointLifecycle",
    ],
    "Resource": "*",
}

EXPECTED_BACKUP_SETTING_CHANGES = {
    "Sid": "DenyBackupSettingChanges",
    "Effect": "Deny",
    "Action": [
        "backup:AssociateBackupVaultMpaApprovalTeam",
        "backup:CancelLegalHold",
        "backup:DeleteBackupPlan",
        "backup:DeleteBackupSelection",
        "backup:DeleteBackupVaultNotifications",
        "backup:DisassociateBackupVaultMpaApprovalTeam",
        "backup:PutBackupVaultAccessPolicy",
        "backup:PutBackupVaultLockConfiguration",
        "backup:PutBackupVaultNotifications",
        "backup:PutBackupVaultSharingPolicy",
        "backup:DeleteRestoreTestingPlan",
        "backup:DeleteRestoreTestingSelection",
        "backup:UpdateBackupPlan",
        "backup:UpdateGlobalSettings",
        "backup:UpdateRegionSettings",
        "backup:UpdateRestoreTestingPlan",
        "backup:UpdateRestoreTestingSelection",
    ],
    "Resource": "*",
    "Condition": EXPECTED_EXEMPTION,
}

EXPECTED_WEAKER_VAULT_LOCKS = {
    "Sid": "DenyWeakerVaultLocks",
    "Effect": "Deny",
    "Action": "backup:PutBackupVaultLockConfiguration",
    "Resource": "*",
    "Condition": {"NumericLessThanIfExists": {"backup:MinRetentionDays": "7"}},
}

EXPECTED_BUCKET_DESTRUCTION = {
    "Sid": "DenyBucketDestruction",
    "Effect": "Deny",
    "Action": ["s3:BypassGovernanceRetention", "s3:DeleteBucket", "s3:DeleteObjectVersion"],
    "Resource": "*",
}

EXPECTED_BUCKET_PROTECTION_CHANGES = {
    "Sid": "DenyBucketProtectionChanges",
    "Effect": "Deny",
    "Action": [
        "s3:DeleteBucketPolicy",
        "s3:PutAccountPublicAccessBlock",
        "s3:PutBucketObjectLockConfiguration",
        "s3:PutBucketOwnershipControls",
        "s3:PutBucketPolicy",
        "s3:PutBucketPublicAccessBlock",
        "s3:PutBucketVersioning",
        "s3:PutEncryptionConfiguration",
        "s3:PutLifecycleConfiguration",
        "s3:PutReplicationConfiguration",
    ],
    "Resource": "*",
    "Condition": EXPECTED_EXEMPTION,
}

# In the backup account, AWS Backup's restore-test scratch buckets are left out of both bucket statements.
SCRATCH = {"NotResource": ["arn:aws:s3:::awsbackup-restore-test-*", "arn:aws:s3:::awsbackup-restore-test-*/*"]}
EXPECTED_BUCKET_DESTRUCTION_BUT_SCRATCH = {
    **{k: v for k, v in EXPECTED_BUCKET_DESTRUCTION.items() if k != "Resource"},
    **SCRATCH,
}
EXPECTED_BUCKET_PROTECTION_CHANGES_BUT_SCRATCH = {
    **{k: v for k, v in EXPECTED_BUCKET_PROTECTION_CHANGES.items() if k not in ("Resource", "Condition")},
    **SCRATCH,
    "Condition": EXPECTED_EXEMPTION,
}

EXPECTED_ROLE_TAKEOVER = [
    "iam:AttachRolePolicy",
    "iam:CreateRole",
    "iam:DeleteRole",
    "iam:DeleteRolePermissionsBoundary",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole",
]

EXPECTED_DEPLOYMENT_ROLE_CHANGES = {
    "Sid": "DenyDeploymentRoleChanges",
    "Effect": "Deny",
    "Action": EXPECTED_ROLE_TAKEOVER,
    "Resource": "arn:aws:iam::111122223333:role/hardened-deployer",
}

# Nobody but break-glass changes a break-glass role once it exists, the deployment role included.
EXPECTED_BREAK_GLASS_ROLE_CHANGES = {
    "Sid": "DenyBreakGlassRoleChanges",
    "Effect": "Deny",
    "Action": [
        "iam:DeleteRole",
        "iam:DeleteRolePermissionsBoundary",
        "iam:DeleteRolePolicy",
        "iam:DetachRolePolicy",
        "iam:PutRolePermissionsBoundary",
        "iam:PutRolePolicy",
        "iam:UpdateAssumeRolePolicy",
        "iam:UpdateRole",
    ],
    "Resource": ["arn:aws:iam::111122223333:role/hardened-break-glass"],
    "Condition": {"ArnNotEquals": {"aws:PrincipalArn": ["arn:aws:iam::111122223333:role/hardened-break-glass"]}},
}

EXPECTED_BREAK_GLASS_ROLE_CREATION = {
    "Sid": "DenyBreakGlassRoleCreation",
    "Effect": "Deny",
    "Action": ["iam:AttachRolePolicy", "iam:CreateRole"],
    "Resource": ["arn:aws:iam::111122223333:role/hardened-break-glass"],
    "Condition": EXPECTED_EXEMPTION,
}

EXPECTED_OTHER_BREAK_GLASS_ROLE_POLICIES = {
    "Sid": "DenyOtherBreakGlassRolePolicies",
    "Effect": "Deny",
    "Action": "iam:AttachRolePolicy",
    "Resource": ["arn:aws:iam::111122223333:role/hardened-break-glass"],
    "Condition": {
        "ArnNotEquals": {
            "iam:PolicyARN": ["arn:aws:iam::aws:policy/AdministratorAccess"],
            "aws:PrincipalArn": ["arn:aws:iam::111122223333:role/hardened-break-glass"],
        }
    },
}

EXPECTED_BREAK_GLASS_ROLE_KEPT = [
    EXPECTED_BREAK_GLASS_ROLE_CHANGES,
    EXPECTED_BREAK_GLASS_ROLE_CREATION,
    EXPECTED_OTHER_BREAK_GLASS_ROLE_POLICIES,
]

ORGANIZATION_ID = "o-a1b2c3d4e5"
UNLESS_BREAK_GLASS = {"ArnNotEquals": {"aws:PrincipalArn": ["arn:aws:iam::111122223333:role/hardened-break-glass"]}}

EXPECTED_RESTORES_AND_COPIES_OUT = {
    "Sid": "DenyRestoresAndCopiesOut",
    "Effect": "Deny",
    "Action": ["backup:CopyFromBackupVault", "backup:StartCopyJob", "backup:StartRestoreJob"],
    "Resource": "*",
    "Condition": UNLESS_BREAK_GLASS,
}

EXPECTED_PASSING_ROLES_TO_BACKUP = {
    "Sid": "DenyPassingRolesToBackup",
    "Effect": "Deny",
    "Action": "iam:PassRole",
    "Resource": "*",
    "Condition": {"StringEquals": {"iam:PassedToService": "backup.amazonaws.com"}, **EXPECTED_EXEMPTION},
}

EXPECTED_SCRATCH_BUCKET_EXPOSURE = {
    "Sid": "DenyScratchBucketExposure",
    "Effect": "Deny",
    "Action": [
        "s3:DeleteBucketPolicy",
        "s3:PutBucketAcl",
        "s3:PutBucketPolicy",
        "s3:PutBucketPublicAccessBlock",
        "s3:PutReplicationConfiguration",
    ],
    "Resource": ["arn:aws:s3:::awsbackup-restore-test-*", "arn:aws:s3:::awsbackup-restore-test-*/*"],
    "Condition": UNLESS_BREAK_GLASS,
}

EXPECTED_SHARING = {
    "Sid": "DenySharing",
    "Effect": "Deny",
    "Action": [
        "backup:PutBackupVaultSharingPolicy",
        "ram:AssociateResourceShare",
        "ram:AssociateResourceSharePermission",
        "ram:CreateResourceShare",
        "ram:DeleteResourceShare",
        "ram:DisassociateResourceShare",
        "ram:DisassociateResourceSharePermission",
        "ram:ReplacePermissionAssociations",
        "ram:UpdateResourceShare",
    ],
    "Resource": "*",
    "Condition": UNLESS_BREAK_GLASS,
}

EXPECTED_LASTING_IDENTITIES = {
    "Sid": "DenyLastingIdentities",
    "Effect": "Deny",
    "Action": [
        "iam:AddClientIDToOpenIDConnectProvider",
        "iam:CreateLoginProfile",
        "iam:CreateOpenIDConnectProvider",
        "iam:CreateSAMLProvider",
        "iam:CreateServiceSpecificCredential",
        "iam:CreateUser",
        "iam:UpdateLoginProfile",
        "iam:UpdateOpenIDConnectProviderThumbprint",
        "iam:UpdateSAMLProvider",
        "iam:UploadSigningCertificate",
        "iam:UploadSSHPublicKey",
    ],
    "Resource": "*",
    "Condition": UNLESS_BREAK_GLASS,
}

EXPECTED_NEW_ROLE_TRUST = {
    "Sid": "DenyNewRoleTrust",
    "Effect": "Deny",
    "Action": ["iam:CreateRole", "iam:UpdateAssumeRolePolicy"],
    "Resource": "*",
    "Condition": EXPECTED_EXEMPTION,
}

EXPECTED_WRITES_OUTSIDE_ORGANIZATION = {
    "Sid": "DenyWritesOutsideOrganization",
    "Effect": "Deny",
    "Action": ["s3:PutObject", "s3:ReplicateObject"],
    "Resource": "*",
    "Condition": {"StringNotEquals": {"aws:ResourceOrgID": "o-a1b2c3d4e5"}},
}

EXPECTED_TRAIL_TAMPERING = {
    "Sid": "DenyTrailTampering",
    "Effect": "Deny",
    "Action": [
        "cloudtrail:DeleteTrail",
        "cloudtrail:PutEventSelectors",
        "cloudtrail:PutInsightSelectors",
        "cloudtrail:StopLogging",
        "cloudtrail:UpdateTrail",
    ],
    "Resource": "arn:aws:cloudtrail:us-east-1:999988887777:trail/organization-trail",
}

EXPECTED_KEY_DESTRUCTION = {
    "Sid": "DenyKeyDestruction",
    "Effect": "Deny",
    "Action": ["kms:DeleteImportedKeyMaterial", "kms:DisableKey", "kms:DisableKeyRotation", "kms:ScheduleKeyDeletion"],
    "Resource": "*",
}

EXPECTED_TAGGED_KEY_DESTRUCTION = {
    **EXPECTED_KEY_DESTRUCTION,
    "Condition": {"Null": {"aws:ResourceTag/hardened-accounts:protects": "false"}},
}

# Only break-glass re-policies a key: the deployment role, exempt from the setting guardrails, is not exempt here.
EXPECTED_KEY_REPOLICY = {
    "Sid": "DenyKeyRepolicy",
    "Effect": "Deny",
    "Action": ["kms:PutKeyPolicy"],
    "Resource": "*",
    "Condition": {"ArnNotEquals": {"aws:PrincipalArn": ["arn:aws:iam::111122223333:role/hardened-break-glass"]}},
}

EXPECTED_KEY_LOCKOUT_BYPASS = {
    "Sid": "DenyKeyLockoutBypass",
    "Effect": "Deny",
    "Action": ["kms:PutKeyPolicy"],
    "Resource": "*",
    "Condition": {"Bool": {"kms:BypassPolicyLockoutSafetyCheck": "true"}},
}

EXPECTED_TAGGED_KEY_REPOLICY = {
    "Sid": "DenyKeyRepolicy",
    "Effect": "Deny",
    "Action": ["kms:PutKeyPolicy"],
    "Resource": "*",
    "Condition": {
        "ArnNotEquals": {"aws:PrincipalArn": ["arn:aws:iam::111122223333:role/hardened-break-glass"]},
        "Null": {"aws:ResourceTag/hardened-accounts:protects": "false"},
    },
}

EXPECTED_PROTECTION_TAG_CHANGES = {
    "Sid": "DenyProtectionTagChanges",
    "Effect": "Deny",
    "Action": "kms:TagResource",
    "Resource": "*",
    "Condition": {
        "ForAnyValue:StringEquals": {"aws:TagKeys": "hardened-accounts:protects"},
        "ArnNotEquals": {
            "aws:PrincipalArn": [
                "arn:aws:iam::111122223333:role/hardened-break-glass",
                "arn:aws:iam::111122223333:role/hardened-deployer",
            ]
        },
    },
}

EXPECTED_PROTECTION_TAG_REMOVAL = {
    "Sid": "DenyProtectionTagRemoval",
    "Effect": "Deny",
    "Action": "kms:UntagResource",
    "Resource": "*",
    "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": "hardened-accounts:protects"}},
}

EXPECTED_LEAVING_ORGANIZATION = {
    "Sid": "DenyLeavingOrganization",
    "Effect": "Deny",
    "Action": "organizations:LeaveOrganization",
    "Resource": "*",
}

EXPECTED_ROOT_USER = {
    "Sid": "DenyRootUser",
    "Effect": "Deny",
    "Action": "*",
    "Resource": "*",
    "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:root"}, "Null": {"aws:AssumedRoot": "true"}},
}


@pytest.mark.parametrize(
    ("built", "expected"),
    [
        (deny_backup_destruction(), EXPECTED_BACKUP_DESTRUCTION),
        (deny_backup_setting_changes([DEPLOYER, BREAK_GLASS, DEPLOYER]), EXPECTED_BACKUP_SETTING_CHANGES),
        (deny_weaker_vault_locks(7), EXPECTED_WEAKER_VAULT_LOCKS),
        (deny_bucket_destruction(), EXPECTED_BUCKET_DESTRUCTION),
        (deny_bucket_protection_changes(EXEMPT), EXPECTED_BUCKET_PROTECTION_CHANGES),
        (deny_bucket_destruction(RESTORE_TEST_BUCKETS), EXPECTED_BUCKET_DESTRUCTION_BUT_SCRATCH),
        (deny_bucket_protection_changes(EXEMPT, RESTORE_TEST_BUCKETS), EXPECTED_BUCKET_PROTECTION_CHANGES_BUT_SCRATCH),
        (deny_deployment_role_changes(DEPLOYER), EXPECTED_DEPLOYMENT_ROLE_CHANGES),
        (deny_break_glass_role_changes([BREAK_GLASS, BREAK_GLASS]), EXPECTED_BREAK_GLASS_ROLE_CHANGES),
        (deny_break_glass_role_creation([BREAK_GLASS], DEPLOYER), EXPECTED_BREAK_GLASS_ROLE_CREATION),
        (
            deny_other_break_glass_role_policies([BREAK_GLASS], [ADMINISTRATOR_ACCESS]),
            EXPECTED_OTHER_BREAK_GLASS_ROLE_POLICIES,
        ),
        (deny_trail_tampering(TRAIL), EXPECTED_TRAIL_TAMPERING),
        (deny_key_destruction(), EXPECTED_KEY_DESTRUCTION),
        (deny_key_destruction("hardened-accounts:protects"), EXPECTED_TAGGED_KEY_DESTRUCTION),
        (deny_key_repolicy([BREAK_GLASS, BREAK_GLASS]), EXPECTED_KEY_REPOLICY),
        (deny_key_repolicy([BREAK_GLASS], "hardened-accounts:protects"), EXPECTED_TAGGED_KEY_REPOLICY),
        (deny_key_lockout_bypass(), EXPECTED_KEY_LOCKOUT_BYPASS),
        (deny_protection_tag_changes("hardened-accounts:protects", EXEMPT), EXPECTED_PROTECTION_TAG_CHANGES),
        (deny_protection_tag_removal("hardened-accounts:protects"), EXPECTED_PROTECTION_TAG_REMOVAL),
        (deny_restores_and_copies_out([BREAK_GLASS]), EXPECTED_RESTORES_AND_COPIES_OUT),
        (deny_passing_roles_to_backup([BREAK_GLASS, DEPLOYER]), EXPECTED_PASSING_ROLES_TO_BACKUP),
        (deny_scratch_bucket_exposure([BREAK_GLASS]), EXPECTED_SCRATCH_BUCKET_EXPOSURE),
        (deny_sharing([BREAK_GLASS]), EXPECTED_SHARING),
        (deny_writes_outside_organization(ORGANIZATION_ID), EXPECTED_WRITES_OUTSIDE_ORGANIZATION),
        (deny_lasting_identities([BREAK_GLASS]), EXPECTED_LASTING_IDENTITIES),
        (deny_new_role_trust([BREAK_GLASS, DEPLOYER]), EXPECTED_NEW_ROLE_TRUST),
        (deny_leaving_organization(), EXPECTED_LEAVING_ORGANIZATION),
        (deny_root_user(), EXPECTED_ROOT_USER),
    ],
    ids=lambda value: (
        (value.get("Sid", "") + ("-but-scratch" if "NotResource" in value else "")) if isinstance(value, dict) else ""
    ),
)
def test_each_statement_is_exactly_as_written(built, expected):
    assert built == expected


def test_without_exempt_roles_a_statement_applies_to_everyone():
    assert deny_backup_setting_changes([]) == {
        k: v for k, v in EXPECTED_BACKUP_SETTING_CHANGES.items() if k != "Condition"
    }
    assert deny_key_repolicy([], "hardened-accounts:protects")["Condition"] == {
        "Null": {"aws:ResourceTag/hardened-accounts:protects": "false"}
    }


@pytest.mark.parametrize("days", [0, -1])
def test_a_vault_lock_floor_below_one_day_is_refused(days):
    with pytest.raises(ValueError, match="minimum_retention_days"):
        deny_weaker_vault_locks(days)


def test_the_protected_key_tag_is_the_one_keys_are_tagged_with():
    assert PROTECTED_KEY_TAG == "hardened-accounts:protects"


# --- the composed documents, exactly -----------------------------------------------------------------


EXPECTED_ACCESS_KEY_CREATION = {
    "Sid": "DenyAccessKeyCreation",
    "Effect": "Deny",
    "Action": "iam:CreateAccessKey",
    "Resource": "*",
}

EXPECTED_SENSITIVE_ACTIONS_WITHOUT_MFA = {
    "Sid": "DenySensitiveActionsWithoutMfa",
    "Effect": "Deny",
    "Action": [
        "iam:AddUserToGroup",
        "iam:AttachGroupPolicy",
        "iam:AttachRolePolicy",
        "iam:AttachUserPolicy",
        "iam:CreateLoginProfile",
        "iam:CreatePolicyVersion",
        "iam:CreateRole",
        "iam:CreateUser",
        "iam:DeactivateMFADevice",
        "iam:DeleteVirtualMFADevice",
        "iam:PutGroupPolicy",
        "iam:PutRolePolicy",
        "iam:PutUserPolicy",
        "iam:UpdateAccessKey",
        "iam:UpdateAssumeRolePolicy",
        "iam:UpdateLoginProfile",
        "sts:AssumeRole",
    ],
    "Resource": "*",
    "Condition": {
        "StringEquals": {"aws:PrincipalType": "User"},
        "BoolIfExists": {"aws:MultiFactorAuthPresent": "false"},
    },
}


def test_the_organization_root_denies_leaving_the_root_user_trail_tampering_access_keys_and_mfa_less_users():
    assert organization_guardrails(TRAIL) == {
        "Version": "2012-10-17",
        "Statement": [
            EXPECTED_LEAVING_ORGANIZATION,
            EXPECTED_ROOT_USER,
            EXPECTED_TRAIL_TAMPERING,
            EXPECTED_KEY_LOCKOUT_BYPASS,
            EXPECTED_ACCESS_KEY_CREATION,
            EXPECTED_SENSITIVE_ACTIONS_WITHOUT_MFA,
        ],
    }


def test_the_backup_account_protects_backups_buckets_every_key_and_the_exempt_roles():
    assert backup_account_guardrails(DEPLOYER, OTHER_EXEMPT, 7) == {
        "Version": "2012-10-17",
        "Statement": [
            EXPECTED_BACKUP_DESTRUCTION,
            EXPECTED_BACKUP_SETTING_CHANGES,
            EXPECTED_WEAKER_VAULT_LOCKS,
            EXPECTED_BUCKET_DESTRUCTION_BUT_SCRATCH,
            EXPECTED_BUCKET_PROTECTION_CHANGES_BUT_SCRATCH,
            EXPECTED_KEY_DESTRUCTION,
            EXPECTED_KEY_REPOLICY,
            EXPECTED_DEPLOYMENT_ROLE_CHANGES,
            *EXPECTED_BREAK_GLASS_ROLE_KEPT,
        ],
    }


def test_the_backup_perimeter_keeps_every_copy_in_the_backup_account_below_break_glass():
    assert backup_perimeter_guardrails(DEPLOYER, OTHER_EXEMPT, ORGANIZATION_ID) == {
        "Version": "2012-10-17",
        "Statement": [
            EXPECTED_RESTORES_AND_COPIES_OUT,
            EXPECTED_PASSING_ROLES_TO_BACKUP,
            EXPECTED_SCRATCH_BUCKET_EXPOSURE,
            EXPECTED_SHARING,
            EXPECTED_WRITES_OUTSIDE_ORGANIZATION,
            EXPECTED_LASTING_IDENTITIES,
            EXPECTED_NEW_ROLE_TRUST,
        ],
    }


def test_the_log_archive_protects_buckets_every_key_and_the_exempt_roles():
    assert log_archive_guardrails(DEPLOYER, OTHER_EXEMPT) == {
        "Version": "2012-10-17",
        "Statement": [
            EXPECTED_BUCKET_DESTRUCTION,
            EXPECTED_BUCKET_PROTECTION_CHANGES,
            EXPECTED_KEY_DESTRUCTION,
            EXPECTED_KEY_REPOLICY,
            EXPECTED_LASTING_IDENTITIES,
            EXPECTED_NEW_ROLE_TRUST,
            EXPECTED_DEPLOYMENT_ROLE_CHANGES,
            *EXPECTED_BREAK_GLASS_ROLE_KEPT,
        ],
    }


USERS = [f"arn:aws:iam::{ACCOUNT}:user/break-glass-1", f"arn:aws:iam::{ACCOUNT}:user/break-glass-2"]
GROUP = f"arn:aws:iam::{ACCOUNT}:group/org-break-glass-users"
UNLESS_BREAK_GLASS_OR_USERS = {"ArnNotEquals": {"aws:PrincipalArn": sorted([BREAK_GLASS, *USERS])}}


def test_the_security_account_keeps_the_break_glass_users_in_break_glass_hands():
    """Only break-glass changes a user or its group; the deployer creates them, the group's policy and each first
    password; only the users enrol MFA devices; no other user or identity provider; the exempt roles kept."""
    assert security_account_guardrails(DEPLOYER, OTHER_EXEMPT, USERS, GROUP) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyBreakGlassUserChanges",
                "Effect": "Deny",
                "Action": [
                    "iam:AttachGroupPolicy",
                    "iam:AttachUserPolicy",
                    "iam:CreateAccessKey",
                    "iam:CreateServiceSpecificCredential",
                    "iam:DeactivateMFADevice",
                    "iam:DeleteGroup",
                    "iam:DeleteGroupPolicy",
                    "iam:DeleteLoginProfile",
                    "iam:DeleteUser",
                    "iam:DeleteUserPermissionsBoundary",
                    "iam:DeleteUserPolicy",
                    "iam:DetachGroupPolicy",
                    "iam:DetachUserPolicy",
                    "iam:PutUserPermissionsBoundary",
                    "iam:PutUserPolicy",
                    "iam:RemoveUserFromGroup",
                    "iam:ResyncMFADevice",
                    "iam:UpdateAccessKey",
                    "iam:UpdateGroup",
                    "iam:UpdateLoginProfile",
                    "iam:UpdateUser",
                    "iam:UploadSigningCertificate",
                    "iam:UploadSSHPublicKey",
                ],
                "Resource": [*USERS, GROUP],
                "Condition": UNLESS_BREAK_GLASS,
            },
            {
                "Sid": "DenyBreakGlassUserCreation",
                "Effect": "Deny",
                "Action": [
                    "iam:AddUserToGroup",
                    "iam:CreateGroup",
                    "iam:CreateLoginProfile",
                    "iam:CreateUser",
                    "iam:PutGroupPolicy",
                ],
                "Resource": [*USERS, GROUP],
                "Condition": EXPECTED_EXEMPTION,
            },
            {
                "Sid": "DenyMfaEnrollmentByOthers",
                "Effect": "Deny",
                "Action": "iam:EnableMFADevice",
                "Resource": USERS,
                "Condition": UNLESS_BREAK_GLASS_OR_USERS,
            },
            {**{k: v for k, v in EXPECTED_LASTING_IDENTITIES.items() if k != "Resource"}, "NotResource": USERS},
            EXPECTED_NEW_ROLE_TRUST,
            EXPECTED_DEPLOYMENT_ROLE_CHANGES,
            *EXPECTED_BREAK_GLASS_ROLE_KEPT,
        ],
    }


def test_a_workload_account_protects_backups_tagged_keys_and_the_exempt_roles():
    assert workload_guardrails(DEPLOYER, OTHER_EXEMPT, 7) == {
        "Version": "2012-10-17",
        "Statement": [
            EXPECTED_BACKUP_DESTRUCTION,
            EXPECTED_BACKUP_SETTING_CHANGES,
            EXPECTED_WEAKER_VAULT_LOCKS,
            EXPECTED_TAGGED_KEY_DESTRUCTION,
            EXPECTED_TAGGED_KEY_REPOLICY,
            EXPECTED_PROTECTION_TAG_CHANGES,
            EXPECTED_PROTECTION_TAG_REMOVAL,
            EXPECTED_DEPLOYMENT_ROLE_CHANGES,
            *EXPECTED_BREAK_GLASS_ROLE_KEPT,
        ],
    }


def test_with_the_deployment_role_alone_only_it_is_kept():
    statements = workload_guardrails(DEPLOYER, [DEPLOYER], 7)["Statement"]
    assert [s["Sid"] for s in statements][-1] == "DenyDeploymentRoleChanges"
    assert not [s for s in EXPECTED_BREAK_GLASS_ROLE_KEPT if s in statements]


def composed() -> dict[str, dict]:
    return {
        "organization": organization_guardrails(TRAIL),
        "backup-account": backup_account_guardrails(DEPLOYER, OTHER_EXEMPT, FLOOR),
        "backup-perimeter": backup_perimeter_guardrails(DEPLOYER, OTHER_EXEMPT, ORGANIZATION_ID),
        "log-archive": log_archive_guardrails(DEPLOYER, OTHER_EXEMPT),
        "workload": workload_guardrails(DEPLOYER, OTHER_EXEMPT, FLOOR),
        "security": security_account_guardrails(DEPLOYER, OTHER_EXEMPT, USERS, GROUP),
    }


@pytest.mark.parametrize("name", composed())
def test_statements_are_scp_shaped(name):
    statements = composed()[name]["Statement"]
    assert len({s["Sid"] for s in statements}) == len(statements)
    for statement in statements:
        assert statement["Effect"] == "Deny"
        assert "Principal" not in statement and "NotPrincipal" not in statement


# --- size ---------------------------------------------------------------------------------------------


def test_the_quotas_are_the_documented_ones():
    assert (SCP_MAX_CHARACTERS, SCPS_PER_TARGET) == (5120, 5)


@pytest.mark.parametrize("name", composed())
def test_every_composed_document_fits_an_scp(name):
    document = composed()[name]
    assert check_scp_size(name, document) == scp_size(document) <= SCP_MAX_CHARACTERS
    print(f"{name}: {scp_size(document)} of {SCP_MAX_CHARACTERS} characters")


def test_the_size_is_that_of_the_minified_json():
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}
    assert (
        scp_content(document) == '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}'
    )
    assert scp_size(document) == 84


def test_a_stand_in_account_id_gives_the_real_size():
    stand_in = backup_account_guardrails(
        "arn:aws:iam::000000000000:role/hardened-deployer",
        ["arn:aws:iam::000000000000:role/hardened-break-glass"],
        FLOOR,
    )
    real = backup_account_guardrails(
        "arn:aws:iam::123456789012:role/hardened-deployer",
        ["arn:aws:iam::123456789012:role/hardened-break-glass"],
        FLOOR,
    )
    assert scp_size(stand_in) == scp_size(real)


def test_an_oversized_document_is_refused_by_name():
    many = [f"arn:aws:iam::{ACCOUNT}:role/deployment-role-number-{i:03}" for i in range(100)]
    document = backup_account_guardrails(DEPLOYER, many, FLOOR)
    with pytest.raises(ValueError, match=r"'backup-account' is \d+ characters, over the limit of 5120"):
        check_scp_size("backup-account", document)


# --- behaviour, judged by the evaluator --------------------------------------------------------------

FULL_AWS_ACCESS = {"name": "FullAWSAccess", "policy": ALLOW_EVERYTHING}
DEFAULT_KEY_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": ROOT_USER}, "Action": "kms:*", "Resource": "*"}],
}
VAULT = f"arn:aws:backup:{REGION}:{ACCOUNT}:backup-vault:backups"
RECOVERY_POINT = f"arn:aws:backup:{REGION}:{ACCOUNT}:recovery-point:1EB3B5E7-9EB0-435A-A80B-108B488B0D45"
PLAN = f"arn:aws:backup:{REGION}:{ACCOUNT}:backup-plan:8F81F553-3A74-4A3F-B93D-B3360DC80C50"
RESTORE_TESTING_PLAN = f"arn:aws:backup:{REGION}:{ACCOUNT}:restore-testing-plan:restores-0a1b2c3d"
LEGAL_HOLD = f"arn:aws:backup:{REGION}:{ACCOUNT}:legal-hold:2C7B5A9E-6D3F-4E1A-9B8C-0F1E2D3C4B5A"
BUCKET = "arn:aws:s3:::backups-111122223333"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def backup_resource(action: str) -> str:
    name = action.split(":", 1)[1]
    if "RecoveryPoint" in name:
        return RECOVERY_POINT
    if "BackupPlan" in name or "BackupSelection" in name:
        return PLAN
    if "RestoreTesting" in name:
        return RESTORE_TESTING_PLAN
    if "LegalHold" in name:
        return LEGAL_HOLD
    if name.endswith("Settings"):
        return "*"
    return VAULT


def s3_resource(action: str) -> str:
    if action in ("s3:BypassGovernanceRetention", "s3:DeleteObjectVersion"):
        return f"{BUCKET}/backup.tar"
    return "*" if action == "s3:PutAccountPublicAccessBlock" else BUCKET


def request(principal: str, action: str, resource: str, account_scp: dict, **context) -> Request:
    """A call in the member account, under the organization root's SCP and the account's own."""
    return Request(
        principal=principal,
        action=action,
        resource=resource,
        resource_account=ACCOUNT,
        context={"aws:PrincipalArn": principal, **context},
        resource_policy=DEFAULT_KEY_POLICY if action.startswith("kms:") else None,
        service_control_policies=[
            {
                "orgIdentifier": "r-a1b2",
                "policies": [FULL_AWS_ACCESS, {"name": "root", "policy": organization_guardrails(TRAIL)}],
            },
            {"orgIdentifier": ACCOUNT, "policies": [FULL_AWS_ACCESS, {"name": "account", "policy": account_scp}]},
        ],
    )


BACKUP_ACCOUNT = backup_account_guardrails(DEPLOYER, OTHER_EXEMPT, FLOOR)
LOG_ARCHIVE = log_archive_guardrails(DEPLOYER, OTHER_EXEMPT)
WORKLOAD = workload_guardrails(DEPLOYER, OTHER_EXEMPT, FLOOR)
TAGGED = {f"aws:ResourceTag/{PROTECTED_KEY_TAG}": "backups"}


@pytest.mark.parametrize("account_scp", [BACKUP_ACCOUNT, WORKLOAD], ids=["backup-account", "workload"])
def test_nobody_destroys_backups_not_even_the_exempt_roles(account_scp):
    cases = [(who, action) for who in (ADMIN, DEPLOYER, BREAK_GLASS) for action in BACKUP_DESTRUCTION]
    verdicts = evaluate([request(who, action, backup_resource(action), account_scp) for who, action in cases])
    assert dict(zip(cases, verdicts, strict=True)) == {case: EXPLICIT_DENY for case in cases}


@pytest.mark.parametrize("account_scp", [BACKUP_ACCOUNT, WORKLOAD], ids=["backup-account", "workload"])
def test_only_the_exempt_roles_change_backup_settings(account_scp):
    settings = [a for a in BACKUP_SETTING_CHANGES if a != "backup:PutBackupVaultLockConfiguration"]
    cases = [(who, action) for who in (ADMIN, DEPLOYER, BREAK_GLASS) for action in settings]
    verdicts = evaluate([request(who, action, backup_resource(action), account_scp) for who, action in cases])
    expected = {(who, action): EXPLICIT_DENY if who == ADMIN else ALLOWED for who, action in cases}
    assert dict(zip(cases, verdicts, strict=True)) == expected


@pytest.mark.parametrize(
    ("principal", "lock", "expected"),
    [
        (DEPLOYER, {"backup:MinRetentionDays": "1"}, EXPLICIT_DENY),
        (DEPLOYER, {"backup:MinRetentionDays": "6"}, EXPLICIT_DENY),
        (DEPLOYER, {}, EXPLICIT_DENY),
        (DEPLOYER, {"backup:MaxRetentionDays": "3650"}, EXPLICIT_DENY),
        (DEPLOYER, {"backup:MinRetentionDays": "7"}, ALLOWED),
        (DEPLOYER, {"backup:MinRetentionDays": "35", "backup:ChangeableForDays": "3"}, ALLOWED),
        (BREAK_GLASS, {"backup:MinRetentionDays": "1"}, EXPLICIT_DENY),
        (ADMIN, {"backup:MinRetentionDays": "35"}, EXPLICIT_DENY),
    ],
    ids=[
        "1-day",
        "6-days",
        "no-minimum",
        "maximum-only",
        "at-floor",
        "above-floor",
        "break-glass-1-day",
        "admin-compliant",
    ],
)
def test_vault_locks_weaker_than_the_floor_are_denied_to_everyone(principal, lock, expected):
    verdicts = evaluate([request(principal, "backup:PutBackupVaultLockConfiguration", VAULT, BACKUP_ACCOUNT, **lock)])
    assert verdicts == [expected]


@pytest.mark.parametrize("account_scp", [BACKUP_ACCOUNT, LOG_ARCHIVE], ids=["backup-account", "log-archive"])
def test_buckets_are_destroyed_by_nobody_and_reconfigured_only_by_exempt_roles(account_scp):
    cases = [(who, action) for who in (ADMIN, DEPLOYER) for action in BUCKET_DESTRUCTION + BUCKET_PROTECTION_CHANGES]
    verdicts = evaluate([request(who, action, s3_resource(action), account_scp) for who, action in cases])
    expected = {
        (who, action): ALLOWED if who == DEPLOYER and action in BUCKET_PROTECTION_CHANGES else EXPLICIT_DENY
        for who, action in cases
    }
    assert dict(zip(cases, verdicts, strict=True)) == expected


def test_workload_accounts_keep_their_own_buckets():
    actions = ["s3:DeleteBucket", "s3:PutBucketPolicy", "s3:PutLifecycleConfiguration"]
    verdicts = evaluate([request(ADMIN, action, BUCKET, WORKLOAD) for action in actions])
    assert verdicts == [ALLOWED] * len(actions)


@pytest.mark.parametrize(("account_scp", "context"), [(BACKUP_ACCOUNT, {}), (LOG_ARCHIVE, {}), (WORKLOAD, TAGGED)])
def test_protected_keys_are_destroyed_by_nobody(account_scp, context):
    cases = [(who, action) for who in (ADMIN, DEPLOYER, BREAK_GLASS) for action in KEY_DESTRUCTION]
    verdicts = evaluate([request(who, action, KEY, account_scp, **context) for who, action in cases])
    assert verdicts == [EXPLICIT_DENY] * len(cases)


def test_an_untagged_key_in_a_workload_account_is_the_workloads_own():
    actions = [*KEY_DESTRUCTION, "kms:PutKeyPolicy"]
    verdicts = evaluate([request(ADMIN, action, KEY, WORKLOAD) for action in actions])
    assert verdicts == [ALLOWED] * len(actions)


@pytest.mark.parametrize(
    ("account_scp", "context"), [(BACKUP_ACCOUNT, {}), (WORKLOAD, TAGGED)], ids=["backup-account", "workload-tagged"]
)
def test_only_break_glass_replaces_a_protected_key_policy_and_never_past_the_lockout_check(account_scp, context):
    bypass = {"kms:BypassPolicyLockoutSafetyCheck": "true"}
    cases = [(who, extra) for extra in ({}, bypass) for who in (ADMIN, DEPLOYER, BREAK_GLASS)]
    verdicts = evaluate(
        [request(who, "kms:PutKeyPolicy", KEY, account_scp, **context, **extra) for who, extra in cases]
    )
    assert verdicts == [EXPLICIT_DENY, EXPLICIT_DENY, ALLOWED] + [EXPLICIT_DENY] * 3


def test_the_deployment_role_still_creates_keys_it_may_not_re_policy():
    """CreateKey with the lockout check bypassed is how a sealed key is made: no guardrail stands in its way."""
    bypass = {"kms:BypassPolicyLockoutSafetyCheck": "true"}
    verdicts = evaluate(
        [request(DEPLOYER, "kms:CreateKey", "*", scp, **bypass) for scp in (BACKUP_ACCOUNT, LOG_ARCHIVE, WORKLOAD)]
    )
    assert verdicts == [ALLOWED] * 3


def test_only_the_exempt_roles_set_the_protection_tag_and_nobody_removes_it():
    protection = {"aws:TagKeys": [PROTECTED_KEY_TAG]}
    other_and_protection = {"aws:TagKeys": ["team", PROTECTED_KEY_TAG]}
    verdicts = evaluate(
        [
            request(ADMIN, "kms:UntagResource", KEY, WORKLOAD, **TAGGED, **protection),
            request(ADMIN, "kms:TagResource", KEY, WORKLOAD, **TAGGED, **other_and_protection),
            request(ADMIN, "kms:TagResource", KEY, WORKLOAD, **protection),
            request(DEPLOYER, "kms:TagResource", KEY, WORKLOAD, **protection),
            request(DEPLOYER, "kms:UntagResource", KEY, WORKLOAD, **TAGGED, **protection),
            request(BREAK_GLASS, "kms:UntagResource", KEY, WORKLOAD, **TAGGED, **other_and_protection),
            request(ADMIN, "kms:UntagResource", KEY, WORKLOAD, **TAGGED, **{"aws:TagKeys": ["team"]}),
        ]
    )
    assert verdicts == [EXPLICIT_DENY, EXPLICIT_DENY, EXPLICIT_DENY, ALLOWED, EXPLICIT_DENY, EXPLICIT_DENY, ALLOWED]


def role_arn(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


@pytest.mark.parametrize(
    "account_scp", [BACKUP_ACCOUNT, LOG_ARCHIVE, WORKLOAD], ids=["backup-account", "log-archive", "workload"]
)
def test_nobody_changes_the_deployment_role_and_nobody_below_break_glass_changes_break_glass(account_scp):
    """The deployment role may only create the break-glass role and attach its own policy; re-trusting, re-policying,
    deleting or bounding it is break-glass's alone. Nobody changes the deployment role."""
    administrator = {"iam:PolicyARN": ADMINISTRATOR_ACCESS}
    cases = [
        (who, action, role)
        for who in (ADMIN, DEPLOYER, BREAK_GLASS)
        for role in (DEPLOYER, BREAK_GLASS)
        for action in ROLE_TAKEOVER
    ]
    verdicts = evaluate([request(who, action, role, account_scp, **administrator) for who, action, role in cases])

    def expected(who: str, action: str, role: str) -> str:
        if role == BREAK_GLASS and (who == BREAK_GLASS or (who == DEPLOYER and action in BREAK_GLASS_ROLE_CREATION)):
            return ALLOWED
        return EXPLICIT_DENY

    assert dict(zip(cases, verdicts, strict=True)) == {case: expected(*case) for case in cases}
    # Attaching any other policy to break-glass (one that denies its way in, say) is break-glass's alone.
    other = {"iam:PolicyARN": f"arn:aws:iam::{ACCOUNT}:policy/deny-everything"}
    verdicts = evaluate(
        [
            request(who, "iam:AttachRolePolicy", BREAK_GLASS, account_scp, **other)
            for who in (ADMIN, DEPLOYER, BREAK_GLASS)
        ]
    )
    assert verdicts == [EXPLICIT_DENY, EXPLICIT_DENY, ALLOWED]


@pytest.mark.parametrize(
    "account_scp", [BACKUP_ACCOUNT, LOG_ARCHIVE, WORKLOAD], ids=["backup-account", "log-archive", "workload"]
)
def test_other_roles_stay_the_accounts_own(account_scp):
    """Only the exempt names are kept: a path or a longer name is another role, and exempts nothing. (The deployer
    is the caller here: in the log-archive account nobody else creates or re-trusts roles at all.)"""
    others = [role_arn("application"), role_arn("hardened-deployer-2"), role_arn("team/hardened-break-glass")]
    cases = [
        (role, action)
        for role in others
        for action in ("iam:CreateRole", "iam:UpdateAssumeRolePolicy", "iam:DeleteRole")
    ]
    verdicts = evaluate([request(DEPLOYER, action, role, account_scp) for role, action in cases])
    assert verdicts == [ALLOWED] * len(cases)


def test_restore_tests_prepare_and_clear_their_scratch_buckets_in_the_backup_account():
    scratch = "arn:aws:s3:::awsbackup-restore-test-4f2a9c"
    actions = [
        "s3:PutBucketVersioning",
        "s3:PutBucketOwnershipControls",
        "s3:PutEncryptionConfiguration",
        "s3:DeleteObjectVersion",
        "s3:DeleteBucket",
    ]
    resources = [f"{scratch}/restored.tar" if a == "s3:DeleteObjectVersion" else scratch for a in actions]
    assert evaluate([request(ADMIN, a, r, BACKUP_ACCOUNT) for a, r in zip(actions, resources, strict=True)]) == [
        ALLOWED
    ] * len(actions)
    # Only that prefix, and only buckets: the account-wide public access block stays guarded.
    lookalikes = ["arn:aws:s3:::my-awsbackup-restore-test-4f2a9c", "arn:aws:s3:::awsbackup-restore-tests"]
    guarded = [request(ADMIN, "s3:PutBucketVersioning", bucket, BACKUP_ACCOUNT) for bucket in lookalikes]
    guarded.append(request(ADMIN, "s3:PutAccountPublicAccessBlock", "*", BACKUP_ACCOUNT))
    assert evaluate(guarded) == [EXPLICIT_DENY] * 3


BACKUP_PERIMETER = backup_perimeter_guardrails(DEPLOYER, OTHER_EXEMPT, ORGANIZATION_ID)


def perimeter_request(
    principal: str, action: str, resource: str, resource_account: str = ACCOUNT, **context
) -> Request:
    """A call in the backup account, under its guardrails and its perimeter."""
    return Request(
        principal=principal,
        action=action,
        resource=resource,
        resource_account=resource_account,
        context={"aws:PrincipalArn": principal, **context},
        service_control_policies=[
            {
                "orgIdentifier": "r-a1b2",
                "policies": [FULL_AWS_ACCESS, {"name": "root", "policy": organization_guardrails(TRAIL)}],
            },
            {
                "orgIdentifier": ACCOUNT,
                "policies": [
                    FULL_AWS_ACCESS,
                    {"name": "account", "policy": BACKUP_ACCOUNT},
                    {"name": "perimeter", "policy": BACKUP_PERIMETER},
                ],
            },
        ],
    )


def test_below_break_glass_nobody_restores_copies_out_or_passes_roles_to_backup():
    point = f"arn:aws:backup:{REGION}:{ACCOUNT}:recovery-point:1EB3B5E7-9EB0-435A-A80B-108B488B0D45"
    to_backup = {"iam:PassedToService": "backup.amazonaws.com"}
    cases = [(who, action) for who in (ADMIN, DEPLOYER, BREAK_GLASS) for action in RESTORES_AND_COPIES_OUT]
    verdicts = evaluate([perimeter_request(who, action, point) for who, action in cases])
    assert dict(zip(cases, verdicts, strict=True)) == {
        (who, a): ALLOWED if who == BREAK_GLASS else EXPLICIT_DENY for who, a in cases
    }
    restore_role = role_arn("prod-restore-tests-restore")
    verdicts = evaluate(
        [perimeter_request(who, "iam:PassRole", restore_role, **to_backup) for who in (ADMIN, DEPLOYER, BREAK_GLASS)]
    )
    assert verdicts == [EXPLICIT_DENY, ALLOWED, ALLOWED]
    # Passing a role to another service is not this guardrail's business.
    assert evaluate(
        [perimeter_request(ADMIN, "iam:PassRole", restore_role, **{"iam:PassedToService": "lambda.amazonaws.com"})]
    ) == [ALLOWED]


def test_a_scratch_copy_is_never_shared_but_restore_tests_still_set_it_up():
    scratch = "arn:aws:s3:::awsbackup-restore-test-4f2a9c"
    exposure = [scratch for _ in SCRATCH_BUCKET_EXPOSURE]
    cases = [
        (who, action, resource)
        for who in (ADMIN, DEPLOYER, BREAK_GLASS)
        for action, resource in zip(SCRATCH_BUCKET_EXPOSURE, exposure, strict=True)
    ]
    verdicts = evaluate([perimeter_request(who, action, resource) for who, action, resource in cases])
    assert verdicts == [EXPLICIT_DENY] * (2 * len(exposure)) + [ALLOWED] * len(exposure)
    setup = ["s3:PutBucketVersioning", "s3:PutBucketOwnershipControls", "s3:PutEncryptionConfiguration"]
    assert evaluate([perimeter_request(ADMIN, action, scratch) for action in setup]) == [ALLOWED] * len(setup)
    # A restore puts the objects' own ACLs back (AWSBackupServiceRolePolicyForS3Restore): that stays allowed.
    restored = f"{scratch}/restored.tar"
    assert (
        evaluate([perimeter_request(ADMIN, a, restored) for a in ("s3:PutObjectAcl", "s3:PutObjectVersionAcl")])
        == [ALLOWED] * 2
    )


def test_only_break_glass_shares_what_the_backup_account_holds_or_changes_a_share():
    """A share reaches another account of the organization, which may then restore: as much a way out as a restore."""
    share = f"arn:aws:ram:{REGION}:{ACCOUNT}:resource-share/7f1c2b7e-1b5a-4c37-9d7f-0c1f4f3f9a11"
    vault = f"arn:aws:backup:{REGION}:{ACCOUNT}:backup-vault:prod-air-gapped-vault"
    resources = {
        "ram:CreateResourceShare": "*",
        "ram:ReplacePermissionAssociations": "*",
        "backup:PutBackupVaultSharingPolicy": vault,
    }
    cases = [(who, action) for who in (ADMIN, DEPLOYER, BREAK_GLASS) for action in SHARING_CHANGES]
    verdicts = evaluate([perimeter_request(who, action, resources.get(action, share)) for who, action in cases])
    assert dict(zip(cases, verdicts, strict=True)) == {
        (who, a): ALLOWED if who == BREAK_GLASS else EXPLICIT_DENY for who, a in cases
    }


@pytest.mark.parametrize("account_scp", [LOG_ARCHIVE, None], ids=["log-archive", "backup-perimeter"])
def test_no_identity_outlasts_an_intrusion_in_the_backup_and_log_archive_accounts(account_scp):
    """No users, passwords, long-term credentials or identity providers below break-glass; new roles and new trust
    only by the deployer, which deploys roles. (Access keys are denied to everyone by the root SCP.)"""

    def call(who: str, action: str, resource: str) -> Request:
        return request(who, action, resource, account_scp) if account_scp else perimeter_request(who, action, resource)

    resources = {a: "*" for a in LASTING_IDENTITIES} | {
        "iam:CreateUser": f"arn:aws:iam::{ACCOUNT}:user/persistent",
        "iam:CreateLoginProfile": f"arn:aws:iam::{ACCOUNT}:user/persistent",
        "iam:UpdateLoginProfile": f"arn:aws:iam::{ACCOUNT}:user/persistent",
        "iam:CreateServiceSpecificCredential": f"arn:aws:iam::{ACCOUNT}:user/persistent",
        "iam:UploadSigningCertificate": f"arn:aws:iam::{ACCOUNT}:user/persistent",
        "iam:UploadSSHPublicKey": f"arn:aws:iam::{ACCOUNT}:user/persistent",
        "iam:CreateOpenIDConnectProvider": f"arn:aws:iam::{ACCOUNT}:oidc-provider/issuer.example",
        "iam:AddClientIDToOpenIDConnectProvider": f"arn:aws:iam::{ACCOUNT}:oidc-provider/issuer.example",
        "iam:UpdateOpenIDConnectProviderThumbprint": f"arn:aws:iam::{ACCOUNT}:oidc-provider/issuer.example",
        "iam:CreateSAMLProvider": f"arn:aws:iam::{ACCOUNT}:saml-provider/idp",
        "iam:UpdateSAMLProvider": f"arn:aws:iam::{ACCOUNT}:saml-provider/idp",
    }
    cases = [(who, action) for who in (ADMIN, DEPLOYER, BREAK_GLASS) for action in LASTING_IDENTITIES]
    verdicts = evaluate([call(who, action, resources[action]) for who, action in cases])
    assert dict(zip(cases, verdicts, strict=True)) == {
        (who, a): ALLOWED if who == BREAK_GLASS else EXPLICIT_DENY for who, a in cases
    }
    role = role_arn("trusts-someone")
    verdicts = evaluate(
        [call(who, action, role) for who in (ADMIN, DEPLOYER, BREAK_GLASS) for action in ROLE_TRUST_CHANGES]
    )
    assert verdicts == [EXPLICIT_DENY, EXPLICIT_DENY, ALLOWED, ALLOWED, ALLOWED, ALLOWED]


def test_nobody_writes_into_a_bucket_outside_the_organization():
    outside, elsewhere = "arn:aws:s3:::drop/copy.tar", "999900001111"
    cases = [
        (who, action, context)
        for who in (ADMIN, DEPLOYER, BREAK_GLASS)
        for action in ("s3:PutObject", "s3:ReplicateObject")
        for context in ({"aws:ResourceOrgID": "o-zzzzzzzzzz"}, {})
    ]
    verdicts = evaluate(
        [perimeter_request(who, action, outside, elsewhere, **context) for who, action, context in cases]
    )
    assert verdicts == [EXPLICIT_DENY] * len(cases)
    own = "arn:aws:s3:::own-bucket/copy.tar"
    inside = evaluate(
        [
            perimeter_request(who, "s3:PutObject", own, **{"aws:ResourceOrgID": ORGANIZATION_ID})
            for who in (ADMIN, DEPLOYER)
        ]
    )
    assert inside == [ALLOWED, ALLOWED]


def test_the_root_user_acts_only_in_a_centralized_root_session():
    verdicts = evaluate(
        [
            request(ROOT_USER, "s3:ListAllMyBuckets", "*", WORKLOAD),
            request(ROOT_USER, "iam:CreateAccessKey", f"arn:aws:iam::{ACCOUNT}:user/someone", WORKLOAD),
            request(ROOT_USER, "s3:ListAllMyBuckets", "*", WORKLOAD, **{"aws:AssumedRoot": "true"}),
            request(ADMIN, "s3:ListAllMyBuckets", "*", WORKLOAD),
        ]
    )
    assert verdicts == [EXPLICIT_DENY, EXPLICIT_DENY, ALLOWED, ALLOWED]


def test_no_member_account_tampers_with_the_organization_trail():
    own_trail = f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/workload-trail"
    cases = [(who, action) for who in (ADMIN, DEPLOYER) for action in TRAIL_TAMPERING]
    verdicts = evaluate([request(who, action, TRAIL, WORKLOAD) for who, action in cases])
    assert verdicts == [EXPLICIT_DENY] * len(cases)
    assert evaluate([request(ADMIN, "cloudtrail:StopLogging", own_trail, WORKLOAD)]) == [ALLOWED]


def test_no_account_leaves_the_organization():
    verdicts = evaluate(
        [request(who, "organizations:LeaveOrganization", "*", WORKLOAD) for who in (ADMIN, DEPLOYER, BREAK_GLASS)]
    )
    assert verdicts == [EXPLICIT_DENY] * 3


def test_without_full_aws_access_nothing_is_allowed():
    """Guard for the tests above: the evaluator really applies the SCPs given to it."""
    bare = request(ADMIN, "s3:ListAllMyBuckets", "*", WORKLOAD)
    bare.service_control_policies = [{"orgIdentifier": ACCOUNT, "policies": [{"name": "account", "policy": WORKLOAD}]}]
    assert evaluate([bare]) == [IMPLICIT_DENY]


# --- the data perimeter (resource control policy of the root) -------------------------------------------------


def test_the_data_perimeter_is_exactly_the_four_statements():
    assert data_perimeter(ORGANIZATION_ID) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyAccessOutsideOrganization",
                "Effect": "Deny",
                "Principal": "*",
                "Action": [
                    "kms:*",
                    "s3:*",
                    "sts:AssumeRole",
                    "sts:DecodeAuthorizationMessage",
                    "sts:GetAccessKeyInfo",
                    "sts:GetFederationToken",
                    "sts:GetServiceBearerToken",
                    "sts:GetSessionToken",
                    "sts:SetContext",
                ],
                "Resource": "*",
                "Condition": {
                    "StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORGANIZATION_ID},
                    "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
                },
            },
            {
                "Sid": "DenyServicesActingForOthers",
                "Effect": "Deny",
                "Principal": "*",
                "Action": ["kms:*", "s3:*", "sts:*"],
                "Resource": "*",
                "Condition": {
                    "StringNotEqualsIfExists": {"aws:SourceOrgID": ORGANIZATION_ID},
                    "Null": {"aws:SourceAccount": "false"},
                    "Bool": {"aws:PrincipalIsAWSService": "true"},
                },
            },
            {
                "Sid": "DenyCustomerProvidedKeys",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:PutObject",
                "Resource": "*",
                "Condition": {"Null": {"s3:x-amz-server-side-encryption-customer-algorithm": "false"}},
            },
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": ["kms:*", "s3:*", "sts:*"],
                "Resource": "*",
                "Condition": {"BoolIfExists": {"aws:SecureTransport": "false"}},
            },
        ],
    }
    assert scp_size(data_perimeter(ORGANIZATION_ID)) <= SCP_MAX_CHARACTERS


def rcp_request(
    principal: str, action: str, resource: str, context: dict, resource_policy: dict | None = None
) -> Request:
    """A call on a member account's resource, under the root's data perimeter (the caller's SCPs play no part)."""
    return Request(
        principal=principal,
        action=action,
        resource=resource,
        resource_account=ACCOUNT,
        context={"aws:PrincipalArn": principal, "aws:SecureTransport": "true", **context},
        identity_policies=[ALLOW_EVERYTHING],
        resource_policy=resource_policy,
        resource_control_policies=[
            {"orgIdentifier": "r-a1b2", "policies": [{"name": "perimeter", "policy": data_perimeter(ORGANIZATION_ID)}]}
        ],
    )


def test_the_perimeter_refuses_outsiders_whatever_a_resource_policy_grants_and_lets_federation_through():
    outsider = "arn:aws:iam::999900001111:role/intruder"
    grant = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": outsider},
                "Action": ["s3:GetObject", "kms:Decrypt", "sts:AssumeRole"],
                "Resource": "*",
            }
        ],
    }
    outside = {
        "aws:PrincipalOrgID": "o-zzzzzzzzzz",
        "aws:PrincipalAccount": "999900001111",
        "aws:PrincipalIsAWSService": "false",
    }
    role = f"arn:aws:iam::{ACCOUNT}:role/target"
    verdicts = evaluate(
        [
            rcp_request(outsider, "s3:GetObject", "arn:aws:s3:::backups/copy.tar", outside, grant),
            rcp_request(
                outsider,
                "kms:Decrypt",
                f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                outside,
                grant,
            ),
            rcp_request(outsider, "sts:AssumeRole", role, outside, grant),
        ]
    )
    assert verdicts == [EXPLICIT_DENY] * 3
    # Google's transfer agent assumes its role by web identity: no organization id, and not covered by the perimeter.
    web = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": "accounts.google.com"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Resource": "*",
            }
        ],
    }
    assert evaluate([rcp_request("accounts.google.com", "sts:AssumeRoleWithWebIdentity", role, {}, web)]) == [ALLOWED]


def test_the_perimeter_refuses_sse_c_and_plain_http_even_inside_the_organization():
    inside = {
        "aws:PrincipalOrgID": ORGANIZATION_ID,
        "aws:PrincipalAccount": ACCOUNT,
        "aws:PrincipalIsAWSService": "false",
    }
    sse_c = {"s3:x-amz-server-side-encryption-customer-algorithm": "AES256"}
    verdicts = evaluate(
        [
            rcp_request(ADMIN, "s3:PutObject", "arn:aws:s3:::backups/copy.tar", {**inside, **sse_c}),
            rcp_request(
                ADMIN, "s3:PutObject", "arn:aws:s3:::backups/copy.tar", {**inside, "aws:SecureTransport": "false"}
            ),
            rcp_request(ADMIN, "s3:PutObject", "arn:aws:s3:::backups/copy.tar", inside),
        ]
    )
    assert verdicts == [EXPLICIT_DENY, EXPLICIT_DENY, ALLOWED]


def test_only_the_transfer_agent_assumes_a_backup_account_role_by_web_identity():
    agent = "107304712345678901234"
    assert web_identity_controls([agent, agent]) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyForeignWebIdentities",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Resource": "*",
                "Condition": {"StringNotEqualsIfExists": {"accounts.google.com:sub": [agent]}},
            }
        ],
    }
    role = f"arn:aws:iam::{ACCOUNT}:role/prod-to-gcp-google-transfer"
    trust_anyone = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": ["accounts.google.com", "token.actions.githubusercontent.com"]},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Resource": "*",
            }
        ],
    }

    def web(provider: str, context: dict, subjects: list[str]) -> Request:
        return Request(
            principal=provider,
            action="sts:AssumeRoleWithWebIdentity",
            resource=role,
            resource_account=ACCOUNT,
            context={"aws:SecureTransport": "true", **context},
            identity_policies=[ALLOW_EVERYTHING],
            resource_policy=trust_anyone,
            resource_control_policies=[
                {"orgIdentifier": ACCOUNT, "policies": [{"name": "backup", "policy": web_identity_controls(subjects)}]}
            ],
        )

    verdicts = evaluate(
        [
            web("accounts.google.com", {"accounts.google.com:sub": agent}, [agent]),
            web("accounts.google.com", {"accounts.google.com:sub": "100000000000000000001"}, [agent]),
            web(
                "token.actions.githubusercontent.com",
                {"token.actions.githubusercontent.com:sub": "repo:intruder/x:ref:refs/heads/main"},
                [agent],
            ),
            web("accounts.google.com", {"accounts.google.com:sub": agent}, []),
        ]
    )
    assert verdicts == [ALLOWED, EXPLICIT_DENY, EXPLICIT_DENY, EXPLICIT_DENY]


def test_the_alert_path_scp_exactly():
    """Removal is break-glass's alone, changes the deployer's and break-glass's, on everything named after the hub;
    in the security account, the hub's bus too."""
    resources = [
        "arn:aws:cloudwatch:*:*:alarm:org-alarms-*",
        "arn:aws:events:*:*:rule/org-alarms-*",
        "arn:aws:events:*:*:rule/org-alarms/*",
        "arn:aws:iam::*:role/org-alarms-*",
        "arn:aws:lambda:*:*:function:org-alarms-*",
        "arn:aws:sns:*:*:org-alarms-alerts",
    ]
    assert alert_path_guardrails(DEPLOYER, OTHER_EXEMPT, "org-alarms", hub=True) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyAlertPathRemoval",
                "Effect": "Deny",
                "Action": [
                    "cloudwatch:DeleteAlarms",
                    "cloudwatch:DisableAlarmActions",
                    "events:DeleteRule",
                    "events:DisableRule",
                    "events:RemoveTargets",
                    "iam:AttachRolePolicy",
                    "iam:DeleteRole",
                    "iam:DeleteRolePermissionsBoundary",
                    "iam:DeleteRolePolicy",
                    "iam:DetachRolePolicy",
                    "iam:PutRolePermissionsBoundary",
                    "iam:UpdateAssumeRolePolicy",
                    "lambda:DeleteFunction",
                    "lambda:PutFunctionConcurrency",
                    "lambda:RemovePermission",
                    "sns:DeleteTopic",
                    "sns:RemovePermission",
                    "sns:Unsubscribe",
                ],
                "Resource": resources,
                "Condition": UNLESS_BREAK_GLASS,
            },
            {
                "Sid": "DenyAlertPathChanges",
                "Effect": "Deny",
                "Action": [
                    "cloudwatch:PutMetricAlarm",
                    "events:PutRule",
                    "events:PutTargets",
                    "iam:PutRolePolicy",
                    "lambda:AddPermission",
                    "lambda:UpdateFunctionCode",
                    "lambda:UpdateFunctionConfiguration",
                    "sns:AddPermission",
                    "sns:SetSubscriptionAttributes",
                    "sns:SetTopicAttributes",
                ],
                "Resource": resources,
                "Condition": EXPECTED_EXEMPTION,
            },
            {
                "Sid": "DenyAlertBusRemoval",
                "Effect": "Deny",
                "Action": ["events:DeleteEventBus", "events:RemovePermission"],
                "Resource": "*",
                "Condition": UNLESS_BREAK_GLASS,
            },
            {
                "Sid": "DenyAlertBusChanges",
                "Effect": "Deny",
                "Action": ["events:PutPermission"],
                "Resource": "*",
                "Condition": EXPECTED_EXEMPTION,
            },
        ],
    }
    assert [s["Sid"] for s in alert_path_guardrails(DEPLOYER, OTHER_EXEMPT, "org-alarms")["Statement"]] == [
        "DenyAlertPathRemoval",
        "DenyAlertPathChanges",
    ]


def test_the_region_deny_exactly():
    """Every region but those given and us-east-1, to everyone; only single-endpoint global services are left out."""
    assert deny_unused_regions(["eu-west-1", "eu-central-1"]) == {
        "Sid": "DenyUnusedRegions",
        "Effect": "Deny",
        "NotAction": ["cloudfront:*", "iam:*", "organizations:*", "route53:*", "sts:*", "support:*"],
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-central-1", "eu-west-1", "us-east-1"]}},
    }
    assert organization_guardrails(TRAIL, ["eu-west-1"])["Statement"][-1]["Sid"] == "DenyUnusedRegions"
    assert "DenyUnusedRegions" not in {s["Sid"] for s in organization_guardrails(TRAIL)["Statement"]}
