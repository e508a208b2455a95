"""Key policy of a storage key: named administrators, use only through one AWS service, and no destruction.

Unlike the default key policy it grants nothing to `arn:aws:iam::<account>:root` beyond use through
the service, so an IAM policy in the account cannot hand the key to an arbitrary principal.

The key is sealed: nobody below break-glass may replace its policy (`kms:PutKeyPolicy`), because a new
policy granting only an outsider locks the owner out of everything the key encrypts, and neither Object
Lock nor Vault Lock protects a key. Only the break-glass roles may, and the guardrail SCPs stop even them
from bypassing KMS's lockout safety check, so a new policy must keep their own right to change it again.
The deployment role creates the key with `bypass_policy_lockout_safety_check` (it is deliberately not
allowed to change the policy afterwards; see protected_key.py).
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

# A new key policy can hand the key to anyone or lock its owner out: for break-glass only.
KEY_POLICY_CHANGES = ("kms:PutKeyPolicy",)

# Ways to make everything a key encrypts unreadable: as good as deleting the backups. The key policy denies them to
# everyone and the guardrail SCPs again (guardrails.py), so re-policying the key alone does not bring them back.
KEY_DESTRUCTION = (
    "kms:DeleteImportedKeyMaterial",  # the key stops working at once
    "kms:DisableKey",  # the key stops working until re-enabled
    "kms:DisableKeyRotation",  # weakens the key over the years (FSBP KMS.4, CIS 3.6)
    "kms:ScheduleKeyDeletion",  # the key, and every backup it encrypts, gone for good
)


def allow_key_administration(administrator_arns: Iterable[str]) -> dict:
    """Named roles manage the key (rotation, aliases, tags, description) but never change its policy, disable or delete it."""
    return {
        "Sid": "AllowKeyAdministration",
        "Effect": "Allow",
        "Principal": {"AWS": sorted(set(administrator_arns))},
        "Action": list(KEY_ADMINISTRATION),
        "Resource": "*",
    }


def allow_key_policy_changes(break_glass_arns: Iterable[str]) -> dict:
    """Only the break-glass roles replace the key policy (loudly: every break-glass session raises an alarm)."""
    return {
        "Sid": "AllowKeyPolicyChangesByBreakGlass",
        "Effect": "Allow",
        "Principal": {"AWS": sorted(set(break_glass_arns))},
        "Action": list(KEY_POLICY_CHANGES),
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
    break_glass_arns: Iterable[str] = (),
) -> dict:
    """The whole key policy of a key that encrypts stored data for one service, plus any `grants` given.

    Break-glass administers the key as the administrators do, and alone may change its policy; without
    `break_glass_arns` nobody may ever change it: the key is sealed for good.
    """
    return policy_document(
        *sealed_administration(administrator_arns, break_glass_arns),
        allow_use_through_service(account_id, service, region),
        *grants,
        deny_key_destruction(),
    )


def sealed_administration(administrator_arns: Iterable[str], break_glass_arns: Iterable[str] = ()) -> list[dict]:
    """Who administers a sealed key: the administrators and break-glass manage it, break-glass alone re-policies it
    (nobody, without break-glass roles)."""
    break_glass = sorted(set(break_glass_arns))
    return [
        allow_key_administration([*administrator_arns, *break_glass]),
        *([allow_key_policy_changes(break_glass)] if break_glass else []),
    ]
