"""BackupPlan and RestoreTesting: schedules, retention, copy paths and the roles AWS Backup assumes."""

import pytest
from planning import ACCOUNT, account_provider, in_account, one, plan_of, refusal, resources

from hardened.aws import BackupPlan, RestoreTesting

BACKUP_VAULT = "arn:aws:backup:eu-west-1:555566667777:backup-vault:prod-backup-vault"
SECOND_VAULT = f"arn:aws:backup:eu-central-1:{ACCOUNT}:backup-vault:prod-eu-central-1-vault"
BUCKET = "arn:aws:s3:::prod-backups"
BACKUP_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "TrustedByService",
            "Effect": "Allow",
            "Principal": {"Service": "backup.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
        }
    ],
}


def backup_args(**overrides) -> dict:
    return {
        "vault_name": "prod-local-vault",
        "schedule": "cron(0 3 * * ? *)",
        "retention_days": 35,
        "resource_arns": [BUCKET],
        "copies": [
            {"vault_arn": BACKUP_VAULT, "retention_days": 365},
            {"vault_arn": SECOND_VAULT, "retention_days": 90},
        ],
    } | overrides


@pytest.fixture(scope="module")
def plan() -> dict:
    return plan_of(lambda: BackupPlan("prod-backups", backup_args(), opts=in_account(account_provider())))


def test_rule_keeps_local_points_and_copies_to_the_backup_account_and_a_second_region(plan):
    rules = one(plan, "aws:backup/plan:Plan")["inputs"]["rules"]
    assert rules == [
        {
            "completionWindow": 1440,
            "copyActions": [
                {"destinationVaultArn": BACKUP_VAULT, "lifecycle": {"deleteAfter": 365}},
                {"destinationVaultArn": SECOND_VAULT, "lifecycle": {"deleteAfter": 90}},
            ],
            "lifecycle": {"deleteAfter": 35},
            "ruleName": "daily-with-copies",
            "schedule": "cron(0 3 * * ? *)",
            "startWindow": 60,
            "targetVaultName": "prod-local-vault",
        }
    ]


def test_jobs_run_as_a_role_only_aws_backup_for_this_account_assumes(plan):
    role = one(plan, "aws:iam/role:Role")
    assert role["inputs"]["assumeRolePolicy"] == BACKUP_TRUST
    assert sorted(
        r["inputs"]["policyArn"] for r in resources(plan, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    ) == [
        "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup",
        "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
    ]
    selection = one(plan, "aws:backup/selection:Selection")
    assert selection["inputs"]["resources"] == [BUCKET]
    assert selection["inputs"]["iamRoleArn"] == role["outputs"]["arn"]


def test_restore_tests_pick_the_latest_point_of_the_vault_and_restore_with_their_own_role():
    plan = plan_of(
        lambda: RestoreTesting(
            "prod-restore-tests",
            {"vault_arn": BACKUP_VAULT, "schedule": "cron(0 5 ? * SUN *)"},
            opts=in_account(account_provider()),
        )
    )
    testing = one(plan, "aws:backup/restoreTestingPlan:RestoreTestingPlan")
    assert testing["inputs"]["name"] == "prod_restore_tests"
    assert testing["inputs"]["recoveryPointSelection"] == {
        "algorithm": "LATEST_WITHIN_WINDOW",
        "includeVaults": [BACKUP_VAULT],
        "recoveryPointTypes": ["SNAPSHOT"],
        "selectionWindowDays": 7,
    }
    selection = one(plan, "aws:backup/restoreTestingSelection:RestoreTestingSelection")
    role = one(plan, "aws:iam/role:Role")
    assert selection["inputs"]["iamRoleArn"] == role["outputs"]["arn"]
    assert selection["inputs"]["protectedResourceType"] == "S3"
    assert role["inputs"]["assumeRolePolicy"] == BACKUP_TRUST
    assert sorted(
        r["inputs"]["policyArn"] for r in resources(plan, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    ) == [
        "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore",
        "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
    ]


@pytest.mark.parametrize(
    ("overrides", "argument", "problem"),
    [
        ({"schedule": "daily"}, "schedule", "AWS cron expression"),
        ({"retention_days": 0}, "retention_days", "from 1 to 36500"),
        ({"copies": [{"vault_arn": BACKUP_VAULT, "retention_days": True}]}, "copies[0].retention_days", "whole number"),
        ({"resource_arns": []}, "resource_arns", "at least one"),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_declared(overrides, argument, problem):
    message, declared = refusal(lambda: BackupPlan("prod-backups", backup_args(**overrides)))
    assert message.startswith(f"BackupPlan 'prod-backups': argument '{argument}' ")
    assert problem in message
    assert declared == ["pulumi:pulumi:Stack"]
