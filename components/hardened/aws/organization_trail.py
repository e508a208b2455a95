"""OrganizationTrail: one CloudTrail trail for every account and region, into the log-archive account.

The trail lives in the management account; its log files are validated (digest files), encrypted
with a dedicated key in the log-archive account, and land in an ImmutableBucket there, whose policy
admits this trail alone as a writer. Guardrail SCPs deny stopping, deleting or changing the trail.
With `events_log_retention_days` the trail also delivers every event into a CloudWatch Logs group of
the management account, where metric filters raise alarms (the break-glass alarm's second path).
"""

import json
from typing import NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from ..arguments import Arguments
from ..documented import documented
from .arns import ACCOUNT_ID
from .documents.key_policy import allow_cloudtrail_encryption, storage_key_policy
from .documents.service_roles import allow_cloudtrail_log_delivery, trusted_by_service
from .immutable_bucket import ImmutableBucket
from .protected_key import protected_key
from .retention import RetentionMode


class OrganizationTrailArgs(TypedDict):
    """Arguments of OrganizationTrail."""

    trail_name: str
    """Name of the trail (also used for its bucket and key)."""
    management_account_id: str
    """12-digit id of the management account, where the trail lives."""
    region: str
    """Home region of the trail."""
    log_archive_provider: aws.Provider
    """Provider into the log-archive account, which holds the bucket and the key."""
    log_archive_administrator_arns: list[pulumi.Input[str]]
    """Roles of the log-archive account that administer its bucket and key (the deployment role)."""
    retention_days: int
    """Days each log file stays locked."""
    retention_mode: NotRequired[RetentionMode | None]
    """COMPLIANCE (default) or GOVERNANCE for the log bucket's Object Lock."""
    break_glass_arns: NotRequired[list[pulumi.Input[str]] | None]
    """Break-glass roles exempt from the log bucket's tamper denies; the only ones that may change the log and trail keys' policies."""
    organization_id: NotRequired[str | None]
    """The organization id; only its principals reach the log bucket."""
    events_log_retention_days: NotRequired[int | None]
    """Also deliver events to a CloudWatch Logs group in the management account, kept this many days (a value CloudWatch Logs accepts)."""


# The retention periods CloudWatch Logs accepts (PutRetentionPolicy).
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)


@documented
class OrganizationTrail(pulumi.ComponentResource):
    """A multi-region organization trail with validated, KMS-encrypted logs in an immutable bucket."""

    trail_arn: pulumi.Output[str]
    """ARN of the trail."""
    bucket_name: pulumi.Output[str]
    """Name of the log bucket in the log-archive account."""
    events_log_group_name: pulumi.Output[str | None]
    """Name of the CloudWatch Logs group receiving the events, if any."""

    def __init__(self, name: str, args: OrganizationTrailArgs, opts: pulumi.ResourceOptions | None = None):
        checked = Arguments("OrganizationTrail", name, args, OrganizationTrailArgs)
        args = checked.args
        management = args.get("management_account_id")
        if not isinstance(management, str) or not ACCOUNT_ID.match(management):
            checked.refuse("management_account_id", f"must be a 12-digit account id (got {management!r})")
        trail_name = args["trail_name"]
        # Known before the trail exists, so the bucket and key can name it as their only writer.
        trail_arn = f"arn:aws:cloudtrail:{args['region']}:{management}:trail/{trail_name}"
        administrators = list(args["log_archive_administrator_arns"])
        log_days = args.get("events_log_retention_days")
        if log_days is not None and log_days not in LOG_RETENTION_DAYS:
            checked.refuse(
                "events_log_retention_days",
                f"must be one of {', '.join(map(str, LOG_RETENTION_DAYS))} (got {log_days!r})",
            )
        super().__init__("hardened:index:OrganizationTrail", name, None, opts)
        in_log_archive = pulumi.ResourceOptions(parent=self, provider=args["log_archive_provider"])

        logs = ImmutableBucket(
            f"{name}-logs",
            {
                "retention_days": args["retention_days"],
                "retention_mode": args.get("retention_mode"),
                "administrator_arns": administrators,
                "break_glass_arns": args.get("break_glass_arns"),
                "organization_id": args.get("organization_id"),
                "cloudtrail_arn": trail_arn,
            },
            opts=in_log_archive,
        )
        invoke = pulumi.InvokeOutputOptions(parent=self, provider=args["log_archive_provider"])
        log_account = aws.get_caller_identity_output(opts=invoke).account_id
        key_policy = pulumi.Output.all(log_account, administrators, list(args.get("break_glass_arns") or [])).apply(
            lambda v: json.dumps(
                storage_key_policy(
                    v[0], args["region"], "s3", v[1], allow_cloudtrail_encryption(trail_arn), break_glass_arns=v[2]
                )
            )
        )
        key = protected_key(
            f"{name}-trail",
            f"Encrypts the log files of the trail {trail_name}",
            key_policy,
            {},
            parent=self,
            provider=args["log_archive_provider"],
        )
        delivery, delivery_ready, group_name = (
            self._events_delivery(name, trail_name, management, log_days) if log_days else ({}, [], None)
        )
        trail = aws.cloudtrail.Trail(
            f"{name}-trail",
            name=trail_name,
            s3_bucket_name=logs.bucket_name,
            kms_key_id=key.arn,
            is_organization_trail=True,
            is_multi_region_trail=True,
            include_global_service_events=True,
            enable_log_file_validation=True,
            enable_logging=True,
            **delivery,
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[logs, *delivery_ready], protect=True, retain_on_delete=True
            ),
        )

        self.trail_arn = trail.arn
        self.bucket_name = logs.bucket_name
        # The log group's own output: whatever reads the group (a metric filter) waits for it to exist.
        self.events_log_group_name = pulumi.Output.from_input(group_name)
        self.register_outputs(
            {
                "trailArn": self.trail_arn,
                "bucketName": self.bucket_name,
                "eventsLogGroupName": self.events_log_group_name,
            }
        )

    def _events_delivery(
        self, name: str, trail_name: str, management: str, days: int
    ) -> tuple[dict, list[pulumi.Resource], pulumi.Output[str]]:
        """The management account's log group and the role CloudTrail delivers with: the trail's arguments, what to wait for."""
        child = pulumi.ResourceOptions(parent=self)
        group = aws.cloudwatch.LogGroup(
            f"{name}-events", name=events_log_group_of(trail_name), retention_in_days=days, opts=child
        )
        role = aws.iam.Role(
            f"{name}-delivery",
            name=f"{trail_name}-cloudwatch-delivery"[:64],
            description=f"Assumed by CloudTrail to deliver the events of {trail_name} to CloudWatch Logs",
            assume_role_policy=json.dumps(trusted_by_service("cloudtrail", management)),
            opts=child,
        )
        policy = aws.iam.RolePolicy(
            f"{name}-delivery",
            role=role.name,
            policy=group.arn.apply(lambda arn: json.dumps(allow_cloudtrail_log_delivery(arn))),
            opts=child,
        )
        arguments = {
            "cloud_watch_logs_group_arn": group.arn.apply(lambda arn: f"{arn}:*"),
            "cloud_watch_logs_role_arn": role.arn,
        }
        # CloudTrail checks that the role can deliver when the trail is created, so its permissions come first.
        return arguments, [policy], group.name


def events_log_group_of(trail_name: str) -> str:
    """The CloudWatch Logs group the trail's events go to: known before the trail exists, so alarms can name it."""
    return f"/hardened/cloudtrail/{trail_name}"
