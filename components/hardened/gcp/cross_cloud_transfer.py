"""CrossCloudTransfer: a daily copy of one S3 bucket into one Cloud Storage bucket, with no key anywhere.

Google's Storage Transfer Service reads the bucket by assuming an AWS role with its own Google identity
(AssumeRoleWithWebIdentity): the role trusts only the transfer service account of the backup project,
by its numeric subject id, and may only list the bucket, read its objects and decrypt them through S3.
No access key is created, stored or handed to Google.

In the sink the service account may create objects and read what is there, never delete or replace:
the job never overwrites an object already in the sink, never deletes objects unique to the sink and
never deletes from the source. Google documents the sink permissions in "Configure access to a sink:
Cloud Storage" (https://cloud.google.com/storage-transfer/docs/sink-cloud-storage): storage.buckets.get,
storage.objects.list and storage.objects.get (to compare with the source when overwriting "never"),
storage.objects.create, and storage.objects.delete only to overwrite or to delete objects unique to the
sink. Its suggested legacyBucketWriter role carries that delete, so three narrower roles are granted.

The component's own provider is the GCP provider of the backup project; the AWS role is created with
`aws_provider`, in the account that holds the source bucket.
"""

import datetime
import json
import re
from typing import NotRequired, TypedDict

import pulumi
import pulumi_aws as aws
import pulumi_gcp as gcp

from ..arguments import Arguments
from ..aws.arns import ROLE_NAME
from ..aws.documents.transfer import read_one_bucket, trusted_by_google_transfer_service
from ..documented import documented
from .identifiers import PROJECT_ID

MAX_SESSION_SECONDS = 3600
DAILY = "86400s"
START_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
S3_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
S3_BUCKET_ARN = re.compile(r"^arn:aws[\w-]*:s3:::([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])$")
KMS_KEY_ARN = re.compile(r"^arn:aws[\w-]*:kms:[a-z]{2}(-[a-z]+)+-\d:\d{12}:key/[\w-]+$")
GCS_BUCKET = re.compile(r"^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$")

# What the transfer service account holds on the sink bucket (see the module docstring).
SINK_ROLES = {
    "bucket-reader": "roles/storage.legacyBucketReader",  # storage.buckets.get, storage.objects.list
    "object-reader": "roles/storage.legacyObjectReader",  # storage.objects.get
    "object-creator": "roles/storage.objectCreator",  # storage.objects.create, never delete
}
NEVER_REPLACE_OR_DELETE: gcp.storage.TransferJobTransferSpecTransferOptionsArgsDict = {
    "overwrite_objects_already_existing_in_sink": False,
    "delete_objects_unique_in_sink": False,
    "delete_objects_from_source_after_transfer": False,
    "overwrite_when": "NEVER",
}


class CrossCloudTransferArgs(TypedDict):
    """Arguments of CrossCloudTransfer."""

    source_bucket: pulumi.Input[str]
    """Name of the S3 bucket copied."""
    source_bucket_arn: pulumi.Input[str]
    """ARN of that bucket."""
    source_key_arn: pulumi.Input[str]
    """ARN of the KMS key that encrypts that bucket (a key ARN, not an alias)."""
    aws_provider: aws.Provider
    """AWS provider into the account that holds the bucket, where the role Google assumes is created."""
    sink_bucket: pulumi.Input[str]
    """Name of the Cloud Storage bucket the objects are copied into."""
    project_id: pulumi.Input[str]
    """GCP project that runs the transfer job, whose transfer service account assumes the role."""
    start_date: str
    """Day of the first daily run, YYYY-MM-DD (UTC)."""
    role_name: NotRequired[str | None]
    """Name of the AWS role, at most 64 characters (default `<name>-google-transfer`)."""


