"""BreakGlassAccess: the roles in every account, the users and their only permissions, and both alarms, exactly."""

import json

import pulumi
import pulumi_aws as aws
import pytest
from planning import PROJECT, by_name, one, plan_of, resources

from hardened.aws import BreakGlassAccess
from hardened.errors import ComponentArgumentError
from hardened_tools.plan import run_program

MANAGEMENT, BACKUP, LOG_ARCHIVE = "999988887777", "222233334444", "555566667777"
DEPLOYER = f"arn:aws:iam::{MANAGEMENT}:role/hardened-deployer"
USER_ARNS = [f"arn:aws:iam::{MANAGEMENT}:user/break-glass-1", f"arn:aws:iam::{MANAGEMENT}:user/break-glass-2"]
ROLE_ARNS = {
    label: f"arn:aws:iam::{account}:role/hardened-break-glass"
    for label, account in (("management", MANAGEMENT), ("backup", BACKUP), ("log-archive", LOG_ARCHIVE))
}
SIGN_IN_TOPIC = f"arn:aws:sns:us-east-1:{MANAGEMENT}:break-glass-sign-in-alerts"
TRAIL_TOPIC = f"arn:aws:sns:eu-west-1:{MANAGEMENT}:break-glass-trail-alerts"
SUBSCRIBERS = [
    {"protocol": "email", "endpoint": "security@acme.example"},
    {"protocol": "https", "endpoint": "https://hooks.acme.example/alarm"},
]
SELF_SERVICE = [
    "iam:ChangePassword",
    "iam:CreateVirtualMFADevice",
    "iam:EnableMFADevice",
    "iam:GetUser",
    "iam:ListMFADevices",
    "iam:ListVirtualMFADevices",
    "iam:ResyncMFADevice",
    "sts:GetSessionToken",
]
OWN = ["arn:aws:iam::*:user/${aws:username}", "arn:aws:iam::*:mfa/*"]
NO_MFA = {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}


def recent_mfa(seconds: str = "900") -> dict:
    return {"Bool": {"aws:MultiFactorAuthPresent": "true"}, "NumericLessThan": {"aws:MultiFactorAuthAge": seconds}}


def where(account: str, region: str = "eu-west-1") -> dict:
    return {"cloud": "aws", "account": account, "region": region}


def run_break_glass(overrides: dict, registrations: dict | None = None):
    def program():
        management = aws.Provider("management", region="eu-west-1", allowed_account_ids=[MANAGEMENT])
        args = {
            "account_id": MANAGEMENT,
            "organization_id": "o-a1b2c3d4e5",
            "user_names": ["break-glass-1", "break-glass-2"],
            "role_name": "hardened-break-glass",
            "accounts": {
                "management": management,
                "backup": aws.Provider("backup", region="eu-west-1", allowed_account_ids=[BACKUP]),
                "log-archive": aws.Provider("log-archive", region="eu-west-1", allowed_account_ids=[LOG_ARCHIVE]),
            },
            "sign_in_events_provider": aws.Provider(
                "management-us-east-1", region="us-east-1", allowed_account_ids=[MANAGEMENT]
            ),
            "subscribers": SUBSCRIBERS,
            "administrator_arns": [DEPLOYER],
            "trail_log_group_name": "/hardened/cloudtrail/org",
        }
        BreakGlassAccess("break-glass", args | overrides, opts=pulumi.ResourceOptions(provider=management))

    return (
        run_program(program, project=PROJECT, stack="test", registrations=registrations)
        if registrations is not None
        else plan_of(program)
    )


@pytest.fixture(scope="module")
def plan() -> dict:
    return run_break_glass({})


def test_a_role_in_every_account_trusts_only_the_users_with_recent_mfa_for_an_hour(plan):
    for label, account in (("management", MANAGEMENT), ("backup", BACKUP), ("log-archive", LOG_ARCHIVE)):
        role = by_name(plan, f"break-glass-role-{label}")
        assert role["lands_in"] == where(account)
        assert role["inputs"] == {
            "name": "hardened-break-glass",
            "maxSessionDuration": 3600,
            "description": "Break-glass access: assumed only by the break-glass users, with recent MFA; every use raises an alarm",
            "assumeRolePolicy": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "TrustBreakGlassUsersWithRecentMfa",
                        "Effect": "Allow",
                        "Principal": {"AWS": USER_ARNS},
                        "Action": "sts:AssumeRole",
                        "Condition": recent_mfa(),
                    }
                ],
            },
        }
        attachment = by_name(plan, f"break-glass-role-{label}-policy-0")
        assert attachment["inputs"] == {
            "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess",
            "role": "hardened-break-glass",
        }
        assert attachment["lands_in"] == where(account)


