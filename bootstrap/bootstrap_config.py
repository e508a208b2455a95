"""The bootstrap stack's config, validated whole before anything is declared (`hardened.config`).

Keys are written in bootstrap/Pulumi.<stack>.yaml as `hardened-bootstrap:<key>`. The patterns and limits are the
library's (`hardened.constraints`, `hardened.aws.arns`, `deployer_trust`), read, never copied.
"""

from typing import Annotated

from deployer_trust import BRANCH, GITHUB_ID, MAX_BRANCH, REPOSITORY
from pydantic import Field, model_validator

from hardened import constraints
from hardened.aws import RetentionMode
from hardened.aws.arns import ROLE_NAME
from hardened.config import AwsRegion, StackConfigModel


class ManagementAccount(StackConfigModel):
    account_id: str = Field(
        pattern=constraints.ACCOUNT_ID,
        description="the management account's 12-digit id, quoted as a string (the provider is pinned to it)",
    )
    region: AwsRegion = Field(description="an AWS region such as eu-west-1, where the state bucket lives")


class CiSettings(StackConfigModel):
    repository: str = Field(
        pattern=REPOSITORY, description="the GitHub repository whose Actions runs deploy, <owner>/<name>"
    )
    branch: str = Field(
        default="main",
        pattern=BRANCH,
        max_length=MAX_BRANCH,
        description="the only branch whose runs may assume the deployer role (default main), no wildcards",
    )
    owner_id: str | None = Field(
        default=None,
        pattern=GITHUB_ID,
        description="the repository owner's GitHub id, quoted, for a repository under immutable subject claims",
    )
    repository_id: str | None = Field(
        default=None,
        pattern=GITHUB_ID,
        description="the repository's GitHub id, quoted, for a repository under immutable subject claims",
    )

    @model_validator(mode="after")
    def both_ids_or_neither(self) -> "CiSettings":
        if (self.owner_id is None) != (self.repository_id is None):
            raise ValueError(
                "ownerId and repositoryId come together (a repository under GitHub's immutable subject claims) "
                "or not at all"
            )
        return self


class StateBucketSettings(StackConfigModel):
    retention_mode: RetentionMode = Field(
        default=RetentionMode.COMPLIANCE, description="COMPLIANCE (default) or GOVERNANCE lock on every checkpoint"
    )
    retention_days: int = Field(
        default=30,
        ge=1,
        le=constraints.MAX_RETENTION_DAYS,
        description=f"whole days every checkpoint version stays locked, 1 to {constraints.MAX_RETENTION_DAYS} (default 30)",
    )
    history_days: int = Field(
        default=365,
        ge=1,
        le=constraints.MAX_RETENTION_DAYS,
        description="whole days an overwritten checkpoint is kept, at least retentionDays (default 365)",
    )
    bucket_name: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$",
        description="a fixed S3 bucket name, 3 to 63 lowercase letters, digits and hyphens (default: generated)",
    )

    @model_validator(mode="after")
    def history_covers_the_lock(self) -> "StateBucketSettings":
        if self.history_days < self.retention_days:
            raise ValueError(
                f"historyDays ({self.history_days}) is below retentionDays ({self.retention_days}): "
                "a checkpoint must be kept at least as long as it is locked"
            )
        return self


class BootstrapStackConfig(StackConfigModel):
    management: ManagementAccount = Field(description="the management account: accountId, region")
    organization_id: str = Field(
        pattern=constraints.ORGANIZATION_ID,
        description="the AWS Organization id, o-...: only its principals reach the state bucket",
    )
    deployment_role_name: str = Field(
        default="hardened-deployer",
        pattern=ROLE_NAME.pattern,
        description="the deployer role's name, the one stacks/Pulumi.org.yaml's management.deploymentRoleArn names "
        "(default hardened-deployer)",
    )
    ci: CiSettings = Field(description="who deploys: repository (<owner>/<name>) and branch of GitHub Actions")
    state_bucket: StateBucketSettings = Field(
        default_factory=StateBucketSettings,
        description="the state bucket: retentionMode, retentionDays, historyDays, bucketName",
    )
    break_glass_role_arns: list[Annotated[str, Field(pattern=constraints.ROLE_ARN)]] = Field(
        default=[],
        description="break-glass roles of the management account, the only ones that may re-policy the state bucket's "
        "keys (default none: nobody ever can)",
    )
