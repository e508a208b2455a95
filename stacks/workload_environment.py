"""One environment's workload account: an explicit provider pinned to it, and its immutable buckets."""

import pulumi
import pulumi_aws as aws

from hardened.aws import ImmutableBucket
from stack_config import StackConfig


def workload_environment(stack: str, config: StackConfig) -> None:
    account = config.aws
    # One provider per account, pinned so a wrong credential can never deploy into another account.
    provider = aws.Provider(
        f"{stack}-workload",
        region=account.region,
        allowed_account_ids=[account.account_id],
        # Typed args, not dicts: a dict's snake_case keys reach the provider as written and are ignored.
        assume_roles=[aws.ProviderAssumeRoleArgs(role_arn=account.deployment_role_arn, session_name=f"hardened-{stack}")],
        default_tags=aws.ProviderDefaultTagsArgs(tags={"hardened:stack": stack, "hardened:tier": config.tier}),
    )
    buckets = {}
    for key, settings in config.buckets.items():
        bucket = ImmutableBucket(
            f"{stack}-{key}",
            {
                "retention_mode": settings.retention_mode,
                "retention_days": settings.retention_days,
                "bucket_name": settings.bucket_name,
                "administrator_arns": [account.deployment_role_arn],
                "break_glass_arns": list(config.break_glass_role_arns),
                "organization_id": config.organization_id,
            },
            opts=pulumi.ResourceOptions(provider=provider),
        )
        buckets[key] = {
            "name": bucket.bucket_name,
            "arn": bucket.bucket_arn,
            "keyArn": bucket.key_arn,
            "retentionMode": bucket.retention_mode,
            "retentionDays": bucket.retention_days,
        }
    pulumi.export("account", account.account_id)
    pulumi.export("buckets", buckets)
