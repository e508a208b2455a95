"""What a break-glass grant of Privileged Access Manager reaches, and how its activation is noticed.

An entitlement grants its roles on the backup project; the IAM condition below narrows every one of them
to the named backup buckets (and Backup and DR vaults), so a grant never reaches another bucket, even one
whose name merely starts with a backup bucket's name. Resource attributes are those of "Resource
attributes for IAM Conditions" (https://cloud.google.com/iam/docs/conditions-resource-attributes):
Cloud Storage names a bucket `projects/_/buckets/BUCKET` and an object (or managed folder) below it
`projects/_/buckets/BUCKET/objects/OBJECT`; Backup and DR names a vault
`projects/PROJECT/locations/LOCATION/backupVaults/VAULT` and its data sources and backups below it.

Where the bucket names are not known when the entitlement is declared (the organization stack grants, the
environment stacks name their buckets), `break_glass_prefix_condition` narrows by the bucket-name prefix those
stacks use instead, always one ending in "-": a whole name segment, never a bare prefix of another name.
"""

import re
from collections.abc import Iterable

from ...constraints import GCP_ID

STORAGE = "storage.googleapis.com"
BACKUP_DR = "backupdr.googleapis.com"
# Cloud Storage bucket names without dots (a dotted name needs domain verification): 3 to 63 characters.
BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{1,61}[a-z0-9]$")
# A bucket-name prefix: a name's start that ends in "-", leaving room for at least one more character.
BUCKET_NAME_PREFIX = re.compile(r"^[a-z0-9][a-z0-9_-]{0,60}-$")
VAULT_NAME = re.compile(rf"^projects/{GCP_ID}/locations/[a-z0-9-]+/backupVaults/[a-z][a-z0-9-]{{1,61}}[a-z0-9]$")

# The system event PAM writes when a grant becomes active, after approval (Privileged Access Manager audit
# logging, "System events": https://cloud.google.com/iam/docs/audit-logging/audit-logging-pam). System Event
# audit logs are always written and cannot be turned off.
GRANT_ACTIVATED_FILTER = 'protoPayload.methodName="PAMActivateGrant"'
# PAM has no monitored resource of its own: its audit entries, and so the points of a metric counting them, are on
# the generic `audited_resource` (public PAM sinks filter resource.type="audited_resource" with PAMActivateGrant).
GRANT_ACTIVATED_RESOURCE = "audited_resource"


def break_glass_condition(bucket_names: Iterable[str], vault_names: Iterable[str] | None = None) -> str:
    """A CEL expression true only on the named buckets, their objects, and the named vaults and what they hold.

    Each resource is matched by its exact name or by its name followed by "/", never by a bare prefix.
    """
    buckets = list(bucket_names)
    vaults = list(vault_names or [])
    if not buckets or not all(isinstance(b, str) and BUCKET_NAME.fullmatch(b) for b in buckets):
        raise ValueError(f"bucket names must be one or more Cloud Storage bucket names without dots (got {buckets!r})")
    if not all(isinstance(v, str) and VAULT_NAME.fullmatch(v) for v in vaults):
        raise ValueError(f"vault names must be projects/PROJECT/locations/LOCATION/backupVaults/VAULT (got {vaults!r})")
    terms = [_within(STORAGE, f"projects/_/buckets/{bucket}") for bucket in sorted(set(buckets))]
    terms += [_within(BACKUP_DR, vault) for vault in sorted(set(vaults))]
    return " || ".join(terms)


def break_glass_prefix_condition(bucket_name_prefixes: Iterable[str]) -> str:
    """A CEL expression true only on the buckets whose names start with one of the prefixes, and on their objects.

    Each prefix ends in "-" (`prod-offsite-bucket-` reaches prod-offsite-bucket-1a2b3c4 and its objects, never
    prod-offsite-bucketx nor production-offsite-bucket-1a2b3c4). Only Cloud Storage's buckets are reached: no key,
    vault or project.
    """
    prefixes = list(bucket_name_prefixes)
    if not prefixes or not all(isinstance(p, str) and BUCKET_NAME_PREFIX.fullmatch(p) for p in prefixes):
        raise ValueError(
            "bucket-name prefixes must be one or more starts of Cloud Storage bucket names without dots, each ending in '-' "
            f"(got {prefixes!r})"
        )
    return " || ".join(
        f'(resource.service == "{STORAGE}" && resource.name.startsWith("projects/_/buckets/{prefix}"))'
        for prefix in sorted(set(prefixes))
    )


def _within(service: str, name: str) -> str:
    """The resource `name` of `service`, or anything below it."""
    return f'(resource.service == "{service}" && (resource.name == "{name}" || resource.name.startsWith("{name}/")))'
