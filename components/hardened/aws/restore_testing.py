"""RestoreTesting: AWS Backup restores the latest recovery points on a schedule, so restores are proven.

A restore testing plan picks the newest recovery point of each protected resource in the vault and
restores it with a role that only AWS Backup may assume; AWS Backup deletes the restored copy once
the validation window is over. A failed restore shows up as a failed restore job, long before the
day the backup is needed.
"""

import re
from typing import NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from ..arguments import Arguments
from ..documented import documented
from .backup_service_role import backup_service_role
from .documents.service_roles import RESTORE_POLICY_ARNS
from .retention import is_aws_cron, whole_number


def restore_testing_plan_name(name: str) -> str:
    """The restore testing plan's name for the component called `name` (letters, digits and underscores only)."""
    return re.sub(r"\W", "_", name)


class RestoreTestingArgs(TypedDict):
    """Arguments of RestoreTesting."""

    vault_arn: pulumi.Input[str]
    """ARN of the vault whose recovery points are restored."""
    schedule: str
    """When restore tests run, as an AWS cron expression such as cron(0 5 ? * SUN *)."""
    resource_type: NotRequired[str | None]
    """AWS Backup resource type to restore, such as S3 (the default) or EBS."""
    selection_window_days: NotRequired[int | None]
    """Restore only recovery points made in the last this many days (1 to 365, default 7)."""


@documented
class RestoreTesting(pulumi.ComponentResource):
    """A scheduled restore testing plan over one vault, with its own restore role."""

    role_arn: pulumi.Output[str]
    """ARN of the role AWS Backup assumes to run restores; the one role named for restoring."""

    def __init__(self, name: str, args: RestoreTestingArgs, opts: pulumi.ResourceOptions | None = None):
        checked = Arguments("RestoreTesting", name, args, RestoreTestingArgs)
        args = checked.args
        window = args.get("selection_window_days") or 7
        if not whole_number(window, 1, 365):
            checked.refuse("selection_window_days", f"must be a whole number of days from 1 to 365 (got {window!r})")
        schedule = args.get("schedule")
        if not is_aws_cron(schedule):
            checked.refuse("schedule", f"must be an AWS cron expression such as cron(0 5 ? * SUN *) (got {schedule!r})")

        super().__init__("hardened:index:RestoreTesting", name, None, opts)

        child = pulumi.ResourceOptions(parent=self)
        role, attachments = backup_service_role(
            name, f"{name}-restore", "Assumed by AWS Backup to run scheduled restore tests", RESTORE_POLICY_ARNS, self
        )
        # Restore testing names allow only letters, digits and underscores.
        plan_name = restore_testing_plan_name(name)
        plan = aws.backup.RestoreTestingPlan(
            f"{name}-plan",
            name=plan_name,
            schedule_expression=schedule,
            start_window_hours=24,
            recovery_point_selection={
                "algorithm": "LATEST_WITHIN_WINDOW",
                "include_vaults": [args["vault_arn"]],
                "recovery_point_types": ["SNAPSHOT"],
                "selection_window_days": window,
            },
            opts=child,
        )
        aws.backup.RestoreTestingSelection(
            f"{name}-selection",
            name=f"{plan_name}_latest",
            restore_testing_plan_name=plan.name,
            protected_resource_type=args.get("resource_type") or "S3",
            protected_resource_arns=["*"],
            iam_role_arn=role.arn,
            validation_window_hours=24,
            opts=pulumi.ResourceOptions(parent=self, depends_on=attachments),
        )

        self.role_arn = role.arn
        self.register_outputs({"roleArn": self.role_arn})
