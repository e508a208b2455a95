"""BackupPlan: scheduled AWS Backup jobs into a local vault, with copies to other accounts and regions.

Each recovery point is written to the local vault and then copied to every destination vault (the
backup account's LockedVault, a vault in a second region), each copy with its own retention. The
jobs run as a role that only AWS Backup, acting for this account, may assume.

With `malware_scans`, GuardDuty Malware Protection scans every recovery point the plan makes
(documents/malware_scans.py): the daily rule scans incrementally (or in full), a second rule backs up
and scans in full on its own schedule (weekly by default) so the incremental scans have a clean full
scan to stand on, and EventBridge rules tell an alert topic of an infected or unproven scan.
"""

import json
import re
from functools import partial
from typing import NamedTuple, NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from ..arguments import Arguments
from ..documented import documented
from .arns import MAX_ROLE_NAME, ROLE_ARN
from .backup_service_role import backup_service_role
from .documents.malware_scans import (
    BACKUP_SCAN_POLICY_ARN,
    MALWARE_SCANNER,
    SCAN_MODES,
    SCAN_RESOURCE_TYPES,
    SCANNER_POLICY_ARN,
    recovery_point_scanner_trust,
    scan_alarm_patterns,
)
from .documents.service_roles import BACKUP_POLICY_ARNS
from .retention import MAX_RETENTION_DAYS, is_aws_cron, whole_number

DEFAULT_SCAN_MODE = "INCREMENTAL_SCAN"
DEFAULT_FULL_SCAN_SCHEDULE = "cron(0 5 ? * SUN *)"  # Sundays 05:00 UTC
DEFAULT_SCAN_RESOURCE_TYPES = ("S3",)  # what the plan backs up: buckets
SNS_TOPIC_ARN = re.compile(r"^arn:aws[\w-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$", re.ASCII)
MAX_RULE_NAME = 64  # EventBridge rule names are at most 64 characters


class BackupCopy(TypedDict):
    """One copy of every recovery point, into a vault of another account or region."""

    vault_arn: pulumi.Input[str]
    """ARN of the destination vault."""
    retention_days: int
    """Days the copy is kept; must lie within the destination vault's lock."""


class MalwareScans(TypedDict):
    """GuardDuty Malware Protection scans of the recovery points the plan makes, and the alarm on what they find."""

    mode: NotRequired[str | None]
    """How the daily rule scans each new recovery point: INCREMENTAL_SCAN (default) or FULL_SCAN."""
    full_scan_schedule: NotRequired[str | None]
    """When a second rule backs up and scans in full, as an AWS cron expression (default cron(0 5 ? * SUN *)); INCREMENTAL_SCAN only."""
    resource_types: NotRequired[list[str] | None]
    """Resource types GuardDuty scans: S3 (default), EBS, EC2, or ALL alone."""
    scanner_role_arn: NotRequired[pulumi.Input[str] | None]
    """Role GuardDuty assumes to read the recovery points; by default one made here with AWS's managed scanner policy."""
    alert_topic_arn: NotRequired[pulumi.Input[str] | None]
    """SNS topic, in this account and region, told of an infected or unproven scan; without it no alarm rules are made."""


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
    copies: NotRequired[list[BackupCopy] | None]
    """Vaults every recovery point is copied to, each with its own retention."""
    malware_scans: NotRequired[MalwareScans | None]
    """GuardDuty Malware Protection scans of every recovery point, and the alarm on an infected or unproven one."""
    tags: NotRequired[dict[str, str] | None]
    """Tags for the plan and its role."""


class _Scans(NamedTuple):
    mode: str
    full_scan_schedule: str | None
    resource_types: list[str]
    scanner_role_arn: pulumi.Input[str] | None
    alert_topic_arn: pulumi.Input[str] | None


