"""Replication from a workload bucket into the backup account's bucket: role, rules and both policies."""

import pytest
from planning import ACCOUNT, DEPLOYER, PROJECT, REGION, account_provider, by_name, in_account, one, plan_of, resources

from hardened.aws import ImmutableBucket
from hardened.errors import ComponentArgumentError
from hardened_tools.plan import run_program

BACKUP_ACCOUNT = "555566667777"
REPLICA_BUCKET = "arn:aws:s3:::prod-replicas"
REPLICA_KEY = f"arn:aws:kms:{REGION}:{BACKUP_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/prod-backups-replication-replication"


@pytest.fixture(scope="module")
def plan() -> dict:
    def program():
        ImmutableBucket(
            "prod-backups",
            {
                "retention_days": 35,
                "administrator_arns": [DEPLOYER],
                "replicate_to": {"bucket_arn": REPLICA_BUCKET, "account_id": BACKUP_ACCOUNT, "key_arn": REPLICA_KEY},
            },
            opts=in_account(account_provider()),
        )

    return plan_of(program)


def test_every_version_is_replicated_with_ownership_handed_to_the_backup_account(plan):
    rules = one(plan, "aws:s3/bucketReplicationConfig:BucketReplicationConfig")
    assert rules["inputs"]["rules"] == [
        {
            "deleteMarkerReplication": {"status": "Disabled"},
            "destination": {
                "accessControlTranslation": {"owner": "Destination"},
                "account": BACKUP_ACCOUNT,
                "bucket": REPLICA_BUCKET,
                "encryptionConfiguration": {"replicaKmsKeyId": REPLICA_KEY},
                "metrics": {"status": "Enabled"},
            },
            "filter": {},
            "id": "replicate-every-version-to-the-backup-account",
            "priority": 1,
            "sourceSelectionCriteria": {"sseKmsEncryptedObjects": {"status": "Enabled"}},
            "status": "Enabled",
        }
    ]
    assert rules["inputs"]["role"] == ROLE
    assert rules["protect"] and rules["retain_on_delete"]


def test_without_an_alarm_name_no_alarm_is_declared(plan):
    assert resources(plan, "aws:cloudwatch/metricAlarm:MetricAlarm") == []


def test_a_named_failure_alarm_fires_on_the_first_version_that_fails_to_replicate():
    def program():
        ImmutableBucket(
            "prod-backups",
            {
                "retention_days": 35,
                "administrator_arns": [DEPLOYER],
                "replicate_to": {
                    "bucket_arn": REPLICA_BUCKET,
                    "account_id": BACKUP_ACCOUNT,
                    "key_arn": REPLICA_KEY,
                    "failure_alarm_name": "org-alarms-prod-backups-replication-failures",
                },
            },
            opts=in_account(account_provider()),
        )

    plan = plan_of(program)
    alarm = one(plan, "aws:cloudwatch/metricAlarm:MetricAlarm")
    source = one(plan, "aws:s3/bucket:Bucket")["outputs"]["bucket"]
    assert {k: v for k, v in alarm["inputs"].items() if k != "alarmDescription"} == {
        "name": "org-alarms-prod-backups-replication-failures",
        "namespace": "AWS/S3",
        "metricName": "OperationsFailedReplication",
        "dimensions": {
            "SourceBucket": source,
            "DestinationBucket": "prod-replicas",
            "RuleId": "replicate-every-version-to-the-backup-account",
        },
        "statistic": "Sum",
        "period": 300,
        "evaluationPeriods": 1,
        "threshold": 0,
        "comparisonOperator": "GreaterThanThreshold",
        "treatMissingData": "notBreaching",
    }
    assert alarm["name"] == "prod-backups-replication-failures"


