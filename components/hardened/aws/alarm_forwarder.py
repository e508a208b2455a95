"""AlarmForwarder: one account's rules that send every move against the backups to the alarm hub.

In each region given, a rule per threat (`documents/backup_plane_events.py`) on the account's default bus, where
AWS delivers the event, targets the hub's bus in the security account through a role only EventBridge of this
account assumes (a role is what EventBridge needs to deliver to a bus in another account or region). Threats whose
events arrive only in us-east-1 (IAM, Organizations) are forwarded from there alone, so give us-east-1 in every
account. The role is created once per account (IAM is global): give `role_arn` where another forwarder of the same
account made it.

Rules are named `<prefix>-<threat>`, the role `<prefix>-forwarder`, with the hub's name as prefix: the alert-path
SCP (`Baseline.ALERT_PATH`) protects exactly those names. Rules and targets are `protect`ed. Every pattern stays
within EventBridge's 2,048 characters (checked), and four of them use wildcards, of the 30 such rules a bus may have
("Amazon EventBridge quotas": "Rules containing wildcards", not adjustable).

Sources: EventBridge User Guide, "Sending and receiving events between AWS accounts" and "Sending and receiving
events between AWS Regions" (a target bus in another account or region, and the role it needs);
"Events from AWS services via AWS CloudTrail" (which events arrive, and where).
"""

import json
import re
from typing import NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from ..arguments import Arguments
from ..documented import documented
from .arns import ROLE_NAME
from .documents.alarm_names import forwarding_role_name
from .documents.alerts import allow_forwarding_to, trust_event_forwarding
from .documents.backup_plane_events import GLOBAL_EVENTS_REGION, forwarded_patterns

REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$", re.ASCII)
# EventBridge User Guide, "Amazon EventBridge quotas": "Event pattern size: 2,048" characters by default (adjustable).
EVENT_PATTERN_MAX_CHARACTERS = 2048
BUS_ARN = re.compile(r"^arn:aws[\w-]*:events:[a-z0-9-]+:\d{12}:event-bus/[\w.-]+$", re.ASCII)


class AlarmForwarderArgs(TypedDict):
    """Arguments of AlarmForwarder."""

    account_id: pulumi.Input[str]
    """The 12-digit id of the account the providers deploy into (the role trusts its rules only)."""
    providers: dict[str, aws.Provider]
    """A provider into the account per region to forward from, keyed by region (include us-east-1)."""
    bus_arn: pulumi.Input[str]
    """ARN of the alarm hub's bus (AlarmHub's bus_arn)."""
    prefix: str
    """The hub's name: every rule is `<prefix>-<threat>`, the role `<prefix>-forwarder`."""
    break_glass_role_name: str
    """Name of the break-glass role in every account: its use and its changes are forwarded."""
    break_glass_user_names: list[str]
    """Names of the break-glass users: their sign-ins and changes are forwarded."""
    role_arn: NotRequired[pulumi.Input[str] | None]
    """The account's forwarding role, when another forwarder created it; without it, this one creates it."""
    tags: NotRequired[dict[str, str] | None]
    """Tags for the rules and the role."""