@documented
class BackupPlan(pulumi.ComponentResource):
    """A backup plan and selection with cross-account and cross-region copy actions."""

    plan_id: pulumi.Output[str]
    """The plan's id."""
    role_arn: pulumi.Output[str]
    """ARN of the role AWS Backup assumes to run the jobs."""

    def __init__(self, name: str, args: BackupPlanArgs, opts: pulumi.ResourceOptions | None = None):
        checked = Arguments("BackupPlan", name, args, BackupPlanArgs)
        args = checked.args
        retention, copies, scans = _validated(checked)
        tags = args.get("tags") or {}

        super().__init__("hardened:index:BackupPlan", name, None, opts)

        child = pulumi.ResourceOptions(parent=self)
        policies = BACKUP_POLICY_ARNS + ((BACKUP_SCAN_POLICY_ARN,) if scans else ())
        role, attachments = backup_service_role(
            name,
            f"{name}-backup",
            "Assumed by AWS Backup to run this account's backup and copy jobs",
            policies,
            self,
            tags,
        )

        def rule(rule_name: str, schedule: str, scan_mode: str | None) -> aws.backup.PlanRuleArgsDict:
            planned: aws.backup.PlanRuleArgsDict = {
                "rule_name": rule_name,
                "target_vault_name": args["vault_name"],
                "schedule": schedule,
                "start_window": 60,
                "completion_window": 24 * 60,
                "lifecycle": {"delete_after": retention},
                "copy_actions": [
                    {"destination_vault_arn": copy["vault_arn"], "lifecycle": {"delete_after": copy["retention_days"]}}
                    for copy in copies
                ],
            }
            if scan_mode:
                planned["scan_actions"] = [{"malware_scanner": MALWARE_SCANNER, "scan_mode": scan_mode}]
            return planned

        rules = [rule("daily-with-copies", args["schedule"], scans.mode if scans else None)]
        scan_settings: list[aws.backup.PlanScanSettingArgsDict] | None = None
        plan_depends_on: list[pulumi.Resource] = []
        if scans:
            if scans.full_scan_schedule:
                rules.append(rule("full-scan-with-copies", scans.full_scan_schedule, "FULL_SCAN"))
            scanner_role_arn = scans.scanner_role_arn
            if scanner_role_arn is None:
                scanner_role, scanner_attachment = self._scanner_role(name, tags)
                scanner_role_arn, plan_depends_on = scanner_role.arn, [scanner_attachment]
            scan_settings = [
                {
                    "malware_scanner": MALWARE_SCANNER,
                    "resource_types": scans.resource_types,
                    "scanner_role_arn": scanner_role_arn,
                }
            ]
        plan = aws.backup.Plan(
            f"{name}-plan",
            name=name,
            rules=rules,
            scan_settings=scan_settings,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=plan_depends_on) if plan_depends_on else child,
        )
        aws.backup.Selection(
            f"{name}-selection",
            name=f"{name}-resources"[:50],
            plan_id=plan.id,
            iam_role_arn=role.arn,
            resources=list(args["resource_arns"]),
            opts=pulumi.ResourceOptions(parent=self, depends_on=attachments),
        )
        if scans and scans.alert_topic_arn is not None:
            self._scan_alarms(name, scans.alert_topic_arn, tags)

        self.plan_id = plan.id
        self.role_arn = role.arn
        self.register_outputs({"planId": self.plan_id, "roleArn": self.role_arn})

    def _account_id(self) -> pulumi.Output[str]:
        return aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id

    def _scanner_role(self, name: str, tags: dict) -> tuple[aws.iam.Role, aws.iam.RolePolicyAttachment]:
        """`<name>-scanner-role`: assumed by GuardDuty Malware Protection alone, with AWS's managed scanner policy."""
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{name}-scanner-role",
            name=f"{name}-scanner"[:MAX_ROLE_NAME],
            description="Assumed by GuardDuty Malware Protection to scan this account's recovery points for malware",
            assume_role_policy=self._account_id().apply(
                lambda account: json.dumps(recovery_point_scanner_trust(account))
            ),
            tags=tags,
            opts=child,
        )
        attachment = aws.iam.RolePolicyAttachment(
            f"{name}-scanner-role-{SCANNER_POLICY_ARN.rsplit('/', 1)[-1]}",
            role=role.name,
            policy_arn=SCANNER_POLICY_ARN,
            opts=child,
        )
        return role, attachment

    def _scan_alarms(self, name: str, topic_arn: pulumi.Input[str], tags: dict) -> None:
        """An EventBridge rule per scan alarm, in the plan's account and region, each publishing to the topic."""
        child = pulumi.ResourceOptions(parent=self)
        patterns = self._account_id().apply(scan_alarm_patterns)
        descriptions = {
            "infected-recovery-point": "GuardDuty found malware in a recovery point of this account",
            "unproven-scan": "A malware scan of a recovery point found threats, could not tell, or did not finish",
        }
        for suffix, description in descriptions.items():
            rule = aws.cloudwatch.EventRule(
                f"{name}-{suffix}",
                name=f"{name}-{suffix}"[:MAX_RULE_NAME],
                description=description,
                event_pattern=patterns.apply(partial(_event_pattern, suffix)),
                state="ENABLED",
                tags=tags,
                opts=child,
            )
            aws.cloudwatch.EventTarget(f"{name}-{suffix}-alert", rule=rule.name, arn=topic_arn, opts=child)


