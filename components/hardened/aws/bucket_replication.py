"""BucketReplication: copies every new object version of one bucket into a bucket of another account.

A least-privilege role that only S3 may assume replicates versions, their Object Lock retention and
legal holds into the destination, encrypts them with the destination's key and hands ownership to
the destination account, so nobody in the source account can reach the replicas afterwards.
Delete markers are not replicated: deleting in the source never deletes a replica.

Replication metrics are on, so S3 counts the versions that fail to replicate (CloudWatch `AWS/S3`
`OperationsFailedReplication`, by SourceBucket, DestinationBucket and RuleId; Amazon S3 User Guide, "Using S3
Replication metrics": metrics can be enabled without S3 Replication Time Control). With `failure_alarm_name`, an
alarm fires on the first failure; name it after the alarm hub and the account's AlarmForwarder sends it there.
"""

import json
from typing import NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from ..arguments import Arguments
from ..documented import documented
from .arns import MAX_ROLE_NAME
from .documents.service_roles import replication_permissions, trusted_by_service

RULE_ID = "replicate-every-version-to-the-backup-account"


class ReplicaDestination(TypedDict):
    """Where replicas go: an ImmutableBucket in another account."""

    bucket_arn: pulumi.Input[str]
    """ARN of the destination bucket (Object Lock on, versioned)."""
    account_id: pulumi.Input[str]
    """12-digit id of the account that owns the destination bucket and, afterwards, every replica."""
    key_arn: pulumi.Input[str]
    """ARN of the destination's KMS key, which encrypts the replicas."""
    failure_alarm_name: NotRequired[str | None]
    """Name of a CloudWatch alarm on versions that fail to replicate (`<alarm hub>-...` reaches the hub); none without it."""


class BucketReplicationArgs(TypedDict):
    """Arguments of BucketReplication."""

    bucket: pulumi.Input[str]
    """Name of the source bucket."""
    bucket_arn: pulumi.Input[str]
    """ARN of the source bucket."""
    key_arn: pulumi.Input[str]
    """ARN of the KMS key that encrypts the source bucket."""
    destination: ReplicaDestination
    """The bucket replicas are written to."""


def replication_role_name(component_name: str) -> str:
    """The fixed name of the replication role, so a destination can name it before it exists."""
    return f"{component_name}-replication"[:MAX_ROLE_NAME]


@documented
class BucketReplication(pulumi.ComponentResource):
    """Cross-account S3 replication with ownership handed to the destination and Object Lock carried over."""

    role_arn: pulumi.Output[str]
    """ARN of the role S3 assumes to replicate."""

    def __init__(self, name: str, args: BucketReplicationArgs, opts: pulumi.ResourceOptions | None = None):
        checked = Arguments("BucketReplication", name, args, BucketReplicationArgs)
        args = checked.args
        super().__init__("hardened:index:BucketReplication", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOutputOptions(parent=self)
        account_id = aws.get_caller_identity_output(opts=invoke).account_id
        destination = args["destination"]

        role = aws.iam.Role(
            f"{name}-role",
            name=replication_role_name(name),
            description="Assumed by S3 to replicate one bucket's versions into the backup account",
            assume_role_policy=account_id.apply(lambda account: json.dumps(trusted_by_service("s3", account))),
            opts=child,
        )
        permissions = pulumi.Output.all(
            args["bucket_arn"], args["key_arn"], destination["bucket_arn"], destination["key_arn"]
        ).apply(lambda values: json.dumps(replication_permissions(*values)))
        role_policy = aws.iam.RolePolicy(f"{name}-permissions", role=role.id, policy=permissions, opts=child)
        aws.s3.BucketReplicationConfig(
            f"{name}-rules",
            bucket=args["bucket"],
            role=role.arn,
            rules=[
                {
                    "id": RULE_ID,
                    "status": "Enabled",
                    "priority": 1,
                    "filter": {},
                    # A delete in the source must never reach the replicas.
                    "delete_marker_replication": {"status": "Disabled"},
                    "source_selection_criteria": {"sse_kms_encrypted_objects": {"status": "Enabled"}},
                    "destination": {
                        "bucket": destination["bucket_arn"],
                        "account": destination["account_id"],
                        "access_control_translation": {"owner": "Destination"},
                        "encryption_configuration": {"replica_kms_key_id": destination["key_arn"]},
                        # Counts failed replications (OperationsFailedReplication), which the alarm below reads.
                        "metrics": {"status": "Enabled"},
                    },
                }
            ],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[role_policy], protect=True, retain_on_delete=True),
        )

        alarm = destination.get("failure_alarm_name")
        if alarm is not None:
            aws.cloudwatch.MetricAlarm(
                f"{name}-failures",
                name=alarm,
                alarm_description=pulumi.Output.concat(
                    "Versions of s3://", args["bucket"], " failed to replicate to the backup account"
                ),
                namespace="AWS/S3",
                metric_name="OperationsFailedReplication",
                dimensions={
                    "SourceBucket": args["bucket"],
                    "DestinationBucket": pulumi.Output.from_input(destination["bucket_arn"]).apply(
                        lambda arn: arn.split(":::", 1)[-1]
                    ),
                    "RuleId": RULE_ID,
                },
                statistic="Sum",
                period=300,
                evaluation_periods=1,
                threshold=0,
                comparison_operator="GreaterThanThreshold",
                treat_missing_data="notBreaching",
                opts=child,
            )

        self.role_arn = role.arn
        self.register_outputs({"roleArn": self.role_arn})
