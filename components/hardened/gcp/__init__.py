"""GCP components of hardened-accounts: the second vendor of the 3-2-1 rule."""

from .backup_plane_alerts import BackupPlaneAlerts, BackupPlaneAlertsArgs
from .backup_project import BackupProject, BackupProjectArgs
from .backup_vault import BackupVault, BackupVaultArgs
from .break_glass_entitlement import BreakGlassEntitlement, BreakGlassEntitlementArgs
from .cross_cloud_transfer import CrossCloudTransfer, CrossCloudTransferArgs
from .folder_guardrails import FolderGuardrails, FolderGuardrailsArgs
from .locked_bucket import LockedBucket, LockedBucketArgs

__all__ = [
    "BackupPlaneAlerts",
    "BackupPlaneAlertsArgs",
    "BackupProject",
    "BackupProjectArgs",
    "BackupVault",
    "BackupVaultArgs",
    "BreakGlassEntitlement",
    "BreakGlassEntitlementArgs",
    "CrossCloudTransfer",
    "CrossCloudTransferArgs",
    "FolderGuardrails",
    "FolderGuardrailsArgs",
    "LockedBucket",
    "LockedBucketArgs",
]
