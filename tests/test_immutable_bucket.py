"""ImmutableBucket: the exact security inputs of every child, its options, outputs and bad arguments."""

import pytest
from planning import (
    ACCOUNT,
    BREAK_GLASS,
    DEPLOYER,
    PROJECT,
    REGION,
    account_provider,
    by_name,
    in_account,
    one,
    plan_of,
    resources,
)

from hardened.aws import ImmutableBucket
from hardened.errors import ComponentArgumentError
from hardened_tools.plan import run_program

ORG = "o-a1b2c3d4e5"
S3 = "aws:s3/"
CONFIG_CHILDREN = {
    "aws:s3/bucketVersioning:BucketVersioning": "backups-versioning",
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration": "backups-object-lock",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": "backups-encryption",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "backups-public-access",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": "backups-ownership",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": "backups-lifecycle",
}


def bucket_plan(**overrides) -> dict:
    args = {"retention_days": 365, "administrator_arns": [DEPLOYER], "break_glass_arns": [BREAK_GLASS]} | overrides

    def program():
        ImmutableBucket("backups", args, opts=in_account(account_provider()))

    return plan_of(program)


@pytest.fixture(scope="module")
def plan() -> dict:
    return bucket_plan(organization_id=ORG)


def bucket_arn(plan: dict) -> str:
    return one(plan, "aws:s3/bucket:Bucket")["outputs"]["arn"]


def test_children_are_named_from_the_component(plan):
    component = one(plan, "hardened:index:ImmutableBucket")
    children = {(r["type"], r["name"]) for r in resources(plan) if r["parent"] == component["urn"]}
    assert children == {
        ("aws:kms/key:Key", "backups-key"),
        ("aws:kms/alias:Alias", "backups-key-alias"),
        ("aws:s3/bucket:Bucket", "backups-bucket"),
        ("aws:s3/bucketPolicy:BucketPolicy", "backups-policy"),
        *((type_, name) for type_, name in CONFIG_CHILDREN.items()),
    }
    assert component["urn"] == f"urn:pulumi:test::{PROJECT}::hardened:index:ImmutableBucket::backups"
    assert by_name(plan, "backups-bucket")["urn"] == (
        f"urn:pulumi:test::{PROJECT}::hardened:index:ImmutableBucket$aws:s3/bucket:Bucket::backups-bucket"
    )


def test_bucket_has_object_lock_and_cannot_be_force_destroyed(plan):
    bucket = one(plan, "aws:s3/bucket:Bucket")
    assert bucket["inputs"]["objectLockEnabled"] is True
    assert bucket["inputs"]["forceDestroy"] is False


def test_versioning_is_enabled(plan):
    versioning = one(plan, "aws:s3/bucketVersioning:BucketVersioning")
    assert versioning["inputs"]["versioningConfiguration"] == {"status": "Enabled"}


def test_default_retention_is_compliance_for_the_given_days(plan):
    lock = one(plan, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration")
    assert lock["inputs"]["objectLockEnabled"] == "Enabled"
    assert lock["inputs"]["rule"] == {"defaultRetention": {"days": 365, "mode": "COMPLIANCE"}}


def test_governance_mode_is_kept_and_shown_as_such():
    plan = bucket_plan(retention_mode="GOVERNANCE", retention_days=7)
    lock = one(plan, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration")
    assert lock["inputs"]["rule"] == {"defaultRetention": {"days": 7, "mode": "GOVERNANCE"}}
    assert one(plan, "hardened:index:ImmutableBucket")["outputs"]["retentionMode"] == "GOVERNANCE"


def test_encryption_uses_the_dedicated_key_with_bucket_key(plan):
    key_arn = one(plan, "aws:kms/key:Key")["outputs"]["arn"]
    encryption = one(plan, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
    assert encryption["inputs"]["rules"] == [
        {
            "applyServerSideEncryptionByDefault": {"kmsMasterKeyId": key_arn, "sseAlgorithm": "aws:kms"},
            "bucketKeyEnabled": True,
        }
    ]


def test_key_rotates_and_waits_thirty_days_before_deletion(plan):
    key = one(plan, "aws:kms/key:Key")
    assert key["inputs"]["enableKeyRotation"] is True
    assert key["inputs"]["deletionWindowInDays"] == 30
    # The deployment role creates a key it may not re-policy: KMS's lockout check would refuse that otherwise.
    assert key["inputs"]["bypassPolicyLockoutSafetyCheck"] is True


def test_key_policy_names_administrators_only_break_glass_repolicies_and_use_is_only_through_s3(plan):
    policy = one(plan, "aws:kms/key:Key")["inputs"]["policy"]
    assert policy == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AllowKeyAdministration",
                "Effect": "Allow",
                "Principal": {"AWS": sorted([BREAK_GLASS, DEPLOYER])},
                "Action": [
                    "kms:CancelKeyDeletion",
                    "kms:CreateAlias",
                    "kms:DeleteAlias",
                    "kms:DescribeKey",
                    "kms:EnableKey",
                    "kms:EnableKeyRotation",
                    "kms:GetKeyPolicy",
                    "kms:GetKeyRotationStatus",
                    "kms:ListResourceTags",
                    "kms:TagResource",
                    "kms:UntagResource",
                    "kms:UpdateAlias",
                    "kms:UpdateKeyDescription",
                ],
                "Resource": "*",
            },
            {
                "Sid": "AllowKeyPolicyChangesByBreakGlass",
                "Effect": "Allow",
                "Principal": {"AWS": [BREAK_GLASS]},
                "Action": ["kms:PutKeyPolicy"],
                "Resource": "*",
            },
            {
                "Sid": "AllowUseThroughService",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": [
                    "kms:Decrypt",
                    "kms:DescribeKey",
                    "kms:Encrypt",
                    "kms:GenerateDataKey",
                    "kms:GenerateDataKeyWithoutPlaintext",
                    "kms:ReEncryptFrom",
                    "kms:ReEncryptTo",
                ],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"kms:CallerAccount": ACCOUNT, "kms:ViaService": f"s3.{REGION}.amazonaws.com"}
                },
            },
            {
                "Sid": "DenyKeyDestruction",
                "Effect": "Deny",
                "Principal": "*",
                "Action": [
                    "kms:DeleteImportedKeyMaterial",
                    "kms:DisableKey",
                    "kms:DisableKeyRotation",
                    "kms:ScheduleKeyDeletion",
                ],
                "Resource": "*",
            },
        ],
    }


