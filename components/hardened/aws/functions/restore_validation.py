"""Restore validation: proves a restore test restored something usable, and measures how long the restore took.

EventBridge invokes `handler` with a "Restore Job State Change" event from `aws.backup` for a restore job of one
restore testing plan that has finished (status COMPLETED, FAILED or ABORTED; AWS Backup Developer Guide,
"Monitoring AWS Backup events using Amazon EventBridge" and "Restore testing validation"). The event only names
the job: the job itself is read back with DescribeRestoreJob, which is authoritative. Then:

1. a job of another plan, or one not finished, is left alone;
2. a COMPLETED job's restored resource is checked. For S3 the restored bucket (`awsbackup-restore-test-*`) must
   exist and hold at least one current object: listing one key shows both for one request, and needs nothing
   beyond s3:ListBucket, so the function can never read restored data. Other resource types have no check here:
   their restore time is published, no validation result is recorded;
3. RestoreTime (CompletionDate minus CreationDate, in seconds) of a COMPLETED job and ValidationFailed (1 for a
   failed check or a FAILED or ABORTED job, else 0) are published, dimension RestoreTestingPlan, before the result
   is recorded: a retry after a failure repeats a data point rather than losing one;
4. PutRestoreValidationResult records SUCCESSFUL or FAILED with a message, unless the job already has a
   validation status (AWS Backup never changes one once set, and EventBridge may deliver an event twice).

Errors that may pass (throttling, a 5xx answer) are raised, so Lambda retries instead of recording a FAILED that
could never be corrected. Plain boto3, no other dependency: the file is the function's whole package.
"""

import json
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import boto3
from botocore.exceptions import ClientError

LOG = logging.getLogger(__name__)
LOG.setLevel(logging.INFO)

RESTORE_TIME_METRIC = "RestoreTime"
VALIDATION_FAILED_METRIC = "ValidationFailed"
PLAN_DIMENSION = "RestoreTestingPlan"
SCRATCH_BUCKET_PREFIX = "awsbackup-restore-test-"
FINISHED = ("COMPLETED", "FAILED", "ABORTED")
# Validation states that are final (RestoreValidationStatus of the Backup API, VALIDATING aside).
SETTLED = ("SUCCESSFUL", "FAILED", "TIMED_OUT")
S3_BUCKET_ARN = re.compile(r"^arn:aws[a-z-]*:s3:::(?P<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])$")
# Answers that may not hold on a retry: recording FAILED on them would be final.
PASSING_ERRORS = (
    "RequestTimeout",
    "SlowDown",
    "Throttling",
    "ThrottlingException",
    "ServiceUnavailable",
    "InternalError",
)
STATUS_MESSAGE_CHARACTERS = 300  # enough to read AWS Backup's reason in the console


@dataclass(frozen=True)
class Settings:
    """What the component tells the function through its environment."""

    plan_name: str
    plan_arn_prefix: str
    namespace: str
    objective_minutes: int

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> "Settings":
        return cls(
            plan_name=environ["RESTORE_TESTING_PLAN_NAME"],
            plan_arn_prefix=environ["RESTORE_TESTING_PLAN_ARN_PREFIX"],
            namespace=environ["METRIC_NAMESPACE"],
            objective_minutes=int(environ["RECOVERY_TIME_OBJECTIVE_MINUTES"]),
        )


def handler(event: dict, context: Any) -> dict:
    """Lambda entry point: the clients of the function's own account and region."""
    outcome = validate_restore_job(
        event, Settings.from_environment(), boto3.client("backup"), boto3.client("s3"), boto3.client("cloudwatch")
    )
    LOG.info(json.dumps(outcome))
    return outcome


