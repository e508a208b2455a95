"""Every move against the backups reaches the alarm hub: documented event shapes, judged by moto's EventBridge matcher.

Each fixture in tests/fixtures/backup_plane_events/ is one event as EventBridge delivers it, in the account and region
where AWS records it, with the plan's own account ids:
- the envelope: EventBridge User Guide, "Amazon EventBridge events" (version, id, detail-type, source, account, time,
  region, resources, detail);
- API calls: EventBridge User Guide, "Events from AWS services via AWS CloudTrail" around a record shaped as in the
  CloudTrail User Guide, "CloudTrail record contents for management events" (eventVersion, userIdentity with
  `invokedBy` for calls an AWS service makes, eventSource, eventName, awsRegion, requestParameters, readOnly,
  eventType AwsApiCall, managementEvent, recipientAccountId, eventCategory); request parameters as each service's
  API reference names them (AWS Backup DeleteRecoveryPoint, PutBackupVaultAccessPolicy, UpdateBackupPlan; KMS
  ScheduleKeyDeletion, PutKeyPolicy, CreateGrant; S3 PutBucketPolicy and the S3 User Guide's "Amazon S3 CloudTrail
  events" for PutBucketLifecycle; CloudTrail StopLogging; Organizations DetachPolicy; STS AssumeRoleWithWebIdentity;
  IAM UpdateAssumeRolePolicy, CreateLoginProfile; EventBridge DeleteRule, RemovePermission; SNS Unsubscribe);
- console sign-ins and role switches: CloudTrail User Guide, "AWS Management Console sign-in events" (ConsoleLogin
  and SwitchRole, `additionalEventData.SwitchFrom`, responseElements);
- AWS Backup's own events: AWS Backup Developer Guide, "Monitoring AWS Backup events using Amazon EventBridge"
  (backup and copy jobs report `state`, restore jobs `status`);
- Lambda calls: AWS Lambda Developer Guide, "Logging AWS Lambda API calls using AWS CloudTrail" (event names carry
  the API version, such as UpdateFunctionCode20150331v2);
- CloudWatch alarms: CloudWatch User Guide, "Alarm events and EventBridge" (detail-type "CloudWatch Alarm State
  Change", `detail.alarmName`, `detail.state.value`, `previousState`, `configuration`).
IAM, Organizations and console sign-in events arrive in us-east-1; the rest in the region of the call.
"""

import json
from pathlib import Path

import pytest
from event_patterns import load, matches
from planning import resources

from hardened.aws.documents.backup_plane_events import (
    BACKUP_TAMPERING,
    GLOBAL_EVENTS_REGION,
    forwarded_patterns,
)
from hardened.aws.documents.guardrails import BACKUP_DESTRUCTION, BACKUP_SETTING_CHANGES

EVENTS = Path(__file__).parent / "fixtures" / "backup_plane_events"
PREFIX, ROLE, USERS = "org-alarms", "hardened-break-glass", ["break-glass-1", "break-glass-2"]
# Which forwarding rule each fixture reaches the hub through; None for a lookalike that must reach nobody.
EXPECTED = {
    "backup_delete_recovery_point": "backup-tampering",
    "backup_put_vault_access_policy": "backup-tampering",
    "backup_update_backup_plan": "backup-tampering",
    "backup_start_backup_job": None,
    "backup_job_failed": "backup-job-failures",
    "backup_job_completed": None,
    "copy_job_failed": "backup-job-failures",
    "restore_job_failed": "restore-job-failures",
    "kms_schedule_key_deletion": "key-tampering",
    "kms_put_key_policy": "key-tampering",
    "kms_create_grant_by_backup": None,
    "kms_create_grant_direct": "direct-grants",
    "s3_put_bucket_policy": "bucket-tampering",
    "s3_put_bucket_lifecycle": "bucket-tampering",
    "s3_put_bucket_tagging": None,
    "cloudtrail_stop_logging": "trail-tampering",
    "organizations_detach_policy": "organization-tampering",
    "organizations_create_policy": None,
    "sts_assume_role_with_web_identity_break_glass": "break-glass-assume-role",
    "sts_assume_role_other_role": None,
    "signin_switch_role_break_glass": "break-glass-console",
    "signin_console_login_break_glass_user": "break-glass-sign-in",
    "signin_console_login_other_user": None,
    "iam_update_assume_role_policy_break_glass": "break-glass-role-changes",
    "iam_update_assume_role_policy_other_role": None,
    "iam_create_login_profile_break_glass_user": "break-glass-user-changes",
    "events_delete_rule_alarm": "alert-rule-tampering",
    "events_delete_rule_other": None,
    "events_remove_permission_hub_bus": "alert-bus-tampering",
    "sns_unsubscribe_alarm_topic": "alert-topic-tampering",
    "cloudwatch_alarm_replication_failures": "alarms",
    "cloudwatch_alarm_restore_time": "alarms",
    "cloudwatch_alarm_back_to_ok": None,
    "cloudwatch_alarm_other_team": None,
    "lambda_update_function_code_validator": "validator-tampering",
    "lambda_update_function_code_other": None,
}


