"""Policies that weaken: IAM-style documents walked statement by statement, GCP deny rules permission by permission.

Statements are matched by Sid, or by Effect and actions when they have none (a renamed Sid with the
same effect and actions is the same statement). A Deny weakens when it denies less; an Allow when it
allows more.
"""

from __future__ import annotations

from typing import Any

from .plan_paths import (
    ABSENT,
    Item,
    KeyPath,
    Weakening,
    as_list,
    as_strings,
    item_keys,
    path_text,
    show,
    statement_actions,
    weakening_at,
)
from .policy_documents import (
    EVERYONE,
    MFA_KEYS,
    condition_changes,
    conditions_by_key,
    covered,
    deny_rule_lists,
    is_deny,
    policy_documents_in,
    principal_covered,
    show_principals,
    statement_field,
    statement_principals,
    statements_by_key,
)


def policy_weakenings(resource: dict, before: dict, after: dict, only_public: bool = False) -> list[Weakening]:
    """Every policy document and GCP deny-rule list in the inputs, compared; `only_public` for a new resource."""
    old_docs = dict(policy_documents_in(before, ("inputs",)))
    new_docs = dict(policy_documents_in(after, ("inputs",)))
    found = []
    for path in sorted(old_docs.keys() | new_docs.keys(), key=path_text):
        old, new = old_docs.get(path, {}), new_docs.get(path, {})
        if old != new:
            found += _document_weakenings(
                resource, path_text(path), statements_by_key(old), statements_by_key(new), only_public
            )
    if not only_public:
        old_rules, new_rules = dict(deny_rule_lists(before, ("inputs",))), dict(deny_rule_lists(after, ("inputs",)))
        for path in sorted(old_rules.keys(), key=path_text):
            if old_rules[path] != new_rules.get(path):
                found += _deny_rules_weakenings(resource, path, old_rules[path], new_rules.get(path, []))
    return found


def _document_weakenings(
    resource: dict, doc_path: str, before: dict[str, dict], after: dict[str, dict], only_public: bool
) -> list[Weakening]:
    pairs = [
        (key, before[key], after[key])
        for key in before
        if key in after and before[key].get("Effect") == after[key].get("Effect")
    ]
    gone = {k: s for k, s in before.items() if k not in {p[0] for p in pairs}}
    new = {k: s for k, s in after.items() if k not in {p[0] for p in pairs}}
    for key, statement in list(gone.items()):  # a Sid renamed: same effect, same actions
        twin = next(
            (
                k
                for k, s in new.items()
                if s.get("Effect") == statement.get("Effect") and statement_actions(s) == statement_actions(statement)
            ),
            None,
        )
        if twin is not None:
            pairs.append((twin, statement, new.pop(twin)))
            del gone[key]
    found = []

    def weak(kind: str, path: str, old: Any, new_value: Any, why: str) -> None:
        found.append(weakening_at(resource, kind, path, old, new_value, why))

    for key, statement in new.items():
        if statement.get("Effect") != "Allow":
            continue
        principals = statement_principals(statement) or set()
        field, actions = statement_field(statement, "Action", ["*"])
        if EVERYONE in principals or any(name == "*" for _, name in principals):
            weak(
                "principal-widened",
                f"{doc_path}.Statement[{key}]",
                ABSENT,
                "Allow",
                f"now allows {field} {', '.join(actions)} to everyone (*)",
            )
        elif not only_public:
            who = f" to {show_principals(list(principals))}" if principals else ""
            weak(
                "allow-added",
                f"{doc_path}.Statement[{key}]",
                ABSENT,
                "Allow",
                f"now allows {field} {', '.join(actions)}{who}",
            )
    if only_public:
        return found
    for key, statement in gone.items():
        if is_deny(statement):
            field, actions = statement_field(statement, "Action", ["*"])
            mfa = any(c[1] in MFA_KEYS for c in conditions_by_key(statement.get("Condition")))
            weak(
                "deny-removed",
                f"{doc_path}.Statement[{key}]",
                "Deny",
                ABSENT,
                f"no longer denies {field} {show(', '.join(actions), 160)}" + ("; it enforced MFA" if mfa else ""),
            )
    for key, old, new_statement in pairs:
        path = f"{doc_path}.Statement[{key}]"
        judge = _deny_changes if is_deny(old) else _allow_changes
        for kind, where, was, now, why in judge(old, new_statement):
            weak(kind, f"{path}.{where}", was, now, why)
    return found


Finding = tuple[str, str, Any, Any, str]


