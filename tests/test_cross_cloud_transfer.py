"""CrossCloudTransfer: the role Google assumes, what it may read, the sink grants and the daily job."""

import pulumi
import pulumi_aws as aws
import pulumi_gcp as gcp
import pytest
from planning import PROJECT, by_name, one, plan_of, resources

from hardened.errors import ComponentArgumentError
from hardened.gcp.cross_cloud_transfer import CrossCloudTransfer
from hardened_tools.plan import run_program
from hardened_tools.plan.placeholders import Target, invoke_result

BACKUP_ACCOUNT = "555910829563"
REGION = "eu-west-1"
GCP_PROJECT = "acme-offsite-backups"
SOURCE = "arn:aws:s3:::prod-backups"
SOURCE_KEY = f"arn:aws:kms:{REGION}:{BACKUP_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
SINK = "acme-offsite-prod-backups"
ROLE = f"arn:aws:iam::{BACKUP_ACCOUNT}:role/offsite-google-transfer"
AGENT = invoke_result(
    "gcp:storage/getTransferProjectServiceAccount:getTransferProjectServiceAccount",
    Target("gcp", project=GCP_PROJECT),
    None,
)


MISSING = object()  # an override that leaves the argument out


def transfer_args(provider, **overrides) -> dict:
    args = {
        "source_bucket": "prod-backups",
        "source_bucket_arn": SOURCE,
        "source_key_arn": SOURCE_KEY,
        "aws_provider": provider,
        "sink_bucket": SINK,
        "project_id": GCP_PROJECT,
        "start_date": "2026-03-01",
    }
    return {key: value for key, value in (args | overrides).items() if value is not MISSING}


def providers() -> tuple[aws.Provider, gcp.Provider]:
    return aws.Provider("backup", region=REGION, allowed_account_ids=[BACKUP_ACCOUNT]), gcp.Provider(
        "offsite-project", project=GCP_PROJECT
    )


@pytest.fixture(scope="module")
def plan() -> dict:
    def program():
        backup, offsite = providers()
        CrossCloudTransfer("offsite", transfer_args(backup), opts=pulumi.ResourceOptions(provider=offsite))

    return plan_of(program)


def test_the_role_trusts_only_the_backup_projects_transfer_service_account(plan):
    role = one(plan, "aws:iam/role:Role")
    subject = role["inputs"]["assumeRolePolicy"]["Statement"][0]["Condition"]["StringEquals"]["accounts.google.com:sub"]
    assert subject.isdigit() and subject == AGENT["subjectId"]
    assert role["inputs"] == {
        "name": "offsite-google-transfer",
        "description": "Assumed by Google Storage Transfer Service of one project, with federated identity, to read one bucket",
        "maxSessionDuration": 3600,
        "assumeRolePolicy": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "TrustedByGoogleStorageTransfer",
                    "Effect": "Allow",
                    "Principal": {"Federated": "accounts.google.com"},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {"StringEquals": {"accounts.google.com:sub": AGENT["subjectId"]}},
                }
            ],
        },
    }
    assert role["outputs"]["arn"] == ROLE
    assert role["lands_in"] == {"cloud": "aws", "account": BACKUP_ACCOUNT, "region": REGION}


