"""Every rule id `hardened ci` reports, in one table, with a line saying what it means to a reviewer.

- `WEAKENING_KINDS`: the kinds of `hardened diff`'s weakenings (the rules in `setting_weakenings.py`,
  `policy_weakenings.py`, `removal_weakenings.py` and `weakenings.py`, and the removal kinds of the resource
  catalogue, `hardened.resource_types`); a finding's rule id is the kind itself.
- `POSTURE_CONTROLS`: the scorecard's controls (`posture/controls.py`), id to title; rule id `posture/<id>`.
- `PREVIEW_KINDS`: what `hardened review` finds in a real preview; rule id `preview/<kind>`.

The rule modules keep writing their kinds as string literals; tests/test_ci_outputs.py holds this table to them:
every kind they can emit is listed here and every kind listed here is emitted somewhere, the controls and their
titles are the scorecard's, and the preview kinds are `review/preview_steps.py`'s FINDING_KINDS.
"""

from __future__ import annotations

WEAKENING_KINDS: dict[str, str] = {
    # The resource itself: protected, retained, guarded against deletion.
    "protect-removed": "A resource lost `protect`: Pulumi will now delete or replace it when the program asks.",
    "retain-on-delete-removed": "A resource lost `retainOnDelete`: removing it from the program now deletes it from "
    "the cloud.",
    "protected-resource-removed": "A resource that was protected against deletion is gone from the plan.",
    "deletion-protection-removed": "A guard against deletion is off or gone (deletion protection, a lien, "
    "skipDestroy, closeOnDeletion): the resource, or the project or account, can now be deleted.",
    "force-destroy-enabled": "forceDestroy is on: deleting the bucket deletes everything in it.",
    "protection-tag-removed": "The `hardened-accounts:protects` tag is gone: the guardrails that protect the "
    "resource by this tag no longer cover it.",
    # The data: kept, versioned, for how long.
    "data-store-removed": "A resource that holds data or evidence (a bucket, vault, key, account, project, folder or "
    "log group) is gone from the plan, and what it held with it.",
    "retention-shortened": "Data is kept, or kept locked, for less time: a retention period, a lock's duration or "
    "an expiry went down.",
    "deletion-window-shortened": "A KMS key's deletion window is shorter: less time to cancel its deletion.",
    "versioning-suspended": "Bucket versioning is suspended or no longer managed: overwritten and deleted objects are "
    "not kept.",
    # Locks.
    "lock-removed": "A lock is off or gone (S3 Object Lock, a vault lock, a locked retention policy, a copy's lock): "
    "what it held can be deleted.",
    "compliance-to-governance": "A lock went from compliance to governance mode, which can be bypassed or lifted.",
    "lock-delayed": "A lock becomes permanent, or is enforced, later: it can be removed for longer.",
    # Access and encryption.
    "public-access-opened": "Public access is no longer blocked (or ACLs are honoured again, or a vault can be "
    "reached from further away).",
    "encryption-weakened": "Data is no longer encrypted with the customer-managed key.",
    "key-rotation-disabled": "A key is no longer rotated.",
    "key-rotation-slowed": "A key is rotated less often.",
    # Copies, backups and restore tests.
    "copy-lost": "The stack's `copies` export lists fewer copies, or no copy at a vendor any more.",
    "copy-removed": "A copy of the backups stopped: a replication rule, a backup rule's copy action, or the resource "
    "that copies is gone.",
    "copy-disabled": "A copy no longer runs: a transfer job or replication rule is disabled, or cross-account backup "
    "is off.",
    "copy-may-delete": "A copy can now delete or overwrite what it copied, or deletions now reach the replica.",
    "backup-removed": "Fewer resources are backed up: a backup plan, rule or selection is gone or covers fewer "
    "resources.",
    "restore-test-removed": "Fewer restores are tested: a restore testing plan or selection is gone or narrower.",
    # Records and alarms.
    "logging-removed": "A trail that records API activity is gone from the plan.",
    "logging-weakened": "The trail records less, or its log files can be altered unnoticed.",
    "alarm-removed": "An alert path is gone (an event rule or target, an alarm, a metric filter, a subscription or a "
    "notification channel): an alert no longer fires or reaches anyone.",
    "alarm-disabled": "An alert no longer fires, or tells fewer people.",
    # Guardrails and policies.
    "guardrail-removed": "A guardrail is gone: a policy with Deny statements, its attachment, a GCP organization "
    "policy or deny policy no longer applies.",
    "guardrail-disabled": "A GCP organization policy constraint is no longer enforced, allows everything, or falls "
    "back to Google's default.",
    "guardrail-widened": "A GCP organization policy constraint allows more values or denies fewer.",
    "deny-removed": "A Deny statement or deny rule is gone: what it denied is no longer denied.",
    "deny-narrowed": "A Deny applies to fewer actions, resources, principals or requests.",
    "exemption-added": "More principals or requests are exempt from a Deny.",
    "allow-added": "A new Allow statement grants access.",
    "allow-widened": "An Allow statement allows more actions or resources.",
    "principal-widened": "An Allow statement grants access to more principals, or to everyone.",
    "condition-removed": "A condition of an Allow statement is gone: it applies to more requests.",
    "condition-widened": "A condition of an Allow statement is looser: it applies to more requests.",
    "mfa-condition-removed": "An Allow no longer requires MFA.",
    "mfa-condition-weakened": "An MFA condition is looser: a Deny applies in fewer MFA situations, or an Allow's MFA "
    "requirement is weaker.",
    # Identity.
    "password-policy-weakened": "The account's password policy is weaker, or gone (the account falls back to the "
    "default policy).",
    "session-lengthened": "Sessions, or privileged-access grants, last longer.",
    "approval-weakened": "Privileged access needs fewer approvals, or approvers need not justify.",
}