@documented
class CrossCloudTransfer(pulumi.ComponentResource):
    """A daily S3-to-Cloud-Storage copy by Storage Transfer Service with federated identity: no keys, no deletes."""

    role_arn: pulumi.Output[str]
    """ARN of the AWS role Storage Transfer Service assumes."""
    job_name: pulumi.Output[str]
    """Name of the transfer job (transferJobs/...)."""
    transfer_service_account: pulumi.Output[str]
    """Email of the project's Google-managed transfer service account."""

    def __init__(self, name: str, args: CrossCloudTransferArgs, opts: pulumi.ResourceOptions | None = None):
        checked = Arguments("CrossCloudTransfer", name, args, CrossCloudTransferArgs)
        args = checked.args
        role_name, start = _checked(checked)
        super().__init__("hardened:index:CrossCloudTransfer", name, None, opts)

        in_aws = pulumi.ResourceOptions(parent=self, provider=args["aws_provider"])
        # The GCP children wait for what `opts.depends_on` names (the project's Storage Transfer API): children do not inherit it.
        after = opts.depends_on if opts else None
        child = pulumi.ResourceOptions(parent=self, depends_on=after)
        agent = gcp.storage.get_transfer_project_service_account_output(
            project=args["project_id"], opts=pulumi.InvokeOutputOptions(parent=self, depends_on=after)
        )

        role = aws.iam.Role(
            f"{name}-role",
            name=role_name,
            description="Assumed by Google Storage Transfer Service of one project, with federated identity, to read one bucket",
            assume_role_policy=agent.subject_id.apply(
                lambda subject: json.dumps(trusted_by_google_transfer_service(subject))
            ),
            max_session_duration=MAX_SESSION_SECONDS,
            opts=in_aws,
        )
        permissions = pulumi.Output.all(args["source_bucket_arn"], args["source_key_arn"]).apply(
            lambda values: json.dumps(read_one_bucket(*values))
        )
        role_policy = aws.iam.RolePolicy(f"{name}-permissions", role=role.id, policy=permissions, opts=in_aws)

        member = agent.email.apply(lambda email: f"serviceAccount:{email}")
        grants = [
            gcp.storage.BucketIAMMember(
                f"{name}-sink-{label}", bucket=args["sink_bucket"], role=role_id, member=member, opts=child
            )
            for label, role_id in SINK_ROLES.items()
        ]

        job = gcp.storage.TransferJob(
            f"{name}-job",
            project=args["project_id"],
            description=pulumi.Output.concat(
                "Daily copy of s3://",
                args["source_bucket"],
                " into gs://",
                args["sink_bucket"],
                "; never overwrites or deletes",
            ),
            transfer_spec={
                "aws_s3_data_source": {"bucket_name": args["source_bucket"], "role_arn": role.arn},
                "gcs_data_sink": {"bucket_name": args["sink_bucket"]},
                "transfer_options": NEVER_REPLACE_OR_DELETE.copy(),
            },
            schedule={
                "schedule_start_date": {"year": start.year, "month": start.month, "day": start.day},
                "repeat_interval": DAILY,
            },
            status="ENABLED",
            # Failed finds and copies go to Cloud Logging, where BackupPlaneAlerts' transfer-failures alert reads them
            # (Storage Transfer Service, "Cloud Logging for Storage Transfer Service": LoggingConfig).
            logging_config={"log_actions": ["COPY", "FIND"], "log_action_states": ["FAILED"]},
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[*grants, role_policy])),
        )

        self.role_arn = role.arn
        self.job_name = job.name
        self.transfer_service_account = agent.email
        self.register_outputs(
            {
                "roleArn": self.role_arn,
                "jobName": self.job_name,
                "transferServiceAccount": self.transfer_service_account,
            }
        )


def _checked(checked: Arguments[CrossCloudTransferArgs]) -> tuple[str, datetime.date]:
    """The role name and first run day, once every argument is known to be usable; values only known later pass."""
    name, args = checked.name, checked.args

    def check(argument: str, pattern: re.Pattern, what: str) -> None:
        value = args.get(argument)
        if value is None or (isinstance(value, str) and not pattern.match(value)):
            checked.refuse(argument, f"must be {what} (got {value!r})")

    check("source_bucket", S3_BUCKET, "an S3 bucket name")
    check("source_bucket_arn", S3_BUCKET_ARN, "an S3 bucket ARN such as arn:aws:s3:::bucket")
    bucket, bucket_arn = args.get("source_bucket"), args.get("source_bucket_arn")
    if (
        isinstance(bucket, str)
        and isinstance(bucket_arn, str)
        and (match := S3_BUCKET_ARN.match(bucket_arn))
        and match.group(1) != bucket
    ):
        checked.refuse("source_bucket_arn", f"must be the ARN of source_bucket {bucket!r} (got {bucket_arn!r})")
    check(
        "source_key_arn",
        KMS_KEY_ARN,
        "a KMS key ARN such as arn:aws:kms:eu-west-1:111122223333:key/<id> (not an alias)",
    )
    provider = args.get("aws_provider")
    if not isinstance(provider, pulumi.ProviderResource) or provider.package != "aws":
        checked.refuse(
            "aws_provider", f"must be an AWS provider into the account that holds the bucket (got {provider!r})"
        )
    check("sink_bucket", GCS_BUCKET, "a Cloud Storage bucket name")
    check("project_id", PROJECT_ID, "a GCP project id")

    start_date = args.get("start_date")
    start = None
    if isinstance(start_date, str) and START_DATE.match(start_date):
        try:
            start = datetime.date.fromisoformat(start_date)
        except ValueError:
            pass
    if start is None:
        checked.refuse("start_date", f"must be a day written YYYY-MM-DD (got {start_date!r})")

    role_name = args.get("role_name")
    role_name = f"{name}-google-transfer" if role_name is None else role_name
    if not isinstance(role_name, str) or not ROLE_NAME.match(role_name):
        checked.refuse(
            "role_name",
            f"must be an IAM role name of at most 64 characters (got {role_name!r}); give a shorter role_name",
        )
    return role_name, start
