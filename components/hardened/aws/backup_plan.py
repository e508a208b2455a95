"""BackupPlan: scheduled AWS Backup jobs into a local vault, with copies to other accounts and regions.

Each recovery point is written to the local vault and then copied to every destination vault (the
backup account's LockedVault, a vault in a second region), each copy with its own retention. The
jobs run as a role that only AWS Backup, acting for this account, may assume.
"""

from typing import NotRequired, Optional, TypedDict

import pulumi
import pulumi_aws as aws

from ..errors import ComponentArgumentError
from .backup_service_role import backup_service_role
from .documents.service_roles import BACKUP_POLICY_ARNS
from .retention import MAX_RETENTION_DAYS, is_aws_cron, whole_number

class BackupCopy(TypedDict):
    """One copy of every recovery point, into a vault of another account or region."""

    vault_arn: pulumi.Input[str]
    """ARN of the destination vault."""
    retention_days: int
    """Days the copy is kept; must lie within the destination vault's lock."""


class BackupPlanArgs(TypedDict):
    """Arguments of BackupPlan."""

    vault_name: pulumi.Input[str]
    """Name of the local vault the jobs write to."""
    schedule: str
    """When jobs run, as an AWS cron expression such as cron(0 3 * * ? *)."""
    retention_days: int
    """Days each local recovery point is kept (1 to 36500)."""
    resource_arns: list[pulumi.Input[str]]
    """ARNs of the resources to back up (at least one)."""
    copies: NotRequired[Optional[list[BackupCopy]]]
    """Vaults every recovery point is copied to, each with its own retention."""
    tags: NotRequired[Optional[dict[str, str]]]
    """Tags for the plan and its role."""


class BackupPlan(pulumi.ComponentResource):
    """A backup plan and selection with cross-account and cross-region copy actions."""

    plan_id: pulumi.Output[str]
    """The plan's id."""
    role_arn: pulumi.Output[str]
    """ARN of the role AWS Backup assumes to run the jobs."""

    def __init__(self, name: str, args: BackupPlanArgs, opts: Optional[pulumi.ResourceOptions] = None):
        retention, copies = _validated(name, args)
        tags = args.get("tags") or {}

        super().__init__("hardened:index:BackupPlan", name, None, opts)

        child = pulumi.ResourceOptions(parent=self)
        role, attachments = backup_service_role(
            name, f"{name}-backup", "Assumed by AWS Backup to run this account's backup and copy jobs", BACKUP_POLICY_ARNS, self, tags
        )
        plan = aws.backup.Plan(
            f"{name}-plan",
            name=name,
            rules=[
                {
                    "rule_name": "daily-with-copies",
                    "target_vault_name": args["vault_name"],
                    "schedule": args["schedule"],
                    "start_window": 60,
                    "completion_window": 24 * 60,
                    "lifecycle": {"delete_after": retention},
                    "copy_actions": [
                        {"destination_vault_arn": copy["vault_arn"], "lifecycle": {"delete_after": copy["retention_days"]}}
                        for copy in copies
                    ],
                }
            ],
            tags=tags,
            opts=child,
        )
        aws.backup.Selection(
            f"{name}-selection",
            name=f"{name}-resources"[:50],
            plan_id=plan.id,
            iam_role_arn=role.arn,
            resources=list(args["resource_arns"]),
            opts=pulumi.ResourceOptions(parent=self, depends_on=attachments),
        )

        self.plan_id = plan.id
        self.role_arn = role.arn
        self.register_outputs({"planId": self.plan_id, "roleArn": self.role_arn})


def _validated(name: str, args: BackupPlanArgs) -> tuple[int, list[BackupCopy]]:
    def problem(argument: str, text: str) -> ComponentArgumentError:
        return ComponentArgumentError("BackupPlan", name, argument, text)

    schedule = args.get("schedule")
    if not is_aws_cron(schedule):
        raise problem("schedule", f"must be an AWS cron expression such as cron(0 3 * * ? *) (got {schedule!r})")
    days = [("retention_days", args.get("retention_days"))]
    copies = list(args.get("copies") or [])
    days += [(f"copies[{i}].retention_days", copy.get("retention_days")) for i, copy in enumerate(copies)]
    for argument, value in days:
        if not whole_number(value, 1, MAX_RETENTION_DAYS):
            raise problem(argument, f"must be a whole number of days from 1 to {MAX_RETENTION_DAYS} (got {value!r})")
    if not args.get("resource_arns"):
        raise problem("resource_arns", "needs at least one resource ARN to back up")
    return args["retention_days"], copies