def test_the_users_get_no_access_key_and_no_password_from_pulumi(plan):
    for user in ("break-glass-1", "break-glass-2"):
        created = by_name(plan, f"break-glass-user-{user}")
        assert created["inputs"] == {"forceDestroy": False, "name": user, "tags": {"hardened:break-glass": "true"}}
        assert created["lands_in"] == where(MANAGEMENT)
    assert (
        resources(plan, "aws:iam/accessKey:AccessKey") == []
        and resources(plan, "aws:iam/userLoginProfile:UserLoginProfile") == []
    )
    iam_types = sorted(r["type"] for r in resources(plan) if r["type"].startswith("aws:iam/"))
    assert (
        iam_types
        == ["aws:iam/group:Group", "aws:iam/groupMembership:GroupMembership", "aws:iam/groupPolicy:GroupPolicy"]
        + ["aws:iam/role:Role"] * 3
        + ["aws:iam/rolePolicyAttachment:RolePolicyAttachment"] * 3
        + ["aws:iam/user:User"] * 2
    )


def test_the_users_may_only_set_up_mfa_and_then_assume_the_roles(plan):
    assert by_name(plan, "break-glass-users")["inputs"] == {"name": "break-glass-users"}
    assert by_name(plan, "break-glass-users-membership")["inputs"] == {
        "group": "break-glass-users",
        "users": ["break-glass-1", "break-glass-2"],
    }
    assert by_name(plan, "break-glass-users-policy")["inputs"] == {
        "group": "break-glass-users",
        "policy": {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "AllowMfaSelfService", "Effect": "Allow", "Action": SELF_SERVICE, "Resource": OWN},
                {
                    "Sid": "AllowListingMfaDevices",
                    "Effect": "Allow",
                    "Action": ["iam:GetAccountPasswordPolicy", "iam:ListVirtualMFADevices"],
                    "Resource": "*",
                },
                {
                    "Sid": "AllowAssumingBreakGlass",
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Resource": "arn:aws:iam::*:role/hardened-break-glass",
                    "Condition": {**recent_mfa(), "StringEquals": {"aws:ResourceOrgID": "o-a1b2c3d4e5"}},
                },
                {
                    "Sid": "DenyEverythingWithoutMfa",
                    "Effect": "Deny",
                    "NotAction": SELF_SERVICE,
                    "Resource": "*",
                    "Condition": NO_MFA,
                },
                {
                    "Sid": "DenyOthersMfaWithoutMfa",
                    "Effect": "Deny",
                    "Action": [
                        "iam:ChangePassword",
                        "iam:EnableMFADevice",
                        "iam:GetUser",
                        "iam:ListMFADevices",
                        "iam:ResyncMFADevice",
                    ],
                    "NotResource": "arn:aws:iam::*:user/${aws:username}",
                    "Condition": NO_MFA,
                },
                {"Sid": "DenyAccessKeyCreation", "Effect": "Deny", "Action": "iam:CreateAccessKey", "Resource": "*"},
            ],
        },
    }


def test_sign_ins_and_assume_role_calls_raise_eventbridge_alarms_in_us_east_1(plan):
    patterns = {
        "sign-in": {
            "source": ["aws.signin"],
            "detail-type": ["AWS Console Sign In via CloudTrail"],
            "detail": {
                "eventName": ["ConsoleLogin"],
                "userIdentity": {
                    "type": ["IAMUser"],
                    "accountId": ["999988887777"],
                    "userName": ["break-glass-1", "break-glass-2"],
                },
            },
        },
        "assume-role": {
            "source": ["aws.sts"],
            "detail-type": ["AWS API Call via CloudTrail"],
            "detail": {
                "eventSource": ["sts.amazonaws.com"],
                "eventName": ["AssumeRole"],
                "requestParameters": {"roleArn": [{"wildcard": "arn:aws:iam::*:role/hardened-break-glass"}]},
            },
        },
    }
    for what, pattern in patterns.items():
        rule = by_name(plan, f"break-glass-{what}")
        assert {**rule["inputs"], "eventPattern": json.loads(rule["inputs"]["eventPattern"])} == {
            "name": f"break-glass-{what}",
            "description": f"Break-glass use: {what}",
            "state": "ENABLED",
            "eventPattern": pattern,
        }
        target = by_name(plan, f"break-glass-{what}-alert")
        assert target["inputs"] == {"arn": SIGN_IN_TOPIC, "rule": f"break-glass-{what}"}
        assert rule["lands_in"] == target["lands_in"] == where(MANAGEMENT, "us-east-1")
    assert by_name(plan, "break-glass-sign-in-alerts-topic")["lands_in"] == where(MANAGEMENT, "us-east-1")


