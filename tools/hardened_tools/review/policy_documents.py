"""Reading IAM-style policy documents and GCP deny rules: statements, actions, principals and conditions.

What `policy_weakenings.py` compares, and what the settings and removals rules use to recognise a policy.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from hardened.json_text import parse_json_text

from ..strict_json import JsonReadError, described, loads, pointer
from .plan_paths import ABSENT, Item, KeyPath, as_list, as_number, as_strings, item_keys, normalized

MFA_KEYS = ("aws:multifactorauthpresent", "aws:multifactorauthage")
_NEGATED = {
    "stringnotequals",
    "stringnotequalsignorecase",
    "stringnotlike",
    "arnnotequals",
    "arnnotlike",
    "notipaddress",
    "numericnotequals",
    "datenotequals",
}
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


# --- shapes: what the rules can read, checked when a plan or preview is read --------------------------------------

JsonPath = tuple[str | int, ...]  # keys and list positions, as the strict JSON reader names them
EFFECTS = ("Allow", "Deny")
_DENY_RULE_LISTS = ("deniedPrincipals", "exceptionPrincipals", "deniedPermissions", "exceptionPermissions")


def shape_problem(value: Any, policy_text: str, path: JsonPath = ()) -> tuple[JsonPath, str] | None:
    """The first policy document or GCP deny rule in `value` the rules above cannot read: its path and why.

    `policy_text` says what a policy document written as JSON text is: "refuse" (a plan: `hardened plan` writes
    them as objects, so JSON text there was written by hand) or "read" (a preview: providers take JSON text).
    """
    if isinstance(value, dict):
        if "Statement" in value:
            return _prefixed(path, document_problem(value))
        for key, child in value.items():
            found = shape_problem(child, policy_text, (*path, key))
            if found:
                return found
    elif isinstance(value, list):
        if any(isinstance(item, dict) and "denyRule" in item for item in value):
            found = _deny_rules_problem(value, path)
            if found:
                return found
        walked = all(isinstance(item, dict) for item in value)  # as policy_documents_in walks lists
        for n, item in enumerate(value):
            if not walked and _holds_document(item):
                return (*path, n), (
                    "a policy document in a list whose items are not all objects; policies are compared "
                    "only in objects and in lists of objects"
                )
            found = shape_problem(item, policy_text, (*path, n))
            if found:
                return found
    elif isinstance(value, str) and value[:1] == "{":
        return _text_problem(value, policy_text, path)
    return None


def document_problem(doc: dict) -> tuple[JsonPath, str] | None:
    """What in one policy document (a dict with a Statement) is not IAM's policy grammar, and where."""
    for key in ("Version", "Id"):
        if key in doc and not isinstance(doc[key], str):
            return (key,), f"{described(doc[key])}; a policy's {key} is a string"
    statements = doc["Statement"]
    if isinstance(statements, dict):
        return _prefixed(("Statement",), _statement_problem(statements))
    if not isinstance(statements, list):
        return ("Statement",), f"{described(statements)}; a policy's Statement is an object or a list of objects"
    for n, statement in enumerate(statements):
        if not isinstance(statement, dict):
            return ("Statement", n), f"{described(statement)}; each statement is an object"
        found = _statement_problem(statement)
        if found:
            return ("Statement", n, *found[0]), found[1]
    return None


def _statement_problem(statement: dict) -> tuple[JsonPath, str] | None:
    if "Effect" not in statement:
        return (), 'a statement without an Effect; every statement has one, "Allow" or "Deny"'
    if statement["Effect"] not in EFFECTS:
        return ("Effect",), f'{described(statement["Effect"])}; Effect is "Allow" or "Deny"'
    if "Sid" in statement and not isinstance(statement["Sid"], str):
        return ("Sid",), f"{described(statement['Sid'])}; a Sid is a string"
    for name in ("Action", "Resource", "Principal"):
        if name in statement and f"Not{name}" in statement:
            return (), f"a statement with both {name} and Not{name}; a statement has one or the other"
    for name in ("Action", "NotAction", "Resource", "NotResource"):
        if name in statement and not _strings(statement[name]):
            return (name,), f"{described(statement[name])}; {name} is a string or a list of strings"
    for name in ("Principal", "NotPrincipal"):
        value = statement.get(name, "*")
        if value != "*" and not (isinstance(value, dict) and all(_strings(v) for v in value.values())):
            return (
                (name,),
                f'{described(value)}; a {name} is "*" or an object such as {{"AWS": ["arn:…"]}} of strings or lists of strings',
            )
    if "Condition" in statement:
        condition = statement["Condition"]
        if not isinstance(condition, dict):
            return (
                "Condition",
            ), f'{described(condition)}; a Condition is an object of operators, such as {{"Bool": {{…}}}}, or absent'
        for operator, block in condition.items():
            if not isinstance(block, dict):
                return (
                    "Condition",
                    operator,
                ), f"{described(block)}; each condition operator holds an object of condition keys"
            for key, values in block.items():
                if not all(_scalar(v) for v in (values if isinstance(values, list) else [values])):
                    return ("Condition", operator, key), (
                        f"{described(values)}; a condition key's value is a string, number or "
                        "boolean, or a list of them"
                    )
    return None


