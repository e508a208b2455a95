"""AirGappedVault: an AWS Backup logically air-gapped vault, shared read-only with a recovery account.

A logically air-gapped vault is compliance-locked from the moment it exists (AWS Backup creates it
with Vault Lock in COMPLIANCE mode) and keeps its recovery points in an account owned by AWS Backup,
encrypted by an AWS-owned key unless a customer key is given (none is, here). There is no
customer-managed key whose policy a stolen deployer could rewrite or whose deletion the account's admin
could schedule, and no lock to shorten or lift: neither this account's principals nor its root user can delete
what the vault holds before its retention ends. One thing does: closing the account, which the management account
can do, and AWS deletes what a closed account holds after 90 days (Organizations, CloseAccount). Only a copy at
another vendor survives that.

Children: `<name>-vault` (the vault), `<name>-policy` (its access policy, `documents/vault_policy.py`:
nobody deletes or shortens a recovery point, only the named accounts copy in) and, with
`recovery_account_ids`, `<name>-share` (an AWS RAM resource share inside the organization),
`<name>-share-vault` (the vault's association with it) and `<name>-share-<account>` per recovery account.
The share names no `permission_arns`, so RAM attaches the default managed permission of the resource
type `backup:BackupVault`; sharing the vault through RAM is what AWS documents as letting the other
account restore from it, so restores stay possible when this account is compromised or locked out.
(The default permission's exact action list was not checked here.)

Sources (checked for this component):
- AWS Backup Developer Guide, "Logically air-gapped vault"
  (https://docs.aws.amazon.com/aws-backup/latest/devguide/logicallyairgappedvault.html): compliance-mode
  Vault Lock, AWS-owned key by default (a customer-managed key is optional and deliberately not used here),
  sharing through AWS RAM for restores, Multi-party approval integration.
- CreateLogicallyAirGappedBackupVault API reference: "The minimum value accepted is 7 days" for MinRetentionDays.
- AWS CloudFormation `AWS::Backup::LogicallyAirGappedBackupVault` has an `AccessPolicy` property: the
  vaults take an access policy like any backup vault, so `aws.backup.VaultPolicy` applies.
- Resource types: the guide points to "Feature availability by resource" for what can be copied into a
  logically air-gapped vault; Amazon S3 is among them (listed since the preview: EC2, EBS, S3, EFS, RDS;
  AWS Config's managed rule `s3-resources-in-logically-air-gapped-vault` checks that S3 buckets have
  recovery points in such a vault). Check that table for every other type a stack backs up.
- RAM resource type `backup:BackupVault`, whose ARN is the vault's
  `arn:aws:backup:<region>:<account>:backup-vault:<name>` (Service Authorization Reference, AWS Backup).
"""

import json
import re
from typing import NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from ..arguments import Arguments
from ..documented import documented
from .arns import ACCOUNT_ID
from .documents.vault_policy import backup_vault_access_policy
from .retention import MAX_RETENTION_DAYS, whole_number

# The validators of hashicorp/terraform-provider-aws, internal/service/backup/logically_air_gapped_vault.go
# (commit dc6cd32dbd0846962d975d8e5c65a313adef1be7), mirrored so a bad value fails before anything is
# declared: min_retention_days int64validator.AtLeast(7); name RegexMatches(^[a-zA-Z0-9\-\_]{2,50}$);
# max_retention_days has no validator there (the upper bound below is the library's 36500-day ceiling).
# All three (name, min_retention_days, max_retention_days) are RequiresReplace: changing one replaces the
# vault, which `protect` refuses, so they are settled once.
MIN_AIR_GAPPED_RETENTION_DAYS = 7  # AWS's floor for logically air-gapped vaults
VAULT_NAME = re.compile(r"^[a-zA-Z0-9\-\_]{2,50}$")


class AirGappedVaultArgs(TypedDict):
    """Arguments of AirGappedVault."""

    min_retention_days: int
    """Shortest retention a recovery point in the vault may have, in days (7, AWS's floor, to 36500)."""
    max_retention_days: int
    """Longest retention a recovery point in the vault may have, in days (min_retention_days to 36500)."""
    copy_source_account_ids: NotRequired[list[pulumi.Input[str]] | None]
    """Accounts allowed to copy recovery points into the vault (backup:CopyIntoBackupVault)."""
    recovery_account_ids: NotRequired[list[str] | None]
    """Accounts of the organization the vault is shared with through AWS RAM, to restore from it."""
    vault_name: NotRequired[str | None]
    """Fixed vault name (2 to 50 letters, digits, - or _); defaults to the component name."""
    tags: NotRequired[dict[str, str] | None]
    """Tags for the vault and its resource share."""


