"""AlertTopic: an SNS topic for security alarms, encrypted with its own key, and the people it tells.

EventBridge rules and CloudWatch alarms of the account (and nothing else) may publish to it, over TLS
only; the key lets those two services encrypt what they publish. Subscribers come from config: email
subscriptions wait for the recipient to confirm them, which docs/deploying.md says to check.
"""

import json
import re
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from ..arguments import Arguments
from ..documented import documented
from .documents.alerts import alert_topic_policy, allow_alarm_encryption
from .documents.key_policy import storage_key_policy
from .protected_key import protected_key

# Plain http is left out: an alarm should not travel in clear text.
ENDPOINT_SHAPES = {
    "email": re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
    "email-json": re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
    "https": re.compile(r"^https://\S+$"),
    "sms": re.compile(r"^\+\d{6,15}$", re.ASCII),
    "sqs": re.compile(r"^arn:aws[\w-]*:sqs:[a-z0-9-]+:\d{12}:[\w-]+$", re.ASCII),
    "lambda": re.compile(r"^arn:aws[\w-]*:lambda:[a-z0-9-]+:\d{12}:function:[\w-]+(:[\w$-]+)?$", re.ASCII),
}


class Subscriber(TypedDict):
    """Who an alert topic tells."""

    protocol: str
    """email, email-json, https, sms, sqs or lambda."""
    endpoint: str
    """The address, URL, phone number (+E.164) or ARN for that protocol."""


class AlertTopicArgs(TypedDict):
    """Arguments of AlertTopic."""

    administrator_arns: list[pulumi.Input[str]]
    """Roles that administer the topic's key (the deployment role); never its policy."""
    subscribers: list[Subscriber]
    """Who is told: at least one."""
    break_glass_arns: NotRequired[list[pulumi.Input[str]] | None]
    """Break-glass roles, the only ones that may change the key's policy; without them it is sealed for good."""
    tags: NotRequired[dict[str, str] | None]
    """Tags for the topic and its key."""


def check_alert_arguments(checked: Arguments[Any]) -> list[Subscriber]:
    """The `subscribers`, once they and the `administrator_arns` are known to be usable; a refusal if not."""
    args = checked.args
    subscribers = list(args.get("subscribers") or [])
    if not subscribers:
        checked.refuse("subscribers", "must name at least one subscriber: an alarm nobody hears is no alarm")
    for index, subscriber in enumerate(subscribers):
        protocol, endpoint = subscriber.get("protocol"), subscriber.get("endpoint")
        shape = ENDPOINT_SHAPES.get(protocol)
        if shape is None:
            checked.refuse(
                f"subscribers[{index}].protocol", f"must be one of {', '.join(ENDPOINT_SHAPES)} (got {protocol!r})"
            )
        if not isinstance(endpoint, str) or not shape.match(endpoint):
            checked.refuse(f"subscribers[{index}].endpoint", f"is not a valid {protocol} endpoint (got {endpoint!r})")
    if not args.get("administrator_arns"):
        checked.refuse("administrator_arns", "must name at least one role to administer the alert key")
    return subscribers


@documented
class AlertTopic(pulumi.ComponentResource):
    """An encrypted SNS topic that the account's alarms publish to."""

    topic_arn: pulumi.Output[str]
    """ARN of the topic, for rule targets and alarm actions."""
    key_arn: pulumi.Output[str]
    """ARN of the key that encrypts the topic."""

    def __init__(self, name: str, args: AlertTopicArgs, opts: pulumi.ResourceOptions | None = None):
        checked = Arguments("AlertTopic", name, args, AlertTopicArgs)
        args = checked.args
        subscribers = check_alert_arguments(checked)
        administrators = list(args["administrator_arns"])
        super().__init__("hardened:index:AlertTopic", name, None, opts)

        child = pulumi.ResourceOptions(parent=self)
        tags = args.get("tags") or {}
        invoke = pulumi.InvokeOutputOptions(parent=self)
        account = aws.get_caller_identity_output(opts=invoke).account_id
        region = aws.get_region_output(opts=invoke).region
        key_policy = pulumi.Output.all(account, region, administrators, list(args.get("break_glass_arns") or [])).apply(
            lambda v: json.dumps(
                storage_key_policy(v[0], v[1], "sns", v[2], allow_alarm_encryption(), break_glass_arns=v[3])
            )
        )
        key = protected_key(name, f"Encrypts the alarms published to {name}", key_policy, tags, parent=self)
        topic = aws.sns.Topic(f"{name}-topic", name=name, kms_master_key_id=key.arn, tags=tags, opts=child)
        aws.sns.TopicPolicy(
            f"{name}-policy",
            arn=topic.arn,
            policy=pulumi.Output.all(topic.arn, account).apply(lambda v: json.dumps(alert_topic_policy(v[0], v[1]))),
            opts=child,
        )
        for index, subscriber in enumerate(subscribers):
            aws.sns.TopicSubscription(
                f"{name}-subscriber-{index}",
                topic=topic.arn,
                protocol=subscriber["protocol"],
                endpoint=subscriber["endpoint"],
                opts=child,
            )

        self.topic_arn = topic.arn
        self.key_arn = key.arn
        self.register_outputs({"topicArn": self.topic_arn, "keyArn": self.key_arn})
