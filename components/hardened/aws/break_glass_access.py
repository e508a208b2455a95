"""BreakGlassAccess: the sealed way in for the day the normal way is broken, and an alarm on every use.

Break-glass IAM users live in a security account of their own (`users_provider`), where the guardrail SCP
(`Baseline.SECURITY`) stops anyone below break-glass, its deployer included, from re-passwording them,
stripping or enrolling their MFA devices or deleting them; without `users_provider` they live in the
account this component is deployed to, the management account, where no SCP binds anyone. They can do
nothing but set up their MFA device and, with MFA used in the last `max_mfa_age_seconds`, assume the
break-glass role; they can never create access keys, so the console is their only door. Their
passwords and hardware MFA devices are set by hand, under split custody, never through Pulumi (the state
would hold them). A role of the same name in every account trusts only those users, only with recent MFA,
for sessions of at most one hour.

Every use raises two alarms through encrypted SNS topics:
- EventBridge rules in us-east-1, where IAM events and most console sign-ins arrive, on a break-glass
  user's console sign-in and on any AssumeRole of a break-glass role;
- a metric filter on the organization trail's log group (every account, every region: a sign-in
  recorded in another region, an AssumeRole through a regional STS endpoint) and a CloudWatch alarm on it,
  beside that log group in the account this component is deployed to.
"""

import json
from typing import NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from ..arguments import Arguments
from ..documented import documented
from .alert_topic import AlertTopic, Subscriber, check_alert_arguments
from .arns import ACCOUNT_ID, ADMINISTRATOR_ACCESS, MANAGED_POLICY_ARN, ORGANIZATION_ID, ROLE_NAME
from .documents.alerts import break_glass_assume_role_pattern, break_glass_metric_filter, break_glass_sign_in_pattern
from .documents.mfa import break_glass_user_policy, trust_break_glass_users
from .retention import whole_number

MAX_SESSION_SECONDS = 3600  # one hour: long enough to repair, short enough to expire unattended
DEFAULT_MAX_MFA_AGE_SECONDS = 900
METRIC_NAMESPACE = "hardened-accounts"


class BreakGlassAccessArgs(TypedDict):
    """Arguments of BreakGlassAccess."""

    account_id: pulumi.Input[str]
    """12-digit id of the account the users live in (the security account, or the management account)."""
    organization_id: str
    """The AWS Organization (o-...): the users may assume the break-glass role of its accounts only."""
    user_names: list[str]
    """Names of the break-glass IAM users: at least two, so no one person holds the only way in."""
    role_name: str
    """Name of the break-glass role in every account."""
    accounts: dict[str, aws.Provider]
    """Where to create the role: a label per account and a provider into it."""
    users_provider: NotRequired[aws.Provider | None]
    """Provider into the users' account when it is not this component's own (the security account)."""
    sign_in_events_provider: aws.Provider
    """Provider into the users' account in us-east-1, where sign-in and IAM events arrive."""
    subscribers: list[Subscriber]
    """Who is told of every use."""
    administrator_arns: list[pulumi.Input[str]]
    """Roles that administer the alert topics' keys (the deployment role)."""
    users_administrator_arns: NotRequired[list[pulumi.Input[str]] | None]
    """Roles that administer the sign-in alert topic's key in the users' account (default administrator_arns)."""
    trail_log_group_name: NotRequired[pulumi.Input[str] | None]
    """CloudWatch Logs group of the organization trail, in this provider's region: adds the metric-filter alarm."""
    max_mfa_age_seconds: NotRequired[int | None]
    """How recent the users' MFA must be to assume the role: 60 to 3600 seconds (default 900)."""
    role_policy_arns: NotRequired[list[str] | None]
    """Managed policies of the break-glass role (default AdministratorAccess; the guardrail SCPs still apply)."""


def users_group_name(name: str) -> str:
    """The name of the break-glass users' group of the BreakGlassAccess component called `name`."""
    return f"{name}-users"


