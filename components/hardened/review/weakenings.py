"""The rules of the security diff: what, in the change from one plan to the next, leaves a stack less safe.

Every rule judges meaning, never text, and only the direction that weakens counts (a longer retention,
a new Deny or a new MFA condition is never reported):

- settings: a table of input paths (by their last key names) and the change that weakens each one;
- removals: a resource that holds data, locks it, copies it, guards it or raises an alarm, gone from the plan;
- policies: IAM-style documents walked statement by statement (matched by Sid, or by Effect and actions),
  and GCP deny rules permission by permission;
- the stack's `copies` export: a copy, or every copy at one vendor, lost.
"""

from __future__ import annotations

import fnmatch
import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any


class _Absent:
    """A value that is not there (an input or a list item removed or added); never equal to None."""

    def __repr__(self) -> str:
        return "(absent)"

    def __bool__(self) -> bool:
        return False

    def __copy__(self) -> _Absent:
        return self

    def __deepcopy__(self, memo: dict) -> _Absent:
        return self


ABSENT: Any = _Absent()


@dataclass(frozen=True)
class Weakening:
    """One way the change leaves the stack less safe."""

    urn: str
    kind: str
    message: str


# --- paths: inputs flattened to {path: leaf}, list items keyed by what names them -------------------------------


@dataclass(frozen=True)
class Item:
    """A list item in a path, keyed by its Sid, id, name... or its position."""

    key: str


KeyPath = tuple[str | Item, ...]  # input keys, and list items by their key
_ITEM_FIELDS = ("id", "ruleName", "name", "copy", "destinationVaultArn", "description", "displayName")


def path_text(path: KeyPath) -> str:
    text = ""
    for segment in path:
        text += f"[{segment.key}]" if isinstance(segment, Item) else ("." if text else "") + segment
    return text


def statement_key(statement: dict) -> str:
    """A statement's identity across plans: its Sid, or its Effect and actions when it has none."""
    sid = statement.get("Sid")
    if isinstance(sid, str) and sid:
        return sid
    field, actions = _actions(statement)
    return f"{statement.get('Effect', '?')} {'NotAction ' if field == 'NotAction' else ''}{','.join(sorted(actions))}"


def item_keys(items: list[dict]) -> list[str]:
    if all("Effect" in item for item in items):
        keys = [statement_key(item) for item in items]
    else:
        for field in _ITEM_FIELDS:
            values = [item.get(field) for item in items]
            if all(isinstance(v, str) and v for v in values) and len(set(values)) == len(values):
                keys = values
                break
        else:
            keys = [str(n) for n in range(len(items))]
    seen: dict[str, int] = {}
    unique = []
    for key in keys:
        seen[key] = seen.get(key, 0) + 1
        unique.append(key if seen[key] == 1 else f"{key}#{seen[key]}")
    return unique


def flatten(value: Any, path: KeyPath = ()) -> dict[KeyPath, Any]:
    """Leaves by path: dicts and lists of dicts are walked; scalars, scalar lists and empty containers are leaves."""
    if isinstance(value, dict) and value:
        flat: dict[KeyPath, Any] = {}
        for key, child in value.items():
            flat.update(flatten(child, (*path, str(key))))
        return flat
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        flat = {}
        for key, item in zip(item_keys(value), value, strict=True):
            flat.update(flatten(item, (*path, Item(key))))
        return flat
    return {path: value}


def _names(path: KeyPath) -> tuple[str, ...]:
    return tuple(s for s in path if isinstance(s, str))


def _item_prefixes(flat: dict[KeyPath, Any]) -> set[KeyPath]:
    return {path[: n + 1] for path in flat for n, s in enumerate(path) if isinstance(s, Item)}


def _last_item(path: KeyPath) -> KeyPath | None:
    for n in range(len(path) - 1, -1, -1):
        if isinstance(path[n], Item):
            return path[: n + 1]
    return None


# --- values ----------------------------------------------------------------------------------------------------


def show(value: Any, limit: int = 120) -> str:
    if value is ABSENT:
        return "(absent)"
    if isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(", ", ": "))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def transition(old: Any, new: Any) -> str:
    """`old → new`; lists too long to show whole are counted, and what they gained and lost is named."""
    text = f"{show(old)} → {show(new)}"
    if len(text) <= 160 or not (isinstance(old, list) or isinstance(new, list)):
        return text
    before, after = _list(old), _list(new)
    gained = [show(v, 200) for v in after if v not in before]
    lost = [show(v, 200) for v in before if v not in after]
    details = ([f"added {', '.join(gained)}"] if gained else []) + ([f"removed {', '.join(lost)}"] if lost else [])
    return "; ".join([f"{_count(old)} → {_count(new)}", *details])


def _count(value: Any) -> str:
    return f"{len(value)} entries" if isinstance(value, list) else show(value, 60)


def _list(value: Any) -> list:
    return value if isinstance(value, list) else [] if value is ABSENT or value is None else [value]


def _norm(value: Any) -> str | None:
    if value is ABSENT or value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip().lower()


_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*s?\s*$")


def _number(value: Any, absent: float) -> float | None:
    if value is ABSENT or value is None:
        return absent
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    match = _NUMBER.match(value) if isinstance(value, str) else None
    return float(match.group(1)) if match else None


# --- settings: the direction that weakens each input ----------------------------------------------------------

Check = Callable[[Any, Any], bool]
FOREVER = math.inf


def _lower(absent: float) -> Check:
    """Weaker when the number goes down; `absent` is what a missing value means (0: no lock; FOREVER: no expiry)."""

    def check(old: Any, new: Any) -> bool:
        before, after = _number(old, absent), _number(new, absent)
        return before is not None and after is not None and after < before

    return check


def _higher(absent: float) -> Check:
    def check(old: Any, new: Any) -> bool:
        before, after = _number(old, absent), _number(new, absent)
        return before is not None and after is not None and after > before

    return check


