"""AlarmHub and AlarmForwarder on their own: exact children, and bad arguments refused before anything is declared."""

import json

import pulumi
import pulumi_aws as aws
import pytest
from planning import ACCOUNT, BREAK_GLASS, DEPLOYER, PROJECT, by_name, plan_of, resources

from hardened.aws import AlarmForwarder, AlarmHub
from hardened.aws.documents.backup_plane_events import forwarded_patterns
from hardened.errors import ComponentArgumentError
from hardened_tools.plan import run_program

BUS = f"arn:aws:events:eu-west-1:{ACCOUNT}:event-bus/org-alarms"
SUBSCRIBERS = [{"protocol": "email", "endpoint": "security@acme.example"}]


def hub_args(**overrides) -> dict:
    return {
        "organization_id": "o-a1b2c3d4e5",
        "subscribers": SUBSCRIBERS,
        "administrator_arns": [DEPLOYER],
        "break_glass_arns": [BREAK_GLASS],
    } | overrides


def forwarder_args(**overrides) -> dict:
    return {
        "account_id": ACCOUNT,
        "bus_arn": BUS,
        "prefix": "org-alarms",
        "break_glass_role_name": "hardened-break-glass",
        "break_glass_user_names": ["break-glass-1", "break-glass-2"],
    } | overrides


def providers() -> dict:
    return {
        region: aws.Provider(region, region=region, allowed_account_ids=[ACCOUNT])
        for region in ("eu-west-1", "us-east-1")
    }


def test_the_hub_is_a_protected_bus_a_catch_all_rule_to_its_topic_and_a_heartbeat():
    plan = plan_of(lambda: AlarmHub("org-alarms", hub_args(heartbeat_schedule="rate(12 hours)")))
    bus = by_name(plan, "org-alarms-bus")
    assert bus["inputs"]["name"] == "org-alarms" and bus["protect"]
    forwarded = by_name(plan, "org-alarms-forwarded")
    assert forwarded["inputs"]["eventBusName"] == "org-alarms" and json.loads(forwarded["inputs"]["eventPattern"]) == {
        "source": [{"prefix": ""}]
    }
    assert by_name(plan, "org-alarms-heartbeat")["inputs"]["scheduleExpression"] == "rate(12 hours)"
    topic = by_name(plan, "org-alarms-alerts-topic")
    assert {t["inputs"]["arn"] for t in resources(plan, "aws:cloudwatch/eventTarget:EventTarget")} == {
        topic["outputs"]["arn"]
    }
    assert all(r["protect"] for r in resources(plan) if r["type"].startswith("aws:cloudwatch/event"))


def test_a_forwarder_sends_each_threat_from_each_region_with_one_role():
    plan = plan_of(lambda: AlarmForwarder("prod-alarms", forwarder_args(providers=providers())))
    role = by_name(plan, "prod-alarms-role")
    assert role["inputs"]["name"] == "org-alarms-forwarder" and role["lands_in"]["region"] == "eu-west-1"
    assert by_name(plan, "prod-alarms-role-policy")["inputs"]["policy"]["Statement"] == [
        {"Sid": "ForwardToTheAlarmHub", "Effect": "Allow", "Action": "events:PutEvents", "Resource": BUS}
    ]
    for region in ("eu-west-1", "us-east-1"):
        expected = forwarded_patterns(region, "org-alarms", "hardened-break-glass", ["break-glass-1", "break-glass-2"])
        rules = {
            r["inputs"]["name"]: json.loads(r["inputs"]["eventPattern"])
            for r in resources(plan, "aws:cloudwatch/eventRule:EventRule")
            if r["lands_in"]["region"] == region
        }
        assert rules == {f"org-alarms-{threat}": pattern for threat, pattern in expected.items()}
    targets = resources(plan, "aws:cloudwatch/eventTarget:EventTarget")
    assert {(t["inputs"]["arn"], t["inputs"]["roleArn"]) for t in targets} == {(BUS, role["outputs"]["arn"])}


