"""ImmutableBucket: the S3 bucket that backups and audit logs land in.

Object Lock (COMPLIANCE by default) on a versioned bucket, encrypted with its own rotating KMS key,
closed to the public, reachable only over TLS 1.2+, and guarded by a bucket policy that lets nobody
but the named break-glass roles weaken any of that. Pulumi can neither delete nor replace it.
"""

import json
from typing import NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from ..arguments import Arguments
from ..documented import documented
from .arns import ORGANIZATION_ID, ROLE_ARN, malformed_principal_arns
from .bucket_replication import BucketReplication, ReplicaDestination
from .documents.bucket_policy import immutable_bucket_policy
from .documents.key_policy import allow_replica_encryption, storage_key_policy
from .documents.service_roles import allow_cloudtrail_delivery, allow_replication_into
from .protected_key import protected_key
from .retention import MAX_RETENTION_DAYS, RetentionMode, retention_mode, whole_number

INCOMPLETE_UPLOAD_DAYS = 7


class ImmutableBucketArgs(TypedDict):
    """Arguments of ImmutableBucket."""

    retention_days: int
    """Days each new object version stays locked, from 1 to 36500."""
    administrator_arns: list[pulumi.Input[str]]
    """IAM roles that administer the bucket's KMS key, such as the deployment role (at least one)."""
    retention_mode: NotRequired[RetentionMode | None]
    """COMPLIANCE (default): nobody, root included, can shorten or lift a lock. GOVERNANCE: break-glass can."""
    break_glass_arns: NotRequired[list[pulumi.Input[str]] | None]
    """Exact IAM role ARNs exempt from the bucket policy's tamper denies, and the only ones that may change the key's policy (no wildcards)."""
    organization_id: NotRequired[pulumi.Input[str] | None]
    """AWS Organization id (o-...); when set, only its principals and AWS services reach the bucket."""
    bucket_name: NotRequired[str | None]
    """Fixed bucket name; when omitted, Pulumi derives one from the component name plus a random suffix."""
    noncurrent_version_expiration_days: NotRequired[int | None]
    """Days until a noncurrent version expires; at least retention_days, which is the default."""
    tags: NotRequired[dict[str, str] | None]
    """Tags for the bucket and its key."""
    replicate_to: NotRequired[ReplicaDestination | None]
    """Another account's ImmutableBucket that receives a replica of every new version."""
    replication_role_arns: NotRequired[list[pulumi.Input[str]] | None]
    """Replication roles of other accounts allowed to write replicas into this bucket."""
    cloudtrail_arn: NotRequired[pulumi.Input[str] | None]
    """ARN of the one CloudTrail trail allowed to deliver log files into this bucket."""


@documented
class ImmutableBucket(pulumi.ComponentResource):
    """An S3 bucket with Object Lock, a dedicated KMS key and a tamper-denying bucket policy."""

    bucket_name: pulumi.Output[str]
    """The bucket's name."""
    bucket_arn: pulumi.Output[str]
    """The bucket's ARN."""
    key_arn: pulumi.Output[str]
    """ARN of the KMS key that encrypts the bucket."""
    retention_mode: pulumi.Output[str]
    """Default Object Lock mode in force (COMPLIANCE or GOVERNANCE)."""
    retention_days: pulumi.Output[int]
    """Default Object Lock retention in force, in days."""

    def __init__(self, name: str, args: ImmutableBucketArgs, opts: pulumi.ResourceOptions | None = None):
        checked = Arguments("ImmutableBucket", name, args, ImmutableBucketArgs)
        args = checked.args
        # Validate everything before registering anything, so bad input leaves nothing half-declared.
        mode, days, noncurrent_days = _validated_retention(checked)
        administrators = list(args.get("administrator_arns") or [])
        break_glass = list(args.get("break_glass_arns") or [])
        organization_id = args.get("organization_id")
        _check_principals(checked, administrators, break_glass, organization_id)
        tags = args.get("tags") or {}
        replication_roles = list(args.get("replication_role_arns") or [])
        _check_replication_roles(checked, replication_roles)

        super().__init__("hardened:index:ImmutableBucket", name, None, opts)

        # Nothing here may be deleted or replaced by Pulumi: each child holds data or guards it.
        guarded = pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True)
        invoke = pulumi.InvokeOutputOptions(parent=self)
        account_id = aws.get_caller_identity_output(opts=invoke).account_id
        region = aws.get_region_output(opts=invoke).region

        key_policy = pulumi.Output.all(account_id, region, administrators, break_glass, list(replication_roles)).apply(
            lambda values: json.dumps(_key_policy(*values))
        )
        key = protected_key(name, f"Encrypts the immutable bucket {name}", key_policy, tags, parent=self)

        bucket = aws.s3.Bucket(
            f"{name}-bucket",
            bucket=args.get("bucket_name"),
            object_lock_enabled=True,
            force_destroy=False,
            tags=tags,
            opts=guarded,
        )
        versioning = aws.s3.BucketVersioning(
            f"{name}-versioning",
            bucket=bucket.id,
            versioning_configuration={"status": "Enabled"},
            opts=guarded,
        )
        object_lock = aws.s3.BucketObjectLockConfiguration(
            f"{name}-object-lock",
            bucket=bucket.id,
            object_lock_enabled="Enabled",
            rule={"default_retention": {"mode": mode, "days": days}},
            opts=pulumi.ResourceOptions.merge(guarded, pulumi.ResourceOptions(depends_on=[versioning])),
        )
        encryption = aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=bucket.id,
            rules=[
                {
                    "apply_server_side_encryption_by_default": {
                        "sse_algorithm": "aws:kms",
                        "kms_master_key_id": key.arn,
                    },
                    "bucket_key_enabled": True,
                }
            ],
            opts=guarded,
        )
        public_access = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=guarded,
        )
        ownership = aws.s3.BucketOwnershipControls(
            f"{name}-ownership",
            bucket=bucket.id,
            rule={"object_ownership": "BucketOwnerEnforced"},
            opts=guarded,
        )
        lifecycle = aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle",
            bucket=bucket.id,
            rules=[
                {
                    "id": "expire-noncurrent-versions-after-retention",
                    "status": "Enabled",
                    "filter": {},
                    "noncurrent_version_expiration": {"noncurrent_days": noncurrent_days},
                    "expiration": {"expired_object_delete_marker": True},
                    "abort_incomplete_multipart_upload": {"days_after_initiation": INCOMPLETE_UPLOAD_DAYS},
                }
            ],
            opts=pulumi.ResourceOptions.merge(guarded, pulumi.ResourceOptions(depends_on=[versioning])),
        )
        settings: list[pulumi.Resource] = [versioning, object_lock, encryption, public_access, ownership, lifecycle]
        destination = args.get("replicate_to")
        if destination:
            settings.append(
                BucketReplication(
                    f"{name}-replication",
                    {"bucket": bucket.id, "bucket_arn": bucket.arn, "key_arn": key.arn, "destination": destination},
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[versioning, object_lock]),
                )
            )
        # Last: once in force it denies the deployment role every change made above.
        bucket_policy = pulumi.Output.all(
            bucket.arn, list(break_glass), list(replication_roles), args.get("cloudtrail_arn"), organization_id
        ).apply(lambda values: json.dumps(_bucket_policy(*values)))
        aws.s3.BucketPolicy(
            f"{name}-policy",
            bucket=bucket.id,
            policy=bucket_policy,
            opts=pulumi.ResourceOptions.merge(
                guarded,
                pulumi.ResourceOptions(depends_on=settings),
            ),
        )

        self.bucket_name = bucket.bucket
        self.bucket_arn = bucket.arn
        self.key_arn = key.arn
        self.retention_mode = pulumi.Output.from_input(mode)
        self.retention_days = pulumi.Output.from_input(days)
        self.register_outputs(
            {
                "bucketName": self.bucket_name,
                "bucketArn": self.bucket_arn,
                "keyArn": self.key_arn,
                "retentionMode": self.retention_mode,
                "retentionDays": self.retention_days,
            }
        )


