"""The config schema of this project's stacks, validated whole before any resource is declared.

Keys are written in the stack files as `hardened-accounts:<key>`; every field's description says
what it allows, and is quoted back in the error when a value is wrong.
"""

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator

from hardened.aws import RetentionMode
from hardened.config import StackConfigModel

ROLE_ARN = r"^arn:aws:iam::\d{12}:role/[\w+=,.@/-]+$"
RoleArn = Annotated[str, StringConstraints(pattern=ROLE_ARN)]
BucketKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,29}$")]

# The longest COMPLIANCE lock a non-production stack may set: a test account must never be bricked for years.
NON_PRODUCTION_MAX_COMPLIANCE_DAYS = 30


class AwsAccount(StackConfigModel):
    account_id: str = Field(pattern=r"^\d{12}$", description="the 12-digit AWS account id, quoted as a string")
    region: str = Field(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$", description="an AWS region such as eu-west-1")
    deployment_role_arn: str = Field(
        pattern=ROLE_ARN, description="the IAM role Pulumi assumes in that account, arn:aws:iam::<account>:role/<name>"
    )

    @model_validator(mode="after")
    def role_lives_in_the_account(self) -> "AwsAccount":
        role_account = self.deployment_role_arn.split(":")[4]
        if role_account != self.account_id:
            raise ValueError(
                f"deploymentRoleArn is in account {role_account} but accountId is {self.account_id}; "
                "the provider is pinned to accountId, so the role must live there"
            )
        return self


class BucketSettings(StackConfigModel):
    retention_mode: RetentionMode = Field(description="COMPLIANCE (nobody can lift the lock) or GOVERNANCE (break-glass can)")
    retention_days: int = Field(ge=1, le=36500, description="whole days each object version stays locked, 1 to 36500")
    bucket_name: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$",
        description="a fixed S3 bucket name (3-63 lowercase letters, digits, dots, hyphens); omit for a generated one",
    )


class StackConfig(StackConfigModel):
    tier: Literal["production", "non-production"] = Field(
        description="production, or non-production (COMPLIANCE locks there are capped at 30 days)"
    )
    aws: AwsAccount = Field(description="the AWS account this stack deploys into: accountId, region, deploymentRoleArn")
    break_glass_role_arns: list[RoleArn] = Field(
        default_factory=list, description="exact IAM role ARNs exempt from the tamper denies, no wildcards"
    )
    organization_id: str | None = Field(
        default=None, pattern=r"^o-[a-z0-9]{10,32}$", description="the AWS Organization id (o-...) that alone may use the buckets"
    )
    buckets: dict[BucketKey, BucketSettings] = Field(
        min_length=1,
        description="immutable buckets by short name (lowercase, digits, hyphens), each with retentionMode and retentionDays",
    )

    @field_validator("buckets")
    @classmethod
    def non_production_locks_stay_short(cls, buckets: dict[str, BucketSettings], info) -> dict[str, BucketSettings]:
        if info.data.get("tier") != "non-production":
            return buckets
        for key, settings in buckets.items():
            if settings.retention_mode == RetentionMode.COMPLIANCE and settings.retention_days > NON_PRODUCTION_MAX_COMPLIANCE_DAYS:
                raise ValueError(
                    f"bucket '{key}' asks for a COMPLIANCE lock of {settings.retention_days} days in a non-production stack, "
                    f"which nobody could lift or delete for that long; use GOVERNANCE, or at most "
                    f"{NON_PRODUCTION_MAX_COMPLIANCE_DAYS} days"
                )
        return buckets