def test_the_role_lists_and_reads_one_bucket_and_decrypts_only_through_s3(plan):
    policy = one(plan, "aws:iam/rolePolicy:RolePolicy")
    assert policy["inputs"] == {
        "role": "offsite-google-transfer",
        "policy": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "ListSourceBucket",
                    "Effect": "Allow",
                    "Action": ["s3:GetBucketLocation", "s3:ListBucket"],
                    "Resource": SOURCE,
                },
                {"Sid": "ReadSourceObjects", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": f"{SOURCE}/*"},
                {
                    "Sid": "DecryptThroughS3",
                    "Effect": "Allow",
                    "Action": "kms:Decrypt",
                    "Resource": SOURCE_KEY,
                    "Condition": {"StringEquals": {"kms:ViaService": f"s3.{REGION}.amazonaws.com"}},
                },
            ],
        },
    }
    assert policy["lands_in"] == {"cloud": "aws", "account": BACKUP_ACCOUNT, "region": REGION}


def test_the_transfer_service_account_creates_and_reads_in_the_sink_but_never_deletes(plan):
    grants = resources(plan, "gcp:storage/bucketIAMMember:BucketIAMMember")
    member = f"serviceAccount:{AGENT['email']}"
    assert AGENT["email"].startswith("project-") and AGENT["email"].endswith(
        "@storage-transfer-service.iam.gserviceaccount.com"
    )
    assert sorted((g["name"], g["inputs"]["role"]) for g in grants) == [
        ("offsite-sink-bucket-reader", "roles/storage.legacyBucketReader"),
        ("offsite-sink-object-creator", "roles/storage.objectCreator"),
        ("offsite-sink-object-reader", "roles/storage.legacyObjectReader"),
    ]
    for grant in grants:
        assert grant["inputs"] == {"bucket": SINK, "member": member, "role": grant["inputs"]["role"]}
        assert "condition" not in grant["inputs"]
        assert grant["lands_in"] == {"cloud": "gcp", "project": GCP_PROJECT}


def test_the_job_copies_daily_and_never_overwrites_or_deletes(plan):
    job = one(plan, "gcp:storage/transferJob:TransferJob")
    assert job["inputs"] == {
        "project": GCP_PROJECT,
        "description": f"Daily copy of s3://prod-backups into gs://{SINK}; never overwrites or deletes",
        "status": "ENABLED",
        "schedule": {"scheduleStartDate": {"year": 2026, "month": 3, "day": 1}, "repeatInterval": "86400s"},
        # Failed finds and copies are logged, for BackupPlaneAlerts' transfer-failures alert.
        "loggingConfig": {"logActions": ["COPY", "FIND"], "logActionStates": ["FAILED"]},
        "transferSpec": {
            "awsS3DataSource": {"bucketName": "prod-backups", "roleArn": ROLE},
            "gcsDataSink": {"bucketName": SINK},
            "transferOptions": {
                "overwriteObjectsAlreadyExistingInSink": False,
                "deleteObjectsUniqueInSink": False,
                "deleteObjectsFromSourceAfterTransfer": False,
                "overwriteWhen": "NEVER",
            },
        },
    }
    assert job["lands_in"] == {"cloud": "gcp", "project": GCP_PROJECT}


def test_the_job_waits_for_the_sink_grants_and_the_role_permissions(plan):
    job = one(plan, "gcp:storage/transferJob:TransferJob")
    needed = [g["urn"] for g in resources(plan, "gcp:storage/bucketIAMMember:BucketIAMMember")]
    needed.append(one(plan, "aws:iam/rolePolicy:RolePolicy")["urn"])
    assert set(needed) <= set(job["depends_on"])


def test_no_long_lived_key_exists_anywhere(plan):
    types = {r["type"] for r in resources(plan)}
    assert not types & {
        "aws:iam/accessKey:AccessKey",
        "aws:iam/user:User",
        "gcp:serviceaccount/key:Key",
        "gcp:storage/hmacKey:HmacKey",
    }
    source = one(plan, "gcp:storage/transferJob:TransferJob")["inputs"]["transferSpec"]["awsS3DataSource"]
    assert set(source) == {"bucketName", "roleArn"}


def test_the_component_reports_the_role_the_job_and_the_service_account(plan):
    component = by_name(plan, "offsite")
    assert component["type"] == "hardened:index:CrossCloudTransfer"
    assert component["outputs"] == {
        "roleArn": ROLE,
        "jobName": one(plan, "gcp:storage/transferJob:TransferJob")["outputs"]["name"],
        "transferServiceAccount": AGENT["email"],
    }


def test_a_given_role_name_is_used():
    def program():
        backup, offsite = providers()
        CrossCloudTransfer(
            "offsite",
            transfer_args(backup, role_name="gcs-offsite-reader"),
            opts=pulumi.ResourceOptions(provider=offsite),
        )

    plan = plan_of(program)
    assert one(plan, "aws:iam/role:Role")["inputs"]["name"] == "gcs-offsite-reader"
    assert one(plan, "gcp:storage/transferJob:TransferJob")["inputs"]["transferSpec"]["awsS3DataSource"]["roleArn"] == (
        f"arn:aws:iam::{BACKUP_ACCOUNT}:role/gcs-offsite-reader"
    )


LONG_NAME = "offsite-" + "x" * 50  # the default role name, <name>-google-transfer, would be 74 characters
BAD_ARGUMENTS = [
    ("offsite", {"start_date": "2026-02-30"}, "start_date", "must be a day written YYYY-MM-DD (got '2026-02-30')"),
    ("offsite", {"start_date": "01/03/2026"}, "start_date", "(got '01/03/2026')"),
    ("offsite", {"start_date": "20260301"}, "start_date", "(got '20260301')"),
    ("offsite", {"start_date": None}, "start_date", "(got None)"),
    ("offsite", {"role_name": "r" * 65}, "role_name", "at most 64 characters"),
    (LONG_NAME, {}, "role_name", f"(got '{LONG_NAME}-google-transfer')"),
    ("offsite", {"aws_provider": MISSING}, "aws_provider", "is required by CrossCloudTransferArgs"),
    (
        "offsite",
        {"aws_provider": "the gcp provider"},
        "aws_provider",
        "takes pulumi_aws.Provider, not pulumi_gcp.Provider",
    ),
    (
        "offsite",
        {"source_key_arn": f"arn:aws:kms:{REGION}:{BACKUP_ACCOUNT}:alias/backups"},
        "source_key_arn",
        "(not an alias)",
    ),
    (
        "offsite",
        {"source_bucket_arn": "arn:aws:s3:::other-bucket"},
        "source_bucket_arn",
        "must be the ARN of source_bucket 'prod-backups'",
    ),
    ("offsite", {"sink_bucket": "gs://acme"}, "sink_bucket", "must be a Cloud Storage bucket name"),
    ("offsite", {"project_id": None}, "project_id", "must be a GCP project id"),
]


@pytest.mark.parametrize(
    ("name", "overrides", "argument", "problem"),
    BAD_ARGUMENTS,
    ids=[f"{a}-{i}" for i, (_, _, a, _) in enumerate(BAD_ARGUMENTS)],
)
def test_bad_arguments_are_refused_before_anything_is_declared(name, overrides, argument, problem):
    registered = {}

    def program():
        backup, offsite = providers()
        given = {k: offsite if v == "the gcp provider" else v for k, v in overrides.items()}
        CrossCloudTransfer(name, transfer_args(backup, **given), opts=pulumi.ResourceOptions(provider=offsite))

    with pytest.raises(ComponentArgumentError) as raised:
        run_program(program, project=PROJECT, stack="test", registrations=registered)
    assert str(raised.value).startswith(f"CrossCloudTransfer '{name}': argument '{argument}' ")
    assert problem in str(raised.value)
    assert sorted(r.type for r in registered.values()) == [
        "pulumi:providers:aws",
        "pulumi:providers:gcp",
        "pulumi:pulumi:Stack",
    ]