def _was(*values: str) -> Check:
    return lambda old, new: _norm(old) in values and _norm(new) not in values


def _became(*values: str) -> Check:
    return lambda old, new: _norm(old) not in values and _norm(new) in values


def _removed(old: Any, new: Any) -> bool:
    return old is not ABSENT and old not in (None, "", []) and new in (ABSENT, None, "", [])


def _present_and(check: Check) -> Check:
    return lambda old, new: old is not ABSENT and new is not ABSENT and check(old, new)


def _shrunk(old: Any, new: Any) -> bool:
    return any(v not in _list(new) for v in _list(old))


def _grew(old: Any, new: Any) -> bool:
    return any(v not in _list(old) for v in _list(new))


def _later(old: Any, new: Any) -> bool:
    return isinstance(old, str) and isinstance(new, str) and new > old


def _rank_up(*ranks: str) -> Check:
    """Weaker when the value moves right in `ranks` (safest first)."""

    def check(old: Any, new: Any) -> bool:
        before, after = _norm(old), _norm(new)
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
_TRAIL_FLAGS = ("enableLogging", "enableLogFileValidation", "isMultiRegionTrail", "isOrganizationTrail", "includeGlobalServiceEvents")
_PASSWORD_FLAGS = ("requireLowercaseCharacters", "requireNumbers", "requireSymbols", "requireUppercaseCharacters")
_TRANSFER_DELETES = ("deleteObjectsFromSourceAfterTransfer", "deleteObjectsUniqueInSink", "overwriteObjectsAlreadyExistingInSink")
_ORG_POLICY = ("gcp:orgpolicy/policy",)

SETTINGS: tuple[Setting, ...] = (
    # Retention: copies kept, or locked, for less time. A missing lock means 0 days; a missing expiry, forever.
    Setting(("minRetentionDays",), _lower(0), "retention-shortened", "recovery points can be deleted sooner"),
    Setting(("maxRetentionDays",), _lower(FOREVER), "retention-shortened", "recovery points cannot be kept as long"),
    Setting(("lifecycle", "deleteAfter"), _lower(FOREVER), "retention-shortened", "backups are deleted sooner"),
    Setting(("noncurrentVersionExpiration", "noncurrentDays"), _lower(FOREVER), "retention-shortened", "old versions expire sooner", in_new_items=True),
    Setting(("expiration", "days"), _lower(FOREVER), "retention-shortened", "objects expire sooner", in_new_items=True),
    Setting(("retentionPolicy", "retentionPeriod"), _lower(0), "retention-shortened", "objects can be deleted sooner"),
    Setting(("retentionDurationSeconds",), _lower(0), "retention-shortened", "deleted objects are recoverable for less time"),
    Setting(("backupMinimumEnforcedRetentionDuration",), _lower(0), "retention-shortened", "backups can be deleted sooner"),
    Setting(("retentionInDays",), lambda o, n: _lower(FOREVER)(o or ABSENT, n or ABSENT), "retention-shortened", "logs are deleted sooner"),
    Setting(("deletionWindowInDays",), _lower(30), "deletion-window-shortened", "less time to cancel the key's deletion"),
    # Locks.
    Setting(("defaultRetention", "mode"), _was("compliance"), "compliance-to-governance", "a GOVERNANCE lock can be bypassed or lifted"),
    Setting(("changeableForDays",), _removed, "compliance-to-governance", "without it the vault lock stays in governance mode and can be removed"),
    Setting(("changeableForDays",), _present_and(_higher(0)), "lock-delayed", "the vault lock can be removed for longer before it becomes permanent"),
    Setting(("isLocked",), _was("true"), "lock-removed", "the retention policy can be shortened or removed"),
    Setting(("objectLockEnabled",), _was("enabled", "true"), "lock-removed", "objects are no longer locked"),
    Setting(("effectiveTime",), _later, "lock-delayed", "the vault's minimum retention is enforced later", ("gcp:backupdisasterrecovery/backupVault",)),
    # Public access.
    *(Setting((flag,), _was("true"), "public-access-opened", "public access is no longer blocked") for flag in _PUBLIC_FLAGS),
    Setting(("publicAccessPrevention",), _was("enforced"), "public-access-opened", "the bucket can be made public"),
    Setting(("uniformBucketLevelAccess",), _was("true"), "public-access-opened", "object ACLs can grant access again"),
    Setting(("objectOwnership",), _was("bucketownerenforced"), "public-access-opened", "ACLs are honoured again"),
    Setting(("accessRestriction",), _rank_up("within_project", "within_organization", "unrestricted", "within_org_but_unrestricted_for_ba"), "public-access-opened", "the vault can be reached from further away"),
    # Keys and encryption.
    Setting(("enableKeyRotation",), _was("true"), "key-rotation-disabled", "the key is no longer rotated"),
    Setting(("rotationPeriod",), _removed, "key-rotation-disabled", "the key is no longer rotated", ("gcp:kms/cryptoKey",)),
    Setting(("rotationPeriod",), _present_and(_higher(0)), "key-rotation-slowed", "the key is rotated less often", ("gcp:kms/cryptoKey",)),
    Setting(("sseAlgorithm",), _was("aws:kms", "aws:kms:dsse"), "encryption-weakened", "objects are no longer encrypted with a KMS key"),
    *(Setting((key,), _removed, "encryption-weakened", "no longer encrypted with the customer-managed key") for key in ("kmsMasterKeyId", "defaultKmsKeyName", "kmsKeyArn", "kmsKeyId")),
    # Deletion protection.
    Setting(("forceDestroy",), _became("true"), "force-destroy-enabled", "deleting it deletes everything in it"),
    Setting(("deletionPolicy",), _was("prevent"), "deletion-protection-removed", "the project can be deleted"),
    Setting(("deletionProtection",), _was("true"), "deletion-protection-removed", "it can be deleted"),
    Setting(("skipDestroy",), _was("true"), "deletion-protection-removed", "removing it from the program removes it from the cloud"),
    Setting(("closeOnDeletion",), _became("true"), "deletion-protection-removed", "removing it from the program closes the account"),
    Setting(("restrictions",), _shrunk, "deletion-protection-removed", "the lien no longer blocks these operations", ("gcp:resourcemanager/lien",)),
    Setting(("tags", "hardened-accounts:protects"), _removed, "protection-tag-removed", "the guardrails protect it by this tag"),
    Setting(("versioningConfiguration", "status"), _was("enabled"), "versioning-suspended", "overwritten and deleted objects are not kept"),
    Setting(("versioning", "enabled"), _was("true"), "versioning-suspended", "overwritten and deleted objects are not kept"),
    # Copies.
    *(Setting(("transferOptions", key), _became("true"), "copy-may-delete", "the transfer can now delete or overwrite objects") for key in _TRANSFER_DELETES),
    Setting(("overwriteWhen",), _was("never"), "copy-may-delete", "the transfer can now overwrite copies"),
    Setting(("status",), _was("enabled"), "copy-disabled", "the transfer no longer runs", ("gcp:storage/transferJob",)),
    Setting(("rules", "status"), _was("enabled"), "copy-disabled", "the rule no longer replicates", ("aws:s3/bucketReplicationConfig",)),
    Setting(("deleteMarkerReplication", "status"), _became("enabled"), "copy-may-delete", "deletions now reach the replica"),
    Setting(("isCrossAccountBackupEnabled",), _was("true"), "copy-disabled", "backups can no longer be copied to another account"),
    Setting(("resources",), _shrunk, "backup-removed", "these resources are no longer backed up", ("aws:backup/selection",)),
    Setting(("protectedResourceArns",), _shrunk, "restore-test-removed", "these resources are no longer restore-tested", ("aws:backup/restoreTestingSelection",)),
    # Logging and alarms.
    *(Setting((flag,), _was("true"), "logging-weakened", "the trail records less, or can be altered unnoticed") for flag in _TRAIL_FLAGS),
    Setting(("state",), _was("enabled"), "alarm-disabled", "the alert rule no longer fires", ("aws:cloudwatch/eventRule",)),
    Setting(("actionsEnabled",), _was("true"), "alarm-disabled", "the alarm no longer notifies anyone"),
    Setting(("enabled",), _was("true"), "alarm-disabled", "the alert no longer fires", ("gcp:monitoring/alertPolicy",)),
    Setting(("alarmActions",), _shrunk, "alarm-disabled", "fewer people are told"),
    Setting(("notificationChannels",), _shrunk, "alarm-disabled", "fewer people are told"),
    # Identity.
    Setting(("minimumPasswordLength",), _lower(0), "password-policy-weakened", "shorter passwords are accepted"),
    Setting(("passwordReusePrevention",), _lower(0), "password-policy-weakened", "old passwords can be reused sooner"),
    Setting(("maxPasswordAge",), _higher(FOREVER), "password-policy-weakened", "passwords are kept longer"),
    *(Setting((flag,), _was("true"), "password-policy-weakened", "weaker passwords are accepted") for flag in _PASSWORD_FLAGS),
    Setting(("maxSessionDuration",), _higher(3600), "session-lengthened", "sessions last longer"),
    Setting(("maxRequestDuration",), _present_and(_higher(0)), "session-lengthened", "grants last longer"),
    Setting(("approvalsNeeded",), _lower(0), "approval-weakened", "fewer approvals are needed"),
    Setting(("requireApproverJustification",), _was("true"), "approval-weakened", "approvers need not justify"),
    # GCP organization policies.
    Setting(("enforce",), _was("true"), "guardrail-disabled", "the constraint is no longer enforced", _ORG_POLICY),
    Setting(("allowAll",), _became("true"), "guardrail-disabled", "the constraint allows everything", _ORG_POLICY),
    Setting(("denyAll",), _was("true"), "guardrail-disabled", "the constraint no longer denies everything", _ORG_POLICY),
    Setting(("reset",), _became("true"), "guardrail-disabled", "the constraint falls back to Google's default", _ORG_POLICY),
    Setting(("allowedValues",), _grew, "guardrail-widened", "more values are allowed", _ORG_POLICY),
    Setting(("deniedValues",), _shrunk, "guardrail-widened", "fewer values are denied", _ORG_POLICY),
)