def test_a_second_forwarder_in_the_same_account_reuses_the_role():
    existing = f"arn:aws:iam::{ACCOUNT}:role/org-alarms-forwarder"
    plan = plan_of(
        lambda: AlarmForwarder(
            "prod-alarms-eu-central-1",
            forwarder_args(
                providers={"eu-central-1": aws.Provider("eu-central-1", region="eu-central-1")}, role_arn=existing
            ),
        )
    )
    assert resources(plan, "aws:iam/role:Role") == []
    assert {t["inputs"]["roleArn"] for t in resources(plan, "aws:cloudwatch/eventTarget:EventTarget")} == {existing}
    assert "org-alarms-organization-tampering" not in {
        r["inputs"]["name"] for r in resources(plan, "aws:cloudwatch/eventRule:EventRule")
    }


@pytest.mark.parametrize(
    ("build", "argument", "problem"),
    [
        (lambda: AlarmHub("org-alarms", hub_args(organization_id="o-")), "organization_id", "o-..."),
        (lambda: AlarmHub("org-alarms", hub_args(subscribers=[])), "subscribers", "at least one subscriber"),
        (
            lambda: AlarmHub("org-alarms", hub_args(heartbeat_schedule="daily")),
            "heartbeat_schedule",
            "must be rate(<n> minutes|hours|days) or an AWS cron(...) expression (got 'daily')",
        ),
        (lambda: AlarmHub("a" * 41, hub_args()), "name", "at most 40"),
        (lambda: AlarmForwarder("f", forwarder_args(providers={})), "providers", "at least one region"),
        (
            lambda: AlarmForwarder("f", forwarder_args(providers={"eu-west-1": aws.Provider("p", region="eu-west-1")})),
            "providers",
            "must include us-east-1",
        ),
        (
            lambda: AlarmForwarder("f", forwarder_args(providers=providers(), bus_arn="org-alarms")),
            "bus_arn",
            "event bus ARN",
        ),
        (
            lambda: AlarmForwarder("f", forwarder_args(providers=providers(), break_glass_user_names="bg-1")),
            "break_glass_user_names",
            "(got 'bg-1')",
        ),
        (
            lambda: AlarmForwarder("f", forwarder_args(providers=providers(), break_glass_role_name="break-glass-*")),
            "break_glass_role_name",
            "IAM role name",
        ),
        # EventBridge refuses a pattern over 2,048 characters: 40 users of 60 characters make the user-changes pattern too long.
        (
            lambda: AlarmForwarder(
                "f",
                forwarder_args(
                    providers=providers(),
                    break_glass_user_names=[f"break-glass-{i:02d}-" + "x" * 45 for i in range(40)],
                ),
            ),
            "break_glass_user_names",
            "over EventBridge's 2048",
        ),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_declared(build, argument, problem):
    registered = {}
    with pytest.raises(ComponentArgumentError) as raised:
        run_program(build, project=PROJECT, stack="test", registrations=registered)
    assert f"argument '{argument}' " in str(raised.value) and problem in str(raised.value)
    assert [r.type for r in registered.values() if not r.type.startswith("pulumi:")] == []


def test_opts_reach_the_children():
    plan = plan_of(
        lambda: AlarmHub(
            "org-alarms", hub_args(), opts=pulumi.ResourceOptions(provider=aws.Provider("security", region="eu-west-1"))
        )
    )
    assert by_name(plan, "org-alarms-bus")["lands_in"]["region"] == "eu-west-1"


def test_the_forwarders_stay_within_eventbridges_wildcard_rule_quota():
    """EventBridge allows 30 rules with wildcards per bus, not adjustable ("Amazon EventBridge quotas"): the forwarders
    use four in any region, leaving the rest to the account's own rules."""
    for region in ("eu-west-1", "us-east-1"):
        patterns = forwarded_patterns(region, "org-alarms", "hardened-break-glass", ["break-glass-1", "break-glass-2"])
        assert sorted(t for t, p in patterns.items() if "wildcard" in json.dumps(p)) == [
            "alert-topic-tampering",
            "break-glass-assume-role",
            "break-glass-console",
            "validator-tampering",
        ]
