"""The steps of a preview digest grouped into units (one per resource), and each unit classified.

A replacement's steps (`replace`, `create-replacement`, `delete-replaced`) share a URN and become one
unit. A unit becomes a finding when it deletes or replaces a protected or data-bearing resource, or
changes a security-relevant property; every other unit is listed as routine. A finding fails the
review gate (`gates`) when it deletes or replaces a protected or data-bearing resource, or when one of
its changes plainly weakens a guard (`change_line`'s judgement: shortened, turned off, removed, a Deny
removed or an Allow added); a security-relevant change that does not weaken (a longer retention, a
secret or unshown value) is shown but does not fail it. The digest's format, and the Pulumi sources it
follows, are described in `preview.py`.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

from hardened.resource_types import REVIEWED_ON_DELETE

from .preview_changes import (
    MISSING,
    Change,
    change_line,
    code_span,
    diff_values,
    is_relevant,
    lookup_path,
    normal_kind,
    parse_path,
    shown_values,
)

REPLACEMENT_OPS = frozenset({"replace", "create-replacement", "delete-replaced"})
# Resources whose loss loses data, a guard of data, a copy or a backup: deleting a vault's lock is as bad as deleting
# the vault (the catalogue's).
DATA_BEARING_TYPES = REVIEWED_ON_DELETE


# ----------------------------------------------------------------------------------------------
# Reading the digest


@dataclass
class Step:
    index: int
    op: str
    urn: str
    type: str
    name: str
    old: dict | None
    new: dict | None
    diff_reasons: list[str]
    replace_reasons: list[str]
    detailed_diff: dict | None


@dataclass
class Unit:
    """One step, or all steps of one replacement (same URN), as the reviewer should see it."""

    op: str
    steps: list[Step]
    old: dict | None
    new: dict | None
    changes: list[Change] = field(default_factory=list)

    @property
    def first(self) -> Step:
        return self.steps[0]


def parse_urn(urn: str) -> tuple[str, str, str, str]:
    """(stack, project, type, name) of `urn:pulumi:stack::project::parent$type::name`."""
    if not urn.startswith("urn:pulumi:"):
        return "", "", "", urn
    parts = urn[len("urn:pulumi:") :].split("::", 3)
    if len(parts) < 4:
        return "", "", "", urn
    stack, project, qualified_type, name = parts
    return stack, project, qualified_type.split("$")[-1], name


def read_steps(preview: dict) -> list[Step]:
    steps = []
    for index, raw in enumerate(preview["steps"]):
        old = raw.get("oldState") if isinstance(raw.get("oldState"), dict) else None
        new = raw.get("newState") if isinstance(raw.get("newState"), dict) else None
        _, _, urn_type, name = parse_urn(raw["urn"])
        state_type = (new or old or {}).get("type")
        steps.append(
            Step(
                index=index,
                op=raw["op"],
                urn=raw["urn"],
                type=urn_type or (state_type if isinstance(state_type, str) else "") or "(unknown type)",
                name=name,
                old=old,
                new=new,
                diff_reasons=[str(k) for k in raw.get("diffReasons") or [] if isinstance(k, str)],
                replace_reasons=[str(k) for k in raw.get("replaceReasons") or [] if isinstance(k, str)],
                detailed_diff=raw.get("detailedDiff") if isinstance(raw.get("detailedDiff"), dict) else None,
            )
        )
    return steps


def group_units(steps: list[Step]) -> list[Unit]:
    units: list[Unit] = []
    replacements: dict[str, Unit] = {}
    for step in steps:
        if step.op in REPLACEMENT_OPS:
            unit = replacements.get(step.urn)
            if unit is None:
                unit = replacements[step.urn] = Unit("replace", [], None, None)
                units.append(unit)
            unit.steps.append(step)
        else:
            units.append(Unit(step.op, [step], step.old, step.new))
    for unit in replacements.values():
        # The logical `replace` and `create-replacement` carry both states; `delete-replaced` only the old one.
        ordered = sorted(unit.steps, key=lambda s: ("replace", "create-replacement", "delete-replaced").index(s.op))
        unit.old = next((s.old for s in ordered if s.old), None)
        unit.new = next((s.new for s in ordered if s.new and s.op != "delete-replaced"), None)
    return units


def _state_part(state: dict | None, part: str) -> dict:
    value = (state or {}).get(part)
    return value if isinstance(value, dict) else {}


def unit_changes(unit: Unit) -> list[Change]:
    """What changes in the unit's properties and resource options; empty for creates, deletes and reads."""
    if unit.old is None or unit.new is None or unit.op not in ("update", "replace", "same", "import-replacement"):
        return []
    old_inputs, old_outputs = _state_part(unit.old, "inputs"), _state_part(unit.old, "outputs")
    new_inputs = _state_part(unit.new, "inputs")
    detailed = next((s.detailed_diff for s in unit.steps if s.detailed_diff), None)
    changes: list[Change] = []
    if detailed:
        for path, diff in detailed.items():
            keys = parse_path(path)
            input_diff = isinstance(diff, dict) and diff.get("inputDiff") is True
            old = lookup_path(old_inputs, keys) if input_diff else lookup_path(old_outputs, keys)
            if old is MISSING:
                old = lookup_path(old_inputs, keys)
            kind = diff.get("kind", "update") if isinstance(diff, dict) else "update"
            new = MISSING if normal_kind(kind).startswith("delete") else lookup_path(new_inputs, keys)
            changes.append(Change(path, [k for k in keys if isinstance(k, str)], old, new, str(kind)))
    elif unit.op != "same":
        changes = diff_values(old_inputs, new_inputs, [])
        covered = {c.keys[0] for c in changes if c.keys}
        reasons = dict.fromkeys(k for s in unit.steps for k in [*s.replace_reasons, *s.diff_reasons])
        for key in reasons:
            if key in covered or key.startswith("__"):
                continue
            keys = parse_path(key)
            old = lookup_path(old_inputs, keys)
            old = lookup_path(old_outputs, keys) if old is MISSING else old
            new = lookup_path(new_inputs, keys)
            changes.append(
                Change(key, [k for k in keys if isinstance(k, str)], old, new, "update", values_known=old != new)
            )
    replace_keys = {k for s in unit.steps for k in s.replace_reasons}
    for change in changes:
        if change.keys and change.keys[0] in replace_keys and not normal_kind(change.kind).endswith("replace"):
            change.kind = normal_kind(change.kind) + "-replace"
    for option in ("protect", "retainOnDelete"):
        old, new = bool(unit.old.get(option)), bool(unit.new.get(option))
        if old != new:
            changes.append(Change(option, [option], old, new, "update", option=True))
    return changes


