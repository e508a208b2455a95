"""RestoreValidation: every restore test of a restore testing plan is checked, timed, and alarmed on.

A restore job that a restore testing plan started and that finished (COMPLETED, FAILED or ABORTED) raises an
EventBridge event; the rule here, in the account and region of the plan, invokes a small function (shipped in
this library, functions/restore_validation.py) that reads the job back, checks the restored resource (for S3:
the restored bucket exists and holds objects), publishes the restore time and the verdict as CloudWatch
metrics, and records SUCCESSFUL or FAILED on the job with PutRestoreValidationResult. Three alarms publish to
an alert topic of the same account and region: a restore that took longer than the recovery-time objective, a
failed validation (a failed or aborted restore job included), and the function itself failing, since a broken
validator would otherwise stay silent.
"""

import json
import re
from pathlib import Path
from typing import NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from ..arguments import Arguments
from ..documented import documented
from .documents.restore_validation import (
    restore_testing_plan_arn_prefix,
    restore_validation_pattern,
    restore_validation_permissions,
    restore_validation_trust,
)
from .organization_trail import LOG_RETENTION_DAYS
from .retention import whole_number

FUNCTION_SOURCE = Path(__file__).parent / "functions" / "restore_validation.py"
HANDLER = "restore_validation.handler"
# Lambda's current Python runtime with the longest support (deprecation 30 June 2029, AWS Lambda Developer Guide).
RUNTIME = "python3.13"
TIMEOUT_SECONDS = 60  # one DescribeRestoreJob, one ListObjectsV2, one PutMetricData, one PutRestoreValidationResult
METRIC_NAMESPACE = "hardened-accounts/RestoreTesting"
RESTORE_TIME_METRIC = "RestoreTime"
VALIDATION_FAILED_METRIC = "ValidationFailed"
PLAN_DIMENSION = "RestoreTestingPlan"
ALARM_PERIOD_SECONDS = 300
MAX_OBJECTIVE_MINUTES = 7 * 24 * 60  # a week: beyond it a restore test is no measure of recovery
DEFAULT_LOG_RETENTION_DAYS = 365
# Restore testing plan names (terraform-provider-aws: 1 to 50 letters, digits, underscores).
PLAN_NAME = re.compile(r"^[0-9A-Za-z_]{1,50}$")
# The function, its role and `<name>-restore-jobs` (the rule) must fit 64 characters and Lambda's name alphabet.
COMPONENT_NAME = re.compile(r"^[0-9A-Za-z_-]{1,48}$")
TOPIC_ARN = re.compile(r"^arn:aws[\w-]*:sns:[a-z0-9-]+:\d{12}:[\w.-]+$", re.ASCII)


class RestoreValidationArgs(TypedDict):
    """Arguments of RestoreValidation."""

    restore_testing_plan_name: str
    """Name of the restore testing plan whose restores are validated (RestoreTesting 'prod-restore-tests' names its plan prod_restore_tests)."""
    recovery_time_objective_minutes: int
    """Longest a restore may take, in minutes (1 to 10080); a longer one raises the alarm."""
    alert_topic_arn: NotRequired[pulumi.Input[str] | None]
    """ARN of an SNS topic, in the plan's account and region, the alarms publish to; without it, name the component
    `<alarm hub>-...` and the account's AlarmForwarder sends the alarms' state changes to the hub."""
    log_retention_days: NotRequired[int | None]
    """Days the function's logs are kept, a value CloudWatch Logs accepts (default 365)."""
    tags: NotRequired[dict[str, str] | None]
    """Tags for the function, its role, log group, rule and alarms."""


def function_code() -> pulumi.AssetArchive:
    """The function's package: the one handler file, at the root of the archive."""
    return pulumi.AssetArchive({FUNCTION_SOURCE.name: pulumi.FileAsset(str(FUNCTION_SOURCE))})


def _checked(checked: Arguments[RestoreValidationArgs]) -> tuple[str, int, int]:
    """The plan name, objective and log retention, once each is usable; a refusal if not."""
    name, args = checked.name, checked.args
    if not isinstance(name, str) or not COMPONENT_NAME.match(name):
        checked.refuse(
            "name",
            "must be 1 to 48 letters, digits, hyphens or underscores: it names the function, its role and its rule",
        )
    plan = args.get("restore_testing_plan_name")
    if not isinstance(plan, str) or not PLAN_NAME.match(plan):
        checked.refuse(
            "restore_testing_plan_name",
            f"must be a restore testing plan's name: 1 to 50 letters, digits or underscores (got {plan!r})",
        )
    objective = args.get("recovery_time_objective_minutes")
    if not whole_number(objective, 1, MAX_OBJECTIVE_MINUTES):
        checked.refuse(
            "recovery_time_objective_minutes",
            f"must be a whole number of minutes from 1 to {MAX_OBJECTIVE_MINUTES} (got {objective!r})",
        )
    topic = args.get("alert_topic_arn")
    if (
        isinstance(topic, str)
        and not TOPIC_ARN.match(topic)
        or (topic is not None and not isinstance(topic, (str, pulumi.Output)))
    ):
        checked.refuse("alert_topic_arn", f"must be an SNS topic ARN (got {topic!r})")
    days = args.get("log_retention_days")
    days = DEFAULT_LOG_RETENTION_DAYS if days is None else days
    if days not in LOG_RETENTION_DAYS or isinstance(days, bool):
        checked.refuse("log_retention_days", f"must be one of {', '.join(map(str, LOG_RETENTION_DAYS))} (got {days!r})")
    return plan, objective, days


