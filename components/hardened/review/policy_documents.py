"""Reading IAM-style policy documents and GCP deny rules: statements, actions, principals and conditions.

What `policy_weakenings.py` compares, and what the settings and removals rules use to recognise a policy.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .plan_paths import ABSENT, Item, KeyPath, as_list, as_number, as_strings, item_keys, normalized

MFA_KEYS = ("aws:multifactorauthpresent", "aws:multifactorauthage")
_NEGATED = {"stringnotequals", "stringnotequalsignorecase", "stringnotlike", "arnnotequals", "arnnotlike", "notipaddress",
            "numericnotequals", "datenotequals"}
_AT_MOST = {"numericlessthan", "numericlessthanequals", "datelessthan", "datelessthanequals"}
_AT_LEAST = {"numericgreaterthan", "numericgreaterthanequals", "dategreaterthan", "dategreaterthanequals"}
EVERYONE = ("*", "*")


def policy_documents_in(value: Any, path: KeyPath = ()) -> Iterator[tuple[KeyPath, dict]]:
    """Every policy document (a dict with a Statement) in `value`, with its path."""
    if isinstance(value, dict):
        if "Statement" in value:
            yield path, value
            return
        for key, child in value.items():
            yield from policy_documents_in(child, (*path, str(key)))
    elif isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        for key, item in zip(item_keys(value), value, strict=True):
            yield from policy_documents_in(item, (*path, Item(key)))


def deny_rule_lists(value: Any, path: KeyPath = ()) -> Iterator[tuple[KeyPath, list]]:
    """Every list of GCP deny rules (items with a denyRule) in `value`, with its path."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield from deny_rule_lists(child, (*path, str(key)))
    elif isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        if any("denyRule" in item for item in value):
            yield path, value


def statements_by_key(doc: Any) -> dict[str, dict]:
    statements = doc.get("Statement", []) if isinstance(doc, dict) else []
    statements = [s for s in ([statements] if isinstance(statements, dict) else statements) if isinstance(s, dict)]
    return dict(zip(item_keys(statements), statements, strict=True)) if statements else {}


def is_deny(statement: dict) -> bool:
    return statement.get("Effect") == "Deny"


def statement_field(statement: dict, name: str, default: list[str]) -> tuple[str, list[str]]:
    if f"Not{name}" in statement and name not in statement:
        return f"Not{name}", as_strings(statement[f"Not{name}"])
    return name, as_strings(statement[name]) if name in statement else default


def covered(patterns: list[str], value: str, fold_case: bool = False) -> bool:
    if fold_case:
        patterns, value = [p.lower() for p in patterns], value.lower()
    return any(p == "*" or p == value or fnmatch.fnmatchcase(value, p) for p in patterns)


def statement_principals(statement: dict, field: str = "Principal") -> set[tuple[str, str]] | None:
    value = statement.get(field)
    if value is None:
        return None
    if not isinstance(value, dict):
        value = {"*" if value == "*" else "AWS": value}
    found = set()
    for kind, names in value.items():
        for name in as_strings(names):
            found.add(EVERYONE if name == "*" and kind in ("*", "AWS") else (kind, name))
    return found


_ACCOUNT = re.compile(r"^(?:arn:aws[\w-]*:(?:iam|sts)::)?(\d{12})(?::|$)")


def principal_covered(principals: set[tuple[str, str]], principal: tuple[str, str]) -> bool:
    if EVERYONE in principals or principal in principals:
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


def show_principals(principals: list[tuple[str, str]]) -> str:
    return ", ".join("everyone (*)" if p == EVERYONE else p[1] for p in sorted(principals))


@dataclass(frozen=True)
class ConditionChange:
    operator: str
    key: str
    old: Any
    new: Any
    loosened: bool  # the statement now applies to more requests
    tightened: bool  # ...to fewer

    @property
    def mfa(self) -> bool:
        return self.key.lower() in MFA_KEYS

    @property
    def negated(self) -> bool:
        return _bare_operator(self.operator) in _NEGATED


def _bare_operator(operator: str) -> str:
    return re.sub(r"ifexists$", "", operator.split(":")[-1].lower())


def conditions_by_key(condition: Any) -> dict[tuple[str, str], tuple[str, list[str]]]:
    found = {}
    for operator, block in (condition.items() if isinstance(condition, dict) else []):
        for key, values in (block.items() if isinstance(block, dict) else []):
            found[(operator, key.lower())] = (key, [normalized(v) if isinstance(v, bool) else str(v) for v in as_list(values)])
    return found


def _one(values: Any) -> Any:
    return values[0] if isinstance(values, list) and len(values) == 1 else values


def _magnitudes(values: list[str]) -> list:
    numbers = [as_number(v, 0) for v in values]
    return list(values) if None in numbers else numbers


def condition_changes(old: Any, new: Any) -> list[ConditionChange]:
    before, after = conditions_by_key(old), conditions_by_key(new)
    changes = []
    for pair in sorted(before.keys() | after.keys()):
        operator = pair[0]
        key = (before.get(pair) or after.get(pair))[0]
        was, now = before.get(pair, (key, ABSENT))[1], after.get(pair, (key, ABSENT))[1]
        if was == now:
            continue
        if was is ABSENT or now is ABSENT:
            changes.append(ConditionChange(operator, key, _one(was), _one(now), loosened=now is ABSENT, tightened=was is ABSENT))
            continue
        bare = _bare_operator(operator)
        if bare in _AT_MOST or bare in _AT_LEAST:
            try:  # a bound: numbers (or ISO dates) compared as such
                a, b = _magnitudes(was), _magnitudes(now)
                up, down = (max(b) > max(a), max(b) < max(a)) if bare in _AT_MOST else (min(b) > min(a), min(b) < min(a))
                loosened, tightened = (up, down) if bare in _AT_MOST else (down, up)
                changes.append(ConditionChange(operator, key, _one(was), _one(now), loosened, tightened))
                continue
            except (TypeError, ValueError):  # numbers beside text, or an empty list: compared as values below
                pass
        gained, lost = any(v not in was for v in now), any(v not in now for v in was)
        loosened, tightened = (lost, gained) if bare in _NEGATED else (gained, lost)
        changes.append(ConditionChange(operator, key, _one(was), _one(now), loosened, tightened))
    return changes