def event(name: str) -> dict:
    return load(EVENTS, name)


def test_every_fixture_has_a_verdict():
    assert sorted(path.stem for path in EVENTS.glob("*.json")) == sorted(EXPECTED)


@pytest.mark.parametrize(("name", "expected"), [pytest.param(n, e, id=n) for n, e in EXPECTED.items()])
def test_exactly_the_expected_threat_matches_where_the_event_arrives(name, expected):
    delivered = event(name)
    patterns = forwarded_patterns(delivered["region"], PREFIX, ROLE, USERS)
    assert {threat for threat, pattern in patterns.items() if matches(pattern, delivered)} == (
        {expected} if expected else set()
    )


def test_iam_and_organizations_threats_are_forwarded_from_us_east_1_alone():
    regional, global_ = (
        forwarded_patterns("eu-west-1", PREFIX, ROLE, USERS),
        forwarded_patterns(GLOBAL_EVENTS_REGION, PREFIX, ROLE, USERS),
    )
    assert set(global_) - set(regional) == {
        "break-glass-role-changes",
        "break-glass-user-changes",
        "organization-tampering",
    }


def test_the_backup_alarm_watches_what_the_guardrails_deny():
    """One list: every AWS Backup action the SCPs deny or reserve is an alarm, and so is stopping a backup job."""
    assert set(BACKUP_TAMPERING) == {
        a.removeprefix("backup:") for a in (*BACKUP_DESTRUCTION, *BACKUP_SETTING_CHANGES)
    } | {"StopBackupJob"}


# --- the organization stack, as planned: the rule in the event's account and region, its target, the hub ----------


@pytest.fixture(scope="module")
def org():
    from attack_matrix import ORGANIZATION_STACK, plan_stack

    return plan_stack(ORGANIZATION_STACK)


def _where(resource: dict) -> tuple[str, str]:
    return resource["lands_in"]["account"], resource["lands_in"]["region"]