# A list item that disappears (more items gone than came) from these lists.
ITEMS_REMOVED: tuple[tuple[str, tuple[str, ...], str, str], ...] = (
    ("aws:backup/plan", ("rules",), "backup-removed", "its scheduled backups stop"),
    ("aws:backup/plan", ("rules", "copyActions"), "copy-removed", "backups are no longer copied there"),
    ("aws:s3/bucketReplicationConfig", ("rules",), "copy-removed", "new versions are no longer replicated"),
)


# --- removals: by what the resource type does -------------------------------------------------------------------

_STORE = "data-store-removed"
REMOVALS: dict[str, tuple[str, str]] = {
    "aws:s3/bucketObjectLockConfiguration": ("lock-removed", "objects written from now on are not locked"),
    "aws:backup/vaultLockConfiguration": ("lock-removed", "recovery points in the vault can be deleted"),
    **dict.fromkeys(("aws:s3/bucket", "aws:s3/bucketV2", "gcp:storage/bucket"), (_STORE, "the bucket and the copies in it")),
    **dict.fromkeys(("aws:backup/vault", "gcp:backupdisasterrecovery/backupVault"), (_STORE, "the vault and its recovery points")),
    **dict.fromkeys(("aws:kms/key", "gcp:kms/cryptoKey", "gcp:kms/keyRing"), (_STORE, "what it encrypts is unreadable once it is deleted")),
    "aws:cloudwatch/logGroup": (_STORE, "the logs in it"),
    "aws:organizations/account": (_STORE, "the account and everything in it"),
    "gcp:organizations/project": (_STORE, "the project and everything in it"),
    "aws:cloudtrail/trail": ("logging-removed", "API activity is no longer recorded"),
    "aws:s3/bucketReplicationConfig": ("copy-removed", "new versions are no longer replicated"),
    "gcp:storage/transferJob": ("copy-removed", "the copy to the other vendor stops"),
    "aws:backup/plan": ("backup-removed", "scheduled backups and their copies stop"),
    "aws:backup/selection": ("backup-removed", "its resources are no longer backed up"),
    "aws:backup/restoreTestingPlan": ("restore-test-removed", "restores are no longer tested"),
    "aws:backup/restoreTestingSelection": ("restore-test-removed", "restores are no longer tested"),
    "aws:organizations/policy": ("guardrail-removed", "its Deny statements no longer apply"),
    "aws:organizations/policyAttachment": ("guardrail-removed", "the policy no longer applies to its target"),
    "gcp:orgpolicy/policy": ("guardrail-removed", "the constraint is no longer enforced"),
    "gcp:iam/denyPolicy": ("guardrail-removed", "its deny rules no longer apply"),
    "aws:s3/bucketPolicy": ("guardrail-removed", "the bucket's Deny statements no longer apply"),
    "aws:backup/vaultPolicy": ("guardrail-removed", "the vault's Deny statements no longer apply"),
    "aws:iam/organizationsFeatures": ("guardrail-removed", "central root access management is off"),
    "gcp:resourcemanager/lien": ("deletion-protection-removed", "the project can be deleted"),
    "aws:iam/accountPasswordPolicy": ("password-policy-weakened", "the account falls back to the default password policy"),
    **dict.fromkeys(("aws:s3/bucketPublicAccessBlock", "aws:s3/accountPublicAccessBlock"), ("public-access-opened", "public ACLs and policies are no longer blocked")),
    "aws:s3/bucketOwnershipControls": ("public-access-opened", "ACLs are honoured again"),
    **dict.fromkeys(("aws:s3/bucketVersioning", "aws:s3/bucketVersioningV2"), ("versioning-suspended", "versioning is no longer managed")),
    "aws:s3/bucketServerSideEncryptionConfiguration": ("encryption-weakened", "objects are no longer encrypted with the customer-managed key"),
    **dict.fromkeys(
        ("aws:cloudwatch/eventRule", "aws:cloudwatch/eventTarget", "aws:cloudwatch/metricAlarm", "aws:cloudwatch/logMetricFilter",
         "aws:sns/topicSubscription", "gcp:monitoring/alertPolicy", "gcp:logging/metric", "gcp:monitoring/notificationChannel"),
        ("alarm-removed", "an alert no longer fires or reaches anyone"),
    ),
}
_ATTACHMENTS = ("aws:iam/groupPolicyAttachment", "aws:iam/userPolicyAttachment", "aws:iam/rolePolicyAttachment", "aws:iam/policyAttachment")
_FOLDED_INPUTS = ("bucket", "backupVaultName", "targetKeyId", "keyId")


