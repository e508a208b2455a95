"""The role AWS Backup assumes for one purpose (jobs, restores): trusted by AWS Backup for this account only."""

import json
from collections.abc import Iterable

import pulumi
import pulumi_aws as aws

from .arns import MAX_ROLE_NAME
from .documents.service_roles import trusted_by_service


def backup_service_role(
    name: str,
    role_name: str,
    description: str,
    policy_arns: Iterable[str],
    parent: pulumi.Resource,
    tags: dict[str, str] | None = None,
) -> tuple[aws.iam.Role, list[aws.iam.RolePolicyAttachment]]:
    """Declare `<name>-role` under `parent`, with one attachment per managed policy; return both."""
    child = pulumi.ResourceOptions(parent=parent)
    account_id = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=parent)).account_id
    role = aws.iam.Role(
        f"{name}-role",
        name=role_name[:MAX_ROLE_NAME],
        description=description,
        # aws:SourceAccount keeps AWS Backup acting for another account from assuming it (confused deputy).
        assume_role_policy=account_id.apply(lambda account: json.dumps(trusted_by_service("backup", account))),
        tags=tags,
        opts=child,
    )
    attachments = [
        aws.iam.RolePolicyAttachment(
            f"{name}-role-{arn.rsplit('/', 1)[-1]}", role=role.name, policy_arn=arn, opts=child
        )
        for arn in policy_arns
    ]
    return role, attachments