def _key_policy(
    account_id: str, region: str, administrators: list[str], break_glass: list[str], replication_roles: list[str]
) -> dict:
    grants = [allow_replica_encryption(replication_roles, region)] if replication_roles else []
    return storage_key_policy(account_id, region, "s3", administrators, *grants, break_glass_arns=break_glass)


def _bucket_policy(
    bucket_arn: str,
    break_glass: list[str],
    replication_roles: list[str],
    cloudtrail_arn: str | None,
    organization_id: str | None,
) -> dict:
    grants = [allow_replication_into(bucket_arn, replication_roles)] if replication_roles else []
    if cloudtrail_arn:
        grants += allow_cloudtrail_delivery(bucket_arn, cloudtrail_arn)
    return immutable_bucket_policy(bucket_arn, break_glass, organization_id, *grants)


def _check_replication_roles(checked: Arguments[ImmutableBucketArgs], roles: list) -> None:
    bad = [r for r in roles if isinstance(r, str) and not ROLE_ARN.match(r)]
    if bad:
        checked.refuse("replication_role_arns", f"takes exact IAM role ARNs, without wildcards (got {bad[0]!r})")


def _validated_retention(checked: Arguments[ImmutableBucketArgs]) -> tuple[str, int, int]:
    mode = retention_mode(checked)
    days = checked.args.get("retention_days")
    if not whole_number(days, 1, MAX_RETENTION_DAYS):
        checked.refuse(
            "retention_days", f"must be a whole number of days from 1 to {MAX_RETENTION_DAYS} (got {days!r})"
        )
    noncurrent = checked.args.get("noncurrent_version_expiration_days")
    if noncurrent is None:
        noncurrent = days
    if not whole_number(noncurrent, days):
        checked.refuse(
            "noncurrent_version_expiration_days",
            f"must be a whole number of days no shorter than retention_days ({days}), so nothing expires while locked (got {noncurrent!r})",
        )
    return mode, days, noncurrent


def _check_principals(
    checked: Arguments[ImmutableBucketArgs], administrators: list, break_glass: list, organization_id: object
) -> None:
    if not administrators:
        checked.refuse("administrator_arns", "needs at least one IAM role ARN (such as the deployment role)")
    for argument, values in (("administrator_arns", administrators), ("break_glass_arns", break_glass)):
        bad = malformed_principal_arns(values)
        if bad:
            checked.refuse(
                argument,
                f"takes exact IAM role or user ARNs such as arn:aws:iam::111122223333:role/name, without wildcards (got {bad[0]!r})",
            )
    if isinstance(organization_id, str) and not ORGANIZATION_ID.match(organization_id):
        checked.refuse("organization_id", f"must look like o-abcd123456 (got {organization_id!r})")