def module(type_: str) -> str:
    """`aws:s3/bucket:Bucket` -> `aws:s3/bucket`."""
    return type_.rsplit(":", 1)[0]


# --- the whole comparison ---------------------------------------------------------------------------------------


def find_weakenings(base: dict, head: dict) -> list[Weakening]:
    """Every weakening from the plan `base` to the plan `head` (two plan documents of the same stack)."""
    before = {r["urn"]: r for r in base.get("resources", [])}
    after = {r["urn"]: r for r in head.get("resources", [])}
    found: list[Weakening] = []
    found += _removals([before[u] for u in before if u not in after], after)
    for urn in before.keys() & after.keys():
        found += _resource_weakenings(before[urn], after[urn])
    for urn in after.keys() - before.keys():
        found += _policy_weakenings(after[urn], {}, after[urn].get("inputs") or {}, only_public=True)
    found += _copies_weakenings(_stack_urn(base, head), base.get("outputs") or {}, head.get("outputs") or {})
    order = {urn: n for n, urn in enumerate(sorted(before.keys() | after.keys()))}
    return sorted(found, key=lambda w: order.get(w.urn, -1))


def _weakening(resource: dict, kind: str, path: str, old: Any, new: Any, why: str) -> Weakening:
    return Weakening(resource["urn"], kind, f"{resource['name']}: {path} {transition(old, new)} ({why})")


def _resource_weakenings(old: dict, new: dict) -> list[Weakening]:
    found = []
    if old.get("protect") and not new.get("protect"):
        found.append(_weakening(old, "protect-removed", "protect", True, False, "Pulumi will now delete or replace it when the program asks"))
    if old.get("retain_on_delete") and not new.get("retain_on_delete"):
        found.append(_weakening(old, "retain-on-delete-removed", "retain_on_delete", True, False, "removing it from the program now deletes it from the cloud"))
    before, after = old.get("inputs") or {}, new.get("inputs") or {}
    if before != after:
        found += _setting_weakenings(new, before, after)
        found += _policy_weakenings(new, before, after)
    return found


def _setting_weakenings(resource: dict, before: dict, after: dict) -> list[Weakening]:
    old_flat, new_flat = flatten(before, ("inputs",)), flatten(after, ("inputs",))
    skip = [p for p, _ in _policies(before, ("inputs",))] + [p for p, _ in _policies(after, ("inputs",))]
    skip += [p for p, _ in _deny_rule_lists(before, ("inputs",))] + [p for p, _ in _deny_rule_lists(after, ("inputs",))]
    old_items, new_items = _item_prefixes(old_flat), _item_prefixes(new_flat)
    type_module = module(resource["type"])
    found = []
    for path in sorted(old_flat.keys() | new_flat.keys(), key=path_text):
        old, new = old_flat.get(path, ABSENT), new_flat.get(path, ABSENT)
        if old == new or any(path[: len(p)] == p for p in skip):
            continue
        item = _last_item(path)
        if item is not None and item not in new_items:
            continue  # a list item removed: judged as an item (below), not leaf by leaf
        new_item = item is not None and item not in old_items
        names = _names(path)
        for rule in SETTINGS:
            if (names[-len(rule.suffix):] == rule.suffix and (not rule.types or type_module in rule.types)
                    and (rule.in_new_items or not new_item) and rule.weaker(old, new)):
                found.append(_weakening(resource, rule.kind, path_text(path), old, new, rule.why))
    found += _default_retention(resource, old_flat, new_flat)
    found += _items_removed(resource, type_module, old_items, new_items)
    return found