@documented
class AirGappedVault(pulumi.ComponentResource):
    """A compliance-locked logically air-gapped vault with an AWS-owned key, shared for restores."""

    vault_name: pulumi.Output[str]
    """The vault's name."""
    vault_arn: pulumi.Output[str]
    """The vault's ARN."""
    min_retention_days: pulumi.Output[int]
    """Shortest retention the vault allows, in days."""
    max_retention_days: pulumi.Output[int]
    """Longest retention the vault allows, in days."""
    resource_share_arn: pulumi.Output[str | None]
    """ARN of the RAM share with the recovery accounts; absent without recovery_account_ids."""

    def __init__(self, name: str, args: AirGappedVaultArgs, opts: pulumi.ResourceOptions | None = None):
        checked = Arguments("AirGappedVault", name, args, AirGappedVaultArgs)
        args = checked.args
        minimum, maximum, vault_name, sources, recovery = _validated(checked)
        tags = args.get("tags") or {}

        super().__init__("hardened:index:AirGappedVault", name, None, opts)

        guarded = pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True)
        vault = aws.backup.LogicallyAirGappedVault(
            f"{name}-vault",
            name=vault_name,
            min_retention_days=minimum,
            max_retention_days=maximum,
            # No encryption_key_arn: the AWS-owned key is the point. There is no customer-managed key whose
            # policy could be rewritten or whose deletion could be scheduled to make the backups unreadable.
            tags=tags,
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

        share_arn: pulumi.Output[str | None] = pulumi.Output.from_input(None)
        if recovery:
            # Not data-bearing, but the way back in when this account is lost: protected against deletion.
            # Not retained on delete: removing the share on purpose must revoke the access it grants.
            way_back = pulumi.ResourceOptions(parent=self, protect=True)
            share = aws.ram.ResourceShare(
                f"{name}-share",
                name=f"{vault_name}-recovery",
                allow_external_principals=False,
                tags=tags,
                opts=way_back,
            )
            aws.ram.ResourceAssociation(
                f"{name}-share-vault", resource_arn=vault.arn, resource_share_arn=share.arn, opts=way_back
            )
            for account in recovery:
                aws.ram.PrincipalAssociation(
                    f"{name}-share-{account}", principal=account, resource_share_arn=share.arn, opts=way_back
                )
            share_arn = share.arn

        self.vault_name = vault.name
        self.vault_arn = vault.arn
        self.min_retention_days = pulumi.Output.from_input(minimum)
        self.max_retention_days = pulumi.Output.from_input(maximum)
        self.resource_share_arn = share_arn
        self.register_outputs(
            {
                "vaultName": self.vault_name,
                "vaultArn": self.vault_arn,
                "minRetentionDays": self.min_retention_days,
                "maxRetentionDays": self.max_retention_days,
                "resourceShareArn": self.resource_share_arn,
            }
        )


def _validated(checked: Arguments[AirGappedVaultArgs]) -> tuple[int, int, str, list, list[str]]:
    args = checked.args
    minimum, maximum = args.get("min_retention_days"), args.get("max_retention_days")
    if not whole_number(minimum, MIN_AIR_GAPPED_RETENTION_DAYS, MAX_RETENTION_DAYS):
        checked.refuse(
            "min_retention_days",
            f"must be a whole number of days from {MIN_AIR_GAPPED_RETENTION_DAYS} (AWS's floor for air-gapped vaults) "
            f"to {MAX_RETENTION_DAYS} (got {minimum!r})",
        )
    if not whole_number(maximum, minimum, MAX_RETENTION_DAYS):
        checked.refuse(
            "max_retention_days",
            f"must be a whole number of days from min_retention_days ({minimum}) to {MAX_RETENTION_DAYS} (got {maximum!r})",
        )

    given = args.get("vault_name")
    vault_name = given if given is not None else checked.name
    if not (isinstance(vault_name, str) and VAULT_NAME.match(vault_name)):
        source = "" if given is not None else ", and it defaults to the component name"
        checked.refuse(
            "vault_name", f"must be 2 to 50 letters, digits, hyphens or underscores{source} (got {vault_name!r})"
        )

    sources = list(args.get("copy_source_account_ids") or [])
    bad = [s for s in sources if isinstance(s, str) and not ACCOUNT_ID.match(s)]
    if bad:
        checked.refuse("copy_source_account_ids", f"takes 12-digit AWS account ids (got {bad[0]!r})")

    recovery = list(args.get("recovery_account_ids") or [])
    bad = [r for r in recovery if not (isinstance(r, str) and ACCOUNT_ID.match(r))]
    if bad:
        checked.refuse("recovery_account_ids", f"takes 12-digit AWS account ids as plain strings (got {bad[0]!r})")
    repeated = sorted({r for r in recovery if recovery.count(r) > 1})
    if repeated:
        checked.refuse("recovery_account_ids", f"names each account once (got {repeated[0]!r} more than once)")
    return minimum, maximum, vault_name, sources, recovery