# ----------------------------------------------------------------------------------------------
# Classifying units

# What a finding is about. The first four fail the gate whatever the property changes; `delete` and `replace` (of a
# resource neither protected nor data-bearing, shown for a security-relevant change: a delete changes no property,
# so `delete` is not emitted today), `weakening` and `change` (an update, or a `same` step whose resource options
# change) fail it only when a change weakens.
FINDING_KINDS = (
    "protected-delete",
    "protected-replace",
    "data-bearing-delete",
    "data-bearing-replace",
    "delete",
    "replace",
    "weakening",
    "change",
)
GATING_KINDS = frozenset({"protected-delete", "protected-replace", "data-bearing-delete", "data-bearing-replace"})


@dataclass(frozen=True)
class FindingChange:
    """One property or resource-option change of a finding: its values as they may be shown, and its judgement."""

    path: str
    old: Any  # MISSING when the property is added or the values are not shown; SECRET when either holds a secret
    new: Any  # MISSING when the property is deleted or the values are not shown
    weakens: bool  # `change_line`'s judgement: plainly weakens a guard (shortened, turned off, Deny removed, ...)
    forces_replacement: bool
    option: bool  # a Pulumi resource option (protect, retainOnDelete), not a property
    values_shown: bool  # False when only diffReasons name the property: the preview does not hold the values
    line: str  # the markdown bullet the comment shows for it


@dataclass
class Finding:
    """A unit the reviewer must not miss, ordered by severity then by step: what it is, whether it fails the gate,
    and the markdown lines the comment shows for it (made from the same judgement)."""

    severity: int  # 0: the engine refuses or data goes; 1: destructive or weakening; 2: a security-relevant change
    order: int
    kind: str  # one of FINDING_KINDS
    op: str  # the unit's op: `replace` for every step of a replacement
    urn: str
    type: str
    name: str
    message: str  # one line, inline code in backticks, no emoji: what happens to which resource, and the changes
    gates: bool  # True when this finding fails the review gate
    changes: list[FindingChange]
    engine_errors: list[str]  # the engine's error messages about this resource, as plain text
    lines: list[str]  # markdown