def validate_restore_job(event: dict, settings: Settings, backup: Any, s3: Any, cloudwatch: Any) -> dict:
    """Check, measure and record one restore job; what was decided, for the log."""
    job_id = (event.get("detail") or {}).get("restoreJobId")
    if not job_id:
        raise ValueError(f"not a restore job event: no detail.restoreJobId in {json.dumps(event)[:500]}")
    job = backup.describe_restore_job(RestoreJobId=job_id)
    plan_arn = (job.get("CreatedBy") or {}).get("RestoreTestingPlanArn") or ""
    status = job.get("Status")
    outcome = {
        "restoreJobId": job_id,
        "restoreTestingPlanArn": plan_arn,
        "status": status,
        "validationStatus": None,
        "restoreTimeSeconds": None,
    }

    if not plan_arn.startswith(settings.plan_arn_prefix):
        return outcome | {"message": f"ignored: not a restore job of restore testing plan {settings.plan_name}"}
    if status not in FINISHED:
        return outcome | {"message": f"ignored: the restore job is {status}, not finished"}
    if job.get("ValidationStatus") in SETTLED:
        return outcome | {"message": f"ignored: already validated ({job['ValidationStatus']})"}

    seconds = restore_seconds(job) if status == "COMPLETED" else None
    if status == "COMPLETED":
        passed, finding = check_restored_resource(job, s3)
    else:
        reason = (job.get("StatusMessage") or "no status message")[:STATUS_MESSAGE_CHARACTERS]
        passed, finding = False, f"The restore job ended {status}: {reason}"
    message = f"{finding} {timing(seconds, settings.objective_minutes)}"

    publish_metrics(cloudwatch, settings, seconds, passed)
    validation = None if passed is None else ("SUCCESSFUL" if passed else "FAILED")
    if validation is not None:
        record_result(backup, job_id, status, validation, message)
    return outcome | {"validationStatus": validation, "restoreTimeSeconds": seconds, "message": message}


def restore_seconds(job: dict) -> float | None:
    """How long the restore ran: completion minus creation of the job; None when AWS Backup gave either date out."""
    created, completed = job.get("CreationDate"), job.get("CompletionDate")
    if not isinstance(created, datetime) or not isinstance(completed, datetime) or completed < created:
        return None
    return (completed - created).total_seconds()


def timing(seconds: float | None, objective_minutes: int) -> str:
    if seconds is None:
        return "No restore time was measured."
    minutes = seconds / 60
    verdict = "over" if minutes > objective_minutes else "within"
    return (
        f"The restore took {minutes:.1f} minutes, {verdict} the recovery-time objective of {objective_minutes} minutes."
    )


def check_restored_resource(job: dict, s3: Any) -> tuple[bool | None, str]:
    """Whether the restored resource is usable (None: no check for its type), and what was found."""
    resource_type = job.get("ResourceType")
    if resource_type != "S3":
        return None, f"No check for resource type {resource_type}: the restore job's own status is all that is known."
    created = job.get("CreatedResourceArn") or ""
    match = S3_BUCKET_ARN.match(created)
    if match is None:
        return False, f"The restore job names no restored bucket (CreatedResourceArn {created!r})."
    bucket = match["bucket"]
    if not bucket.startswith(SCRATCH_BUCKET_PREFIX):
        return (
            False,
            f"The restored bucket {bucket} is not a restore-test bucket ({SCRATCH_BUCKET_PREFIX}*), so it was not checked.",
        )
    try:
        listed = s3.list_objects_v2(Bucket=bucket, MaxKeys=1)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code in PASSING_ERRORS or error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500:
            raise
        if code == "NoSuchBucket":
            return False, f"The restored bucket {bucket} does not exist."
        return False, f"The restored bucket {bucket} could not be listed ({code})."
    if listed.get("KeyCount", len(listed.get("Contents", []))) == 0:
        return False, f"The restored bucket {bucket} is empty."
    return True, f"The restored bucket {bucket} exists and holds objects."


def publish_metrics(cloudwatch: Any, settings: Settings, seconds: float | None, passed: bool | None) -> None:
    dimensions = [{"Name": PLAN_DIMENSION, "Value": settings.plan_name}]
    data = []
    if seconds is not None:
        data.append({"MetricName": RESTORE_TIME_METRIC, "Dimensions": dimensions, "Value": seconds, "Unit": "Seconds"})
    if passed is not None:
        data.append(
            {
                "MetricName": VALIDATION_FAILED_METRIC,
                "Dimensions": dimensions,
                "Value": 0.0 if passed else 1.0,
                "Unit": "Count",
            }
        )
    if data:
        cloudwatch.put_metric_data(Namespace=settings.namespace, MetricData=data)


def record_result(backup: Any, job_id: str, status: str, validation: str, message: str) -> None:
    if not hasattr(backup, "put_restore_validation_result"):
        # An SDK older than the API: fail loudly (the function's error alarm) rather than validate nothing.
        raise RuntimeError("this boto3 has no PutRestoreValidationResult: the runtime's SDK is too old")
    try:
        backup.put_restore_validation_result(
            RestoreJobId=job_id, ValidationStatus=validation, ValidationStatusMessage=message
        )
    except ClientError as error:
        # A job that did not complete may take no validation result; its ValidationFailed data point is published already.
        if status != "COMPLETED" and error.response.get("Error", {}).get("Code") == "InvalidRequestException":
            LOG.warning("AWS Backup took no validation result for the %s restore job %s: %s", status, job_id, error)
            return
        raise
