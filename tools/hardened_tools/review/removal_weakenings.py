"""Resources gone from the plan, judged by what their type does (`hardened.resource_types`): hold data, lock it, copy it,
guard it or raise an alarm."""

from __future__ import annotations

from hardened.resource_types import meaning_of

from .plan_paths import Weakening, module, statement_key
from .policy_documents import is_deny, policy_documents_in, statements_by_key

_ATTACHMENTS = (
    "aws:iam/groupPolicyAttachment",
    "aws:iam/userPolicyAttachment",
    "aws:iam/rolePolicyAttachment",
    "aws:iam/policyAttachment",
)
_FOLDED_INPUTS = ("bucket", "backupVaultName", "targetKeyId", "keyId")


def removal_weakenings(removed: list[dict], after: dict[str, dict]) -> list[Weakening]:
    """Removed resources by what their type does; what hangs off a removed data store is named with it."""
    stores = [r for r in removed if (m := meaning_of(r["type"])) is not None and m.role == "store"]
    names_of: dict[str, dict] = {}
    for store in stores:
        outputs = store.get("outputs") or {}
        for value in (
            store.get("id"),
            outputs.get("bucket"),
            outputs.get("name"),
            outputs.get("arn"),
            outputs.get("keyId"),
        ):
            if isinstance(value, str) and value:
                names_of[value] = store
    folded: dict[str, list[str]] = {}
    found = []
    for resource in removed:
        inputs = resource.get("inputs") or {}
        owner = next(
            (names_of[v] for k in _FOLDED_INPUTS if isinstance(v := inputs.get(k), str) and v in names_of), None
        )
        if owner is not None and owner is not resource:
            folded.setdefault(owner["urn"], []).append(resource["name"])
            continue
        meaning = meaning_of(resource["type"])
        kind, why = (meaning.removal, meaning.loses) if meaning is not None else (None, "")
        if kind is None:
            kind, why = _unlisted_removal(resource, after)
        if kind is not None:
            found.append((resource, kind, why))
    return [
        Weakening(
            r["urn"],
            kind,
            f"{r['name']}: {r['type']} present → removed ({why}"
            + (f"; with it {', '.join(folded[r['urn']])}" if r["urn"] in folded else "")
            + ")",
        )
        for r, kind, why in found
    ]


def _unlisted_removal(resource: dict, after: dict[str, dict]) -> tuple[str | None, str]:
    """A type the catalogue gives no removal meaning: a policy with Deny statements, an attachment of one, or a protected resource."""
    denies = [
        s
        for _, doc in policy_documents_in(resource.get("inputs") or {})
        for s in statements_by_key(doc).values()
        if is_deny(s)
    ]
    if denies:
        return "guardrail-removed", f"its Deny statements {', '.join(statement_key(s) for s in denies)} no longer apply"
    if module(resource["type"]) in _ATTACHMENTS:
        arn = (resource.get("inputs") or {}).get("policyArn")
        policy = next((r for r in after.values() if arn and (r.get("outputs") or {}).get("arn") == arn), None)
        if policy is not None and any(
            is_deny(s)
            for _, doc in policy_documents_in(policy.get("inputs") or {})
            for s in statements_by_key(doc).values()
        ):
            return "guardrail-removed", f"{policy['name']} and its Deny statements no longer apply here"
    if resource.get("protect"):
        return "protected-resource-removed", "it was protected against deletion"
    return None, ""
