"""The IAM deny rules that keep backups in a folder out of everyone's reach but the break-glass principals.

As on AWS: destroying is denied to everyone but break-glass; loosening what protects a backup is denied to
everyone but break-glass and the deployment identities (which create and configure the buckets).

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
    "storage.googleapis.com/buckets.delete",        # delete the bucket
    "storage.googleapis.com/objects.delete",        # delete or overwrite an object
)
BACKUP_PROTECTION_PERMISSIONS = (
    "storage.googleapis.com/buckets.setIamPolicy",  # change who may use the bucket; with `update`, its ACLs
    "storage.googleapis.com/buckets.update",        # shorten or remove an unlocked retention policy, change ACLs, lifecycle
    "storage.googleapis.com/objects.setIamPolicy",  # change an object's ACL (fine-grained buckets only)
    "storage.googleapis.com/objects.update",        # release an event-based or temporary hold, change metadata
)
# Not denied: Backup and DR Service (backupdr.googleapis.com) vaults and backups. The supported-permissions
# table could not be confirmed to list them, and one unsupported permission makes the whole policy fail; a
# vault's own minimum enforced retention keeps its backups until they expire.

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
    return _deny_rule("Only break-glass principals delete backups", BACKUP_DESTRUCTION_PERMISSIONS, break_glass_principals)


def deny_backup_protection_changes(break_glass_principals: Iterable[str], deployer_principals: Iterable[str]) -> dict:
    """Nobody but break-glass and the deployment identities loosens a bucket's retention, IAM, ACLs or holds."""
    return _deny_rule(
        "Only break-glass principals and the deployers change what protects backups",
        BACKUP_PROTECTION_PERMISSIONS,
        [*break_glass_principals, *deployer_principals],
    )


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
