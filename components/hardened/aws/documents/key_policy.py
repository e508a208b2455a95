"""Key policy of a storage key: named administrators, use only through one AWS service, and no destruction.

Unlike the default key policy it grants nothing to `arn:aws:iam::<account>:root` beyond use through
the service, so an IAM policy in the account cannot hand the key to an arbitrary principal.
"""

from collections.abc import Iterable

from .statements import policy_document

KEY_ADMINISTRATION = (
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
)

KEY_USE = (
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
)

# Disabling or deleting the key makes every object it encrypts unreadable: as good as deleting backups.
KEY_DESTRUCTION = (
    "kms:DeleteImportedKeyMaterial",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:ScheduleKeyDeletion",
)


def allow_key_administration(administrator_arns: Iterable[str]) -> dict:
    """Named roles manage the key (policy, rotation, aliases, tags) but cannot disable or delete it."""
    return {
        "Sid": "AllowKeyAdministration",
        "Effect": "Allow",
        "Principal": {"AWS": sorted(set(administrator_arns))},
        "Action": list(KEY_ADMINISTRATION),
        "Resource": "*",
    }


def allow_use_through_service(account_id: str, service: str, region: str) -> dict:
    """Principals of the account may use the key only through `service` (such as s3) in `region`."""
    return {
        "Sid": "AllowUseThroughService",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
        "Action": list(KEY_USE),
        "Resource": "*",
        "Condition": {
            "StringEquals": {
                "kms:CallerAccount": account_id,
                "kms:ViaService": f"{service}.{region}.amazonaws.com",
            }
        },
    }


def deny_key_destruction() -> dict:
    """Nobody disables, deletes or stops rotating the key; undoing this takes a visible PutKeyPolicy."""
    return {
        "Sid": "DenyKeyDestruction",
        "Effect": "Deny",
        "Principal": "*",
        "Action": list(KEY_DESTRUCTION),
        "Resource": "*",
    }


def allow_grants_through_service(account_id: str, service: str, region: str) -> dict:
    """The service (AWS Backup, say) may create grants on the key, only for its own AWS resources."""
    return {
        "Sid": "AllowGrantsThroughService",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
        "Action": "kms:CreateGrant",
        "Resource": "*",
        "Condition": {
            "StringEquals": {"kms:CallerAccount": account_id, "kms:ViaService": f"{service}.{region}.amazonaws.com"},
            "Bool": {"kms:GrantIsForAWSResource": "true"},
        },
    }


def allow_replica_encryption(replication_role_arns: Iterable[str], region: str) -> dict:
    """Replication roles of other accounts may encrypt replicas with the key, only through S3."""
    return {
        "Sid": "AllowReplicaEncryption",
        "Effect": "Allow",
        "Principal": {"AWS": sorted(set(replication_role_arns))},
        "Action": ["kms:Encrypt", "kms:GenerateDataKey"],
        "Resource": "*",
        "Condition": {"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}},
    }


def allow_cloudtrail_encryption(trail_arn: str) -> dict:
    """The one named trail may encrypt its log files with the key."""
    return {
        "Sid": "AllowCloudTrailEncryption",
        "Effect": "Allow",
        "Principal": {"Service": "cloudtrail.amazonaws.com"},
        "Action": ["kms:DescribeKey", "kms:GenerateDataKey"],
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:SourceArn": trail_arn}},
    }


def storage_key_policy(
    account_id: str,
    region: str,
    service: str,
    administrator_arns: Iterable[str],
    *grants: dict,
) -> dict:
    """The whole key policy of a key that encrypts stored data for one service, plus any `grants` given."""
    return policy_document(
        allow_key_administration(administrator_arns),
        allow_use_through_service(account_id, service, region),
        *grants,
        deny_key_destruction(),
    )