def _deny_changes(old: dict, new: dict) -> list[Finding]:
    """What a Deny statement no longer denies: fewer actions, resources or principals, or more exemptions."""
    found: list[Finding] = []
    for name, everything, fold in (("Action", ["*"], True), ("Resource", ["*"], False)):
        old_field, was = statement_field(old, name, everything)
        new_field, now = statement_field(new, name, everything)
        if old_field == name and new_field == name:
            lost = [v for v in was if not covered(now, v, fold)]
            if lost:
                found.append(("deny-narrowed", name, was, now, f"no longer denied: {', '.join(lost)}"))
        elif old_field == new_field:  # Not<name> on both sides: an exemption grew
            extra = [v for v in now if not covered(was, v, fold)]
            if extra:
                kind = "deny-narrowed" if name == "Action" else "exemption-added"
                found.append((kind, old_field, was, now, f"now exempt from the Deny: {', '.join(extra)}"))
        elif old_field == name:  # Action -> NotAction
            lost = [v for v in was if covered(now, v, fold)]
            if lost:
                found.append(("deny-narrowed", new_field, was, now, f"no longer denied: {', '.join(lost)}"))
        elif "*" not in now:  # NotAction -> Action: only what is listed is denied now
            found.append(("deny-narrowed", new_field, was, now, f"only {', '.join(now)} is denied now"))
    was_who, now_who = statement_principals(old) or {EVERYONE}, statement_principals(new) or {EVERYONE}
    lost_who = [p for p in was_who if not principal_covered(now_who, p)]
    if lost_who:
        found.append(
            (
                "deny-narrowed",
                "Principal",
                old.get("Principal", "*"),
                new.get("Principal", "*"),
                f"no longer denied to {show_principals(lost_who)}",
            )
        )
    spared_before, spared_now = (
        statement_principals(old, "NotPrincipal") or set(),
        statement_principals(new, "NotPrincipal") or set(),
    )
    spared = [p for p in spared_now if not principal_covered(spared_before, p)]
    if spared:
        found.append(
            (
                "exemption-added",
                "NotPrincipal",
                old.get("NotPrincipal", ABSENT),
                new.get("NotPrincipal"),
                f"now exempt from the Deny: {show_principals(spared)}",
            )
        )
    for change in condition_changes(old.get("Condition"), new.get("Condition")):
        if not change.tightened:
            continue
        if change.mfa:
            kind, why = "mfa-condition-weakened", "the Deny now applies in fewer MFA situations"
        elif change.negated:
            added = [v for v in as_list(change.new) if v not in as_list(change.old)]
            kind, why = (
                "exemption-added",
                "now exempt from the Deny" if added else "the Deny now spares whoever matches the new condition",
            )
        else:
            kind, why = "deny-narrowed", "the Deny now applies to fewer requests"
        found.append((kind, f"Condition.{change.operator}.{change.key}", change.old, change.new, why))
    return found


def _allow_changes(old: dict, new: dict) -> list[Finding]:
    """What an Allow statement now allows that it did not: more principals, actions, resources, looser conditions."""
    found: list[Finding] = []
    was_who, now_who = statement_principals(old), statement_principals(new)
    if was_who is not None:
        extra_principals = [p for p in (now_who or {EVERYONE}) if not principal_covered(was_who, p)]
        if extra_principals:
            found.append(
                (
                    "principal-widened",
                    "Principal",
                    old.get("Principal"),
                    new.get("Principal", ABSENT),
                    f"now also allows {show_principals(extra_principals)}",
                )
            )
    for name, everything, fold in (("Action", ["*"], True), ("Resource", ["*"], False)):
        old_field, was = statement_field(old, name, everything)
        new_field, now = statement_field(new, name, everything)
        if old_field == name and new_field == name:
            extra = [v for v in now if not covered(was, v, fold)]
        elif old_field == new_field:
            extra = [f"no longer excluded: {v}" for v in was if not covered(now, v, fold)]
        else:
            extra = [f"{old_field} {', '.join(was)} became {new_field} {', '.join(now)}"] if new_field != name else []
        if extra:
            found.append(("allow-widened", new_field, was, now, f"now also allows {', '.join(extra)}"))
    for change in condition_changes(old.get("Condition"), new.get("Condition")):
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
        exceptions = as_strings(rule.get("exceptionPrincipals"))
        lost, extra, conditioned = [], [], []
        for permission in as_strings(rule.get("deniedPermissions")):
            for principal in as_strings(rule.get("deniedPrincipals")):
                candidates = [
                    h
                    for h in head
                    if covered(as_strings(h.get("deniedPermissions")), permission)
                    and (
                        principal in as_strings(h.get("deniedPrincipals"))
                        or "principalSet://goog/public:all" in as_strings(h.get("deniedPrincipals"))
                    )
                    and not covered(as_strings(h.get("exceptionPermissions")), permission)
                ]
                if not candidates:
                    lost.append(permission)
                    continue
                best = min(
                    candidates,
                    key=lambda h: (
                        len(set(as_strings(h.get("exceptionPrincipals"))) - set(exceptions)),
                        h.get("denialCondition") not in (None, rule.get("denialCondition")),
                    ),
                )
                extra += [
                    e for e in as_strings(best.get("exceptionPrincipals")) if e not in exceptions and e not in extra
                ]
                if best.get("denialCondition") not in (None, rule.get("denialCondition")):
                    conditioned.append(permission)
        if lost:
            permissions = as_strings(rule.get("deniedPermissions"))
            found.append(
                weakening_at(
                    resource,
                    "deny-removed",
                    f"{where}.deniedPermissions",
                    permissions,
                    [p for p in permissions if p not in lost],
                    f"no longer denied: {', '.join(sorted(set(lost)))}",
                )
            )
        if extra:
            found.append(
                weakening_at(
                    resource,
                    "exemption-added",
                    f"{where}.exceptionPrincipals",
                    exceptions,
                    exceptions + extra,
                    "now exempt from the deny",
                )
            )
        if conditioned:
            found.append(
                weakening_at(
                    resource,
                    "deny-narrowed",
                    f"{where}.denialCondition",
                    rule.get("denialCondition", ABSENT),
                    "a new condition",
                    f"denied only under a condition now: {', '.join(sorted(set(conditioned)))}",
                )
            )
    return found
