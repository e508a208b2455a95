"""Trust and permission documents of the role Google's Storage Transfer Service assumes to read one bucket.

Google documents both in "Configure access to a source: Amazon S3"
(https://cloud.google.com/storage-transfer/docs/source-amazon-s3), section "Authenticate using
federated identity": the role trusts the web identity `accounts.google.com` whose `sub` claim is the
`subjectId` of the project's Google-managed transfer service account (googleServiceAccounts.get),
and the role needs s3:ListBucket and s3:GetBucketLocation on the bucket ("Always required") and
s3:GetObject on its objects; s3:DeleteObject only for deleteObjectsFromSourceAfterTransfer, never here.
No access key is involved: Storage Transfer calls AssumeRoleWithWebIdentity with a token Google signs.
"""

from .statements import policy_document

GOOGLE_IDENTITY_PROVIDER = "accounts.google.com"
TRANSFER_SOURCE_BUCKET = ("s3:GetBucketLocation", "s3:ListBucket")
TRANSFER_SOURCE_OBJECTS = ("s3:GetObject",)


def trusted_by_google_transfer_service(subject_id: str) -> dict:
    """Trust policy: only the Google service account with this numeric subject id may assume the role."""
    return policy_document(
        {
            "Sid": "TrustedByGoogleStorageTransfer",
            "Effect": "Allow",
            "Principal": {"Federated": GOOGLE_IDENTITY_PROVIDER},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {f"{GOOGLE_IDENTITY_PROVIDER}:sub": subject_id}},
        }
    )


def read_one_bucket(bucket_arn: str, key_arn: str) -> dict:
    """Least privilege to copy one bucket: list it, read its objects, decrypt them only through S3.

    S3 and the key of a bucket's SSE-KMS encryption are in one region, read from the key's ARN.
    """
    region = key_arn.split(":")[3]
    return policy_document(
        {"Sid": "ListSourceBucket", "Effect": "Allow", "Action": list(TRANSFER_SOURCE_BUCKET), "Resource": bucket_arn},
        {
            "Sid": "ReadSourceObjects",
            "Effect": "Allow",
            "Action": list(TRANSFER_SOURCE_OBJECTS),
            "Resource": f"{bucket_arn}/*",
        },
        {
            "Sid": "DecryptThroughS3",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": key_arn,
            "Condition": {"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}},
        },
    )
