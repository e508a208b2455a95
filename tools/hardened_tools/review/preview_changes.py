"""The property changes of a preview step: reading them, judging which matter, and showing them.

A change is a property path with its old and new value (or `MISSING`). What is security-relevant:
a resource option (`protect`, `retainOnDelete`), any property of a guard type, a key naming
retention, locks, public access, policies or rotation, or a value that is a policy document. The
digest's format, and the Pulumi sources it follows, are described in `preview.py`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hardened.json_text import parse_number
from hardened.resource_types import SETTINGS_GUARDS

from .. import strict_json
from ..strict_json import JsonReadError
from .plan_paths import ABSENT, item_keys

SECRET = "[secret]"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

# Types whose every property (tags aside) is security-relevant: each exists only to hold a guard (the catalogue's).
GUARD_TYPES = SETTINGS_GUARDS

# A property path is security-relevant when one of its keys contains one of these (lower case).
_RELEVANT_KEY_PARTS = (
    "retention",
    "islocked",
    "objectlock",
    "lifecycle",
    "expiration",
    "noncurrentversion",
    "deleteafter",
    "coldstorageafter",
    "softdelete",
    "publicaccessprevention",
    "blockpublicacls",
    "blockpublicpolicy",
    "ignorepublicacls",
    "restrictpublicbuckets",
    "policy",
    "enablekeyrotation",
    "rotationperiod",
    "deletionwindowindays",
    "forcedestroy",
    "forcedelete",
    "deletionprotection",
    "mfadelete",
    "versioning",
)
_ROUTINE_TOP_KEYS = frozenset({"tags", "tagsAll", "labels", "effectiveLabels", "pulumiLabels", "terraformLabels"})
_SHORTENABLE_PARTS = (
    "retention",
    "deleteafter",
    "coldstorageafter",
    "expiration",
    "noncurrentversion",
    "deletionwindowindays",
    "softdelete",
)
_GUARD_FLAGS = frozenset(
    {
        "protect",
        "retainondelete",
        "islocked",
        "blockpublicacls",
        "blockpublicpolicy",
        "ignorepublicacls",
        "restrictpublicbuckets",
        "enablekeyrotation",
        "deletionprotection",
        "objectlockenabled",
        "enabled",
        "mfadelete",
    }
)
_UNGUARD_FLAGS = frozenset({"forcedestroy", "forcedelete"})
_WEAKER_WORDS = {
    ("compliance", "governance"),
    ("enforced", "inherited"),
    ("enabled", "suspended"),
    ("enabled", "disabled"),
    ("enabled", ""),
    ("true", "false"),
}

_INDEX = re.compile(r"[0-9]{1,9}")  # str.isdigit() takes "²", which int() refuses, and any number of digits
MISSING = ABSENT  # a property that is not there (added or deleted); None is a value: diff's one marker
_VALUE_WIDTH = 100


@dataclass
class Change:
    path: str
    keys: list[str]
    old: Any
    new: Any
    kind: str = "update"
    option: bool = False  # a Pulumi resource option (protect, retainOnDelete), not a property
    values_known: bool = True  # False when only diffReasons name it: the values are not in the preview


# ----------------------------------------------------------------------------------------------
# Property paths and values


def parse_path(path: str) -> list[str | int]:
    """`a.b[0]["c.d"]` -> ['a', 'b', 0, 'c.d'] (Pulumi's `resource.PropertyPath` syntax)."""
    keys: list[str | int] = []
    i, n = 0, len(path)
    while i < n:
        char = path[i]
        if char == ".":
            i += 1
        elif char == "[":
            if path.startswith('["', i):
                j, text = i + 2, []
                while j < n and path[j] != '"':
                    if path[j] == "\\" and j + 1 < n:
                        j += 1
                    text.append(path[j])
                    j += 1
                keys.append("".join(text))
                i = path.find("]", j) + 1 or n
            else:
                end = path.find("]", i)
                end = n if end < 0 else end
                token = path[i + 1 : end]
                keys.append(int(token) if _INDEX.fullmatch(token) else token)
                i = end + 1
        else:
            j = i
            while j < n and path[j] not in ".[":
                j += 1
            keys.append(path[i:j])
            i = j
    return keys


def format_path(keys: Iterable[str | int]) -> str:
    text = ""
    for key in keys:
        if isinstance(key, int):
            text += f"[{key}]"
        elif key and re.fullmatch(r"[A-Za-z0-9_$\-]+", key):
            text += f".{key}" if text else key
        else:
            text += "[" + json.dumps(key) + "]"
    return text


def lookup_path(value: Any, keys: list[str | int]) -> Any:
    for key in keys:
        if isinstance(value, dict) and isinstance(key, str) and key in value:
            value = value[key]
        elif isinstance(value, list) and isinstance(key, int) and 0 <= key < len(value):
            value = value[key]
        elif isinstance(value, str) and value in (SECRET, UNKNOWN):
            return value  # a secret or unknown object hides its members
        else:
            return MISSING
    return value


def _has_secret(value: Any) -> bool:
    if isinstance(value, str):
        return value == SECRET
    if isinstance(value, dict):
        return any(_has_secret(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_secret(v) for v in value)
    return False


def diff_values(old: Any, new: Any, keys: list[str | int]) -> list[Change]:
    if old == new:
        return []
    if isinstance(old, dict) and isinstance(new, dict):
        changes = []
        for key in list(old) + [k for k in new if k not in old]:
            if key.startswith("__"):
                continue
            changes += diff_values(old.get(key, MISSING), new.get(key, MISSING), [*keys, key])
        return changes
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [c for i, (o, n) in enumerate(zip(old, new, strict=True)) for c in diff_values(o, n, [*keys, i])]
    kind = "add" if old is MISSING else "delete" if new is MISSING else "update"
    return [Change(format_path(keys), [k for k in keys if isinstance(k, str)], old, new, kind)]


def normal_kind(kind: str) -> str:
    return {"addReplace": "add-replace", "deleteReplace": "delete-replace", "updateReplace": "update-replace"}.get(
        kind, kind
    )


def is_relevant(resource_type: str, change: Change) -> bool:
    if change.option:
        return True
    if change.keys and change.keys[0] in _ROUTINE_TOP_KEYS:
        return False
    if resource_type in GUARD_TYPES:
        return True
    lowered = [k.lower() for k in change.keys]
    if any(part in key for key in lowered for part in _RELEVANT_KEY_PARTS):
        return True
    return _policy_statements(change.old) is not None or _policy_statements(change.new) is not None


def _policy_statements(value: Any) -> list[dict] | None:
    """The statements of an IAM-style policy document (JSON text or object), or None if it is not one."""
    document = value
    if isinstance(value, str) and value[:1] == "{":
        try:  # strictly, as the digest's check read it: no NaN, duplicate key or deep nest reaches the summary
            document = strict_json.loads(value)
        except JsonReadError:
            return None
    if not isinstance(document, dict) or "Statement" not in document:
        return None
    statements = document["Statement"]
    statements = [statements] if isinstance(statements, dict) else statements
    return [s for s in statements if isinstance(s, dict)] if isinstance(statements, list) else None


def _policy_summary(old: list[dict], new: list[dict]) -> tuple[str, bool]:
    """'policy changed: 3 statements → 2, Deny removed: `Sid`', and whether it weakens the policy."""

    def label(statement: dict, number: int) -> str:
        sid = statement.get("Sid")
        return code_span(sid) if isinstance(sid, str) and sid else f"statement {number + 1} (no Sid)"

    # One identity of a statement for diff and review: its Sid, or its Effect and actions (plan_paths.item_keys).
    old_by_id = dict(zip(item_keys(old), enumerate(old), strict=True))
    new_by_id = dict(zip(item_keys(new), enumerate(new), strict=True))
    notes, weaker = [], False
    for effect in ("Deny", "Allow"):
        removed = [
            label(s, i) for key, (i, s) in old_by_id.items() if key not in new_by_id and s.get("Effect") == effect
        ]
        added = [label(s, i) for key, (i, s) in new_by_id.items() if key not in old_by_id and s.get("Effect") == effect]
        changed = [
            label(s, i)
            for key, (i, s) in new_by_id.items()
            if key in old_by_id
            and old_by_id[key][1] != s
            and effect in (s.get("Effect"), old_by_id[key][1].get("Effect"))
        ]
        for verb, labels in (("removed", removed), ("added", added), ("changed", changed)):
            if labels:
                notes.append(f"{effect} {verb}: {', '.join(labels)}")
        if effect == "Deny":
            weaker = weaker or bool(removed or changed)
        else:
            weaker = weaker or bool(added or changed)
    counts = f"{len(old)} statement{'s' * (len(old) != 1)} → {len(new)}"
    detail = ", ".join(notes) if notes else "statements unchanged (formatting only)"
    return f"policy changed: {counts}, {detail}", weaker


def _number(value: Any) -> float | None:
    return parse_number(value)


def _direction(change: Change) -> str:
    """'⚠️ shortened', '⚠️ turned off', … when the change plainly weakens a guard; '' otherwise."""
    old, new = change.old, change.new
    lowered = [k.lower() for k in change.keys]
    last = lowered[-1] if lowered else ""
    if new is MISSING and old is not MISSING and old not in (False, None, "", [], {}):
        return "⚠️ removed"
    if isinstance(old, bool) and isinstance(new, bool):
        if last in _GUARD_FLAGS and old and not new:
            return "⚠️ turned off"
        if last in _UNGUARD_FLAGS and new and not old:
            return "⚠️ turned on"
        return ""
    old_number, new_number = _number(old), _number(new)
    if old_number is not None and new_number is not None and "changeablefordays" not in lowered:
        if any(part in key for key in lowered for part in _SHORTENABLE_PARTS):
            if new_number < old_number:
                return "⚠️ shortened"
            return "lengthened" if new_number > old_number else ""
        return ""
    if isinstance(old, str) and (isinstance(new, str) or new is MISSING):
        pair = (old.lower(), "" if new is MISSING else new.lower())
        if pair in _WEAKER_WORDS:
            return "⚠️ weakened"
    return ""


# ----------------------------------------------------------------------------------------------
# Markdown


def code_span(text: Any) -> str:
    """`text` as an inline code span that nothing in it can break."""
    text = re.sub(r"\s+", " ", str(text)).strip() or " "
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or longest else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _show(value: Any) -> str:
    if value is MISSING or value is None:
        return "(none)"
    if value == UNKNOWN:
        return "(known after apply)"
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if len(text) > _VALUE_WIDTH:
        text = text[: _VALUE_WIDTH - 1] + "…"
    return code_span(text)


def shown_values(change: Change) -> tuple[Any, Any]:
    """The old and new value as a report may show them: `SECRET` for both (where present) when either holds a
    secret, as `change_line` hides both; `MISSING` for both when the preview does not show the values."""
    if not change.values_known:
        return MISSING, MISSING
    if _has_secret(change.old) or _has_secret(change.new):
        return (MISSING if change.old is MISSING else SECRET), (MISSING if change.new is MISSING else SECRET)
    return change.old, change.new


def change_line(change: Change) -> tuple[str, bool]:
    """One bullet for a security-relevant change, and whether it plainly weakens a guard."""
    where = f"{code_span(change.path)} (resource option)" if change.option else code_span(change.path)
    replaces = " — forces replacement" if normal_kind(change.kind).endswith("replace") else ""
    if _has_secret(change.old) or _has_secret(change.new):
        return f"{where}: (secret) changed{replaces}", False
    if not change.values_known:
        return f"{where}: changed (the preview does not show the values){replaces}", False
    old_policy, new_policy = _policy_statements(change.old), _policy_statements(change.new)
    if old_policy is not None and new_policy is not None:
        summary, weaker = _policy_summary(old_policy, new_policy)
        return f"{where}: {'⚠️ ' if weaker else ''}{summary}{replaces}", weaker
    if old_policy is not None or new_policy is not None:
        if change.new == UNKNOWN:
            return (
                f"{where}: policy recomputed, known after apply ({len(old_policy or [])} statements now){replaces}",
                False,
            )
        if change.new is MISSING:
            return f"{where}: ⚠️ policy removed ({len(old_policy or [])} statements){replaces}", True
        return f"{where}: policy set: {len(old_policy or [])} statements → {len(new_policy or [])}{replaces}", False
    direction = _direction(change)
    suffix = f" {direction}" if direction else ""
    return f"{where}: {_show(change.old)} → {_show(change.new)}{suffix}{replaces}", direction.startswith("⚠️")
