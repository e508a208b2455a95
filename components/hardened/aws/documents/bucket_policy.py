"""Bucket policy of an ImmutableBucket: TLS only, and nobody but break-glass may weaken its protection."""

from collections.abc import Iterable

from .statements import bucket_resources, policy_document, unless_principal_is, with_condition

# Every API that could switch off or weaken what keeps the data safe. DeleteBucketLifecycle,
# DeleteBucketEncryption and DeleteBucketReplication are authorized by the Put* actions below.
PROTECTION_CHANGES = (
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
)

# Ways to remove a version before its time: lifting a governance lock, or deleting the version
# outright (S3 itself refuses that while a lock holds; lifecycle expiry is not subject to this policy).
RETENTION_BYPASS = (
    "s3:BypassGovernanceRetention",
    "s3:DeleteObjectVersion",
)


def deny_insecure_transport(bucket_arn: str) -> dict:
    """No request over plain HTTP (CIS AWS 2.1.1, FSBP S3.5)."""
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": bucket_resources(bucket_arn),
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def deny_outdated_tls(bucket_arn: str, minimum_version: str = "1.2") -> dict:
    """No request over a TLS version older than `minimum_version`."""
    return {
        "Sid": "DenyOutdatedTls",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": bucket_resources(bucket_arn),
        "Condition": {"NumericLessThan": {"s3:TlsVersion": minimum_version}},
    }


def deny_protection_changes(bucket_arn: str, break_glass_arns: Iterable[str]) -> dict:
    """Nobody but break-glass changes the lock, policy, versioning, lifecycle, encryption or replication."""
    statement = {
        "Sid": "DenyProtectionChanges",
        "Effect": "Deny",
        "Principal": "*",
        "Action": list(PROTECTION_CHANGES),
        "Resource": bucket_arn,
    }
    return with_condition(statement, unless_principal_is(break_glass_arns))


def deny_retention_bypass(bucket_arn: str, break_glass_arns: Iterable[str]) -> dict:
    """Nobody but break-glass bypasses governance retention or deletes an object version."""
    statement = {
        "Sid": "DenyRetentionBypass",
        "Effect": "Deny",
        "Principal": "*",
        "Action": list(RETENTION_BYPASS),
        "Resource": f"{bucket_arn}/*",
    }
    return with_condition(statement, unless_principal_is(break_glass_arns))


def deny_outside_organization(bucket_arn: str, organization_id: str) -> dict:
    """Only principals of the organization, and AWS services acting for it, reach the bucket."""
    return {
        "Sid": "DenyOutsideOrganization",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": bucket_resources(bucket_arn),
        "Condition": {
            "StringNotEqualsIfExists": {"aws:PrincipalOrgID": organization_id},
            "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
        },
    }


def immutable_bucket_policy(
    bucket_arn: str,
    break_glass_arns: Iterable[str] = (),
    organization_id: str | None = None,
    *grants: dict,
) -> dict:
    """The whole bucket policy of an ImmutableBucket, with any `grants` (replication, log delivery) after the denies."""
    break_glass = list(break_glass_arns)
    statements = [
        deny_insecure_transport(bucket_arn),
        deny_outdated_tls(bucket_arn),
        deny_protection_changes(bucket_arn, break_glass),
        deny_retention_bypass(bucket_arn, break_glass),
    ]
    if organization_id:
        statements.append(deny_outside_organization(bucket_arn, organization_id))
    return policy_document(*statements, *grants)
