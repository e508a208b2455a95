"""BackupVault: a Google Cloud Backup and DR backup vault whose backups nobody can delete before their time.

Every backup in the vault is kept at least `minimum_retention_days` (the minimum enforced retention,
which the vault applies to all backups and which can be extended, never bypassed). From
`lock_effective_time` on, the effective-time lock stops anyone from shortening that minimum again.
Access is kept within the organization unless told otherwise, and the vault refuses to be deleted while
it holds data sources or a backup plan still points at it. Pulumi can neither delete nor replace it.

It is for Backup and DR's own data sources (Compute Engine VMs and disks, Cloud SQL) through a backup plan; Cloud
Storage buckets are not one, so the stacks here no longer declare a vault for their off-site buckets.
"""

import datetime
import re
from typing import NotRequired, TypedDict

import pulumi
import pulumi_gcp as gcp

from ..arguments import Arguments
from ..aws.retention import MAX_RETENTION_DAYS, whole_number
from ..documented import documented
from .locked_bucket import DAY_SECONDS, checked_labels

VAULT_ID = re.compile(r"[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?")  # Google's resource id: 1-63, no trailing hyphen
LOCATION = re.compile(r"[a-z]+(?:-[a-z]+\d+)?")  # a region (us-central1) or a multi-region (us)
RFC3339_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
# UNRESTRICTED and ACCESS_RESTRICTION_UNSPECIFIED are left out: either would open the vault beyond the organization.
ACCESS_RESTRICTIONS = ("WITHIN_ORGANIZATION", "WITHIN_PROJECT", "WITHIN_ORG_BUT_UNRESTRICTED_FOR_BA")


class BackupVaultArgs(TypedDict):
    """Arguments of BackupVault."""

    location: str
    """Region of the vault, such as europe-west3."""
    minimum_retention_days: int
    """Days every backup in the vault is kept at least (the minimum enforced retention), from 1 to 36500."""
    lock_effective_time: NotRequired[str | None]
    """UTC time (YYYY-MM-DDTHH:MM:SSZ) from which the minimum retention can no longer be shortened."""
    vault_id: NotRequired[str | None]
    """Vault id: a lower-case letter, then up to 62 lower-case letters, digits or '-' (defaults to the component name)."""
    access_restriction: NotRequired[str | None]
    """WITHIN_ORGANIZATION (default), WITHIN_PROJECT or WITHIN_ORG_BUT_UNRESTRICTED_FOR_BA."""
    labels: NotRequired[dict[str, str] | None]
    """Labels for the vault."""


@documented
class BackupVault(pulumi.ComponentResource):
    """A Backup and DR vault with a minimum enforced retention and an optional effective-time lock."""

    vault_name: pulumi.Output[str]
    """Full resource name of the vault (projects/<p>/locations/<l>/backupVaults/<id>)."""
    vault_id: pulumi.Output[str]
    """The vault's id."""

    def __init__(self, name: str, args: BackupVaultArgs, opts: pulumi.ResourceOptions | None = None):
        checked = Arguments("BackupVault", name, args, BackupVaultArgs)
        args = checked.args
        # Validate everything before registering anything, so bad input leaves nothing half-declared.
        location, days, effective_time, vault_id, restriction = _validated(checked)
        labels = checked_labels(checked)

        super().__init__("hardened:index:BackupVault", name, None, opts)

        vault = gcp.backupdisasterrecovery.BackupVault(
            f"{name}-vault",
            backup_vault_id=vault_id,
            location=location,
            backup_minimum_enforced_retention_duration=f"{days * DAY_SECONDS}s",
            effective_time=effective_time,
            access_restriction=restriction,
            # Deleting the vault must fail while it still holds data sources or a plan still uses it.
            # (force_delete, the deprecated alias of ignore_inactive_datasources, is left unset: false.)
            ignore_inactive_datasources=False,
            ignore_backup_plan_references=False,
            labels=labels,
            # Waits for what `opts.depends_on` names (the project's Backup and DR API): children do not inherit it.
            opts=pulumi.ResourceOptions(
                parent=self, protect=True, retain_on_delete=True, depends_on=opts.depends_on if opts else None
            ),
        )

        self.vault_name = vault.name
        self.vault_id = vault.backup_vault_id
        self.register_outputs({"vaultName": self.vault_name, "vaultId": self.vault_id})


def _validated(checked: Arguments[BackupVaultArgs]) -> tuple[str, int, str | None, str, str]:
    args = checked.args
    location = args.get("location")
    if not (isinstance(location, str) and LOCATION.fullmatch(location)):
        checked.refuse("location", f"must be a lower-case Google Cloud region such as europe-west3 (got {location!r})")
    days = args.get("minimum_retention_days")
    if not whole_number(days, 1, MAX_RETENTION_DAYS):
        checked.refuse(
            "minimum_retention_days", f"must be a whole number of days from 1 to {MAX_RETENTION_DAYS} (got {days!r})"
        )
    effective_time = args.get("lock_effective_time")
    if effective_time is not None and not _is_utc_time(effective_time):
        checked.refuse(
            "lock_effective_time",
            f"must be an RFC 3339 UTC time such as 2026-01-31T00:00:00Z, YYYY-MM-DDTHH:MM:SSZ (got {effective_time!r})",
        )
    vault_id = args.get("vault_id")
    vault_id = checked.name if vault_id is None else vault_id
    if not (isinstance(vault_id, str) and VAULT_ID.fullmatch(vault_id)):
        checked.refuse(
            "vault_id",
            "must be a lower-case letter followed by up to 62 lower-case letters, digits or '-', not ending in '-' "
            f"(got {vault_id!r}; it defaults to the component name)",
        )
    restriction = args.get("access_restriction")
    restriction = ACCESS_RESTRICTIONS[0] if restriction is None else restriction
    if restriction not in ACCESS_RESTRICTIONS:
        checked.refuse("access_restriction", f"must be one of {', '.join(ACCESS_RESTRICTIONS)} (got {restriction!r})")
    return location, days, effective_time, vault_id, restriction


def _is_utc_time(value: object) -> bool:
    """Whether `value` is YYYY-MM-DDTHH:MM:SSZ naming a real instant (no 13th month, no 25th hour)."""
    if not (isinstance(value, str) and RFC3339_UTC.fullmatch(value)):
        return False
    try:
        datetime.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return False
    return True