def _default_retention(resource: dict, old_flat: dict, new_flat: dict) -> list[Weakening]:
    """S3 Object Lock's default retention, in days or in years: shorter is weaker."""
    found = []
    prefixes = {p[:-1] for p in old_flat.keys() | new_flat.keys() if p[-2:-1] == ("defaultRetention",) and p[-1] in ("days", "years")}
    for prefix in sorted(prefixes, key=path_text):
        def days(flat: dict, prefix: tuple = prefix) -> float:
            value_days = _number(flat.get((*prefix, "days"), ABSENT), 0) or 0
            return value_days + 365 * (_number(flat.get((*prefix, "years"), ABSENT), 0) or 0)

        if days(new_flat) < days(old_flat):
            field = "years" if (*prefix, "years") in old_flat else "days"
            path = (*prefix, field)
            found.append(_weakening(resource, "retention-shortened", path_text(path), old_flat.get(path, ABSENT),
                                    new_flat.get(path, ABSENT), "locked versions can be deleted sooner"))
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
                if _names(item)[-len(list_names):] == list_names:
                    lists.setdefault(item[:-1], (set(), set()))[side].add(item[-1].key)
        for list_path, (before, after) in sorted(lists.items(), key=lambda kv: path_text(kv[0])):
            parent = _last_item(list_path)
            if parent is not None and parent not in new_items:
                continue  # the enclosing item went too: reported once, for it
            if len(after) < len(before):
                gone = sorted(before - after)
                found.append(Weakening(resource["urn"], kind, f"{resource['name']}: {path_text(list_path)} "
                                       f"{len(before)} → {len(after)} items, removed {', '.join(gone)} ({why})"))
    return found


def _removals(removed: list[dict], after: dict[str, dict]) -> list[Weakening]:
    """Removed resources by what their type does; what hangs off a removed data store is named with it."""
    stores = [r for r in removed if REMOVALS.get(module(r["type"]), ("",))[0] == _STORE]
    names_of: dict[str, dict] = {}
    for store in stores:
        outputs = store.get("outputs") or {}
        for value in (store.get("id"), outputs.get("bucket"), outputs.get("name"), outputs.get("arn"), outputs.get("keyId")):
            if isinstance(value, str) and value:
                names_of[value] = store
    folded: dict[str, list[str]] = {}
    found = []
    for resource in removed:
        inputs = resource.get("inputs") or {}
        owner = next((names_of[v] for k in _FOLDED_INPUTS if isinstance(v := inputs.get(k), str) and v in names_of), None)
        if owner is not None and owner is not resource:
            folded.setdefault(owner["urn"], []).append(resource["name"])
            continue
        kind, why = REMOVALS.get(module(resource["type"]), (None, ""))
        if kind is None:
            kind, why = _unlisted_removal(resource, after)
        if kind is not None:
            found.append((resource, kind, why))
    return [
        Weakening(r["urn"], kind, f"{r['name']}: {r['type']} present → removed ({why}"
                  + (f"; with it {', '.join(folded[r['urn']])}" if r["urn"] in folded else "") + ")")
        for r, kind, why in found
    ]


def _unlisted_removal(resource: dict, after: dict[str, dict]) -> tuple[str | None, str]:
    """A type not in REMOVALS: a policy with Deny statements, an attachment of one, or a protected resource."""
    denies = [s for _, doc in _policies(resource.get("inputs") or {}) for s in _statements(doc).values() if _is_deny(s)]
    if denies:
        return "guardrail-removed", f"its Deny statements {', '.join(statement_key(s) for s in denies)} no longer apply"
    if module(resource["type"]) in _ATTACHMENTS:
        arn = (resource.get("inputs") or {}).get("policyArn")
        policy = next((r for r in after.values() if arn and (r.get("outputs") or {}).get("arn") == arn), None)
        if policy is not None and any(_is_deny(s) for _, doc in _policies(policy.get("inputs") or {}) for s in _statements(doc).values()):
            return "guardrail-removed", f"{policy['name']} and its Deny statements no longer apply here"
    if resource.get("protect"):
        return "protected-resource-removed", "it was protected against deletion"
    return None, ""


# --- policy documents -------------------------------------------------------------------------------------------

_MFA_KEYS = ("aws:multifactorauthpresent", "aws:multifactorauthage")
_NEGATED = {"stringnotequals", "stringnotequalsignorecase", "stringnotlike", "arnnotequals", "arnnotlike", "notipaddress",
            "numericnotequals", "datenotequals"}
_AT_MOST = {"numericlessthan", "numericlessthanequals", "datelessthan", "datelessthanequals"}
_AT_LEAST = {"numericgreaterthan", "numericgreaterthanequals", "dategreaterthan", "dategreaterthanequals"}
_EVERYONE = ("*", "*")


def _policies(value: Any, path: KeyPath = ()) -> Iterator[tuple[KeyPath, dict]]:
    """Every policy document (a dict with a Statement) in `value`, with its path."""
    if isinstance(value, dict):
        if "Statement" in value:
            yield path, value
            return
        for key, child in value.items():
            yield from _policies(child, (*path, str(key)))
    elif isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        for key, item in zip(item_keys(value), value, strict=True):
            yield from _policies(item, (*path, Item(key)))