def test_bucket_policy_denies_plain_http_old_tls_tampering_and_outsiders(plan):
    arn = bucket_arn(plan)
    everything = [arn, f"{arn}/*"]
    unless_break_glass = {"ArnNotEquals": {"aws:PrincipalArn": [BREAK_GLASS]}}
    assert one(plan, "aws:s3/bucketPolicy:BucketPolicy")["inputs"]["policy"] == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": everything,
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
            {
                "Sid": "DenyOutdatedTls",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": everything,
                "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}},
            },
            {
                "Sid": "DenyProtectionChanges",
                "Effect": "Deny",
                "Principal": "*",
                "Action": [
                    "s3:DeleteBucket",
                    "s3:DeleteBucketPolicy",
                    "s3:PutBucketObjectLockConfiguration",
                    "s3:PutBucketOwnershipControls",
                    "s3:PutBucketPolicy",
                    "s3:PutBucketPublicAccessBlock",
                    "s3:PutBucketVersioning",
                    "s3:PutEncryptionConfiguration",
                    "s3:PutLifecycleConfiguration",
                    "s3:PutReplicationConfiguration",
                ],
                "Resource": arn,
                "Condition": unless_break_glass,
            },
            {
                "Sid": "DenyRetentionBypass",
                "Effect": "Deny",
                "Principal": "*",
                "Action": ["s3:BypassGovernanceRetention", "s3:DeleteObjectVersion"],
                "Resource": f"{arn}/*",
                "Condition": unless_break_glass,
            },
            {
                "Sid": "DenyOutsideOrganization",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": everything,
                "Condition": {
                    "StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG},
                    "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
                },
            },
        ],
    }


def test_without_break_glass_the_tamper_denies_have_no_exemption():
    plan = bucket_plan(break_glass_arns=[])
    statements = {s["Sid"]: s for s in one(plan, "aws:s3/bucketPolicy:BucketPolicy")["inputs"]["policy"]["Statement"]}
    assert "Condition" not in statements["DenyProtectionChanges"]
    assert "Condition" not in statements["DenyRetentionBypass"]
    assert "DenyOutsideOrganization" not in statements


