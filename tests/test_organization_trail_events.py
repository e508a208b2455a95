"""OrganizationTrail with `events_log_retention_days`: the log group, the delivery role and the trail's wiring, exactly."""

import pulumi_aws as aws
import pytest
from planning import DEPLOYER, PROJECT, REGION, account_provider, by_name, in_account, one, plan_of, resources

from hardened.aws import OrganizationTrail
from hardened.errors import ComponentArgumentError
from hardened_tools.plan import run_program

MANAGEMENT = "999988887777"
GROUP_ARN = f"arn:aws:logs:{REGION}:{MANAGEMENT}:log-group:/hardened/cloudtrail/org-trail"
ROLE_ARN = f"arn:aws:iam::{MANAGEMENT}:role/org-trail-cloudwatch-delivery"
DELIVERY_TYPES = ("aws:cloudwatch/logGroup:LogGroup", "aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy")


def trail_args(**overrides) -> dict:
    return {
        "trail_name": "org-trail",
        "management_account_id": MANAGEMENT,
        "region": REGION,
        "log_archive_administrator_arns": [DEPLOYER],
        "retention_days": 400,
        "organization_id": "o-a1b2c3d4e5",
    } | overrides


def trail_plan(**overrides) -> dict:
    def program():
        management = aws.Provider("management", region=REGION, allowed_account_ids=[MANAGEMENT])
        args = trail_args(log_archive_provider=account_provider("log-archive"), **overrides)
        OrganizationTrail("org-trail", args, opts=in_account(management))

    return plan_of(program)


@pytest.fixture(scope="module")
def plan() -> dict:
    return trail_plan(events_log_retention_days=90)


def test_the_log_group_is_named_after_the_trail_and_kept_ninety_days_in_the_management_account(plan):
    group = one(plan, "aws:cloudwatch/logGroup:LogGroup")
    assert group["inputs"] == {"name": "/hardened/cloudtrail/org-trail", "retentionInDays": 90}
    assert group["outputs"]["arn"] == GROUP_ARN
    assert group["lands_in"] == {"cloud": "aws", "account": MANAGEMENT, "region": REGION}
    assert (
        one(plan, "hardened:index:OrganizationTrail")["outputs"]["eventsLogGroupName"]
        == "/hardened/cloudtrail/org-trail"
    )


def test_only_cloudtrail_on_behalf_of_the_management_account_assumes_the_delivery_role(plan):
    role = one(plan, "aws:iam/role:Role")
    assert role["inputs"] == {
        "name": "org-trail-cloudwatch-delivery",
        "description": "Assumed by CloudTrail to deliver the events of org-trail to CloudWatch Logs",
        "assumeRolePolicy": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "TrustedByService",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": MANAGEMENT}},
                },
            ],
        },
    }
    assert role["outputs"]["arn"] == ROLE_ARN
    assert role["lands_in"]["account"] == MANAGEMENT


def test_the_role_writes_log_streams_of_that_group_and_nothing_else(plan):
    policy = one(plan, "aws:iam/rolePolicy:RolePolicy")
    assert policy["inputs"] == {
        "role": "org-trail-cloudwatch-delivery",
        "policy": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DeliverTrailEvents",
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": f"{GROUP_ARN}:log-stream:*",
                },
            ],
        },
    }
    assert policy["lands_in"]["account"] == MANAGEMENT


def test_the_trail_delivers_into_the_group_with_the_role_once_the_role_may_deliver(plan):
    trail = one(plan, "aws:cloudtrail/trail:Trail")
    assert trail["inputs"] == {
        "cloudWatchLogsGroupArn": f"{GROUP_ARN}:*",
        "cloudWatchLogsRoleArn": ROLE_ARN,
        "enableLogFileValidation": True,
        "enableLogging": True,
        "includeGlobalServiceEvents": True,
        "isMultiRegionTrail": True,
        "isOrganizationTrail": True,
        "kmsKeyId": by_name(plan, "org-trail-trail-key")["outputs"]["arn"],
        "name": "org-trail",
        "s3BucketName": by_name(plan, "org-trail-logs-bucket")["outputs"]["bucket"],
    }
    assert one(plan, "aws:iam/rolePolicy:RolePolicy")["urn"] in trail["depends_on"]
    assert trail["protect"] and trail["retain_on_delete"]


def test_without_the_argument_events_stay_in_the_bucket_alone():
    plan = trail_plan()
    assert [r["name"] for t in DELIVERY_TYPES for r in resources(plan, t)] == []
    inputs = one(plan, "aws:cloudtrail/trail:Trail")["inputs"]
    assert "cloudWatchLogsGroupArn" not in inputs and "cloudWatchLogsRoleArn" not in inputs
    # An output of None is left out of the component's outputs altogether.
    assert sorted(one(plan, "hardened:index:OrganizationTrail")["outputs"]) == ["bucketName", "trailArn"]


@pytest.mark.parametrize("days", [10, 0, 4000])
def test_a_retention_cloudwatch_logs_does_not_accept_is_refused_before_anything_is_declared(days):
    registered = {}
    with pytest.raises(ComponentArgumentError) as raised:
        run_program(
            lambda: OrganizationTrail(
                "org-trail", trail_args(log_archive_provider=None, events_log_retention_days=days)
            ),
            project=PROJECT,
            stack="test",
            registrations=registered,
        )
    assert str(raised.value).startswith(
        "OrganizationTrail 'org-trail': argument 'events_log_retention_days' must be one of 1, 3, 5, 7, 14, 30, 60, 90,"
    )
    assert str(raised.value).endswith(f", 3653 (got {days})")
    assert [r.type for r in registered.values()] == ["pulumi:pulumi:Stack"]
