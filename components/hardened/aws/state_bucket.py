"""StateBucket: a self-managed Pulumi state backend that nobody can wipe, and a KMS key for the stacks' secrets.

Code Spaces also lost its machine configurations. Pulumi's state is that configuration here, so it lives in an
ImmutableBucket: every version of every checkpoint stays locked for `retention_days` (COMPLIANCE by default),
versions are kept `history_days`, and the bucket policy denies plain HTTP and protection changes; put it in a
member account with bucket guardrails (as the backup and log-archive accounts have) and nobody can delete it. Pulumi's own writes still work under Object Lock: a checkpoint update is a new version, and
deleting a lock file only adds a delete marker.

Stacks log in with `pulumi login <backend_url>` and encrypt their secrets with `--secrets-provider <secrets_provider>`:
a second key, which only the named deployer roles may use, directly (not through S3).
"""

import json
from collections.abc import Iterable
from typing import NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from ..arguments import Arguments
from ..documented import documented
from .arns import malformed_principal_arns
from .documents.key_policy import deny_key_destruction, sealed_administration
from .documents.statements import policy_document
from .immutable_bucket import ImmutableBucket
from .protected_key import protected_key
from .retention import MAX_RETENTION_DAYS, RetentionMode, whole_number

DEFAULT_RETENTION_DAYS = 30
DEFAULT_HISTORY_DAYS = 365


class StateBucketArgs(TypedDict):
    """Arguments of StateBucket."""

    deployer_arns: list[pulumi.Input[str]]
    """Roles that run `pulumi up` against this backend: they administer both keys and use the secrets key."""
    retention_days: NotRequired[int | None]
    """Days every checkpoint version stays locked, from 1 to 36500 (default 30)."""
    retention_mode: NotRequired[RetentionMode | None]
    """COMPLIANCE (default) or GOVERNANCE for the state bucket's Object Lock."""
    history_days: NotRequired[int | None]
    """Days an overwritten checkpoint is kept, at least retention_days (default 365)."""
    break_glass_arns: NotRequired[list[pulumi.Input[str]] | None]
    """Break-glass roles exempt from the bucket policy's tamper denies; the only ones that may change either key's policy."""
    organization_id: NotRequired[pulumi.Input[str] | None]
    """AWS Organization id; only its principals reach the bucket."""
    bucket_name: NotRequired[str | None]
    """Fixed bucket name; generated when omitted."""
    tags: NotRequired[dict[str, str] | None]
    """Tags for the bucket and the keys."""


@documented
class StateBucket(pulumi.ComponentResource):
    """A Pulumi state backend in an ImmutableBucket, and the stacks' secrets key."""

    bucket_name: pulumi.Output[str]
    """Name of the state bucket."""
    backend_url: pulumi.Output[str]
    """What `pulumi login` takes: s3://<bucket>?region=<region>&awssdk=v2."""
    secrets_provider: pulumi.Output[str]
    """What `pulumi stack init --secrets-provider` takes: awskms://<key id>?region=<region>."""

    def __init__(self, name: str, args: StateBucketArgs, opts: pulumi.ResourceOptions | None = None):
        checked = Arguments("StateBucket", name, args, StateBucketArgs)
        args = checked.args
        deployers = list(args.get("deployer_arns") or [])
        if not deployers or malformed_principal_arns(deployers):
            checked.refuse("deployer_arns", f"must name at least one exact role ARN (got {deployers!r})")
        retention = DEFAULT_RETENTION_DAYS if args.get("retention_days") is None else args["retention_days"]
        if not whole_number(retention, 1, MAX_RETENTION_DAYS):
            checked.refuse(
                "retention_days", f"must be a whole number of days from 1 to {MAX_RETENTION_DAYS} (got {retention!r})"
            )
        history = DEFAULT_HISTORY_DAYS if args.get("history_days") is None else args["history_days"]
        if not whole_number(history, retention):
            checked.refuse(
                "history_days",
                f"must be a whole number of days, at least retention_days ({retention}) (got {history!r})",
            )
        super().__init__("hardened:index:StateBucket", name, None, opts)

        bucket = ImmutableBucket(
            f"{name}-state",
            {
                "retention_days": retention,
                "retention_mode": args.get("retention_mode"),
                "administrator_arns": deployers,
                "break_glass_arns": args.get("break_glass_arns"),
                "organization_id": args.get("organization_id"),
                "bucket_name": args.get("bucket_name"),
                "noncurrent_version_expiration_days": history,
                "tags": args.get("tags"),
            },
            opts=pulumi.ResourceOptions(parent=self),
        )
        region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=self)).region
        secrets_policy = pulumi.Output.all(deployers, list(args.get("break_glass_arns") or [])).apply(
            lambda v: json.dumps(state_secrets_key_policy(v[0], v[1]))
        )
        key = protected_key(
            f"{name}-secrets",
            "Encrypts the secrets of the Pulumi stacks kept in this backend",
            secrets_policy,
            args.get("tags") or {},
            parent=self,
        )

        self.bucket_name = bucket.bucket_name
        self.backend_url = pulumi.Output.concat("s3://", bucket.bucket_name, "?region=", region, "&awssdk=v2")
        self.secrets_provider = pulumi.Output.concat("awskms://", key.key_id, "?region=", region)
        self.register_outputs(
            {"bucketName": self.bucket_name, "backendUrl": self.backend_url, "secretsProvider": self.secrets_provider}
        )


def state_secrets_key_policy(deployer_arns: list[str], break_glass_arns: Iterable[str] = ()) -> dict:
    """The secrets key: the deployers administer and use it directly, only break-glass re-policies it, nobody disables or deletes it."""
    return policy_document(
        *sealed_administration(deployer_arns, break_glass_arns),
        {
            "Sid": "AllowDeployersToEncryptStackSecrets",
            "Effect": "Allow",
            "Principal": {"AWS": sorted(set(deployer_arns))},
            "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
            "Resource": "*",
        },
        deny_key_destruction(),
    )
