"""Settings that weaken: a table of input paths (by their last key names) and the change that weakens each one.

Only the direction that weakens counts: a longer retention or a new lock is never reported. Policy
documents and GCP deny rules inside the inputs are left to `policy_weakenings.py`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .plan_paths import (
    ABSENT,
    KeyPath,
    Weakening,
    as_list,
    as_number,
    flatten,
    item_prefixes,
    key_names,
    last_item,
    module,
    normalized,
    path_text,
    weakening_at,
)
from .policy_documents import deny_rule_lists, policy_documents_in

Check = Callable[[Any, Any], bool]
FOREVER = math.inf


def _lower(absent: float) -> Check:
    """Weaker when the number goes down; `absent` is what a missing value means (0: no lock; FOREVER: no expiry)."""

    def check(old: Any, new: Any) -> bool:
        before, after = as_number(old, absent), as_number(new, absent)
        return before is not None and after is not None and after < before

    return check


def _higher(absent: float) -> Check:
    def check(old: Any, new: Any) -> bool:
        before, after = as_number(old, absent), as_number(new, absent)
        return before is not None and after is not None and after > before

    return check


def _was(*values: str) -> Check:
    return lambda old, new: normalized(old) in values and normalized(new) not in values


def _became(*values: str) -> Check:
    return lambda old, new: normalized(old) not in values and normalized(new) in values


def _removed(old: Any, new: Any) -> bool:
    return old is not ABSENT and old not in (None, "", []) and new in (ABSENT, None, "", [])


def _present_and(check: Check) -> Check:
    return lambda old, new: old is not ABSENT and new is not ABSENT and check(old, new)


def _shrunk(old: Any, new: Any) -> bool:
    return any(v not in as_list(new) for v in as_list(old))


def _grew(old: Any, new: Any) -> bool:
    return any(v not in as_list(old) for v in as_list(new))


def _later(old: Any, new: Any) -> bool:
    return isinstance(old, str) and isinstance(new, str) and new > old


def _rank_up(*ranks: str) -> Check:
    """Weaker when the value moves right in `ranks` (safest first)."""

    def check(old: Any, new: Any) -> bool:
        before, after = normalized(old), normalized(new)
        return before in ranks and after in ranks and ranks.index(after) > ranks.index(before)

    return check


@dataclass(frozen=True)
class Setting:
    suffix: tuple[str, ...]  # the last key names of the input path
    weaker: Check
    kind: str
    why: str
    types: tuple[str, ...] = ()  # type modules such as "aws:s3/bucketReplicationConfig"; empty: any type
    in_new_items: bool = False  # judged in a list item that is new too (an added lifecycle rule expires data)


_PUBLIC_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
_TRAIL_FLAGS = (
    "enableLogging",
    "enableLogFileValidation",
    "isMultiRegionTrail",
    "isOrganizationTrail",
    "includeGlobalServiceEvents",
)
_PASSWORD_FLAGS = ("requireLowercaseCharacters", "requireNumbers", "requireSymbols", "requireUppercaseCharacters")
_TRANSFER_DELETES = (
    "deleteObjectsFromSourceAfterTransfer",
    "deleteObjectsUniqueInSink",
    "overwriteObjectsAlreadyExistingInSink",
)
_ORG_POLICY = ("gcp:orgpolicy/policy",)

SETTINGS: tuple[Setting, ...] = (
    # Retention: copies kept, or locked, for less time. A missing lock means 0 days; a missing expiry, forever.
    Setting(("minRetentionDays",), _lower(0), "retention-shortened", "recovery points can be deleted sooner"),
    Setting(("maxRetentionDays",), _lower(FOREVER), "retention-shortened", "recovery points cannot be kept as long"),
    Setting(("lifecycle", "deleteAfter"), _lower(FOREVER), "retention-shortened", "backups are deleted sooner"),
    Setting(
        ("noncurrentVersionExpiration", "noncurrentDays"),
        _lower(FOREVER),
        "retention-shortened",
        "old versions expire sooner",
        in_new_items=True,
    ),
    Setting(("expiration", "days"), _lower(FOREVER), "retention-shortened", "objects expire sooner", in_new_items=True),
    Setting(("retentionPolicy", "retentionPeriod"), _lower(0), "retention-shortened", "objects can be deleted sooner"),
    Setting(
        ("retentionDurationSeconds",), _lower(0), "retention-shortened", "deleted objects are recoverable for less time"
    ),
    Setting(
        ("backupMinimumEnforcedRetentionDuration",), _lower(0), "retention-shortened", "backups can be deleted sooner"
    ),
    Setting(
        ("retentionInDays",),
        lambda o, n: _lower(FOREVER)(o or ABSENT, n or ABSENT),
        "retention-shortened",
        "logs are deleted sooner",
    ),
    Setting(
        ("deletionWindowInDays",), _lower(30), "deletion-window-shortened", "less time to cancel the key's deletion"
    ),
    # Locks.
    Setting(
        ("defaultRetention", "mode"),
        _was("compliance"),
        "compliance-to-governance",
        "a GOVERNANCE lock can be bypassed or lifted",
    ),
    Setting(
        ("changeableForDays",),
        _removed,
        "compliance-to-governance",
        "without it the vault lock stays in governance mode and can be removed",
    ),
    Setting(
        ("changeableForDays",),
        _present_and(_higher(0)),
        "lock-delayed",
        "the vault lock can be removed for longer before it becomes permanent",
    ),
    Setting(("isLocked",), _was("true"), "lock-removed", "the retention policy can be shortened or removed"),
    Setting(("objectLockEnabled",), _was("enabled", "true"), "lock-removed", "objects are no longer locked"),
    Setting(
        ("effectiveTime",),
        _later,
        "lock-delayed",
        "the vault's minimum retention is enforced later",
        ("gcp:backupdisasterrecovery/backupVault",),
    ),
    # Public access.
    *(
        Setting((flag,), _was("true"), "public-access-opened", "public access is no longer blocked")
        for flag in _PUBLIC_FLAGS
    ),
    Setting(("publicAccessPrevention",), _was("enforced"), "public-access-opened", "the bucket can be made public"),
    Setting(("uniformBucketLevelAccess",), _was("true"), "public-access-opened", "object ACLs can grant access again"),
    Setting(("objectOwnership",), _was("bucketownerenforced"), "public-access-opened", "ACLs are honoured again"),
    Setting(
        ("accessRestriction",),
        _rank_up("within_project", "within_organization", "unrestricted", "within_org_but_unrestricted_for_ba"),
        "public-access-opened",
        "the vault can be reached from further away",
    ),
    # Keys and encryption.
    Setting(("enableKeyRotation",), _was("true"), "key-rotation-disabled", "the key is no longer rotated"),
    Setting(
        ("rotationPeriod",), _removed, "key-rotation-disabled", "the key is no longer rotated", ("gcp:kms/cryptoKey",)
    ),
    Setting(
        ("rotationPeriod",),
        _present_and(_higher(0)),
        "key-rotation-slowed",
        "the key is rotated less often",
        ("gcp:kms/cryptoKey",),
    ),
    Setting(
        ("sseAlgorithm",),
        _was("aws:kms", "aws:kms:dsse"),
        "encryption-weakened",
        "objects are no longer encrypted with a KMS key",
    ),
    *(
        Setting((key,), _removed, "encryption-weakened", "no longer encrypted with the customer-managed key")
        for key in ("kmsMasterKeyId", "defaultKmsKeyName", "kmsKeyArn", "kmsKeyId")
    ),
    # Deletion protection.
    Setting(("forceDestroy",), _became("true"), "force-destroy-enabled", "deleting it deletes everything in it"),
    Setting(("deletionPolicy",), _was("prevent"), "deletion-protection-removed", "the project can be deleted"),
    Setting(("deletionProtection",), _was("true"), "deletion-protection-removed", "it can be deleted"),
    Setting(
        ("skipDestroy",),
        _was("true"),
        "deletion-protection-removed",
        "removing it from the program removes it from the cloud",
    ),
    Setting(
        ("closeOnDeletion",),
        _became("true"),
        "deletion-protection-removed",
        "removing it from the program closes the account",
    ),
    Setting(
        ("restrictions",),
        _shrunk,
        "deletion-protection-removed",
        "the lien no longer blocks these operations",
        ("gcp:resourcemanager/lien",),
    ),
    Setting(
        ("tags", "hardened-accounts:protects"),
        _removed,
        "protection-tag-removed",
        "the guardrails protect it by this tag",
    ),
    Setting(
        ("versioningConfiguration", "status"),
        _was("enabled"),
        "versioning-suspended",
        "overwritten and deleted objects are not kept",
    ),
    Setting(
        ("versioning", "enabled"), _was("true"), "versioning-suspended", "overwritten and deleted objects are not kept"
    ),
    # Copies.
    *(
        Setting(
            ("transferOptions", key),
            _became("true"),
            "copy-may-delete",
            "the transfer can now delete or overwrite objects",
        )
        for key in _TRANSFER_DELETES
    ),
    Setting(("overwriteWhen",), _was("never"), "copy-may-delete", "the transfer can now overwrite copies"),
    Setting(("status",), _was("enabled"), "copy-disabled", "the transfer no longer runs", ("gcp:storage/transferJob",)),
    Setting(
        ("rules", "status"),
        _was("enabled"),
        "copy-disabled",
        "the rule no longer replicates",
        ("aws:s3/bucketReplicationConfig",),
    ),
    Setting(
        ("deleteMarkerReplication", "status"), _became("enabled"), "copy-may-delete", "deletions now reach the replica"
    ),
    Setting(
        ("isCrossAccountBackupEnabled",),
        _was("true"),
        "copy-disabled",
        "backups can no longer be copied to another account",
    ),
    Setting(
        ("resources",), _shrunk, "backup-removed", "these resources are no longer backed up", ("aws:backup/selection",)
    ),
    Setting(
        ("protectedResourceArns",),
        _shrunk,
        "restore-test-removed",
        "these resources are no longer restore-tested",
        ("aws:backup/restoreTestingSelection",),
    ),
    # Logging and alarms.
    *(
        Setting((flag,), _was("true"), "logging-weakened", "the trail records less, or can be altered unnoticed")
        for flag in _TRAIL_FLAGS
    ),
    Setting(
        ("state",), _was("enabled"), "alarm-disabled", "the alert rule no longer fires", ("aws:cloudwatch/eventRule",)
    ),
    Setting(("actionsEnabled",), _was("true"), "alarm-disabled", "the alarm no longer notifies anyone"),
    Setting(("enabled",), _was("true"), "alarm-disabled", "the alert no longer fires", ("gcp:monitoring/alertPolicy",)),
    Setting(("alarmActions",), _shrunk, "alarm-disabled", "fewer people are told"),
    Setting(("notificationChannels",), _shrunk, "alarm-disabled", "fewer people are told"),
    # Identity.
    Setting(("minimumPasswordLength",), _lower(0), "password-policy-weakened", "shorter passwords are accepted"),
    Setting(("passwordReusePrevention",), _lower(0), "password-policy-weakened", "old passwords can be reused sooner"),
    Setting(("maxPasswordAge",), _higher(FOREVER), "password-policy-weakened", "passwords are kept longer"),
    *(
        Setting((flag,), _was("true"), "password-policy-weakened", "weaker passwords are accepted")
        for flag in _PASSWORD_FLAGS
    ),
    Setting(("maxSessionDuration",), _higher(3600), "session-lengthened", "sessions last longer"),
    Setting(("maxRequestDuration",), _present_and(_higher(0)), "session-lengthened", "grants last longer"),
    Setting(("approvalsNeeded",), _lower(0), "approval-weakened", "fewer approvals are needed"),
    Setting(("requireApproverJustification",), _was("true"), "approval-weakened", "approvers need not justify"),
    # GCP organization policies.
    Setting(("enforce",), _was("true"), "guardrail-disabled", "the constraint is no longer enforced", _ORG_POLICY),
    Setting(("allowAll",), _became("true"), "guardrail-disabled", "the constraint allows everything", _ORG_POLICY),
    Setting(
        ("denyAll",), _was("true"), "guardrail-disabled", "the constraint no longer denies everything", _ORG_POLICY
    ),
    Setting(
        ("reset",), _became("true"), "guardrail-disabled", "the constraint falls back to Google's default", _ORG_POLICY
    ),
    Setting(("allowedValues",), _grew, "guardrail-widened", "more values are allowed", _ORG_POLICY),
    Setting(("deniedValues",), _shrunk, "guardrail-widened", "fewer values are denied", _ORG_POLICY),
)

# A list item that disappears (more items gone than came) from these lists.
ITEMS_REMOVED: tuple[tuple[str, tuple[str, ...], str, str], ...] = (
    ("aws:backup/plan", ("rules",), "backup-removed", "its scheduled backups stop"),
    ("aws:backup/plan", ("rules", "copyActions"), "copy-removed", "backups are no longer copied there"),
    ("aws:s3/bucketReplicationConfig", ("rules",), "copy-removed", "new versions are no longer replicated"),
)


# --- judging one resource's inputs -----------------------------------------------------------------------------


def setting_weakenings(resource: dict, before: dict, after: dict) -> list[Weakening]:
    """Every input of `resource` that SETTINGS or ITEMS_REMOVED finds weaker (policy documents left out)."""
    old_flat, new_flat = flatten(before, ("inputs",)), flatten(after, ("inputs",))
    skip = [p for p, _ in policy_documents_in(before, ("inputs",))] + [
        p for p, _ in policy_documents_in(after, ("inputs",))
    ]
    skip += [p for p, _ in deny_rule_lists(before, ("inputs",))] + [p for p, _ in deny_rule_lists(after, ("inputs",))]
    old_items, new_items = item_prefixes(old_flat), item_prefixes(new_flat)
    type_module = module(resource["type"])
    found = []
    for path in sorted(old_flat.keys() | new_flat.keys(), key=path_text):
        old, new = old_flat.get(path, ABSENT), new_flat.get(path, ABSENT)
        if old == new or any(path[: len(p)] == p for p in skip):
            continue
        item = last_item(path)
        if item is not None and item not in new_items:
            continue  # a list item removed: judged as an item (below), not leaf by leaf
        new_item = item is not None and item not in old_items
        names = key_names(path)
        for rule in SETTINGS:
            if (
                names[-len(rule.suffix) :] == rule.suffix
                and (not rule.types or type_module in rule.types)
                and (rule.in_new_items or not new_item)
                and rule.weaker(old, new)
            ):
                found.append(weakening_at(resource, rule.kind, path_text(path), old, new, rule.why))
    found += _default_retention(resource, old_flat, new_flat)
    found += _items_removed(resource, type_module, old_items, new_items)
    return found


def _default_retention(resource: dict, old_flat: dict, new_flat: dict) -> list[Weakening]:
    """S3 Object Lock's default retention, in days or in years: shorter is weaker."""
    found = []
    prefixes = {
        p[:-1]
        for p in old_flat.keys() | new_flat.keys()
        if p[-2:-1] == ("defaultRetention",) and p[-1] in ("days", "years")
    }
    for prefix in sorted(prefixes, key=path_text):

        def days(flat: dict, prefix: tuple = prefix) -> float:
            value_days = as_number(flat.get((*prefix, "days"), ABSENT), 0) or 0
            return value_days + 365 * (as_number(flat.get((*prefix, "years"), ABSENT), 0) or 0)

        if days(new_flat) < days(old_flat):
            field = "years" if (*prefix, "years") in old_flat else "days"
            path = (*prefix, field)
            found.append(
                weakening_at(
                    resource,
                    "retention-shortened",
                    path_text(path),
                    old_flat.get(path, ABSENT),
                    new_flat.get(path, ABSENT),
                    "locked versions can be deleted sooner",
                )
            )
    return found


def _items_removed(resource: dict, type_module: str, old_items: set, new_items: set) -> list[Weakening]:
    """Items gone from the lists of ITEMS_REMOVED (more gone than came: a renamed item is not a loss)."""
    found = []
    for rule_module, list_names, kind, why in ITEMS_REMOVED:
        if type_module != rule_module:
            continue
        lists: dict[KeyPath, tuple[set, set]] = {}
        for items, side in ((old_items, 0), (new_items, 1)):
            for item in items:
                if key_names(item)[-len(list_names) :] == list_names:
                    lists.setdefault(item[:-1], (set(), set()))[side].add(item[-1].key)
        for list_path, (before, after) in sorted(lists.items(), key=lambda kv: path_text(kv[0])):
            parent = last_item(list_path)
            if parent is not None and parent not in new_items:
                continue  # the enclosing item went too: reported once, for it
            if len(after) < len(before):
                gone = sorted(before - after)
                found.append(
                    Weakening(
                        resource["urn"],
                        kind,
                        f"{resource['name']}: {path_text(list_path)} "
                        f"{len(before)} → {len(after)} items, removed {', '.join(gone)} ({why})",
                    )
                )
    return found
