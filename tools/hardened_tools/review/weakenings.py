"""The rules of the security diff: what, in the change from one plan to the next, leaves a stack less safe.

Every rule judges meaning, never text, and only the direction that weakens counts (a longer retention,
a new Deny or a new MFA condition is never reported):

- settings (`setting_weakenings.py`): a table of input paths (by their last key names) and the change
  that weakens each one;
- removals (`removal_weakenings.py`): a resource that holds data, locks it, copies it, guards it or
  raises an alarm, gone from the plan;
- policies (`policy_weakenings.py`, reading documents with `policy_documents.py`): IAM-style documents
  walked statement by statement (matched by Sid, or by Effect and actions), and GCP deny rules
  permission by permission;
- the stack's `copies` export (here): a copy, or every copy at one vendor, lost.

Paths and values (`plan_paths.py`) are shared by all of them. This module runs them over two plans.
"""

from __future__ import annotations

from .plan_paths import ABSENT, Item, Weakening, item_keys, path_text, show, transition, weakening_at
from .policy_weakenings import policy_weakenings
from .removal_weakenings import removal_weakenings
from .setting_weakenings import setting_weakenings

# What diff.py and the tests import from here; the rules themselves live in the modules above.
__all__ = ["ABSENT", "Item", "Weakening", "find_weakenings", "item_keys", "path_text", "show", "transition"]


# --- the whole comparison ---------------------------------------------------------------------------------------


def find_weakenings(base: dict, head: dict) -> list[Weakening]:
    """Every weakening from the plan `base` to the plan `head` (two plan documents of the same stack)."""
    before = {r["urn"]: r for r in base.get("resources", [])}
    after = {r["urn"]: r for r in head.get("resources", [])}
    found: list[Weakening] = []
    found += removal_weakenings([before[u] for u in before if u not in after], after)
    for urn in before.keys() & after.keys():
        found += _resource_weakenings(before[urn], after[urn])
    for urn in after.keys() - before.keys():
        found += policy_weakenings(after[urn], {}, after[urn].get("inputs") or {}, only_public=True)
    found += _copies_weakenings(_stack_urn(base, head), base.get("outputs") or {}, head.get("outputs") or {})
    order = {urn: n for n, urn in enumerate(sorted(before.keys() | after.keys()))}
    return sorted(found, key=lambda w: order.get(w.urn, -1))


def _resource_weakenings(old: dict, new: dict) -> list[Weakening]:
    found = []
    if old.get("protect") and not new.get("protect"):
        found.append(
            weakening_at(
                old,
                "protect-removed",
                "protect",
                True,
                False,
                "Pulumi will now delete or replace it when the program asks",
            )
        )
    if old.get("retain_on_delete") and not new.get("retain_on_delete"):
        found.append(
            weakening_at(
                old,
                "retain-on-delete-removed",
                "retain_on_delete",
                True,
                False,
                "removing it from the program now deletes it from the cloud",
            )
        )
    before, after = old.get("inputs") or {}, new.get("inputs") or {}
    if before != after:
        found += setting_weakenings(new, before, after)
        found += policy_weakenings(new, before, after)
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
        found.append(
            Weakening(
                stack_urn,
                "copy-lost",
                f"outputs.copies: {len(was)} → {len(now)} copies"
                + (f", lost {'; '.join(describe(c) for c in lost)}" if lost else "")
                + " (fewer independent copies of the backups)",
            )
        )
    vendors_before = sorted({str(c.get("vendor")) for c in was if c.get("vendor")})
    vendors_now = sorted({str(c.get("vendor")) for c in now if c.get("vendor")})
    gone = [v for v in vendors_before if v not in vendors_now]
    if gone:
        found.append(
            Weakening(
                stack_urn,
                "copy-lost",
                f"outputs.copies vendors {show(vendors_before)} → {show(vendors_now)} "
                f"(no copy at {', '.join(gone)} any more)",
            )
        )
    for copy in was:
        match = names_now.get(str(copy.get("copy")))
        if match is not None and copy.get("lock") and not match.get("lock"):
            found.append(
                Weakening(
                    stack_urn,
                    "lock-removed",
                    f"outputs.copies[{copy.get('copy')}].lock "
                    f"{transition(copy.get('lock'), match.get('lock', ABSENT))} (the copy is no longer locked)",
                )
            )
        days_before, days_now = (c.get("retentionDays") if c else None for c in (copy, match))
        if isinstance(days_before, int) and isinstance(days_now, int) and days_now < days_before:
            found.append(
                Weakening(
                    stack_urn,
                    "retention-shortened",
                    f"outputs.copies[{copy.get('copy')}].retentionDays "
                    f"{transition(days_before, days_now)} (the copy is kept locked for less time)",
                )
            )
    return found