def test_the_replication_role_reads_one_bucket_and_writes_only_replicas(plan):
    role = one(plan, "aws:iam/role:Role")
    assert role["inputs"]["name"] == "prod-backups-replication-replication"
    assert role["inputs"]["assumeRolePolicy"]["Statement"] == [
        {
            "Sid": "TrustedByService",
            "Effect": "Allow",
            "Principal": {"Service": "s3.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
        }
    ]
    source = by_name(plan, "prod-backups-bucket")["outputs"]["arn"]
    source_key = by_name(plan, "prod-backups-key")["outputs"]["arn"]
    assert one(plan, "aws:iam/rolePolicy:RolePolicy")["inputs"]["policy"]["Statement"] == [
        {
            "Sid": "ReadSourceBucket",
            "Effect": "Allow",
            "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"],
            "Resource": source,
        },
        {
            "Sid": "ReadSourceVersions",
            "Effect": "Allow",
            "Action": [
                "s3:GetObjectLegalHold",
                "s3:GetObjectRetention",
                "s3:GetObjectVersionAcl",
                "s3:GetObjectVersionForReplication",
                "s3:GetObjectVersionTagging",
            ],
            "Resource": f"{source}/*",
        },
        {
            "Sid": "WriteReplicas",
            "Effect": "Allow",
            "Action": ["s3:ObjectOwnerOverrideToBucketOwner", "s3:ReplicateObject", "s3:ReplicateTags"],
            "Resource": f"{REPLICA_BUCKET}/*",
        },
        {"Sid": "DecryptSource", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": source_key},
        {
            "Sid": "EncryptReplicas",
            "Effect": "Allow",
            "Action": ["kms:Encrypt", "kms:GenerateDataKey"],
            "Resource": REPLICA_KEY,
        },
    ]


def test_replication_is_configured_before_the_bucket_policy_freezes_it(plan):
    policy = by_name(plan, "prod-backups-policy")
    # Depending on the component means depending on each of its children.
    assert one(plan, "aws:s3/bucketReplicationConfig:BucketReplicationConfig")["urn"] in policy["depends_on"]


@pytest.fixture(scope="module")
def replica_plan() -> dict:
    def program():
        ImmutableBucket(
            "prod-replicas",
            {"retention_days": 2555, "administrator_arns": [DEPLOYER], "replication_role_arns": [ROLE]},
            opts=in_account(account_provider()),
        )

    return plan_of(program)


def test_the_replica_bucket_admits_the_named_replication_roles_only(replica_plan):
    bucket_arn = by_name(replica_plan, "prod-replicas-bucket")["outputs"]["arn"]
    statements = by_name(replica_plan, "prod-replicas-policy")["inputs"]["policy"]["Statement"]
    assert statements[-1] == {
        "Sid": "AllowReplicationInto",
        "Effect": "Allow",
        "Principal": {"AWS": [ROLE]},
        "Action": ["s3:ObjectOwnerOverrideToBucketOwner", "s3:ReplicateObject", "s3:ReplicateTags"],
        "Resource": f"{bucket_arn}/*",
    }
    key_statements = by_name(replica_plan, "prod-replicas-key")["inputs"]["policy"]["Statement"]
    assert {
        "Sid": "AllowReplicaEncryption",
        "Effect": "Allow",
        "Principal": {"AWS": [ROLE]},
        "Action": ["kms:Encrypt", "kms:GenerateDataKey"],
        "Resource": "*",
        "Condition": {"StringEquals": {"kms:ViaService": f"s3.{REGION}.amazonaws.com"}},
    } in key_statements


def test_replication_roles_must_be_exact_role_arns():
    with pytest.raises(
        ComponentArgumentError, match="ImmutableBucket 'r': argument 'replication_role_arns' takes exact IAM role ARNs"
    ):
        run_program(
            lambda: ImmutableBucket(
                "r",
                {
                    "retention_days": 1,
                    "administrator_arns": [DEPLOYER],
                    "replication_role_arns": ["arn:aws:iam::*:role/x"],
                },
            ),
            project=PROJECT,
            stack="test",
        )