def test_all_public_access_is_blocked_and_acls_are_disabled(plan):
    block = one(plan, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")["inputs"]
    assert {
        k: block[k] for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    } == {
        "blockPublicAcls": True,
        "blockPublicPolicy": True,
        "ignorePublicAcls": True,
        "restrictPublicBuckets": True,
    }
    ownership = one(plan, "aws:s3/bucketOwnershipControls:BucketOwnershipControls")["inputs"]
    assert ownership["rule"] == {"objectOwnership": "BucketOwnerEnforced"}


def test_lifecycle_expires_noncurrent_versions_only_after_retention(plan):
    lifecycle = one(plan, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")["inputs"]
    assert lifecycle["rules"] == [
        {
            "abortIncompleteMultipartUpload": {"daysAfterInitiation": 7},
            "expiration": {"expiredObjectDeleteMarker": True},
            "filter": {},
            "id": "expire-noncurrent-versions-after-retention",
            "noncurrentVersionExpiration": {"noncurrentDays": 365},
            "status": "Enabled",
        }
    ]
    longer = bucket_plan(noncurrent_version_expiration_days=400)
    rule = one(longer, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")["inputs"]["rules"][0]
    assert rule["noncurrentVersionExpiration"] == {"noncurrentDays": 400}


def test_pulumi_can_delete_nothing_that_holds_or_guards_data(plan):
    component = one(plan, "hardened:index:ImmutableBucket")
    for child in resources(plan):
        if child["parent"] != component["urn"]:
            continue
        guarded = child["type"] != "aws:kms/alias:Alias"
        assert (child["protect"], child["retain_on_delete"]) == (guarded, guarded), child["name"]


def test_bucket_policy_is_applied_after_every_setting_it_freezes(plan):
    depends_on = set(one(plan, "aws:s3/bucketPolicy:BucketPolicy")["depends_on"])
    for name in CONFIG_CHILDREN.values():
        assert by_name(plan, name)["urn"] in depends_on, name
    lock = one(plan, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration")
    assert by_name(plan, "backups-versioning")["urn"] in lock["depends_on"]


def test_every_child_lands_in_the_callers_account_through_its_provider(plan):
    provider = one(plan, "pulumi:providers:aws")
    component = one(plan, "hardened:index:ImmutableBucket")
    children = [r for r in resources(plan) if r["parent"] == component["urn"]]
    assert children and all(child["provider"] == provider["urn"] for child in children)
    assert {tuple(sorted(child["lands_in"].items())) for child in children} == {
        (("account", ACCOUNT), ("cloud", "aws"), ("region", REGION))
    }


def test_outputs_name_the_bucket_key_and_retention_in_force(plan):
    outputs = one(plan, "hardened:index:ImmutableBucket")["outputs"]
    assert outputs == {
        "bucketArn": bucket_arn(plan),
        "bucketName": one(plan, "aws:s3/bucket:Bucket")["outputs"]["bucket"],
        "keyArn": one(plan, "aws:kms/key:Key")["outputs"]["arn"],
        "retentionDays": 365,
        "retentionMode": "COMPLIANCE",
    }


def test_a_fixed_bucket_name_is_used_as_given():
    plan = bucket_plan(bucket_name="acme-prod-backups")
    bucket = one(plan, "aws:s3/bucket:Bucket")
    assert bucket["inputs"]["bucket"] == "acme-prod-backups"
    assert bucket["outputs"]["arn"] == "arn:aws:s3:::acme-prod-backups"


BAD_ARGUMENTS = [
    ({"retention_mode": "LOCKED"}, "retention_mode", "must be one of COMPLIANCE, GOVERNANCE (got 'LOCKED')"),
    ({"retention_days": 0}, "retention_days", "from 1 to 36500 (got 0)"),
    ({"retention_days": 36501}, "retention_days", "from 1 to 36500 (got 36501)"),
    ({"retention_days": "30"}, "retention_days", "(got '30')"),
    ({"retention_days": True}, "retention_days", "(got True)"),
    (
        {"noncurrent_version_expiration_days": 30},
        "noncurrent_version_expiration_days",
        "no shorter than retention_days (365)",
    ),
    ({"administrator_arns": []}, "administrator_arns", "needs at least one IAM role ARN"),
    ({"administrator_arns": ["arn:aws:iam::111122223333:role/*"]}, "administrator_arns", "without wildcards"),
    ({"break_glass_arns": ["arn:aws:iam::*:role/break-glass"]}, "break_glass_arns", "without wildcards"),
    ({"break_glass_arns": ["break-glass"]}, "break_glass_arns", "(got 'break-glass')"),
    ({"organization_id": "org-1"}, "organization_id", "must look like o-abcd123456 (got 'org-1')"),
]


@pytest.mark.parametrize(("overrides", "argument", "problem"), BAD_ARGUMENTS, ids=[a for _, a, _ in BAD_ARGUMENTS])
def test_bad_arguments_are_refused_before_anything_is_declared(overrides, argument, problem):
    args = {"retention_days": 365, "administrator_arns": [DEPLOYER]} | overrides
    registered = {}

    def program():
        ImmutableBucket("backups", args)

    with pytest.raises(ComponentArgumentError) as raised:
        run_program(program, project=PROJECT, stack="test", registrations=registered)
    assert str(raised.value).startswith(f"ImmutableBucket 'backups': argument '{argument}' ")
    assert problem in str(raised.value)
    assert [r.type for r in registered.values()] == ["pulumi:pulumi:Stack"]
