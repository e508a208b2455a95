"""Resources gone from the plan, judged by what their type does: hold data, lock it, copy it, guard it or raise an alarm."""

from __future__ import annotations

from .plan_paths import Weakening, module, statement_key
from .policy_documents import is_deny, policy_documents_in, statements_by_key

_STORE = "data-store-removed"
REMOVALS: dict[str, tuple[str, str]] = {
    "aws:s3/bucketObjectLockConfiguration": ("lock-removed", "objects written from now on are not locked"),
    "aws:backup/vaultLockConfiguration": ("lock-removed", "recovery points in the vault can be deleted"),
    **dict.fromkeys(("aws:s3/bucket", "aws:s3/bucketV2", "gcp:storage/bucket"), (_STORE, "the bucket and the copies in it")),
    **dict.fromkeys(("aws:backup/vault", "aws:backup/logicallyAirGappedVault", "gcp:backupdisasterrecovery/backupVault"),
                    (_STORE, "the vault and its recovery points")),
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


def removal_weakenings(removed: list[dict], after: dict[str, dict]) -> list[Weakening]:
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
    denies = [s for _, doc in policy_documents_in(resource.get("inputs") or {}) for s in statements_by_key(doc).values() if is_deny(s)]
    if denies:
        return "guardrail-removed", f"its Deny statements {', '.join(statement_key(s) for s in denies)} no longer apply"
    if module(resource["type"]) in _ATTACHMENTS:
        arn = (resource.get("inputs") or {}).get("policyArn")
        policy = next((r for r in after.values() if arn and (r.get("outputs") or {}).get("arn") == arn), None)
        if policy is not None and any(is_deny(s) for _, doc in policy_documents_in(policy.get("inputs") or {}) for s in statements_by_key(doc).values()):
            return "guardrail-removed", f"{policy['name']} and its Deny statements no longer apply here"
    if resource.get("protect"):
        return "protected-resource-removed", "it was protected against deletion"
    return None, ""