def _event_pattern(suffix: str, patterns: dict[str, dict]) -> str:
    return json.dumps(patterns[suffix])


def _validated(checked: Arguments[BackupPlanArgs]) -> tuple[int, list[BackupCopy], _Scans | None]:
    args = checked.args
    schedule = args.get("schedule")
    if not is_aws_cron(schedule):
        checked.refuse("schedule", f"must be an AWS cron expression such as cron(0 3 * * ? *) (got {schedule!r})")
    days = [("retention_days", args.get("retention_days"))]
    copies = list(args.get("copies") or [])
    days += [(f"copies[{i}].retention_days", copy.get("retention_days")) for i, copy in enumerate(copies)]
    for argument, value in days:
        if not whole_number(value, 1, MAX_RETENTION_DAYS):
            checked.refuse(argument, f"must be a whole number of days from 1 to {MAX_RETENTION_DAYS} (got {value!r})")
    if not args.get("resource_arns"):
        checked.refuse("resource_arns", "needs at least one resource ARN to back up")
    return args["retention_days"], copies, _validated_scans(checked, schedule, args.get("malware_scans"))


def _validated_scans(checked: Arguments[BackupPlanArgs], schedule: str, given: object) -> _Scans | None:
    if given is None:
        return None
    if not isinstance(given, dict):
        checked.refuse("malware_scans", f"must be a mapping of MalwareScans settings (got {given!r})")
    mode = given.get("mode") or DEFAULT_SCAN_MODE
    if mode not in SCAN_MODES:
        checked.refuse("malware_scans.mode", f"must be one of {', '.join(SCAN_MODES)} (got {mode!r})")
    full_scan_schedule = given.get("full_scan_schedule")
    if mode == "FULL_SCAN":
        if full_scan_schedule is not None:
            checked.refuse(
                "malware_scans.full_scan_schedule",
                "is for INCREMENTAL_SCAN only: with FULL_SCAN the daily rule already scans in full",
            )
    else:
        full_scan_schedule = DEFAULT_FULL_SCAN_SCHEDULE if full_scan_schedule is None else full_scan_schedule
        if not is_aws_cron(full_scan_schedule):
            checked.refuse(
                "malware_scans.full_scan_schedule",
                f"must be an AWS cron expression such as {DEFAULT_FULL_SCAN_SCHEDULE}: incremental scans need full ones (got {full_scan_schedule!r})",
            )
        if full_scan_schedule == schedule:
            checked.refuse(
                "malware_scans.full_scan_schedule",
                f"must differ from the daily schedule {schedule!r}, or every backup is made twice",
            )
    resource_types = given.get("resource_types")
    resource_types = list(DEFAULT_SCAN_RESOURCE_TYPES) if resource_types is None else resource_types
    if (
        not isinstance(resource_types, list)
        or not resource_types
        or len(set(resource_types)) != len(resource_types)
        or not all(t in SCAN_RESOURCE_TYPES for t in resource_types)
        or ("ALL" in resource_types and len(resource_types) > 1)
    ):
        checked.refuse(
            "malware_scans.resource_types",
            f"must list distinct types among EBS, EC2 and S3, or ALL alone (got {resource_types!r})",
        )
    scanner_role_arn = given.get("scanner_role_arn")
    if (
        scanner_role_arn is not None
        and not isinstance(scanner_role_arn, pulumi.Output)
        and not (isinstance(scanner_role_arn, str) and ROLE_ARN.match(scanner_role_arn))
    ):
        checked.refuse("malware_scans.scanner_role_arn", f"must be an IAM role ARN (got {scanner_role_arn!r})")
    topic = given.get("alert_topic_arn")
    if (
        topic is not None
        and not isinstance(topic, pulumi.Output)
        and not (isinstance(topic, str) and SNS_TOPIC_ARN.match(topic))
    ):
        checked.refuse("malware_scans.alert_topic_arn", f"must be an SNS topic ARN (got {topic!r})")
    return _Scans(mode, full_scan_schedule, sorted(resource_types), scanner_role_arn, topic)
