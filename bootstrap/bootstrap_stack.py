"""What the bootstrap stack declares, in the management account and nowhere else: the Pulumi state bucket
(`StateBucket`) and the deployment identity, the role `stacks/Pulumi.org.yaml`'s `management.deploymentRoleArn` names,
which GitHub Actions on one branch of one repository assumes through OIDC. `__main__.py` validates the config first.
"""

import json

import pulumi
import pulumi_aws as aws
from bootstrap_config import BootstrapStackConfig
from deployer_trust import (
    GITHUB_ACTIONS_ISSUER,
    STS_AUDIENCE,
    deployer_trust_of_the_deploy_branch,
    oidc_provider_arn,
)

from hardened.aws import StateBucket
from hardened.aws.arns import ADMINISTRATOR_ACCESS


def bootstrap(stack: str, config: BootstrapStackConfig) -> None:
    """Declare the state bucket, the OIDC provider and the deployer role; export what the other stacks need."""
    management = config.management
    tags = {"hardened:stack": f"bootstrap-{stack}"}

    # The first run uses an administrator's own credentials in the management account (no deployer exists yet); the pin
    # refuses any other account those credentials might point to.
    provider = aws.Provider(
        "management",
        region=management.region,
        allowed_account_ids=[management.account_id],
        default_tags=aws.ProviderDefaultTagsArgs(tags=tags),
    )
    in_management = pulumi.ResourceOptions(provider=provider)

    # GitHub Actions' issuer. No thumbprint: IAM trusts this issuer through its own root certificate authorities.
    github = aws.iam.OpenIdConnectProvider(
        "github-actions",
        url=f"https://{GITHUB_ACTIONS_ISSUER}",
        client_id_lists=[STS_AUDIENCE],
        opts=pulumi.ResourceOptions(provider=provider, protect=True),
    )

    # The deployer: the org stack's provider assumes it, and from it the member accounts' deployer roles.
    # Protected: deleting it would leave no deploy path at all. The provider's ARN is known in advance (IAM names it
    # after the issuer), so the trust is reviewable in the plan as it will be deployed; depends_on orders the two.
    deployer_arn = f"arn:aws:iam::{management.account_id}:role/{config.deployment_role_name}"
    deployer = aws.iam.Role(
        "deployer",
        name=config.deployment_role_name,
        description="Runs pulumi up for the org and environment stacks; assumed by GitHub Actions on "
        f"{config.ci.repository}@{config.ci.branch} only",
        assume_role_policy=json.dumps(
            deployer_trust_of_the_deploy_branch(
                oidc_provider_arn(management.account_id),
                config.ci.repository,
                config.ci.branch,
                deployer_arn,
                config.ci.owner_id,
                config.ci.repository_id,
            )
        ),
        max_session_duration=3600,
        opts=pulumi.ResourceOptions(provider=provider, protect=True, depends_on=[github]),
    )
    # AdministratorAccess: the org stack creates accounts, SCPs, RCPs, trails, users and roles across services, and no SCP
    # binds the management account anyway (a narrower policy here would be the only limit, and the org stack's needs
    # change with every release). What keeps it small is the trust above: one branch of one repository.
    aws.iam.RolePolicyAttachment(
        "deployer-administrator",
        role=deployer.name,
        policy_arn=ADMINISTRATOR_ACCESS,
        opts=pulumi.ResourceOptions(provider=provider, parent=deployer),
    )

    # Every version of every checkpoint locked; StateBucket protects and retains its data-bearing resources itself.
    state = StateBucket(
        "pulumi-state",
        {
            "deployer_arns": [deployer.arn],
            "break_glass_arns": list(config.break_glass_role_arns),
            "organization_id": config.organization_id,
            "retention_mode": config.state_bucket.retention_mode,
            "retention_days": config.state_bucket.retention_days,
            "history_days": config.state_bucket.history_days,
            "bucket_name": config.state_bucket.bucket_name,
            "tags": tags,
        },
        opts=in_management,
    )

    pulumi.export("backendUrl", state.backend_url)
    pulumi.export("secretsProvider", state.secrets_provider)
    pulumi.export("deploymentRoleArn", deployer.arn)
    pulumi.export("oidcProviderArn", oidc_provider_arn(management.account_id))