@documented
class RestoreValidation(pulumi.ComponentResource):
    """A validation function on a restore testing plan's restore jobs, their restore time as a metric, and alarms."""

    function_arn: pulumi.Output[str]
    """ARN of the function that validates each restore."""
    role_arn: pulumi.Output[str]
    """ARN of the role the function runs as."""

    def __init__(self, name: str, args: RestoreValidationArgs, opts: pulumi.ResourceOptions | None = None):
        checked = Arguments("RestoreValidation", name, args, RestoreValidationArgs)
        args = checked.args
        plan, objective, log_days = _checked(checked)
        super().__init__("hardened:index:RestoreValidation", name, None, opts)

        child = pulumi.ResourceOptions(parent=self)
        tags = args.get("tags") or {}
        invoke = pulumi.InvokeOutputOptions(parent=self)
        account = aws.get_caller_identity_output(opts=invoke).account_id
        region = aws.get_region_output(opts=invoke).region
        partition = aws.get_partition_output(opts=invoke).partition
        plan_arn_prefix = pulumi.Output.all(partition, region, account).apply(
            lambda v: restore_testing_plan_arn_prefix(v[0], v[1], v[2], plan)
        )
        topic = args.get("alert_topic_arn")

        logs = aws.cloudwatch.LogGroup(
            f"{name}-logs", name=f"/aws/lambda/{name}", retention_in_days=log_days, tags=tags, opts=child
        )
        role = aws.iam.Role(
            f"{name}-role",
            name=name,
            description=f"Run by Lambda to validate the restore tests of {plan}",
            # aws:SourceAccount: Lambda acting for another account never assumes it.
            assume_role_policy=account.apply(lambda a: json.dumps(restore_validation_trust(a))),
            tags=tags,
            opts=child,
        )
        policy = aws.iam.RolePolicy(
            f"{name}-policy",
            role=role.name,
            policy=pulumi.Output.all(partition, logs.arn).apply(
                lambda v: json.dumps(restore_validation_permissions(v[0], v[1], METRIC_NAMESPACE))
            ),
            opts=child,
        )
        function = aws.lambda_.Function(
            f"{name}-function",
            name=name,
            description=f"Validates the restore tests of {plan} and publishes their restore time",
            role=role.arn,
            runtime=RUNTIME,
            handler=HANDLER,
            code=function_code(),
            timeout=TIMEOUT_SECONDS,
            memory_size=128,
            environment={
                "variables": {
                    "RESTORE_TESTING_PLAN_NAME": plan,
                    "RESTORE_TESTING_PLAN_ARN_PREFIX": plan_arn_prefix,
                    "METRIC_NAMESPACE": METRIC_NAMESPACE,
                    "RECOVERY_TIME_OBJECTIVE_MINUTES": str(objective),
                }
            },
            # Its own group, with a retention; the role may not create another.
            logging_config={"log_format": "Text", "log_group": logs.name},
            tags=tags,
            # Permissions and log group first: the first restore event must not meet a function that cannot act.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy, logs]),
        )
        rule = aws.cloudwatch.EventRule(
            f"{name}-restore-jobs",
            name=f"{name}-restore-jobs",
            description=f"Finished restore jobs of the restore testing plan {plan}",
            event_pattern=pulumi.Output.all(account, plan_arn_prefix).apply(
                lambda v: json.dumps(restore_validation_pattern(v[0], v[1]))
            ),
            state="ENABLED",
            tags=tags,
            opts=child,
        )
        permission = aws.lambda_.Permission(
            f"{name}-invoke",
            statement_id="AllowRestoreJobEvents",
            action="lambda:InvokeFunction",
            function=function.name,
            principal="events.amazonaws.com",
            source_arn=rule.arn,  # this rule only, not every rule that could name the function
            opts=child,
        )
        aws.cloudwatch.EventTarget(
            f"{name}-target",
            rule=rule.name,
            arn=function.arn,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[permission]),
        )

        plan_metric = {"namespace": METRIC_NAMESPACE, "dimensions": {PLAN_DIMENSION: plan}}
        self._alarm(
            name,
            "restore-time",
            f"A restore test of {plan} took longer than the recovery-time objective of {objective} minutes",
            plan_metric
            | {
                "metric_name": RESTORE_TIME_METRIC,
                "statistic": "Maximum",
                "threshold": objective * 60,
                "comparison_operator": "GreaterThanThreshold",
            },
            topic,
            tags,
        )
        self._alarm(
            name,
            "validation-failed",
            f"A restore test of {plan} failed, or what it restored was not usable",
            plan_metric
            | {
                "metric_name": VALIDATION_FAILED_METRIC,
                "statistic": "Maximum",
                "threshold": 1,
                "comparison_operator": "GreaterThanOrEqualToThreshold",
            },
            topic,
            tags,
        )
        self._alarm(
            name,
            "function-errors",
            f"The function validating the restore tests of {plan} failed: restores go unchecked",
            {
                "namespace": "AWS/Lambda",
                "dimensions": {"FunctionName": function.name},
                "metric_name": "Errors",
                "statistic": "Sum",
                "threshold": 1,
                "comparison_operator": "GreaterThanOrEqualToThreshold",
            },
            topic,
            tags,
        )

        self.function_arn = function.arn
        self.role_arn = role.arn
        self.register_outputs({"functionArn": self.function_arn, "roleArn": self.role_arn})

    def _alarm(
        self, name: str, what: str, description: str, metric: dict, topic: pulumi.Input[str] | None, tags: dict
    ) -> aws.cloudwatch.MetricAlarm:
        """An alarm on the first data point past the threshold; no data (no restore test ran) is no alarm."""
        return aws.cloudwatch.MetricAlarm(
            f"{name}-{what}",
            name=f"{name}-{what}",
            alarm_description=description,
            period=ALARM_PERIOD_SECONDS,
            evaluation_periods=1,
            treat_missing_data="notBreaching",
            alarm_actions=[topic] if topic is not None else [],
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
            **metric,
        )