def _deny_rules_problem(rules: list, path: JsonPath) -> tuple[JsonPath, str] | None:
    for n, item in enumerate(rules):
        if not isinstance(item, dict):
            return (*path, n), f"{described(item)}; each item of a list of GCP deny rules is an object"
        rule = item.get("denyRule")
        if rule is None:
            continue
        if not isinstance(rule, dict):
            return (*path, n, "denyRule"), f"{described(rule)}; a denyRule is an object"
        for key in _DENY_RULE_LISTS:
            if rule.get(key) is not None and not (isinstance(rule[key], list) and _strings(rule[key])):
                return (*path, n, "denyRule", key), f"{described(rule[key])}; {key} is a list of strings"
        if rule.get("denialCondition") is not None and not isinstance(rule["denialCondition"], dict):
            return (
                *path,
                n,
                "denyRule",
                "denialCondition",
            ), f"{described(rule['denialCondition'])}; a denialCondition is an object"
    return None


def _text_problem(text: str, policy_text: str, path: JsonPath) -> tuple[JsonPath, str] | None:
    if policy_text == "refuse":
        parsed = parse_json_text(text)  # what `hardened plan` itself parses into an object
        if isinstance(parsed, dict) and "Statement" in parsed:
            return path, "a policy document written as JSON text; `hardened plan` writes policy documents as objects"
        return None
    try:
        document = loads(text)
    except JsonReadError as error:
        if error.kind == "syntax":
            return None  # not JSON: a value like any other
        return path, f"JSON text that cannot be read as a policy document: it {error.describe()}"
    found = document_problem(document) if isinstance(document, dict) and "Statement" in document else None
    if found:
        where = f"at {pointer(found[0])}: " if found[0] else ""
        return path, f"JSON text of a policy document, {where}{found[1]}"
    return None


def _holds_document(value: Any) -> bool:
    if isinstance(value, dict):
        return "Statement" in value or any(_holds_document(v) for v in value.values())
    return isinstance(value, list) and any(_holds_document(v) for v in value)


def _prefixed(path: JsonPath, found: tuple[JsonPath, str] | None) -> tuple[JsonPath, str] | None:
    return ((*path, *found[0]), found[1]) if found else None


def _strings(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float)  # bool is an int


# --- statements ----------------------------------------------------------------------------------------------------


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
        if (
            kind == "AWS"
            and account
            and whole_account
            and whole_account.group(1) == account.group(1)
            and (other.endswith(":root") or other == whole_account.group(1))
        ):
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
    for operator, block in condition.items() if isinstance(condition, dict) else []:
        for key, values in block.items() if isinstance(block, dict) else []:
            found[(operator, key.lower())] = (
                key,
                [normalized(v) if isinstance(v, bool) else str(v) for v in as_list(values)],
            )
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
        key = (before.get(pair) or after[pair])[0]  # the pair is in one of them
        was, now = before.get(pair, (key, ABSENT))[1], after.get(pair, (key, ABSENT))[1]
        if was == now:
            continue
        if was is ABSENT or now is ABSENT:
            changes.append(
                ConditionChange(operator, key, _one(was), _one(now), loosened=now is ABSENT, tightened=was is ABSENT)
            )
            continue
        bare = _bare_operator(operator)
        if bare in _AT_MOST or bare in _AT_LEAST:
            try:  # a bound: numbers (or ISO dates) compared as such
                a, b = _magnitudes(was), _magnitudes(now)
                up, down = (
                    (max(b) > max(a), max(b) < max(a)) if bare in _AT_MOST else (min(b) > min(a), min(b) < min(a))
                )
                loosened, tightened = (up, down) if bare in _AT_MOST else (down, up)
                changes.append(ConditionChange(operator, key, _one(was), _one(now), loosened, tightened))
                continue
            except (TypeError, ValueError):  # numbers beside text, or an empty list: compared as values below
                pass
        gained, lost = any(v not in was for v in now), any(v not in now for v in was)
        loosened, tightened = (lost, gained) if bare in _NEGATED else (gained, lost)
        changes.append(ConditionChange(operator, key, _one(was), _one(now), loosened, tightened))
    return changes