def _deny_rule_lists(value: Any, path: KeyPath = ()) -> Iterator[tuple[KeyPath, list]]:
    """Every list of GCP deny rules (items with a denyRule) in `value`, with its path."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _deny_rule_lists(child, (*path, str(key)))
    elif isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        if any("denyRule" in item for item in value):
            yield path, value


def _statements(doc: Any) -> dict[str, dict]:
    statements = doc.get("Statement", []) if isinstance(doc, dict) else []
    statements = [s for s in ([statements] if isinstance(statements, dict) else statements) if isinstance(s, dict)]
    return dict(zip(item_keys(statements), statements, strict=True)) if statements else {}


def _is_deny(statement: dict) -> bool:
    return statement.get("Effect") == "Deny"


def _strings(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [] if value is None else [str(value)]


def _actions(statement: dict) -> tuple[str, frozenset[str]]:
    field = "NotAction" if "NotAction" in statement and "Action" not in statement else "Action"
    return field, frozenset(a.lower() for a in _strings(statement.get(field)))


def _field(statement: dict, name: str, default: list[str]) -> tuple[str, list[str]]:
    if f"Not{name}" in statement and name not in statement:
        return f"Not{name}", _strings(statement[f"Not{name}"])
    return name, _strings(statement[name]) if name in statement else default


def _covered(patterns: list[str], value: str, fold_case: bool = False) -> bool:
    if fold_case:
        patterns, value = [p.lower() for p in patterns], value.lower()
    return any(p == "*" or p == value or fnmatch.fnmatchcase(value, p) for p in patterns)


def _principals(statement: dict, field: str = "Principal") -> set[tuple[str, str]] | None:
    value = statement.get(field)
    if value is None:
        return None
    if not isinstance(value, dict):
        value = {"*" if value == "*" else "AWS": value}
    found = set()
    for kind, names in value.items():
        for name in _strings(names):
            found.add(_EVERYONE if name == "*" and kind in ("*", "AWS") else (kind, name))
    return found


_ACCOUNT = re.compile(r"^(?:arn:aws[\w-]*:(?:iam|sts)::)?(\d{12})(?::|$)")


def _principal_covered(principals: set[tuple[str, str]], principal: tuple[str, str]) -> bool:
    if _EVERYONE in principals or principal in principals:
        return True
    kind, name = principal
    account = _ACCOUNT.match(name)
    for other_kind, other in principals:
        if other_kind != kind:
            continue
        if other == "*" or fnmatch.fnmatchcase(name, other):
            return True
        whole_account = _ACCOUNT.match(other)
        if kind == "AWS" and account and whole_account and whole_account.group(1) == account.group(1) and (other.endswith(":root") or other == whole_account.group(1)):
            return True
    return False


def _show_principals(principals: list[tuple[str, str]]) -> str:
    return ", ".join("everyone (*)" if p == _EVERYONE else p[1] for p in sorted(principals))


@dataclass(frozen=True)
class _ConditionChange:
    operator: str
    key: str
    old: Any
    new: Any
    loosened: bool  # the statement now applies to more requests
    tightened: bool  # ...to fewer

    @property
    def mfa(self) -> bool:
        return self.key.lower() in _MFA_KEYS

    @property
    def negated(self) -> bool:
        return _bare_operator(self.operator) in _NEGATED


def _bare_operator(operator: str) -> str:
    return re.sub(r"ifexists$", "", operator.split(":")[-1].lower())


def _conditions(condition: Any) -> dict[tuple[str, str], tuple[str, list[str]]]:
    found = {}
    for operator, block in (condition.items() if isinstance(condition, dict) else []):
        for key, values in (block.items() if isinstance(block, dict) else []):
            found[(operator, key.lower())] = (key, [_norm(v) if isinstance(v, bool) else str(v) for v in _list(values)])
    return found


def _one(values: Any) -> Any:
    return values[0] if isinstance(values, list) and len(values) == 1 else values


def _magnitudes(values: list[str]) -> list:
    numbers = [_number(v, 0) for v in values]
    return list(values) if None in numbers else numbers


def _condition_changes(old: Any, new: Any) -> list[_ConditionChange]:
    before, after = _conditions(old), _conditions(new)
    changes = []
    for pair in sorted(before.keys() | after.keys()):
        operator = pair[0]
        key = (before.get(pair) or after.get(pair))[0]
        was, now = before.get(pair, (key, ABSENT))[1], after.get(pair, (key, ABSENT))[1]
        if was == now:
            continue
        if was is ABSENT or now is ABSENT:
            changes.append(_ConditionChange(operator, key, _one(was), _one(now), loosened=now is ABSENT, tightened=was is ABSENT))
            continue
        bare = _bare_operator(operator)
        if bare in _AT_MOST or bare in _AT_LEAST:
            try:  # a bound: numbers (or ISO dates) compared as such
                a, b = _magnitudes(was), _magnitudes(now)
                up, down = (max(b) > max(a), max(b) < max(a)) if bare in _AT_MOST else (min(b) > min(a), min(b) < min(a))
                loosened, tightened = (up, down) if bare in _AT_MOST else (down, up)
                changes.append(_ConditionChange(operator, key, _one(was), _one(now), loosened, tightened))
                continue
            except TypeError:
                pass
        gained, lost = any(v not in was for v in now), any(v not in now for v in was)
        loosened, tightened = (lost, gained) if bare in _NEGATED else (gained, lost)
        changes.append(_ConditionChange(operator, key, _one(was), _one(now), loosened, tightened))
    return changes


def _policy_weakenings(resource: dict, before: dict, after: dict, only_public: bool = False) -> list[Weakening]:
    old_docs = dict(_policies(before, ("inputs",)))
    new_docs = dict(_policies(after, ("inputs",)))
    found = []
    for path in sorted(old_docs.keys() | new_docs.keys(), key=path_text):
        old, new = old_docs.get(path, {}), new_docs.get(path, {})
        if old != new:
            found += _document_weakenings(resource, path_text(path), _statements(old), _statements(new), only_public)
    if not only_public:
        old_rules, new_rules = dict(_deny_rule_lists(before, ("inputs",))), dict(_deny_rule_lists(after, ("inputs",)))
        for path in sorted(old_rules.keys(), key=path_text):
            if old_rules[path] != new_rules.get(path):
                found += _deny_rules_weakenings(resource, path, old_rules[path], new_rules.get(path, []))
    return found


def _document_weakenings(resource: dict, doc_path: str, before: dict[str, dict], after: dict[str, dict], only_public: bool) -> list[Weakening]:
    pairs = [(key, before[key], after[key]) for key in before if key in after and before[key].get("Effect") == after[key].get("Effect")]
    gone = {k: s for k, s in before.items() if k not in {p[0] for p in pairs}}
    new = {k: s for k, s in after.items() if k not in {p[0] for p in pairs}}
    for key, statement in list(gone.items()):  # a Sid renamed: same effect, same actions
        twin = next((k for k, s in new.items() if s.get("Effect") == statement.get("Effect") and _actions(s) == _actions(statement)), None)
        if twin is not None:
            pairs.append((twin, statement, new.pop(twin)))
            del gone[key]
    found = []

    def weak(kind: str, path: str, old: Any, new_value: Any, why: str) -> None:
        found.append(_weakening(resource, kind, path, old, new_value, why))

    for key, statement in new.items():
        if statement.get("Effect") != "Allow":
            continue
        principals = _principals(statement) or set()
        field, actions = _field(statement, "Action", ["*"])
        if _EVERYONE in principals or any(name == "*" for _, name in principals):
            weak("principal-widened", f"{doc_path}.Statement[{key}]", ABSENT, "Allow",
                 f"now allows {field} {', '.join(actions)} to everyone (*)")
        elif not only_public:
            who = f" to {_show_principals(list(principals))}" if principals else ""
            weak("allow-added", f"{doc_path}.Statement[{key}]", ABSENT, "Allow", f"now allows {field} {', '.join(actions)}{who}")
    if only_public:
        return found
    for key, statement in gone.items():
        if _is_deny(statement):
            field, actions = _field(statement, "Action", ["*"])
            mfa = any(c[1] in _MFA_KEYS for c in _conditions(statement.get("Condition")))
            weak("deny-removed", f"{doc_path}.Statement[{key}]", "Deny", ABSENT,
                 f"no longer denies {field} {show(', '.join(actions), 160)}" + ("; it enforced MFA" if mfa else ""))
    for key, old, new_statement in pairs:
        path = f"{doc_path}.Statement[{key}]"
        judge = _deny_changes if _is_deny(old) else _allow_changes
        for kind, where, was, now, why in judge(old, new_statement):
            weak(kind, f"{path}.{where}", was, now, why)
    return found


Finding = tuple[str, str, Any, Any, str]


def _deny_changes(old: dict, new: dict) -> list[Finding]:
    """What a Deny statement no longer denies: fewer actions, resources or principals, or more exemptions."""
    found: list[Finding] = []
    for name, everything, fold in (("Action", ["*"], True), ("Resource", ["*"], False)):
        old_field, was = _field(old, name, everything)
        new_field, now = _field(new, name, everything)
        if old_field == name and new_field == name:
            lost = [v for v in was if not _covered(now, v, fold)]
            if lost:
                found.append(("deny-narrowed", name, was, now, f"no longer denied: {', '.join(lost)}"))
        elif old_field == new_field:  # Not<name> on both sides: an exemption grew
            extra = [v for v in now if not _covered(was, v, fold)]
            if extra:
                kind = "deny-narrowed" if name == "Action" else "exemption-added"
                found.append((kind, old_field, was, now, f"now exempt from the Deny: {', '.join(extra)}"))
        elif old_field == name:  # Action -> NotAction
            lost = [v for v in was if _covered(now, v, fold)]
            if lost:
                found.append(("deny-narrowed", new_field, was, now, f"no longer denied: {', '.join(lost)}"))
        elif "*" not in now:  # NotAction -> Action: only what is listed is denied now
            found.append(("deny-narrowed", new_field, was, now, f"only {', '.join(now)} is denied now"))
    was_who, now_who = _principals(old) or {_EVERYONE}, _principals(new) or {_EVERYONE}
    lost_who = [p for p in was_who if not _principal_covered(now_who, p)]
    if lost_who:
        found.append(("deny-narrowed", "Principal", old.get("Principal", "*"), new.get("Principal", "*"),
                      f"no longer denied to {_show_principals(lost_who)}"))
    spared_before, spared_now = _principals(old, "NotPrincipal") or set(), _principals(new, "NotPrincipal") or set()
    spared = [p for p in spared_now if not _principal_covered(spared_before, p)]
    if spared:
        found.append(("exemption-added", "NotPrincipal", old.get("NotPrincipal", ABSENT), new.get("NotPrincipal"),
                      f"now exempt from the Deny: {_show_principals(spared)}"))
    for change in _condition_changes(old.get("Condition"), new.get("Condition")):
        if not change.tightened:
            continue
        if change.mfa:
            kind, why = "mfa-condition-weakened", "the Deny now applies in fewer MFA situations"
        elif change.negated:
            added = [v for v in _list(change.new) if v not in _list(change.old)]
            kind, why = "exemption-added", "now exempt from the Deny" if added else "the Deny now spares whoever matches the new condition"
        else:
            kind, why = "deny-narrowed", "the Deny now applies to fewer requests"
        found.append((kind, f"Condition.{change.operator}.{change.key}", change.old, change.new, why))
    return found


def _allow_changes(old: dict, new: dict) -> list[Finding]:
    """What an Allow statement now allows that it did not: more principals, actions, resources, looser conditions."""
    found: list[Finding] = []
    was_who, now_who = _principals(old), _principals(new)
    if was_who is not None:
        extra = [p for p in (now_who or {_EVERYONE}) if not _principal_covered(was_who, p)]
        if extra:
            found.append(("principal-widened", "Principal", old.get("Principal"), new.get("Principal", ABSENT),
                          f"now also allows {_show_principals(extra)}"))
    for name, everything, fold in (("Action", ["*"], True), ("Resource", ["*"], False)):
        old_field, was = _field(old, name, everything)
        new_field, now = _field(new, name, everything)
        if old_field == name and new_field == name:
            extra = [v for v in now if not _covered(was, v, fold)]
        elif old_field == new_field:
            extra = [f"no longer excluded: {v}" for v in was if not _covered(now, v, fold)]
        else:
            extra = [f"{old_field} {', '.join(was)} became {new_field} {', '.join(now)}"] if new_field != name else []
        if extra:
            found.append(("allow-widened", new_field, was, now, f"now also allows {', '.join(extra)}"))
    for change in _condition_changes(old.get("Condition"), new.get("Condition")):
        if not change.loosened:
            continue
        removed = change.new is ABSENT
        if change.mfa:
            kind = "mfa-condition-removed" if removed else "mfa-condition-weakened"
            why = "MFA is no longer required" if removed else "the MFA requirement is looser"
        else:
            kind = "condition-removed" if removed else "condition-widened"
            why = "the Allow now applies to more requests"
        found.append((kind, f"Condition.{change.operator}.{change.key}", change.old, change.new, why))
    return found


def _deny_rules_weakenings(resource: dict, path: KeyPath, before: list, after: list) -> list[Weakening]:
    """GCP deny rules, permission by permission: still denied to the same principals, with no new exceptions?"""
    head = [item.get("denyRule") or {} for item in after if isinstance(item, dict)]
    found = []
    for key, item in zip(item_keys(before), before, strict=True):
        rule = item.get("denyRule") or {}
        where = path_text((*path, Item(key), "denyRule"))
        exceptions = _strings(rule.get("exceptionPrincipals"))
        lost, extra, conditioned = [], [], []
        for permission in _strings(rule.get("deniedPermissions")):
            for principal in _strings(rule.get("deniedPrincipals")):
                candidates = [
                    h for h in head
                    if _covered(_strings(h.get("deniedPermissions")), permission)
                    and (principal in _strings(h.get("deniedPrincipals")) or "principalSet://goog/public:all" in _strings(h.get("deniedPrincipals")))
                    and not _covered(_strings(h.get("exceptionPermissions")), permission)
                ]
                if not candidates:
                    lost.append(permission)
                    continue
                best = min(candidates, key=lambda h: (len(set(_strings(h.get("exceptionPrincipals"))) - set(exceptions)),
                                                      h.get("denialCondition") not in (None, rule.get("denialCondition"))))
                extra += [e for e in _strings(best.get("exceptionPrincipals")) if e not in exceptions and e not in extra]
                if best.get("denialCondition") not in (None, rule.get("denialCondition")):
                    conditioned.append(permission)
        if lost:
            permissions = _strings(rule.get("deniedPermissions"))
            found.append(_weakening(resource, "deny-removed", f"{where}.deniedPermissions", permissions,
                                    [p for p in permissions if p not in lost], f"no longer denied: {', '.join(sorted(set(lost)))}"))
        if extra:
            found.append(_weakening(resource, "exemption-added", f"{where}.exceptionPrincipals", exceptions, exceptions + extra,
                                    "now exempt from the deny"))
        if conditioned:
            found.append(_weakening(resource, "deny-narrowed", f"{where}.denialCondition", rule.get("denialCondition", ABSENT),
                                    "a new condition", f"denied only under a condition now: {', '.join(sorted(set(conditioned)))}"))
    return found


# --- the copies export -------------------------------------------------------------------------------------------


def _stack_urn(base: dict, head: dict) -> str:
    for plan in (head, base):
        for resource in plan.get("resources", []):
            if resource.get("type") == "pulumi:pulumi:Stack":
                return resource["urn"]
    project, stack = head.get("project", "?"), head.get("stack", "?")
    return f"urn:pulumi:{stack}::{project}::pulumi:pulumi:Stack::{project}-{stack}"


def _copies_weakenings(stack_urn: str, before: dict, after: dict) -> list[Weakening]:
    """The `copies` export: fewer copies, a vendor with no copy left, a copy that lost its lock."""
    was, now = before.get("copies"), after.get("copies", ABSENT)
    if not isinstance(was, list):
        return []
    was = [c for c in was if isinstance(c, dict)]
    now = [c for c in now if isinstance(c, dict)] if isinstance(now, list) else []
    names_now = {str(c.get("copy")): c for c in now}

    def describe(copy: dict) -> str:
        return f"{copy.get('copy')} ({', '.join(str(copy[k]) for k in ('vendor', 'where', 'region') if copy.get(k))})"

    found = []
    lost = [c for c in was if str(c.get("copy")) not in names_now]
    if lost or len(now) < len(was):
        found.append(Weakening(stack_urn, "copy-lost", f"outputs.copies: {len(was)} → {len(now)} copies"
                               + (f", lost {'; '.join(describe(c) for c in lost)}" if lost else "") + " (fewer independent copies of the backups)"))
    vendors_before = sorted({str(c.get("vendor")) for c in was if c.get("vendor")})
    vendors_now = sorted({str(c.get("vendor")) for c in now if c.get("vendor")})
    gone = [v for v in vendors_before if v not in vendors_now]
    if gone:
        found.append(Weakening(stack_urn, "copy-lost", f"outputs.copies vendors {show(vendors_before)} → {show(vendors_now)} "
                               f"(no copy at {', '.join(gone)} any more)"))
    for copy in was:
        match = names_now.get(str(copy.get("copy")))
        if match is not None and copy.get("lock") and not match.get("lock"):
            found.append(Weakening(stack_urn, "lock-removed", f"outputs.copies[{copy.get('copy')}].lock "
                                   f"{transition(copy.get('lock'), match.get('lock', ABSENT))} (the copy is no longer locked)"))
    return found