@pytest.mark.parametrize(("name", "expected"), [pytest.param(n, e, id=n) for n, e in EXPECTED.items()])
def test_each_event_reaches_the_hub_from_its_own_account_and_region(org, name, expected):
    delivered = event(name)
    hub_bus = next(r for r in resources(org, "aws:cloudwatch/eventBus:EventBus") if r["inputs"]["name"] == PREFIX)
    forwarders = [
        r
        for r in resources(org, "aws:cloudwatch/eventRule:EventRule")
        if _where(r) == (delivered["account"], delivered["region"])
        and not r["inputs"].get("eventBusName")
        and r["inputs"]["name"].startswith(f"{PREFIX}-")
        and r["inputs"].get("eventPattern")
    ]
    assert forwarders, f"no forwarding rule in {delivered['account']} {delivered['region']}"
    matched = [r for r in forwarders if matches(r["inputs"]["eventPattern"], delivered)]
    assert [r["inputs"]["name"] for r in matched] == ([f"{PREFIX}-{expected}"] if expected else [])
    if not expected:
        return
    [target] = [
        t
        for t in resources(org, "aws:cloudwatch/eventTarget:EventTarget")
        if _where(t) == _where(matched[0]) and t["inputs"]["rule"] == matched[0]["inputs"]["name"]
    ]
    assert target["inputs"]["arn"] == hub_bus["outputs"]["arn"]
    assert target["inputs"]["roleArn"] == f"arn:aws:iam::{delivered['account']}:role/{PREFIX}-forwarder"
    # On the hub's bus, one rule takes whatever arrives to the alarm topic.
    [hub_rule] = [
        r for r in resources(org, "aws:cloudwatch/eventRule:EventRule") if r["inputs"].get("eventBusName") == PREFIX
    ]
    assert matches(hub_rule["inputs"]["eventPattern"], delivered)
    [to_topic] = [
        t
        for t in resources(org, "aws:cloudwatch/eventTarget:EventTarget")
        if t["inputs"]["rule"] == hub_rule["inputs"]["name"]
    ]
    topic = next(r for r in resources(org, "aws:sns/topic:Topic") if r["inputs"]["name"] == f"{PREFIX}-alerts")
    assert to_topic["inputs"]["arn"] == topic["outputs"]["arn"] and _where(topic) == _where(hub_bus)


def test_every_account_forwards_from_every_region_used_and_us_east_1(org):
    accounts = {a["id"] for a in resources(org, "aws:organizations/account:Account")} | {"999988887777"}
    regions = {*org["outputs"]["alarms"]["regions"], GLOBAL_EVENTS_REGION}
    forwarding = {
        _where(r)
        for r in resources(org, "aws:cloudwatch/eventRule:EventRule")
        if r["inputs"]["name"] == f"{PREFIX}-backup-tampering"
    }
    assert forwarding == {(a, r) for a in accounts for r in regions}
    roles = [r for r in resources(org, "aws:iam/role:Role") if r["inputs"]["name"] == f"{PREFIX}-forwarder"]
    assert sorted(r["lands_in"]["account"] for r in roles) == sorted(accounts)
    for role in roles:
        account = role["lands_in"]["account"]
        assert role["inputs"]["assumeRolePolicy"]["Statement"] == [
            {
                "Sid": "TrustedByEventBridge",
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": account}},
            }
        ]
        assert role["protect"]


def test_the_hub_admits_the_organization_alone_and_sends_a_daily_heartbeat(org):
    [policy] = resources(org, "aws:cloudwatch/eventBusPolicy:EventBusPolicy")
    bus = next(r for r in resources(org, "aws:cloudwatch/eventBus:EventBus") if r["inputs"]["name"] == PREFIX)
    assert policy["inputs"]["policy"]["Statement"] == [
        {
            "Sid": "AllowForwardingFromTheOrganization",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "events:PutEvents",
            "Resource": bus["outputs"]["arn"],
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
        }
    ]
    assert bus["lands_in"]["account"] == org["outputs"]["accounts"]["security"]["accountId"] and bus["protect"]
    heartbeat = next(
        r for r in resources(org, "aws:cloudwatch/eventRule:EventRule") if r["inputs"]["name"] == f"{PREFIX}-heartbeat"
    )
    assert heartbeat["inputs"]["scheduleExpression"] == "rate(1 day)" and _where(heartbeat) == _where(bus)
    [beat] = [
        t
        for t in resources(org, "aws:cloudwatch/eventTarget:EventTarget")
        if t["inputs"]["rule"] == f"{PREFIX}-heartbeat"
    ]
    assert json.loads(beat["inputs"]["input"])["heartbeat"] == PREFIX
    subscriptions = [
        s for s in resources(org, "aws:sns/topicSubscription:TopicSubscription") if f"{PREFIX}-alerts" in s["name"]
    ]
    assert sorted(s["inputs"]["protocol"] for s in subscriptions) == ["email", "https"]