def test_the_trail_metric_filter_and_its_alarm_land_beside_the_trail_log_group(plan):
    metric_filter = one(plan, "aws:cloudwatch/logMetricFilter:LogMetricFilter")
    assert metric_filter["inputs"] == {
        "name": "break-glass-uses",
        "logGroupName": "/hardened/cloudtrail/org",
        "metricTransformation": {"name": "break-glass-uses", "namespace": "hardened-accounts", "value": "1"},
        "pattern": '{ ($.eventName = "ConsoleLogin" && $.userIdentity.type = "IAMUser" && $.userIdentity.accountId = "999988887777" && '
        '($.userIdentity.userName = "break-glass-1" || $.userIdentity.userName = "break-glass-2")) || '
        '($.eventName = "AssumeRole" && $.requestParameters.roleArn = "*:role/hardened-break-glass") }',
    }
    alarm = one(plan, "aws:cloudwatch/metricAlarm:MetricAlarm")
    assert alarm["inputs"] == {
        "name": "break-glass-used",
        "alarmDescription": "A break-glass user signed in or a break-glass role was assumed",
        "namespace": "hardened-accounts",
        "metricName": "break-glass-uses",
        "statistic": "Sum",
        "period": 300,
        "evaluationPeriods": 1,
        "threshold": 1,
        "comparisonOperator": "GreaterThanOrEqualToThreshold",
        "treatMissingData": "notBreaching",
        "alarmActions": [TRAIL_TOPIC],
    }
    for resource in (metric_filter, alarm, by_name(plan, "break-glass-trail-alerts-topic")):
        assert resource["lands_in"] == where(MANAGEMENT), resource["name"]
    assert one(plan, "hardened:index:BreakGlassAccess")["outputs"] == {
        "alertTopicArns": [SIGN_IN_TOPIC, TRAIL_TOPIC],
        "roleArns": ROLE_ARNS,
        "userArns": USER_ARNS,
    }


SECURITY = "333344445555"
SECURITY_DEPLOYER = f"arn:aws:iam::{SECURITY}:role/hardened-deployer"


def test_users_in_a_security_account_are_created_and_watched_there():
    """With `users_provider`: users, group, its policy and membership, and the sign-in rules with their topic in the
    users' account; every trust names the users there; the trail alarm stays beside the trail's log group."""

    def program():
        management = aws.Provider("management", region="eu-west-1", allowed_account_ids=[MANAGEMENT])
        BreakGlassAccess(
            "break-glass",
            {
                "account_id": SECURITY,
                "organization_id": "o-a1b2c3d4e5",
                "user_names": ["break-glass-1", "break-glass-2"],
                "role_name": "hardened-break-glass",
                "accounts": {"backup": aws.Provider("backup", region="eu-west-1", allowed_account_ids=[BACKUP])},
                "users_provider": aws.Provider("security", region="eu-west-1", allowed_account_ids=[SECURITY]),
                "users_administrator_arns": [SECURITY_DEPLOYER],
                "sign_in_events_provider": aws.Provider(
                    "security-us-east-1", region="us-east-1", allowed_account_ids=[SECURITY]
                ),
                "subscribers": SUBSCRIBERS,
                "administrator_arns": [DEPLOYER],
                "trail_log_group_name": "/hardened/cloudtrail/org",
            },
            opts=pulumi.ResourceOptions(provider=management),
        )

    plan = plan_of(program)
    for name in (
        "break-glass-user-break-glass-1",
        "break-glass-user-break-glass-2",
        "break-glass-users",
        "break-glass-users-policy",
        "break-glass-users-membership",
    ):
        assert by_name(plan, name)["lands_in"] == where(SECURITY), name
    users = [f"arn:aws:iam::{SECURITY}:user/break-glass-1", f"arn:aws:iam::{SECURITY}:user/break-glass-2"]
    trust = by_name(plan, "break-glass-role-backup")["inputs"]["assumeRolePolicy"]["Statement"][0]
    assert trust["Principal"] == {"AWS": users} and trust["Condition"] == recent_mfa()
    sign_in = by_name(plan, "break-glass-sign-in")
    assert sign_in["lands_in"] == where(SECURITY, "us-east-1")
    assert json.loads(sign_in["inputs"]["eventPattern"])["detail"]["userIdentity"]["accountId"] == [SECURITY]
    key = by_name(plan, "break-glass-sign-in-alerts-key")
    assert key["lands_in"] == where(SECURITY, "us-east-1")
    assert key["inputs"]["policy"]["Statement"][0]["Principal"] == {"AWS": [SECURITY_DEPLOYER]}
    assert by_name(plan, "break-glass-trail-alerts-key")["inputs"]["policy"]["Statement"][0]["Principal"] == {
        "AWS": [DEPLOYER]
    }
    assert by_name(plan, "break-glass-uses")["lands_in"] == where(MANAGEMENT)
    assert f'$.userIdentity.accountId = "{SECURITY}"' in by_name(plan, "break-glass-uses")["inputs"]["pattern"]