@documented
class AlarmForwarder(pulumi.ComponentResource):
    """Rules forwarding one account's backup-plane events, region by region, to the alarm hub."""

    role_arn: pulumi.Output[str]
    """ARN of the account's forwarding role."""
    rule_names: pulumi.Output[dict[str, list[str]]]
    """The forwarding rules' names, per region."""

    def __init__(self, name: str, args: AlarmForwarderArgs, opts: pulumi.ResourceOptions | None = None):
        checked = Arguments("AlarmForwarder", name, args, AlarmForwarderArgs)
        args = checked.args
        providers, prefix, patterns_by_region = _validated(checked)
        tags = args.get("tags") or {}
        super().__init__("hardened:index:AlarmForwarder", name, None, opts)

        bus_arn = pulumi.Output.from_input(args["bus_arn"])
        role_arn = args.get("role_arn")
        if role_arn is None:
            first = next(iter(providers.values()))
            in_account = pulumi.ResourceOptions(parent=self, provider=first, protect=True)
            role = aws.iam.Role(
                f"{name}-role",
                name=forwarding_role_name(prefix),
                description="Assumed by EventBridge to forward this account's backup-plane events to the alarm hub",
                assume_role_policy=pulumi.Output.from_input(args["account_id"]).apply(
                    lambda a: json.dumps(trust_event_forwarding(a))
                ),
                tags=tags,
                opts=in_account,
            )
            aws.iam.RolePolicy(
                f"{name}-role-policy",
                role=role.name,
                policy=bus_arn.apply(lambda arn: json.dumps(allow_forwarding_to(arn))),
                opts=in_account,
            )
            role_arn = role.arn

        names: dict[str, list[str]] = {}
        for region, provider in providers.items():
            kept = pulumi.ResourceOptions(parent=self, provider=provider, protect=True)
            patterns = patterns_by_region[region]
            names[region] = [f"{prefix}-{threat}" for threat in patterns]
            for threat, pattern in patterns.items():
                rule = aws.cloudwatch.EventRule(
                    f"{name}-{region}-{threat}",
                    name=f"{prefix}-{threat}",
                    description=f"Forwards {threat} to the alarm hub",
                    event_pattern=json.dumps(pattern),
                    state="ENABLED",
                    tags=tags,
                    opts=kept,
                )
                aws.cloudwatch.EventTarget(
                    f"{name}-{region}-{threat}-forward", rule=rule.name, arn=bus_arn, role_arn=role_arn, opts=kept
                )

        self.role_arn = pulumi.Output.from_input(role_arn)
        self.rule_names = pulumi.Output.from_input(names)
        self.register_outputs({"roleArn": self.role_arn, "ruleNames": self.rule_names})


def _validated(checked: Arguments[AlarmForwarderArgs]) -> tuple[dict, str, dict[str, dict[str, dict]]]:
    """The providers, the prefix and each region's patterns (sized against EventBridge's quota), once all are usable."""
    args = checked.args
    providers = args.get("providers")
    if not isinstance(providers, dict) or not providers:
        checked.refuse("providers", "must give at least one region and a provider into the account there")
    bad = [
        r
        for r, p in providers.items()
        if not (isinstance(r, str) and REGION.match(r)) or not isinstance(p, pulumi.ProviderResource)
    ]
    if bad:
        checked.refuse("providers", f"must map region names to providers (got {bad[0]!r})")
    if args.get("role_arn") is None and GLOBAL_EVENTS_REGION not in providers:
        checked.refuse(
            "providers",
            f"must include {GLOBAL_EVENTS_REGION} where the forwarder creates the account's role: IAM and Organizations events arrive only there",
        )
    prefix = args.get("prefix")
    if not isinstance(prefix, str) or not prefix or len(prefix) > 40:
        checked.refuse("prefix", f"must be the alarm hub's name, 1 to 40 characters (got {prefix!r})")
    bus_arn = args.get("bus_arn")
    if isinstance(bus_arn, str) and not BUS_ARN.match(bus_arn):
        checked.refuse("bus_arn", f"must be an event bus ARN (got {bus_arn!r})")
    if bus_arn is None:
        checked.refuse("bus_arn", "is required: the alarm hub's bus")
    role_name = args.get("break_glass_role_name")
    if not isinstance(role_name, str) or not ROLE_NAME.match(role_name):
        checked.refuse("break_glass_role_name", f"must be an IAM role name (got {role_name!r})")
    users = args.get("break_glass_user_names")
    if not isinstance(users, list) or not users or not all(isinstance(u, str) and ROLE_NAME.match(u) for u in users):
        checked.refuse("break_glass_user_names", f"must list the break-glass users' names (got {users!r})")
    if args.get("account_id") is None:
        checked.refuse("account_id", "is required: the account the providers deploy into")
    patterns = {region: forwarded_patterns(region, prefix, role_name, users) for region in providers}
    for region_patterns in patterns.values():
        for threat, pattern in region_patterns.items():
            size = len(json.dumps(pattern))
            if size > EVENT_PATTERN_MAX_CHARACTERS:
                checked.refuse(
                    "break_glass_user_names",
                    f"make the {threat} pattern {size} characters, over EventBridge's {EVENT_PATTERN_MAX_CHARACTERS}: name fewer users, "
                    "or shorter ones",
                )
    return providers, prefix, patterns
