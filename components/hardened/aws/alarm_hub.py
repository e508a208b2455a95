"""AlarmHub: where every account's alarms on the backup plane arrive, in a security account, and who is told.

An event bus named after the component receives what each account's `AlarmForwarder` sends (its policy admits the
organization's principals alone); one rule on it publishes everything it receives to an encrypted `AlertTopic`
(`<name>-alerts`). A scheduled rule publishes a heartbeat to the same topic every day: if the heartbeat stops
arriving, the alarm path is broken, and so nothing else would arrive either.

The hub lives in neither the management account nor any account it watches, so an intruder in a watched account
cannot delete it, and the alert-path SCP (`Baseline.ALERT_PATH`) lets only break-glass delete or disable the bus,
the rules, the targets or the topic, and only the deployer and break-glass change them. The bus, rules and targets
are `protect`ed as well: Pulumi never removes them either.

Sources: EventBridge User Guide, "Sending and receiving events between AWS accounts in Amazon EventBridge" (a bus
policy granting `events:PutEvents` with `aws:PrincipalOrgID`), "Creating a rule that runs on a schedule" (scheduled
rules are on the default bus only), "Amazon EventBridge event patterns" (`prefix` matching, an empty prefix
matching every value).
"""

import json
from typing import NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from ..arguments import Arguments
from ..documented import documented
from .alert_topic import AlertTopic, Subscriber, check_alert_arguments
from .arns import ORGANIZATION_ID
from .documents.alarm_names import alarm_topic_name
from .documents.alerts import alarm_bus_policy
from .documents.backup_plane_events import heartbeat_input
from .retention import schedule_problem

EVERYTHING = {"source": [{"prefix": ""}]}  # every event on the hub's own bus: only forwarders put events there
DEFAULT_HEARTBEAT = "rate(1 day)"
BUS_NAME_LIMIT = 40  # leaves room for "-break-glass-user-changes" in 64-character rule names


class AlarmHubArgs(TypedDict):
    """Arguments of AlarmHub."""

    organization_id: str
    """The AWS Organization (o-...) whose accounts may forward events to the hub."""
    subscribers: list[Subscriber]
    """Who is told of every alarm and of the daily heartbeat."""
    administrator_arns: list[pulumi.Input[str]]
    """Roles that administer the topic's key (the security account's deployment role)."""
    break_glass_arns: NotRequired[list[pulumi.Input[str]] | None]
    """Break-glass roles, the only ones that may change the topic key's policy."""
    heartbeat_schedule: NotRequired[str | None]
    """When the heartbeat is published: an EventBridge rate or cron expression (default rate(1 day))."""
    tags: NotRequired[dict[str, str] | None]
    """Tags for the bus, the rules and the topic."""


@documented
class AlarmHub(pulumi.ComponentResource):
    """An event bus for the organization's alarms, a rule publishing them to an encrypted topic, and a heartbeat."""

    bus_arn: pulumi.Output[str]
    """ARN of the bus the forwarders send to."""
    bus_name: pulumi.Output[str]
    """Its name: the component's name, and the prefix of every forwarding rule and role."""
    topic_arn: pulumi.Output[str]
    """ARN of the topic every alarm is published to."""

    def __init__(self, name: str, args: AlarmHubArgs, opts: pulumi.ResourceOptions | None = None):
        checked = Arguments("AlarmHub", name, args, AlarmHubArgs)
        args = checked.args
        check_alert_arguments(checked)
        organization_id = args.get("organization_id")
        if not isinstance(organization_id, str) or not ORGANIZATION_ID.fullmatch(organization_id):
            checked.refuse("organization_id", f"must be an organization id, o-... (got {organization_id!r})")
        if len(name) > BUS_NAME_LIMIT or not all(c.isalnum() or c in "-_." for c in name):
            checked.refuse(
                "name",
                f"names the bus and prefixes every rule: at most {BUS_NAME_LIMIT} letters, digits, '-', '_' or '.'",
            )
        schedule = args.get("heartbeat_schedule") or DEFAULT_HEARTBEAT
        if schedule_problem(schedule, rate=True) is not None:
            checked.refuse(
                "heartbeat_schedule",
                f"must be rate(<n> minutes|hours|days) or an AWS cron(...) expression (got {schedule!r})",
            )
        tags = args.get("tags") or {}
        super().__init__("hardened:index:AlarmHub", name, None, opts)

        # The alarm path itself: Pulumi never removes it (the alert-path SCP keeps everyone else from doing so).
        kept = pulumi.ResourceOptions(parent=self, protect=True)
        topic = AlertTopic(
            alarm_topic_name(name),
            {
                "administrator_arns": args["administrator_arns"],
                "subscribers": args["subscribers"],
                "break_glass_arns": args.get("break_glass_arns"),
                "tags": tags,
            },
            opts=pulumi.ResourceOptions(parent=self),
        )
        bus = aws.cloudwatch.EventBus(f"{name}-bus", name=name, tags=tags, opts=kept)
        aws.cloudwatch.EventBusPolicy(
            f"{name}-bus-policy",
            event_bus_name=bus.name,
            policy=bus.arn.apply(lambda arn: json.dumps(alarm_bus_policy(arn, organization_id))),
            opts=kept,
        )
        forwarded = aws.cloudwatch.EventRule(
            f"{name}-forwarded",
            name=f"{name}-forwarded",
            description="Every alarm forwarded from the organization's accounts, to the alarm topic",
            event_bus_name=bus.name,
            event_pattern=json.dumps(EVERYTHING),
            state="ENABLED",
            tags=tags,
            opts=kept,
        )
        aws.cloudwatch.EventTarget(
            f"{name}-forwarded-alert", rule=forwarded.name, event_bus_name=bus.name, arn=topic.topic_arn, opts=kept
        )
        heartbeat = aws.cloudwatch.EventRule(
            f"{name}-heartbeat",
            name=f"{name}-heartbeat",
            description="A daily message through the alarm topic: if it stops, the alarm path is broken",
            schedule_expression=schedule,
            state="ENABLED",
            tags=tags,
            opts=kept,
        )
        aws.cloudwatch.EventTarget(
            f"{name}-heartbeat-alert",
            rule=heartbeat.name,
            arn=topic.topic_arn,
            input=json.dumps(heartbeat_input(name)),
            opts=kept,
        )

        self.bus_arn = bus.arn
        self.bus_name = bus.name
        self.topic_arn = topic.topic_arn
        self.register_outputs({"busArn": self.bus_arn, "busName": self.bus_name, "topicArn": self.topic_arn})
