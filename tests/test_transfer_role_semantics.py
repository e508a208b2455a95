"""Who may assume the role Google's Storage Transfer Service uses, and what it may do, judged by iam-simulate.

Both documents are taken from the plan of a real CrossCloudTransfer, not rebuilt here.

How iam-simulate models a web identity: the request's principal is the identity provider itself
(`accounts.google.com`), which it matches against a trust policy's `{"Federated": ...}` principal, and
the token's claims are the context keys AWS derives from them (`accounts.google.com:sub`). Such a
principal belongs to no AWS account, so the simulator judges it as a cross-account caller and also asks
for an Allow in its identity policies; a federated caller has none in AWS, where the trust policy alone
decides AssumeRoleWithWebIdentity. Every caller here therefore holds an Allow-everything identity policy,
so each verdict is the trust policy's own doing.
"""

import pulumi
import pulumi_aws as aws
import pulumi_gcp as gcp
import pytest
from iam_evaluator import ALLOW_EVERYTHING, ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY, Request, evaluate
from planning import one, plan_of

from hardened.aws.documents.key_policy import storage_key_policy
from hardened.gcp.cross_cloud_transfer import CrossCloudTransfer

ACCOUNT, REGION, PROJECT_ID = "555910829563", "eu-west-1", "acme-offsite-backups"
BUCKET = "arn:aws:s3:::prod-backups"
OTHER_BUCKET = "arn:aws:s3:::prod-logs"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
OTHER_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0000abcd-12ab-34cd-56ef-1234567890ab"
ADMIN = f"arn:aws:iam::{ACCOUNT}:role/AdministratorAccess"
DEPLOYER = f"arn:aws:iam::{ACCOUNT}:role/hardened-deployer"
ANOTHER_PROJECTS_AGENT = "109876543210987654321"  # the numeric subject id of another project's transfer agent


@pytest.fixture(scope="module")
def plan() -> dict:
    def program():
        backup = aws.Provider("backup", region=REGION, allowed_account_ids=[ACCOUNT])
        offsite = gcp.Provider("offsite-project", project=PROJECT_ID)
        CrossCloudTransfer(
            "offsite",
            {
                "source_bucket": "prod-backups",
                "source_bucket_arn": BUCKET,
                "source_key_arn": KEY,
                "aws_provider": backup,
                "sink_bucket": "acme-offsite-prod-backups",
                "project_id": PROJECT_ID,
                "start_date": "2026-03-01",
            },
            opts=pulumi.ResourceOptions(provider=offsite),
        )

    return plan_of(program)


@pytest.fixture(scope="module")
def role(plan) -> dict:
    return one(plan, "aws:iam/role:Role")


@pytest.fixture(scope="module")
def subject(role) -> str:
    return role["inputs"]["assumeRolePolicy"]["Statement"][0]["Condition"]["StringEquals"]["accounts.google.com:sub"]


# --- who assumes the role --------------------------------------------------------------------------------


def web_identity(role: dict, provider: str, claims: dict) -> Request:
    """AssumeRoleWithWebIdentity with a token from `provider` carrying `claims` (as AWS's context keys)."""
    arn = role["outputs"]["arn"]
    return Request(
        provider,
        "sts:AssumeRoleWithWebIdentity",
        arn,
        ACCOUNT,
        claims,
        [ALLOW_EVERYTHING],
        role["inputs"]["assumeRolePolicy"],
        [],
    )


def assume_role(role: dict, principal: str) -> Request:
    """sts:AssumeRole by an AWS principal of the account that holds every permission."""
    context = {"aws:PrincipalArn": principal, "aws:PrincipalAccount": ACCOUNT, "aws:PrincipalType": "AssumedRole"}
    return Request(
        principal,
        "sts:AssumeRole",
        role["outputs"]["arn"],
        ACCOUNT,
        context,
        [ALLOW_EVERYTHING],
        role["inputs"]["assumeRolePolicy"],
        [],
    )


def test_only_the_backup_projects_transfer_agent_assumes_the_role(role, subject):
    assert subject.isdigit()
    github = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
    cases = {
        "the backup project's transfer agent": (
            web_identity(role, "accounts.google.com", {"accounts.google.com:sub": subject}),
            ALLOWED,
        ),
        "another project's transfer agent": (
            web_identity(role, "accounts.google.com", {"accounts.google.com:sub": ANOTHER_PROJECTS_AGENT}),
            IMPLICIT_DENY,
        ),
        "a Google token without a subject": (web_identity(role, "accounts.google.com", {}), IMPLICIT_DENY),
        "a Google token naming the agent only as audience": (
            web_identity(
                role,
                "accounts.google.com",
                {"accounts.google.com:aud": subject, "accounts.google.com:sub": ANOTHER_PROJECTS_AGENT},
            ),
            IMPLICIT_DENY,
        ),
        "a Cognito identity with the same subject": (
            web_identity(
                role,
                "cognito-identity.amazonaws.com",
                {"cognito-identity.amazonaws.com:sub": subject, "accounts.google.com:sub": subject},
            ),
            IMPLICIT_DENY,
        ),
        "another OIDC provider of the account": (
            web_identity(
                role, github, {"token.actions.githubusercontent.com:sub": subject, "accounts.google.com:sub": subject}
            ),
            IMPLICIT_DENY,
        ),
        "an administrator role of the account": (assume_role(role, ADMIN), IMPLICIT_DENY),
        "the deployment role": (assume_role(role, DEPLOYER), IMPLICIT_DENY),
        "the account root": (assume_role(role, f"arn:aws:iam::{ACCOUNT}:root"), IMPLICIT_DENY),
    }
    verdicts = evaluate([request for request, _ in cases.values()])
    assert dict(zip(cases, verdicts, strict=True)) == {who: verdict for who, (_, verdict) in cases.items()}


