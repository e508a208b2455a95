"""Paths and values in plan documents, shared by every rule of the security diff.

Inputs are flattened to {path: leaf}, where list items are keyed by what names them (a Sid, an id, a
name... or their position), so that a reordered list is no change. The value helpers read numbers,
booleans and lists the way the rules compare them. `Weakening` and `ABSENT` live here, at the bottom
of the imports, so that every rule module can build findings without importing the entry point.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, cast, overload

from hardened.json_text import parse_number


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


def weakening_at(resource: dict, kind: str, path: str, old: Any, new: Any, why: str) -> Weakening:
    """The finding for one input of `resource`: `name: path old → new (why)`."""
    return Weakening(resource["urn"], kind, f"{resource['name']}: {path} {transition(old, new)} ({why})")


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
    field, actions = statement_actions(statement)
    return f"{statement.get('Effect', '?')} {'NotAction ' if field == 'NotAction' else ''}{','.join(sorted(actions))}"


def item_keys(items: list[dict]) -> list[str]:
    if all("Effect" in item for item in items):
        keys = [statement_key(item) for item in items]
    else:
        for field in _ITEM_FIELDS:
            values = [item.get(field) for item in items]
            if all(isinstance(v, str) and v for v in values) and len(set(values)) == len(values):
                keys = cast(list[str], values)  # each checked a str just above
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


def key_names(path: KeyPath) -> tuple[str, ...]:
    return tuple(s for s in path if isinstance(s, str))


def item_prefixes(flat: dict[KeyPath, Any]) -> set[KeyPath]:
    return {path[: n + 1] for path in flat for n, s in enumerate(path) if isinstance(s, Item)}


def last_item(path: KeyPath) -> KeyPath | None:
    for n in range(len(path) - 1, -1, -1):
        if isinstance(path[n], Item):
            return path[: n + 1]
    return None


def as_strings(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [] if value is None else [str(value)]


# A statement's key names it in a path (item_keys), so reading its actions lives here, not with the policy rules.
def statement_actions(statement: dict) -> tuple[str, frozenset[str]]:
    field = "NotAction" if "NotAction" in statement and "Action" not in statement else "Action"
    return field, frozenset(a.lower() for a in as_strings(statement.get(field)))


# Settings and removals are keyed by type module, not by the full type token.
def module(type_: str) -> str:
    """`aws:s3/bucket:Bucket` -> `aws:s3/bucket`."""
    return type_.rsplit(":", 1)[0]


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
    before, after = as_list(old), as_list(new)
    gained = [show(v, 200) for v in after if v not in before]
    lost = [show(v, 200) for v in before if v not in after]
    details = ([f"added {', '.join(gained)}"] if gained else []) + ([f"removed {', '.join(lost)}"] if lost else [])
    return "; ".join([f"{_count(old)} → {_count(new)}", *details])


def _count(value: Any) -> str:
    return f"{len(value)} entries" if isinstance(value, list) else show(value, 60)


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else [] if value is ABSENT or value is None else [value]


@overload
def normalized(value: bool) -> str: ...
@overload
def normalized(value: Any) -> str | None: ...
def normalized(value: Any) -> str | None:
    if value is ABSENT or value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip().lower()


def as_number(value: Any, absent: float) -> float | None:
    """`parse_number`, with `absent` for a value that is not there."""
    if value is ABSENT or value is None:
        return absent
    return parse_number(value)