@documented
class BreakGlassAccess(pulumi.ComponentResource):
    """Break-glass users, a break-glass role per account, and the alarms on their use."""

    user_arns: pulumi.Output[list[str]]
    """ARNs of the break-glass users."""
    role_arns: pulumi.Output[dict[str, str]]
    """ARN of the break-glass role, per account label."""
    alert_topic_arns: pulumi.Output[list[str]]
    """ARNs of the topics that announce each use."""

    def __init__(self, name: str, args: BreakGlassAccessArgs, opts: pulumi.ResourceOptions | None = None):
        checked = Arguments("BreakGlassAccess", name, args, BreakGlassAccessArgs)
        args = checked.args
        account_id = args.get("account_id")
        if not isinstance(account_id, pulumi.Output) and not (
            isinstance(account_id, str) and ACCOUNT_ID.match(account_id)
        ):
            checked.refuse("account_id", f"must be a 12-digit account id (got {account_id!r})")
        users_provider = args.get("users_provider")
        if users_provider is not None and not isinstance(users_provider, pulumi.ProviderResource):
            checked.refuse("users_provider", f"must be a provider into the users' account (got {users_provider!r})")
        organization_id = args.get("organization_id")
        if not isinstance(organization_id, str) or not ORGANIZATION_ID.match(organization_id):
            checked.refuse("organization_id", f"must be an organization id, o-... (got {organization_id!r})")
        users = list(args.get("user_names") or [])
        if (
            len(set(users)) < 2
            or len(set(users)) != len(users)
            or not all(isinstance(u, str) and ROLE_NAME.match(u) for u in users)
        ):
            checked.refuse("user_names", f"must name at least two distinct IAM users (got {users!r})")
        role_name = args.get("role_name")
        if not isinstance(role_name, str) or not ROLE_NAME.match(role_name):
            checked.refuse("role_name", f"must be an IAM role name (got {role_name!r})")
        if not args.get("accounts"):
            checked.refuse("accounts", "must give at least one account to create the role in")
        if not isinstance(args.get("sign_in_events_provider"), pulumi.ProviderResource):
            checked.refuse("sign_in_events_provider", "must be a provider into the users' account in us-east-1")
        max_age = args.get("max_mfa_age_seconds")
        max_age = DEFAULT_MAX_MFA_AGE_SECONDS if max_age is None else max_age
        if not whole_number(max_age, 60, 3600):
            checked.refuse(
                "max_mfa_age_seconds", f"must be a whole number of seconds from 60 to 3600 (got {max_age!r})"
            )
        policies = args.get("role_policy_arns")
        policies = [ADMINISTRATOR_ACCESS] if policies is None else list(policies)
        if not policies or not all(isinstance(arn, str) and MANAGED_POLICY_ARN.match(arn) for arn in policies):
            checked.refuse("role_policy_arns", f"must be at least one managed policy ARN (got {policies!r})")
        check_alert_arguments(checked)
        users_administrators = args.get("users_administrator_arns")
        if users_administrators is not None and (
            not isinstance(users_administrators, list) or not users_administrators
        ):
            checked.refuse(
                "users_administrator_arns",
                f"must list the roles administering keys in the users' account (got {users_administrators!r})",
            )
        super().__init__("hardened:index:BreakGlassAccess", name, None, opts)

        in_users_account = pulumi.ResourceOptions(parent=self, provider=users_provider)
        created = [
            aws.iam.User(
                f"{name}-user-{user}",
                name=user,
                force_destroy=False,
                tags={"hardened:break-glass": "true"},
                opts=in_users_account,
            )
            for user in users
        ]
        group = aws.iam.Group(f"{name}-users", name=users_group_name(name), opts=in_users_account)
        aws.iam.GroupPolicy(
            f"{name}-users-policy",
            group=group.name,
            policy=json.dumps(break_glass_user_policy(role_name, organization_id, max_age)),
            opts=in_users_account,
        )
        aws.iam.GroupMembership(
            f"{name}-users-membership", group=group.name, users=[u.name for u in created], opts=in_users_account
        )

        # The users' own ARNs, not names built by hand: IAM refuses a trust policy naming a user that does not exist yet,
        # so every role waits for the users.
        trust = pulumi.Output.all(*[u.arn for u in created]).apply(
            lambda arns: json.dumps(trust_break_glass_users(arns, max_age))
        )
        roles = {}
        for label, provider in args["accounts"].items():
            role = aws.iam.Role(
                f"{name}-role-{label}",
                name=role_name,
                description="Break-glass access: assumed only by the break-glass users, with recent MFA; every use raises an alarm",
                assume_role_policy=trust,
                max_session_duration=MAX_SESSION_SECONDS,
                opts=pulumi.ResourceOptions(parent=self, provider=provider),
            )
            for index, arn in enumerate(policies):
                aws.iam.RolePolicyAttachment(
                    f"{name}-role-{label}-policy-{index}",
                    role=role.name,
                    policy_arn=arn,
                    opts=pulumi.ResourceOptions(parent=self, provider=provider),
                )
            roles[label] = role.arn

        topics = [self._sign_in_alarms(name, args)]
        if args.get("trail_log_group_name") is not None:
            topics.append(self._trail_alarm(name, args, role_name))

        self.user_arns = pulumi.Output.all(*[u.arn for u in created])
        self.role_arns = pulumi.Output.all(**roles)
        self.alert_topic_arns = pulumi.Output.all(*topics)
        self.register_outputs(
            {"userArns": self.user_arns, "roleArns": self.role_arns, "alertTopicArns": self.alert_topic_arns}
        )

    def _alert_topic(
        self, name: str, args: BreakGlassAccessArgs, provider: pulumi.ProviderResource | None, administrator_arns: list
    ) -> AlertTopic:
        return AlertTopic(
            name,
            {"administrator_arns": administrator_arns, "subscribers": args["subscribers"]},
            opts=pulumi.ResourceOptions(parent=self, provider=provider),
        )

    def _sign_in_alarms(self, name: str, args: BreakGlassAccessArgs) -> pulumi.Output[str]:
        """EventBridge rules in us-east-1 on sign-in and AssumeRole, each publishing to an encrypted topic there."""
        in_us_east_1 = pulumi.ResourceOptions(parent=self, provider=args["sign_in_events_provider"])
        administrators = args.get("users_administrator_arns") or args["administrator_arns"]
        topic = self._alert_topic(f"{name}-sign-in-alerts", args, args["sign_in_events_provider"], administrators)
        users = args["user_names"]
        patterns = {
            "sign-in": pulumi.Output.from_input(args["account_id"]).apply(
                lambda account: json.dumps(break_glass_sign_in_pattern(account, users))
            ),
            "assume-role": pulumi.Output.from_input(json.dumps(break_glass_assume_role_pattern(args["role_name"]))),
        }
        for what, pattern in patterns.items():
            rule = aws.cloudwatch.EventRule(
                f"{name}-{what}",
                name=f"{name}-{what}",
                description=f"Break-glass use: {what}",
                event_pattern=pattern,
                state="ENABLED",
                opts=in_us_east_1,
            )
            aws.cloudwatch.EventTarget(f"{name}-{what}-alert", rule=rule.name, arn=topic.topic_arn, opts=in_us_east_1)
        return topic.topic_arn

    def _trail_alarm(self, name: str, args: BreakGlassAccessArgs, role_name: str) -> pulumi.Output[str]:
        """A metric filter over the organization trail's events and an alarm on its first count."""
        topic = self._alert_topic(f"{name}-trail-alerts", args, None, args["administrator_arns"])
        child = pulumi.ResourceOptions(parent=self)
        metric = f"{name}-uses"
        aws.cloudwatch.LogMetricFilter(
            f"{name}-uses",
            name=metric,
            log_group_name=args["trail_log_group_name"],
            pattern=pulumi.Output.from_input(args["account_id"]).apply(
                lambda account: break_glass_metric_filter(account, args["user_names"], role_name)
            ),
            metric_transformation={"name": metric, "namespace": METRIC_NAMESPACE, "value": "1"},
            opts=child,
        )
        aws.cloudwatch.MetricAlarm(
            f"{name}-used",
            name=f"{name}-used",
            alarm_description="A break-glass user signed in or a break-glass role was assumed",
            namespace=METRIC_NAMESPACE,
            metric_name=metric,
            statistic="Sum",
            period=300,
            evaluation_periods=1,
            threshold=1,
            comparison_operator="GreaterThanOrEqualToThreshold",
            treat_missing_data="notBreaching",
            alarm_actions=[topic.topic_arn],
            opts=child,
        )
        return topic.topic_arn
