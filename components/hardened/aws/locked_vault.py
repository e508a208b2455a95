"""LockedVault: an AWS Backup vault whose recovery points nobody can delete before their time.

Vault Lock in COMPLIANCE mode (after a grace period of `changeable_for_days` the lock can never be
changed or removed, not even by the account's root user) or GOVERNANCE mode for test environments;
a dedicated, rotating KMS key that nobody may disable or delete; and an access policy that denies
deleting recovery points to everyone and admits copies only from named accounts.
"""

import json
from typing import NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from ..arguments import Arguments
from ..documented import documented
from .arns import ACCOUNT_ID, malformed_principal_arns
from .documents.key_policy import allow_grants_through_service, storage_key_policy
from .documents.vault_policy import backup_vault_access_policy
from .protected_key import protected_key
from .retention import MAX_RETENTION_DAYS, RetentionMode, retention_mode, whole_number

MIN_CHANGEABLE_FOR_DAYS = 3  # AWS Backup's minimum grace period before a compliance lock sets


class LockedVaultArgs(TypedDict):
    """Arguments of LockedVault."""

    min_retention_days: int
    """Shortest retention a recovery point in the vault may have, in days (1 to 36500)."""
    max_retention_days: int
    """Longest retention a recovery point in the vault may have, in days (at least min_retention_days)."""
    administrator_arns: list[pulumi.Input[str]]
    """IAM roles that administer the vault's KMS key, such as the deployment role (at least one); never its policy."""
    break_glass_arns: NotRequired[list[pulumi.Input[str]] | None]
    """Break-glass roles, the only ones that may change the key's policy; without them it is sealed for good."""
    retention_mode: NotRequired[RetentionMode | None]
    """COMPLIANCE (default): the lock sets for good after changeable_for_days. GOVERNANCE: it stays removable."""
    changeable_for_days: NotRequired[int | None]
    """COMPLIANCE only: days the lock can still be changed after it is applied (at least 3, the default)."""
    copy_source_account_ids: NotRequired[list[pulumi.Input[str]] | None]
    """Accounts allowed to copy recovery points into the vault (backup:CopyIntoBackupVault)."""
    vault_name: NotRequired[str | None]
    """Fixed vault name; defaults to the component name."""
    tags: NotRequired[dict[str, str] | None]
    """Tags for the vault and its key."""


