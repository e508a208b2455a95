"""The IAM deny rules that keep backups in a folder out of everyone's reach but the break-glass principals.

As on AWS: destroying is denied to everyone but break-glass (the buckets and objects, the versions of the keys
that encrypt them, the project that holds them); loosening what protects a backup is denied to everyone but
break-glass and the deployment identities (which create and configure the buckets and grant their keys).

A deny policy is checked before any allow policy, so no role granted anywhere (Owner included) lets a
principal use a denied permission; only the rule's exception principals escape it. Deny policies name
permissions in the IAM v2 form `SERVICE_FQDN/RESOURCE.ACTION` and accept only the subset Google lists on
"Permissions supported in deny policies" (https://cloud.google.com/iam/docs/deny-permissions-support):
a policy naming any other permission is rejected as a whole. Their principals use the v2 identifiers of
"Principal identifiers" (https://cloud.google.com/iam/docs/principal-identifiers#deny).
"""

import re
from collections.abc import Iterable

# Cloud Storage permissions that destroy a backup or loosen what protects it. Each is one Cloud Storage lists
# (https://cloud.google.com/storage/docs/access-control/iam-permissions) and one public deny policies deny; check the
# supported-permissions page above before adding any other. Overwriting an object needs `objects.delete` too, so
# writers can add objects, never replace them.
BACKUP_DESTRUCTION_PERMISSIONS = (
    "storage.googleapis.com/buckets.delete",  # delete the bucket
    "storage.googleapis.com/objects.delete",  # delete or overwrite an object
)
BACKUP_PROTECTION_PERMISSIONS = (
    "storage.googleapis.com/buckets.setIamPolicy",  # change who may use the bucket; with `update`, its ACLs
    "storage.googleapis.com/buckets.update",  # shorten or remove an unlocked retention policy, change ACLs, lifecycle
    "storage.googleapis.com/objects.setIamPolicy",  # change an object's ACL (fine-grained buckets only)
    "storage.googleapis.com/objects.update",  # release an event-based or temporary hold, change metadata
)
# A CMEK key that holds the only copy can crypto-shred a locked bucket: destroying a key version, or disabling it
# (a version is disabled through `update`, which sets its state), leaves every object it encrypted unreadable.
# Permissions of Cloud KMS (https://cloud.google.com/kms/docs/reference/permissions-and-roles). How the KMS and
# Resource Manager ones below were checked: Google's deny-policy sample denies projects.delete (googleapis/python-iam,
# samples/snippets/create_deny_policy.py); the others come from deny policies deployed in public repositories, the
# supported-permissions table itself could not be read row by row. Confirm them there before the first deploy.
KEY_DESTRUCTION_PERMISSIONS = (
    "cloudkms.googleapis.com/cryptoKeyVersions.destroy",  # schedule a version's destruction
    "cloudkms.googleapis.com/cryptoKeyVersions.update",  # disable a version (or re-enable it)
)
KEY_ACCESS_PERMISSIONS = (
    "cloudkms.googleapis.com/cryptoKeys.setIamPolicy",  # take the key away from Cloud Storage's service agent
    "cloudkms.googleapis.com/keyRings.setIamPolicy",  # the same for every key of the ring
)
# Deleting the project deletes every bucket in it once its 30-day pending-deletion period ends; moving it out of
# the folder leaves this policy (and the folder's organization policies) behind.
PROJECT_REMOVAL_PERMISSIONS = (
    "cloudresourcemanager.googleapis.com/projects.delete",
    "cloudresourcemanager.googleapis.com/projects.move",
)
# Not denied, because the supported-permissions table could not be confirmed to list them and one unsupported
# permission makes the whole policy fail:
# - cloudkms.googleapis.com/cryptoKeyVersions.restore: restoring only cancels a scheduled destruction, which
#   the rule above already denies;
# - Storage Transfer Service jobs (storagetransfer.googleapis.com/jobs.delete, jobs.update): deleting or changing
#   the job stops later copies, never removes copied ones: the transfer service account holds no role that deletes
#   or replaces objects (cross_cloud_transfer.py), and the bucket's locked retention keeps what was copied;
# - Backup and DR Service (backupdr.googleapis.com) vaults and backups: a vault's own minimum enforced retention
#   keeps its backups until they expire.

# Deny rules on one resource, across all its deny policies ("Deny policies",
# https://cloud.google.com/iam/docs/deny-overview: "Each resource can have up to 500 deny policies. Together,
# these deny policies can contain a total of 500 deny rules.").
MAX_DENY_RULES_PER_RESOURCE = 500

