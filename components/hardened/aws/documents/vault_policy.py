"""Access policy of a backup vault: copies come in only from named accounts, and nothing leaves early."""

from collections.abc import Iterable

from .statements import policy_document

# Deleting a recovery point, or shortening its lifecycle so AWS Backup deletes it sooner.
RECOVERY_POINT_DESTRUCTION = (
    "backup:DeleteRecoveryPoint",
    "backup:UpdateRecoveryPointLifecycle",
)


def deny_recovery_point_destruction() -> dict:
    """Nobody, in any account, deletes a recovery point or shortens its lifecycle."""
    return {
        "Sid": "DenyRecoveryPointDestruction",
        "Effect": "Deny",
        "Principal": "*",
        "Action": list(RECOVERY_POINT_DESTRUCTION),
        "Resource": "*",
    }


def allow_copies_from_accounts(vault_arn: str, source_account_ids: Iterable[str]) -> dict:
    """Named workload accounts may copy recovery points in, and do nothing else to the vault."""
    return {
        "Sid": "AllowCopiesFromWorkloadAccounts",
        "Effect": "Allow",
        "Principal": {"AWS": [f"arn:aws:iam::{account}:root" for account in sorted(set(source_account_ids))]},
        "Action": "backup:CopyIntoBackupVault",
        "Resource": vault_arn,
    }


def backup_vault_access_policy(vault_arn: str, source_account_ids: Iterable[str] = ()) -> dict:
    """The whole access policy of a LockedVault."""
    sources = list(source_account_ids)
    statements = [deny_recovery_point_destruction()]
    if sources:
        statements.append(allow_copies_from_accounts(vault_arn, sources))
    return policy_document(*statements)