@documented
class LockedVault(pulumi.ComponentResource):
    """A backup vault with Vault Lock, a protected KMS key and a recovery-point-preserving access policy."""

    vault_name: pulumi.Output[str]
    """The vault's name."""
    vault_arn: pulumi.Output[str]
    """The vault's ARN."""
    key_arn: pulumi.Output[str]
    """ARN of the KMS key that encrypts the vault's recovery points."""
    retention_mode: pulumi.Output[str]
    """Lock mode in force (COMPLIANCE or GOVERNANCE)."""
    min_retention_days: pulumi.Output[int]
    """Shortest retention the lock allows, in days."""
    max_retention_days: pulumi.Output[int]
    """Longest retention the lock allows, in days."""

    def __init__(self, name: str, args: LockedVaultArgs, opts: pulumi.ResourceOptions | None = None):
        checked = Arguments("LockedVault", name, args, LockedVaultArgs)
        args = checked.args
        mode, minimum, maximum, changeable = _validated_lock(checked)
        administrators = list(args.get("administrator_arns") or [])
        break_glass = list(args.get("break_glass_arns") or [])
        sources = list(args.get("copy_source_account_ids") or [])
        _check_principals(checked, administrators, break_glass, sources)
        tags = args.get("tags") or {}

        super().__init__("hardened:index:LockedVault", name, None, opts)

        guarded = pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True)
        invoke = pulumi.InvokeOutputOptions(parent=self)
        account_id = aws.get_caller_identity_output(opts=invoke).account_id
        region = aws.get_region_output(opts=invoke).region
        key_policy = pulumi.Output.all(account_id, region, administrators, break_glass).apply(
            lambda v: json.dumps(
                storage_key_policy(
                    v[0],
                    v[1],
                    "backup",
                    v[2],
                    allow_grants_through_service(v[0], "backup", v[1]),
                    break_glass_arns=v[3],
                )
            )
        )
        key = protected_key(
            name, f"Encrypts the recovery points of the locked vault {name}", key_policy, tags, parent=self
        )

        vault = aws.backup.Vault(
            f"{name}-vault",
            name=args.get("vault_name") or name,
            kms_key_arn=key.arn,
            force_destroy=False,
            tags=tags,
            opts=guarded,
        )
        aws.backup.VaultLockConfiguration(
            f"{name}-lock",
            backup_vault_name=vault.name,
            min_retention_days=minimum,
            max_retention_days=maximum,
            changeable_for_days=changeable,
            opts=guarded,
        )
        aws.backup.VaultPolicy(
            f"{name}-policy",
            backup_vault_name=vault.name,
            policy=pulumi.Output.all(vault.arn, sources).apply(
                lambda v: json.dumps(backup_vault_access_policy(v[0], v[1]))
            ),
            opts=guarded,
        )

        self.vault_name = vault.name
        self.vault_arn = vault.arn
        self.key_arn = key.arn
        self.retention_mode = pulumi.Output.from_input(mode)
        self.min_retention_days = pulumi.Output.from_input(minimum)
        self.max_retention_days = pulumi.Output.from_input(maximum)
        self.register_outputs(
            {
                "vaultName": self.vault_name,
                "vaultArn": self.vault_arn,
                "keyArn": self.key_arn,
                "retentionMode": self.retention_mode,
                "minRetentionDays": self.min_retention_days,
                "maxRetentionDays": self.max_retention_days,
            }
        )


def _validated_lock(checked: Arguments[LockedVaultArgs]) -> tuple[str, int, int, int | None]:
    args = checked.args
    mode = retention_mode(checked)
    minimum, maximum = args.get("min_retention_days"), args.get("max_retention_days")
    if not whole_number(minimum, 1, MAX_RETENTION_DAYS):
        checked.refuse(
            "min_retention_days", f"must be a whole number of days from 1 to {MAX_RETENTION_DAYS} (got {minimum!r})"
        )
    if not whole_number(maximum, minimum, MAX_RETENTION_DAYS):
        checked.refuse(
            "max_retention_days",
            f"must be a whole number of days from min_retention_days ({minimum}) to {MAX_RETENTION_DAYS} (got {maximum!r})",
        )
    changeable = args.get("changeable_for_days")
    if mode == RetentionMode.GOVERNANCE.value:
        if changeable is not None:
            checked.refuse("changeable_for_days", "applies only to COMPLIANCE locks; a GOVERNANCE lock stays removable")
        return mode, minimum, maximum, None
    changeable = MIN_CHANGEABLE_FOR_DAYS if changeable is None else changeable
    if not whole_number(changeable, MIN_CHANGEABLE_FOR_DAYS):
        checked.refuse(
            "changeable_for_days",
            f"must be a whole number of days, at least {MIN_CHANGEABLE_FOR_DAYS} (got {changeable!r})",
        )
    return mode, minimum, maximum, changeable


def _check_principals(
    checked: Arguments[LockedVaultArgs], administrators: list, break_glass: list, sources: list
) -> None:
    if not administrators:
        checked.refuse("administrator_arns", "needs at least one IAM role ARN (such as the deployment role)")
    for argument, values in (("administrator_arns", administrators), ("break_glass_arns", break_glass)):
        bad = malformed_principal_arns(values)
        if bad:
            checked.refuse(argument, f"takes exact IAM role or user ARNs without wildcards (got {bad[0]!r})")
    bad = [s for s in sources if isinstance(s, str) and not ACCOUNT_ID.match(s)]
    if bad:
        checked.refuse("copy_source_account_ids", f"takes 12-digit AWS account ids (got {bad[0]!r})")