POSTURE_CONTROLS: dict[str, str] = {
    "copies": "3-2-1: three copies, two vendors, one elsewhere",
    "single-credential": "No single credential takes every copy",
    "restore-drill": "Every restore is proven",
    "immutability": "Every copy is immutable",
    "encryption": "Customer-managed keys rotate",
    "public-access": "No public buckets, TLS only",
    "mfa": "MFA on every human path",
    "break-glass": "Break-glass paths are sealed and alarmed",
    "guardrails": "Destructive actions are denied by guardrails",
    "trail": "Organization trail",
    "alarms": "Every move against the backups is seen",
    "policy-pack": "Policy pack (policies/)",
}
"""Each control of `hardened posture`, by id, with the title its scorecard gives it."""

PREVIEW_KINDS: dict[str, str] = {
    "protected-delete": "The preview deletes a protected resource: the engine refuses it until `protect` is removed.",
    "protected-replace": "The preview replaces a protected resource, or one whose `protect` this change removes: the "
    "old one is deleted.",
    "data-bearing-delete": "The preview deletes a data-bearing resource: its data, or the guard of data it is, is "
    "lost.",
    "data-bearing-replace": "The preview replaces a data-bearing resource: the replacement starts empty, and the old "
    "one's data and locks do not move over.",
    "delete": "The preview deletes a resource, neither protected nor data-bearing, that `hardened review` shows for "
    "a security-relevant change.",
    "replace": "The preview replaces a resource, neither protected nor data-bearing, whose security-relevant "
    "properties change.",
    "weakening": "The preview changes a security-relevant property (or resource option) in the direction that "
    "weakens it.",
    "change": "The preview changes a security-relevant property (or resource option): not judged weaker, but worth "
    "a look.",
}
"""What `hardened review` reports in a real preview, by kind (`review/preview_steps.py`'s FINDING_KINDS)."""


_ACRONYMS = {"mfa": "MFA"}


def rule_description(rule: str) -> str | None:
    """What the rule id `rule` means, in one line: a weakening kind, `posture/<control>` or `preview/<kind>`.

    None for a rule id this table does not know.
    """
    if rule in WEAKENING_KINDS:
        return WEAKENING_KINDS[rule]
    family, _, name = rule.partition("/")
    if family == "posture" and name in POSTURE_CONTROLS:
        return f"The posture control `{name}` ({POSTURE_CONTROLS[name]}) fails or warns at the head."
    if family == "preview" and name in PREVIEW_KINDS:
        return PREVIEW_KINDS[name]
    return None


def rule_title(rule: str) -> str:
    """A short name for the rule id `rule`: "Retention shortened", "Posture: Every copy is immutable"; the id itself
    for one this table does not know."""
    if rule in WEAKENING_KINDS:
        words = [_ACRONYMS.get(word, word) for word in rule.split("-")]
        return " ".join([words[0][:1].upper() + words[0][1:], *words[1:]])
    family, _, name = rule.partition("/")
    if family == "posture" and name in POSTURE_CONTROLS:
        return f"Posture: {POSTURE_CONTROLS[name]}"
    if family == "preview" and name in PREVIEW_KINDS:
        return f"Preview: {' '.join(name.rsplit('-', 1))}"
    return rule