EVERYONE = "principalSet://goog/public:all"
_EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"
# One Google Account, one Google group or one service account: exact identities, never a domain, a customer or everyone.
EXCEPTION_PRINCIPAL = re.compile(
    rf"^(principal://goog/subject/{_EMAIL}|principalSet://goog/group/{_EMAIL}|principal://iam\.googleapis\.com/projects/-/serviceAccounts/{_EMAIL})$"
)
FOLDER = re.compile(r"^folders/([0-9]+)$")


def is_exception_principal(principal: object) -> bool:
    """Whether `principal` names exactly one Google Account or one Google group, in deny-policy form."""
    return isinstance(principal, str) and EXCEPTION_PRINCIPAL.fullmatch(principal) is not None


def deny_backup_destruction(break_glass_principals: Iterable[str]) -> dict:
    """Nobody but the break-glass principals deletes a bucket or a backup object (locked ones stay locked even then).

    One rule of `gcp.iam.DenyPolicy.rules`. No denial condition: deny conditions accept only resource tags, and
    the rule is meant for every bucket under the folder it is attached to.
    """
    return _deny_rule(
        "Only break-glass principals delete backups", BACKUP_DESTRUCTION_PERMISSIONS, break_glass_principals
    )


def deny_backup_protection_changes(break_glass_principals: Iterable[str], deployer_principals: Iterable[str]) -> dict:
    """Nobody but break-glass and the deployment identities loosens a bucket's retention, IAM, ACLs or holds."""
    return _deny_rule(
        "Only break-glass principals and the deployers change what protects backups",
        BACKUP_PROTECTION_PERMISSIONS,
        [*break_glass_principals, *deployer_principals],
    )


def deny_key_destruction(break_glass_principals: Iterable[str]) -> dict:
    """Nobody but the break-glass principals destroys or disables a key version, and with it the objects it encrypted.

    The deployers are not spared: they create keys and let Cloud KMS rotate them (a new version), never destroy or
    disable a version.
    """
    return _deny_rule(
        "Only break-glass principals destroy or disable key versions",
        KEY_DESTRUCTION_PERMISSIONS,
        break_glass_principals,
    )


def deny_key_access_changes(break_glass_principals: Iterable[str], deployer_principals: Iterable[str]) -> dict:
    """Nobody but break-glass and the deployment identities changes who may use a key or key ring under the folder.

    The deployers are spared: every new locked bucket's `pulumi up` grants its key to Cloud Storage's service agent,
    which sets the key's IAM policy.
    """
    return _deny_rule(
        "Only break-glass principals and the deployers change who may use the keys",
        KEY_ACCESS_PERMISSIONS,
        [*break_glass_principals, *deployer_principals],
    )


def deny_project_removal(break_glass_principals: Iterable[str]) -> dict:
    """Nobody but the break-glass principals deletes a project under the folder or moves it out of the folder's guardrails.

    The deployers are not spared: they create the backup project in the folder, never delete or move it.
    """
    return _deny_rule(
        "Only break-glass principals delete or move the backup project",
        PROJECT_REMOVAL_PERMISSIONS,
        break_glass_principals,
    )


def folder_deny_rules(break_glass_principals: Iterable[str], deployer_principals: Iterable[str]) -> list[dict]:
    """Every rule of the backup folder's deny policy: what destroys a backup, and what loosens its protection."""
    break_glass, deployers = list(break_glass_principals), list(deployer_principals)
    return [
        deny_backup_destruction(break_glass),
        deny_backup_protection_changes(break_glass, deployers),
        deny_key_destruction(break_glass),
        deny_key_access_changes(break_glass, deployers),
        deny_project_removal(break_glass),
    ]


def _deny_rule(description: str, permissions: Iterable[str], exception_principals: Iterable[str]) -> dict:
    exceptions = list(exception_principals)
    refused = [p for p in exceptions if not is_exception_principal(p)]
    if not exceptions or refused:
        raise ValueError(
            "exception principals must be principal://goog/subject/EMAIL, principalSet://goog/group/EMAIL or "
            f"principal://iam.googleapis.com/projects/-/serviceAccounts/EMAIL (got {refused or exceptions!r})"
        )
    return {
        "description": description,
        "deny_rule": {
            "denied_principals": [EVERYONE],
            "exception_principals": sorted(set(exceptions)),
            "denied_permissions": list(permissions),
        },
    }


def folder_deny_policy_parent(folder_id: str) -> str:
    """The attachment point of a deny policy on a folder: its full resource name, URL-encoded."""
    match = FOLDER.fullmatch(folder_id) if isinstance(folder_id, str) else None
    if match is None:
        raise ValueError(f"folder id must be folders/NUMBER (got {folder_id!r})")
    return f"cloudresourcemanager.googleapis.com%2Ffolders%2F{match.group(1)}"