def test_without_the_trail_log_group_only_the_eventbridge_alarms_remain():
    plan = run_break_glass({"trail_log_group_name": None})
    assert (
        resources(plan, "aws:cloudwatch/logMetricFilter:LogMetricFilter")
        == resources(plan, "aws:cloudwatch/metricAlarm:MetricAlarm")
        == []
    )
    assert [t["outputs"]["arn"] for t in resources(plan, "aws:sns/topic:Topic")] == [SIGN_IN_TOPIC]
    assert one(plan, "hardened:index:BreakGlassAccess")["outputs"]["alertTopicArns"] == [SIGN_IN_TOPIC]


def test_a_shorter_mfa_age_reaches_the_trust_and_the_user_policy():
    plan = run_break_glass({"max_mfa_age_seconds": 300})
    for label in ROLE_ARNS:
        assert by_name(plan, f"break-glass-role-{label}")["inputs"]["assumeRolePolicy"]["Statement"][0][
            "Condition"
        ] == recent_mfa("300")
    assert by_name(plan, "break-glass-users-policy")["inputs"]["policy"]["Statement"][2]["Condition"] == {
        **recent_mfa("300"),
        "StringEquals": {"aws:ResourceOrgID": "o-a1b2c3d4e5"},
    }


@pytest.mark.parametrize(
    ("overrides", "argument", "problem"),
    [
        ({"user_names": ["break-glass-1"]}, "user_names", "at least two distinct IAM users"),
        (
            {"user_names": ["break-glass-1", "break-glass-1", "break-glass-2"]},
            "user_names",
            "at least two distinct IAM users",
        ),
        ({"role_name": "break-glass-*"}, "role_name", "(got 'break-glass-*')"),
        ({"accounts": {}}, "accounts", "at least one account"),
        ({"max_mfa_age_seconds": 30}, "max_mfa_age_seconds", "from 60 to 3600 (got 30)"),
        ({"max_mfa_age_seconds": 7200}, "max_mfa_age_seconds", "from 60 to 3600 (got 7200)"),
        ({"account_id": "99998888777"}, "account_id", "12-digit account id (got '99998888777')"),
        ({"organization_id": "a1b2c3"}, "organization_id", "organization id, o-... (got 'a1b2c3')"),
        ({"max_mfa_age_seconds": 0}, "max_mfa_age_seconds", "from 60 to 3600 (got 0)"),
        ({"role_policy_arns": []}, "role_policy_arns", "at least one managed policy ARN (got [])"),
        ({"role_policy_arns": ["AdministratorAccess"]}, "role_policy_arns", "(got ['AdministratorAccess'])"),
        ({"subscribers": []}, "subscribers", "at least one subscriber"),
        (
            {"subscribers": [{"protocol": "http", "endpoint": "http://pager.example"}]},
            "subscribers[0].protocol",
            "(got 'http')",
        ),
        ({"administrator_arns": []}, "administrator_arns", "at least one role"),
        ({"sign_in_events_provider": None}, "sign_in_events_provider", "us-east-1"),
        ({"users_provider": "security"}, "users_provider", "takes pulumi_aws.Provider, not str (got 'security')"),
        ({"users_administrator_arns": []}, "users_administrator_arns", "(got [])"),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_declared(overrides, argument, problem):
    registered = {}
    with pytest.raises(ComponentArgumentError) as raised:
        run_break_glass(overrides, registered)
    assert str(raised.value).startswith(f"BreakGlassAccess 'break-glass': argument '{argument}' ")
    assert problem in str(raised.value)
    assert [r.type for r in registered.values() if not r.type.startswith("pulumi:")] == []