# --- what the role does --------------------------------------------------------------------------------

SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/offsite-google-transfer/storage-transfer"
DEFAULT_KEY_POLICY = {  # AWS's default key policy: IAM policies alone decide, so verdicts are the role policy's
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"}
    ],
}


def as_the_role(plan: dict, action: str, resource: str, key_policy: dict | None = None, **context) -> Request:
    """A call by a session of the transfer role, holding only its inline policy."""
    context = {
        "aws:PrincipalArn": one(plan, "aws:iam/role:Role")["outputs"]["arn"],
        "aws:PrincipalAccount": ACCOUNT,
        "aws:PrincipalType": "AssumedRole",
        "aws:FederatedProvider": "accounts.google.com",
        **context,
    }
    policy = one(plan, "aws:iam/rolePolicy:RolePolicy")["inputs"]["policy"]
    return Request(SESSION, action, resource, ACCOUNT, context, [policy], key_policy, [])


S3_CASES = [
    ("s3:GetObject", f"{BUCKET}/2026/03/01/backup.tar", ALLOWED),
    ("s3:ListBucket", BUCKET, ALLOWED),
    ("s3:GetBucketLocation", BUCKET, ALLOWED),
    ("s3:GetObject", f"{OTHER_BUCKET}/app.log", IMPLICIT_DENY),
    ("s3:ListBucket", OTHER_BUCKET, IMPLICIT_DENY),
    ("s3:PutObject", f"{BUCKET}/2026/03/01/backup.tar", IMPLICIT_DENY),
    ("s3:DeleteObject", f"{BUCKET}/2026/03/01/backup.tar", IMPLICIT_DENY),
    ("s3:DeleteObjectVersion", f"{BUCKET}/2026/03/01/backup.tar", IMPLICIT_DENY),
    ("s3:PutObjectRetention", f"{BUCKET}/2026/03/01/backup.tar", IMPLICIT_DENY),
    ("s3:BypassGovernanceRetention", f"{BUCKET}/2026/03/01/backup.tar", IMPLICIT_DENY),
    ("s3:PutBucketPolicy", BUCKET, IMPLICIT_DENY),
    ("s3:PutLifecycleConfiguration", BUCKET, IMPLICIT_DENY),
    ("s3:DeleteBucket", BUCKET, IMPLICIT_DENY),
]


def test_the_role_lists_and_reads_one_bucket_and_changes_nothing(plan):
    verdicts = evaluate([as_the_role(plan, action, resource) for action, resource, _ in S3_CASES])
    assert list(zip([(a, r) for a, r, _ in S3_CASES], verdicts, strict=True)) == [((a, r), v) for a, r, v in S3_CASES]


THROUGH_S3 = {"kms:ViaService": f"s3.{REGION}.amazonaws.com", "kms:CallerAccount": ACCOUNT}
KMS_CASES = [
    # (what, action, key, context, verdict under AWS's default key policy, verdict under the library's storage key policy)
    ("decrypt through S3", "kms:Decrypt", KEY, THROUGH_S3, ALLOWED, ALLOWED),
    ("decrypt directly", "kms:Decrypt", KEY, {"kms:CallerAccount": ACCOUNT}, IMPLICIT_DENY, IMPLICIT_DENY),
    (
        "decrypt through another service",
        "kms:Decrypt",
        KEY,
        {"kms:ViaService": f"secretsmanager.{REGION}.amazonaws.com"},
        IMPLICIT_DENY,
        IMPLICIT_DENY,
    ),
    (
        "decrypt through S3 of another region",
        "kms:Decrypt",
        KEY,
        {"kms:ViaService": "s3.us-east-1.amazonaws.com"},
        IMPLICIT_DENY,
        IMPLICIT_DENY,
    ),
    ("decrypt with another key through S3", "kms:Decrypt", OTHER_KEY, THROUGH_S3, IMPLICIT_DENY, IMPLICIT_DENY),
    ("encrypt through S3", "kms:GenerateDataKey", KEY, THROUGH_S3, IMPLICIT_DENY, IMPLICIT_DENY),
    ("disable the key", "kms:DisableKey", KEY, {}, IMPLICIT_DENY, EXPLICIT_DENY),
]


@pytest.mark.parametrize(
    "key_policy", ["default", "storage"], ids=["default-key-policy", "the-librarys-storage-key-policy"]
)
def test_the_role_decrypts_only_through_s3(plan, key_policy):
    """Under AWS's default key policy the verdicts are the role policy's; under the library's own, the real ones."""
    policy = DEFAULT_KEY_POLICY if key_policy == "default" else storage_key_policy(ACCOUNT, REGION, "s3", [DEPLOYER])
    column = 4 if key_policy == "default" else 5
    verdicts = evaluate([as_the_role(plan, case[1], case[2], policy, **case[3]) for case in KMS_CASES])
    assert dict(zip([c[0] for c in KMS_CASES], verdicts, strict=True)) == {c[0]: c[column] for c in KMS_CASES}
