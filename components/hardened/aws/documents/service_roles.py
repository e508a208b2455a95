"""Trust and permission documents of the roles AWS services assume for backups, restores and replication."""

from .statements import bucket_resources, policy_document

# AWS's own managed policies for AWS Backup; least privilege for what each job type touches.
BACKUP_POLICY_ARNS = (
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
    "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup",
)
RESTORE_POLICY_ARNS = (
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
    "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore",
)

# What S3 replication reads from the source, and what it writes into the destination.
REPLICATION_SOURCE_BUCKET = ("s3:GetReplicationConfiguration", "s3:ListBucket")
REPLICATION_SOURCE_OBJECTS = (
    "s3:GetObjectLegalHold",
    "s3:GetObjectRetention",
    "s3:GetObjectVersionAcl",
    "s3:GetObjectVersionForReplication",
    "s3:GetObjectVersionTagging",
)
REPLICATION_DESTINATION_OBJECTS = (
    "s3:ObjectOwnerOverrideToBucketOwner",
    "s3:ReplicateObject",
    "s3:ReplicateTags",
)


def trusted_by_service(service: str, account_id: str) -> dict:
    """Trust policy: only `service` may assume the role, and only on behalf of `account_id` (no confused deputy)."""
    return policy_document(
        {
            "Sid": "TrustedByService",
            "Effect": "Allow",
            "Principal": {"Service": f"{service}.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
        }
    )


def replication_permissions(
    source_bucket_arn: str, source_key_arn: str, destination_bucket_arn: str, destination_key_arn: str
) -> dict:
    """Least privilege for S3 replication: read one bucket's versions, write replicas into one bucket."""
    return policy_document(
        {
            "Sid": "ReadSourceBucket",
            "Effect": "Allow",
            "Action": list(REPLICATION_SOURCE_BUCKET),
            "Resource": source_bucket_arn,
        },
        {
            "Sid": "ReadSourceVersions",
            "Effect": "Allow",
            "Action": list(REPLICATION_SOURCE_OBJECTS),
            "Resource": f"{source_bucket_arn}/*",
        },
        {
            "Sid": "WriteReplicas",
            "Effect": "Allow",
            "Action": list(REPLICATION_DESTINATION_OBJECTS),
            "Resource": f"{destination_bucket_arn}/*",
        },
        {"Sid": "DecryptSource", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": source_key_arn},
        {
            "Sid": "EncryptReplicas",
            "Effect": "Allow",
            "Action": ["kms:Encrypt", "kms:GenerateDataKey"],
            "Resource": destination_key_arn,
        },
    )


def allow_replication_into(bucket_arn: str, replication_role_arns: list[str]) -> dict:
    """Bucket-policy statement: the named replication roles may write replicas, handing ownership over."""
    return {
        "Sid": "AllowReplicationInto",
        "Effect": "Allow",
        "Principal": {"AWS": sorted(set(replication_role_arns))},
        "Action": list(REPLICATION_DESTINATION_OBJECTS),
        "Resource": bucket_resources(bucket_arn)[1],
    }


def allow_cloudtrail_delivery(bucket_arn: str, trail_arn: str) -> list[dict]:
    """Bucket-policy statements: the one named trail may check the bucket and write its log files."""
    condition = {"StringEquals": {"aws:SourceArn": trail_arn}}
    return [
        {
            "Sid": "AllowCloudTrailAclCheck",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:GetBucketAcl",
            "Resource": bucket_arn,
            "Condition": condition,
        },
        {
            "Sid": "AllowCloudTrailWrite",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": f"{bucket_arn}/AWSLogs/*",
            "Condition": condition,
        },
    ]


def allow_cloudtrail_log_delivery(log_group_arn: str) -> dict:
    """Role policy: CloudTrail writes the trail's events into one CloudWatch Logs group, nothing else."""
    return policy_document(
        {
            "Sid": "DeliverTrailEvents",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{log_group_arn}:log-stream:*",
        }
    )