def finding_for(unit: Unit, errors_by_urn: dict[str, list[str]]) -> Finding | None:
    """The unit as a finding, or None when it is routine; takes the engine errors about it (plain text) out of
    `errors_by_urn`."""
    step = unit.first
    kind = step.type
    protected_old = bool((unit.old or {}).get("protect"))
    protected_new = bool((unit.new or {}).get("protect"))
    retained = bool((unit.old or {}).get("retainOnDelete"))
    data_bearing = kind in DATA_BEARING_TYPES
    destructive = unit.op in ("delete", "replace")
    relevant = [c for c in unit.changes if is_relevant(kind, c)]
    if not ((destructive and (protected_old or data_bearing)) or relevant):
        return None
    if unit.op == "replace":  # what forces the replacement is worth seeing even when it is no guard itself
        relevant += [c for c in unit.changes if c not in relevant and normal_kind(c.kind).endswith("replace")]

    what = f"{code_span(kind)} {code_span(step.name)}"
    ops = " + ".join(s.op for s in unit.steps) if len(unit.steps) > 1 else ""
    ops = f" (steps: {ops})" if ops else ""
    notes: list[str] = []
    severity = 2
    because = ""
    if unit.op == "delete":  # a delete changes no property: today a finding only when protected or data-bearing
        severity = 0 if protected_old or (data_bearing and not retained) else 1
        finding_kind = "protected-delete" if protected_old else "data-bearing-delete" if data_bearing else "delete"
        if protected_old:
            icon, label = "🛑", "delete of a PROTECTED resource"
            notes.append(
                "The engine refuses to delete a resource whose state has `protect: true`, so this "
                "preview cannot be applied as it is. It goes through only if someone first removes "
                "`protect` (in the program or with `pulumi state unprotect`): check that this is intended."
            )
        else:
            icon, label = "⚠️", "delete"
        head = f"{icon} **{label}** {what}"
        if data_bearing:
            notes.append("Data-bearing resource: deleting it can lose data or a guard of data.")
        notes.append(
            "`retainOnDelete` is set: Pulumi would drop it from the state and leave it in the cloud."
            if retained
            else "`retainOnDelete` is not set: the cloud resource itself is deleted."
        )
    elif unit.op == "replace":
        finding_kind = "protected-replace" if protected_old else "data-bearing-replace" if data_bearing else "replace"
        reasons = list(dict.fromkeys(k for s in unit.steps for k in s.replace_reasons))
        because = f" — replaced because of {', '.join(code_span(k) for k in reasons)}" if reasons else ""
        if protected_old and protected_new:
            severity = 0
            icon, label = "🛑", "replace of a PROTECTED resource"
            notes.append(
                "The engine refuses to replace a resource protected in its old and new state (a replace "
                "deletes the old one), so this preview cannot be applied as it is."
            )
        elif protected_old:
            severity = 0
            icon, label = "🛑", "replace of a resource whose `protect` is removed in this same change"
            notes.append(
                "`protect` goes from true to false in this change, so the engine WILL delete the old "
                "resource after creating its replacement."
            )
        else:
            severity = 0 if data_bearing else 1
            icon, label = "⚠️", "replace"
            notes.append(
                "A replace creates a new resource and deletes the old one"
                + (
                    " (`retainOnDelete` is set: the old one is left in the cloud, out of Pulumi's state)."
                    if retained
                    else "."
                )
            )
        head = f"{icon} **{label}** {what}{ops}{because}"
        if data_bearing:
            notes.append(
                "Data-bearing resource: the replacement starts empty; data and locks of the old one do not move over."
            )
    else:
        finding_kind = "change"
        label = unit.op
        head = f"⚠️ **{unit.op}** {what}{ops}"
    changes: list[FindingChange] = []
    for change in relevant:
        line, weaker = change_line(change)
        old, new = shown_values(change)
        changes.append(
            FindingChange(
                path=change.path,
                old=old,
                new=new,
                weakens=weaker,
                forces_replacement=normal_kind(change.kind).endswith("replace"),
                option=change.option,
                values_shown=change.values_known,
                line=line,
            )
        )
        notes.append(line)
    weakening = any(c.weakens for c in changes)
    if severity == 2 and weakening:
        severity = 1
    if finding_kind == "change" and weakening:
        finding_kind = "weakening"
    errors = [message for s in unit.steps for message in errors_by_urn.pop(s.urn, [])]
    notes += [f"engine error: {html.escape(message, quote=False)}" for message in errors]
    return Finding(
        severity=severity,
        order=step.index,
        kind=finding_kind,
        op=unit.op,
        urn=step.urn,
        type=kind,
        name=step.name,
        message=f"{label} {what}{because}"
        + (": " + "; ".join(c.line.replace("⚠️ ", "") for c in changes) if changes else ""),
        gates=finding_kind in GATING_KINDS or weakening,
        changes=changes,
        engine_errors=errors,
        lines=[f"- {head}", *(f"  - {note}" for note in notes)],
    )
