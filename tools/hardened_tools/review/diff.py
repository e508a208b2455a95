"""`hardened diff BASE.json HEAD.json`: what a change does to security, read from two offline plans.

    hardened plan --stack prod --format json > base.json    # on the main branch
    hardened plan --stack prod --format json > head.json    # on the change
    hardened diff base.json head.json [--format text|markdown|json]

Every weakening (`weakenings.py` holds the rules) is printed first, under "SECURITY WEAKENED", then the
resources added, removed and changed, input by input. Exit status: 0 when nothing weakens, 1 when
anything does, 2 when an input is not a readable plan document of schema version 1.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .. import strict_json
from ..strict_json import JsonReadError, pointer, shown_text
from .policy_documents import shape_problem
from .weakenings import ABSENT, Item, Weakening, find_weakenings, item_keys, path_text, show, transition

__all__ = [
    "Change",
    "Diff",
    "PlanInputError",
    "ResourceChange",
    "Weakening",
    "load_plan",
    "register",
    "render_diff",
    "security_diff",
]

EXIT_OK, EXIT_WEAKENED, EXIT_BAD_INPUT = 0, 1, 2
FORMATS = ("text", "markdown", "json")
_COMPARED = ("protect", "retain_on_delete", "parent", "provider", "lands_in")


@dataclass(frozen=True)
class Change:
    """One input path (or resource setting) from its old value to its new one; ABSENT when not there."""

    path: str
    old: Any = ABSENT
    new: Any = ABSENT


@dataclass(frozen=True)
class ResourceChange:
    urn: str
    type: str
    name: str
    changes: tuple[Change, ...]


@dataclass
class Diff:
    """Two plans of one stack compared: resources by URN, stack outputs by path, and what weakens."""

    project: str
    stack: str
    added: dict[str, dict] = field(default_factory=dict)  # URN -> the resource in HEAD
    removed: dict[str, dict] = field(default_factory=dict)  # URN -> the resource in BASE
    changed: dict[str, ResourceChange] = field(default_factory=dict)
    outputs: list[Change] = field(default_factory=list)  # stack outputs, by path
    weakenings: list[Weakening] = field(default_factory=list)

    @property
    def weakened(self) -> bool:
        return bool(self.weakenings)

    @property
    def unchanged(self) -> bool:
        return not (self.added or self.removed or self.changed or self.outputs or self.weakenings)


def security_diff(base: dict, head: dict) -> Diff:
    """Compare plan `base` with plan `head` (documents of `hardened plan --format json`)."""
    before = {r["urn"]: r for r in base.get("resources", [])}
    after = {r["urn"]: r for r in head.get("resources", [])}
    changed = {}
    for urn in sorted(before.keys() & after.keys()):
        changes = _resource_changes(before[urn], after[urn])
        if changes:
            changed[urn] = ResourceChange(urn, after[urn]["type"], after[urn]["name"], tuple(changes))
    return Diff(
        project=head.get("project", ""),
        stack=head.get("stack", ""),
        added={urn: after[urn] for urn in sorted(after.keys() - before.keys())},
        removed={urn: before[urn] for urn in sorted(before.keys() - after.keys())},
        changed=changed,
        outputs=_changes(base.get("outputs") or {}, head.get("outputs") or {}),
        weakenings=find_weakenings(base, head),
    )


def _resource_changes(old: dict, new: dict) -> list[Change]:
    changes = [Change(key, old.get(key), new.get(key)) for key in _COMPARED if old.get(key) != new.get(key)]
    return changes + _changes(old.get("inputs") or {}, new.get("inputs") or {}, ("inputs",))


def _changes(old: Any, new: Any, path: tuple = ()) -> list[Change]:
    """Changed leaves, path by path; a dict or list item that came or went is one change, whole."""
    if old == new:
        return []
    if isinstance(old, dict) and isinstance(new, dict):
        return [
            c
            for key in sorted(old.keys() | new.keys())
            for c in _changes(old.get(key, ABSENT), new.get(key, ABSENT), (*path, key))
        ]
    if _keyed(old) and _keyed(new):
        before, after = dict(zip(item_keys(old), old, strict=True)), dict(zip(item_keys(new), new, strict=True))
        keys = list(before) + [k for k in after if k not in before]
        return [
            c for key in keys for c in _changes(before.get(key, ABSENT), after.get(key, ABSENT), (*path, Item(key)))
        ]
    return [Change(path_text(path) or "(the whole value)", old, new)]


def _keyed(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(item, dict) for item in value)


# --- rendering ---------------------------------------------------------------------------------------------------


def render_diff(diff: Diff, format: str = "text") -> str:  # noqa: A002 - the command line's own word
    """The diff as `text`, `markdown` or `json`: weakenings first and loudest, then what changed."""
    renderers = {"text": _text, "markdown": _markdown, "json": _json}
    if format not in renderers:
        raise ValueError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")
    return renderers[format](diff)


def _summary(diff: Diff) -> str:
    parts = [f"{len(diff.added)} added", f"{len(diff.removed)} removed", f"{len(diff.changed)} changed"]
    return f"resources: {', '.join(parts)}; stack outputs changed: {len(diff.outputs)}"


def _headline(diff: Diff) -> str:
    where = f"stack {diff.stack}" if diff.stack else "the stack"
    if diff.weakenings:
        count = len(diff.weakenings)
        return f"SECURITY WEAKENED: {count} weakening{'s' if count != 1 else ''} in {where}"
    if diff.unchanged:
        return f"no change in {where}: the two plans are the same"
    return f"No security weakening in {where}."


def _text(diff: Diff) -> str:
    lines = [_headline(diff)]
    if diff.unchanged:
        return lines[0] + "\n"
    if diff.weakenings:
        lines.append("=" * len(lines[0]))
        lines += [f"  !! [{w.kind}] {w.message}" for w in diff.weakenings]
    lines += ["", _summary(diff)]
    for title, group, mark in (("Added", diff.added, "+"), ("Removed", diff.removed, "-")):
        if group:
            lines += ["", f"{title}:"] + [f"  {mark} {r['name']} ({r['type']})" for r in group.values()]
    if diff.changed:
        lines += ["", "Changed:"]
        for change in diff.changed.values():
            lines.append(f"  ~ {change.name} ({change.type})")
            lines += [f"      {c.path}: {_compact(c)}" for c in change.changes]
    if diff.outputs:
        lines += ["", "Stack outputs:"] + [f"  ~ {c.path}: {_compact(c)}" for c in diff.outputs]
    return "\n".join(lines) + "\n"


def _markdown(diff: Diff, limit: int | None = None) -> str:
    """The diff in at most `limit` characters (GitHub's comment limit by default): when longer, lines of the changes
    are cut first, from the last, then weakenings; each cut is counted, and the headline and summary stay."""
    from ..comment_limit import GITHUB_COMMENT_LIMIT, hard_cut, most_that_fit
    from ..wording import count

    limit = GITHUB_COMMENT_LIMIT if limit is None else limit
    if diff.unchanged:
        return f"## {_headline(diff)}\n"
    rows = [f"| **`{w.kind}`** | {_cell(w.message)} |" for w in diff.weakenings]
    body: list[str] = []
    for title, group in (("Added", diff.added), ("Removed", diff.removed)):
        if group:
            body += ["", f"### {title}", ""] + [f"- `{r['name']}` ({r['type']})" for r in group.values()]
    if diff.changed:
        body += ["", "### Changed", ""]
        for change in diff.changed.values():
            body.append(f"- `{change.name}` ({change.type})")
            body += [f"  - `{c.path}`: {_cell(_compact(c))}" for c in change.changes]
    if diff.outputs:
        body += ["", "### Stack outputs", ""] + [f"- `{c.path}`: {_cell(_compact(c))}" for c in diff.outputs]
    why = (
        f"a pull-request comment holds at most {limit:,} characters here. Run `hardened diff` on the two plans "
        "(text or JSON format) to see them all."
    )

    def compose(shown_rows: int, shown_body: int) -> str:
        lines = [f"## {_headline(diff)}"]
        if rows:
            lines += ["", "| Kind | Weakening |", "|---|---|", *rows[:shown_rows]]
            if shown_rows < len(rows):
                lines.append(f"| … | {count(len(rows) - shown_rows, 'more weakening')} not shown: {why} |")
        lines += ["", _summary(diff), *body[:shown_body]]
        if shown_body < len(body):
            lines += ["", f"… and {count(len(body) - shown_body, 'more line')} of changes not shown: {why}"]
        return "\n".join(lines) + "\n"

    text = compose(len(rows), len(body))
    if len(text) <= limit:
        return text
    if len(compose(len(rows), 0)) <= limit:
        return compose(len(rows), most_that_fit(len(body), lambda n: len(compose(len(rows), n)) <= limit))
    return hard_cut(compose(most_that_fit(len(rows), lambda n: len(compose(n, 0)) <= limit), 0), limit)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _compact(change: Change) -> str:
    """A list shown as what it gained and lost; anything else as `old → new`."""
    old, new = change.old, change.new
    if isinstance(old, list) and isinstance(new, list):
        gained = [show(v) for v in new if v not in old]
        lost = [show(v) for v in old if v not in new]
        if gained or lost:
            return "; ".join(
                ([f"+ {', '.join(gained)}"] if gained else []) + ([f"- {', '.join(lost)}"] if lost else [])
            )
        return f"reordered {show(old)} → {show(new)}"
    return transition(old, new)


def _json(diff: Diff) -> str:
    def change(c: Change) -> dict:
        return (
            {"path": c.path}
            | ({"old": c.old} if c.old is not ABSENT else {})
            | ({"new": c.new} if c.new is not ABSENT else {})
        )

    def ref(r: dict) -> dict:
        return {"urn": r["urn"], "type": r["type"], "name": r["name"]}

    document = {
        "project": diff.project,
        "stack": diff.stack,
        "weakened": diff.weakened,
        "weakenings": [{"urn": w.urn, "kind": w.kind, "message": w.message} for w in diff.weakenings],
        "added": [ref(r) for r in diff.added.values()],
        "removed": [ref(r) for r in diff.removed.values()],
        "changed": [
            {"urn": c.urn, "type": c.type, "name": c.name, "changes": [change(x) for x in c.changes]}
            for c in diff.changed.values()
        ],
        "outputs": [change(c) for c in diff.outputs],
    }
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# --- reading plans -----------------------------------------------------------------------------------------------


class PlanInputError(ValueError):
    """A file given to `hardened diff` is not a readable plan document of schema version 1."""


_MAKE_ONE = "make one with `hardened plan --stack STACK --format json > FILE`"


def load_plan(path: Path) -> dict:
    """The plan document in `path`, checked against plan.schema.json and read strictly (see strict_json.py);
    PlanInputError says what is wrong, and where."""
    try:
        document = strict_json.load_file(path)
    except JsonReadError as error:
        raise PlanInputError(_read_problem(path, error)) from None
    if not isinstance(document, dict) or "schema_version" not in document:
        raise PlanInputError(f"{path}: JSON, but not a plan document (it has no schema_version); {_MAKE_ONE}")
    if document["schema_version"] != 1:
        raise PlanInputError(
            f"{path}: a plan of schema version {shown_text(repr(document['schema_version']), 40)}, and this hardened reads "
            "version 1 only; make both plans with the same hardened"
        )
    problem = _schema_problem(document)
    if problem:
        raise PlanInputError(f"{path}: not a valid plan document of schema version 1: {problem}; {_MAKE_ONE}")
    problem = _analysis_problem(document)
    if problem:
        raise PlanInputError(f"{path}: {problem}; {_MAKE_ONE}")
    return document


def _read_problem(path: Path, error: JsonReadError) -> str:
    if error.kind == "missing":
        return f"{path}: no such file; {_MAKE_ONE}"
    if error.kind == "directory":
        return f"{path}: is a directory, not a plan file; {_MAKE_ONE}"
    if error.kind == "syntax":
        return (
            f"{path}: not JSON ({error.message} at line {error.line}, column {error.column}); "
            f"diff reads the JSON format of the plan, not its text or markdown; {_MAKE_ONE}"
        )
    return f"{path}: {error.describe()}" + (f"; {_MAKE_ONE}" if error.kind in ("empty", "value") else "")


def _analysis_problem(document: dict) -> str | None:
    """What the schema allows but the diff cannot compare: a URN given twice, a policy it cannot read.

    `hardened plan` writes neither; a plan that has one was edited, and is refused rather than compared wrongly."""
    first: dict[str, int] = {}
    for n, resource in enumerate(document["resources"]):
        if resource["urn"] in first:
            return (
                f"at resources/{n}/urn: the URN {shown_text(resource['urn'], 300)} is also the URN of "
                f"resources/{first[resource['urn']]}; each resource has its own"
            )
        first[resource["urn"]] = n
        found = shape_problem(resource["inputs"], "refuse")
        if found:
            return f"at {pointer(('resources', n, 'inputs', *found[0]))}: {found[1]}"
    return None


@functools.cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    schema = json.loads(resources.files("hardened_tools.plan").joinpath("plan.schema.json").read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def _schema_problem(document: dict) -> str | None:
    try:
        validator = _validator()
    except ImportError:  # a dependency, but an install may lack it: then check what the diff itself reads
        return _shape_problem(document)
    from jsonschema.exceptions import best_match

    error = best_match(validator.iter_errors(document))
    if error is None:
        return None
    return f"at {pointer(error.absolute_path)}: {shown_text(error.message, 200)}"


def _shape_problem(document: dict) -> str | None:
    for key, kind in (("project", str), ("stack", str), ("resources", list), ("outputs", dict)):
        if not isinstance(document.get(key), kind):
            return f"at the top level: '{key}' is missing or not a {kind.__name__}"
    for n, resource in enumerate(document["resources"]):
        for key, kind in (("urn", str), ("type", str), ("name", str), ("inputs", dict)):
            if not isinstance(resource, dict) or not isinstance(resource.get(key), kind):
                return f"at resources/{n}: '{key}' is missing or not a {kind.__name__}"
    return None


# --- the command ------------------------------------------------------------------------------------------------


def register(commands: Any) -> argparse.ArgumentParser:
    """Add `diff` to the subcommands of `hardened` (the object `add_subparsers` returns)."""
    parser = commands.add_parser(
        "diff",
        help="compare two plans and name every change that weakens security",
        description="Compare two plan documents of one stack (`hardened plan --format json`), BASE before a change "
        "and HEAD after it. Every weakening (a retention shortened, a lock or an MFA condition removed, an exemption "
        "added, public access opened, a copy lost...) is printed first, then every resource added, removed or changed. "
        "Exit status: 0 when nothing weakens, 1 when anything does, 2 on unreadable or invalid input.",
    )
    parser.add_argument("base", type=Path, help="the plan before the change (JSON)")
    parser.add_argument("head", type=Path, help="the plan after the change (JSON)")
    parser.add_argument("--format", choices=FORMATS, default="text", help="text (default), markdown or json")
    parser.set_defaults(command=run_diff)
    return parser


def run_diff(args: argparse.Namespace) -> int:
    try:
        base, head = load_plan(args.base), load_plan(args.head)
        if (base["project"], base["stack"]) != (head["project"], head["stack"]):
            names = [shown_text(f"{plan['project']}/{plan['stack']}", 120) for plan in (base, head)]  # on one line
            raise PlanInputError(
                f"{args.base} is a plan of {names[0]} and {args.head} of {names[1]}; diff compares two plans of the same stack"
            )
    except PlanInputError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    diff = security_diff(base, head)
    sys.stdout.write(render_diff(diff, args.format))
    return EXIT_WEAKENED if diff.weakenings else EXIT_OK
