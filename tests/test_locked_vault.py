"""LockedVault: the lock, key and access policy of a backup vault, exactly, and its bad arguments."""

import pytest
from planning import ACCOUNT, DEPLOYER, REGION, account_provider, by_name, in_account, one, plan_of, refusal, resources

from hardened.aws import LockedVault

WORKLOAD = "222233334444"


def vault_plan(**overrides) -> dict:
    args = {"min_retention_days": 35, "max_retention_days": 2555, "administrator_arns": [DEPLOYER]} | overrides

    def program():
        LockedVault("vault", args, opts=in_account(account_provider()))

    return plan_of(program)


@pytest.fixture(scope="module")
def plan() -> dict:
    return vault_plan(copy_source_account_ids=[WORKLOAD])


def test_compliance_lock_with_three_days_grace_by_default(plan):
    lock = one(plan, "aws:backup/vaultLockConfiguration:VaultLockConfiguration")
    assert lock["inputs"] == {
        "backupVaultName": "vault",
        "changeableForDays": 3,
        "maxRetentionDays": 2555,
        "minRetentionDays": 35,
    }
    assert one(plan, "hardened:index:LockedVault")["outputs"] == {
        "keyArn": one(plan, "aws:kms/key:Key")["outputs"]["arn"],
        "maxRetentionDays": 2555,
        "minRetentionDays": 35,
        "retentionMode": "COMPLIANCE",
        "vaultArn": f"arn:aws:backup:{REGION}:{ACCOUNT}:backup-vault:vault",
        "vaultName": "vault",
    }


def test_governance_lock_has_no_grace_period_so_it_stays_removable():
    lock = one(
        vault_plan(retention_mode="GOVERNANCE", min_retention_days=1),
        "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
    )
    assert lock["inputs"] == {"backupVaultName": "vault", "maxRetentionDays": 2555, "minRetentionDays": 1}


def test_vault_is_encrypted_by_its_own_key_and_never_force_destroyed(plan):
    vault = one(plan, "aws:backup/vault:Vault")
    key = one(plan, "aws:kms/key:Key")
    assert vault["inputs"]["kmsKeyArn"] == key["outputs"]["arn"]
    assert vault["inputs"]["forceDestroy"] is False
    assert key["inputs"]["enableKeyRotation"] is True
    assert key["inputs"]["deletionWindowInDays"] == 30
    assert key["inputs"]["tags"] == {"hardened-accounts:protects": "vault"}


def test_key_is_used_only_through_aws_backup_and_cannot_be_destroyed(plan):
    statements = one(plan, "aws:kms/key:Key")["inputs"]["policy"]["Statement"]
    assert [s["Sid"] for s in statements] == [
        "AllowKeyAdministration",
        "AllowUseThroughService",
        "AllowGrantsThroughService",
        "DenyKeyDestruction",
    ]
    assert statements[1]["Condition"] == {
        "StringEquals": {"kms:CallerAccount": ACCOUNT, "kms:ViaService": f"backup.{REGION}.amazonaws.com"}
    }
    assert statements[2] == {
        "Sid": "AllowGrantsThroughService",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": "kms:CreateGrant",
        "Resource": "*",
        "Condition": {
            "StringEquals": {"kms:CallerAccount": ACCOUNT, "kms:ViaService": f"backup.{REGION}.amazonaws.com"},
            "Bool": {"kms:GrantIsForAWSResource": "true"},
        },
    }
    assert statements[3]["Principal"] == "*" and "Condition" not in statements[3]


def test_access_policy_denies_recovery_point_deletion_and_admits_copies_from_named_accounts(plan):
    policy = one(plan, "aws:backup/vaultPolicy:VaultPolicy")["inputs"]["policy"]
    assert policy == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyRecoveryPointDestruction",
                "Effect": "Deny",
                "Principal": "*",
                "Action": ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"],
                "Resource": "*",
            },
            {
                "Sid": "AllowCopiesFromWorkloadAccounts",
                "Effect": "Allow",
                "Principal": {"AWS": [f"arn:aws:iam::{WORKLOAD}:root"]},
                "Action": "backup:CopyIntoBackupVault",
                "Resource": f"arn:aws:backup:{REGION}:{ACCOUNT}:backup-vault:vault",
            },
        ],
    }


def test_without_copy_sources_nobody_else_is_admitted():
    policy = one(vault_plan(), "aws:backup/vaultPolicy:VaultPolicy")["inputs"]["policy"]
    assert [s["Sid"] for s in policy["Statement"]] == ["DenyRecoveryPointDestruction"]


def test_pulumi_can_delete_nothing_that_holds_or_guards_recovery_points(plan):
    for resource in resources(plan):
        if resource["type"].startswith("aws:") and resource["type"] != "aws:kms/alias:Alias":
            assert resource["protect"] and resource["retain_on_delete"], resource["name"]
    assert by_name(plan, "vault-lock")["parent"] == one(plan, "hardened:index:LockedVault")["urn"]


@pytest.mark.parametrize(
    ("overrides", "argument", "problem"),
    [
        ({"min_retention_days": 0}, "min_retention_days", "from 1 to 36500"),
        ({"max_retention_days": 10}, "max_retention_days", "from min_retention_days (35)"),
        ({"retention_mode": "LOOSE"}, "retention_mode", "COMPLIANCE, GOVERNANCE"),
        ({"changeable_for_days": 2}, "changeable_for_days", "at least 3"),
        ({"retention_mode": "GOVERNANCE", "changeable_for_days": 3}, "changeable_for_days", "only to COMPLIANCE"),
        ({"administrator_arns": []}, "administrator_arns", "at least one"),
        ({"administrator_arns": ["arn:aws:iam::*:role/x"]}, "administrator_arns", "without wildcards"),
        ({"copy_source_account_ids": ["12345"]}, "copy_source_account_ids", "12-digit"),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_declared(overrides, argument, problem):
    args = {"min_retention_days": 35, "max_retention_days": 2555, "administrator_arns": [DEPLOYER]} | overrides
    message, declared = refusal(lambda: LockedVault("vault", args))
    assert message.startswith(f"LockedVault 'vault': argument '{argument}' ")
    assert problem in message
    assert declared == ["pulumi:pulumi:Stack"]
