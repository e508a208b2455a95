"""`hardened review preview.json`: the output of `pulumi preview --json` as a pull-request comment.

    pulumi preview --json --stack prod > preview.json
    hardened review preview.json [--output comment.md]

The comment puts first what a reviewer must not miss: deletes and replaces of protected or
data-bearing resources, and changes to retention, locks, public access, policies, key rotation
and Pulumi's own `protect` / `retainOnDelete`, each shown as `old → new`. Every other step is
listed, one line each, in a collapsed block. The comment stays within 64,000 characters
(GitHub's limit is 65,536); the collapsed block is cut first, with a note.

Steps are grouped and classified in `preview_steps.py`; property changes are read, judged and
shown in `preview_changes.py`. This module checks the input and writes the comment.

What these modules rely on, from Pulumi's source (github.com/pulumi/pulumi):

* `pkg/display/json.go` (`sdk/pkg/display/json.go` in recent trees): `pulumi preview --json`
  prints one `PreviewDigest`: `config` (map, secrets blinded), `steps` (list of `PreviewStep`),
  `diagnostics` (`urn`, `prefix`, `message`, `severity`), `duration` (a Go `time.Duration`,
  nanoseconds), `changeSummary` (op -> count) and `maybeCorrupt`. Every field but `detailedDiff`
  is `omitempty`, so `steps` is absent only when nothing was planned (the CLI prints `{}` when a
  preview cannot start).
* `PreviewStep`: `op`, `urn`, `provider`, `oldState`, `newState`, `diffReasons` (top-level
  property names; "for updating steps only"), `replaceReasons` ("for replacement steps only")
  and `detailedDiff` (property path -> `{kind, inputDiff}`), which has no `omitempty` and is
  `null` whenever the provider gave no detailed diff (creates, deletes, and providers without
  `hasDetailedDiff`).
* `PropertyDiff.kind` is `plugin.DiffKind.String()` (`sdk/go/common/resource/plugin/provider.go`):
  `add`, `add-replace`, `delete`, `delete-replace`, `update`, `update-replace`. The camel-case
  spellings (`addReplace`, ...) are accepted as well. `inputDiff: true` means the difference is
  between old and new inputs; otherwise between the old state (outputs) and the new inputs, so
  the old value is read from `oldState.outputs` first.
* `oldState` / `newState` are `apitype.ResourceV3` (`sdk/go/common/apitype/core.go`): `urn`,
  `custom`, `id`, `type`, `inputs`, `outputs`, `parent`, `protect`, `retainOnDelete`, `external`,
  `dependencies`, `provider`, `propertyDependencies`, `deletedWith`, `created`, `modified`, ...
  A create has no `oldState`, a delete no `newState`. `pkg/backend/display/json.go`
  (`stateForJSONOutput` / `MassageSecrets(…, false)`) replaces every secret value with the string
  `"[secret]"`. Unknown values ("known after apply") serialise as the sentinel
  `04da6b54-80e4-46f7-96ec-b56ff0331ba9` (`plugin.UnknownStringValue`). Terraform-bridged
  providers add a `__defaults` list to the inputs; keys starting with `__` are ignored.
* Step ops (`pkg/resource/deploy/step.go`, `StepOps`): same, create, update, delete, replace,
  create-replacement, delete-replaced, read, read-replacement, refresh, discard,
  discard-replaced, remove-pending-replace, import, import-replacement. The JSON shows `same`
  steps only with `--show-sames` (or when `protect` changed) and the root `pulumi:pulumi:Stack`
  always; a replacement is one logical `replace` step, plus `create-replacement` and
  `delete-replaced` with `--show-replacement-steps` (`shouldShow`). All steps of one
  replacement share the URN and are grouped here as one.
* `changeSummary` counts only logical steps that planned without error
  (`previewActions.OnResourceStepPost`). A delete of a protected resource fails in preview
  (`DeleteStep.Apply`: "cannot be deleted because it is protected"): its step is still listed
  (the step is announced before it is applied) but not counted, and an `error` diagnostic names
  it. A replace of a resource protected in the old and new state fails in the step generator
  ("unable to replace resource … as it is currently marked for protection"). Both are shown as
  refused by the engine; a replace whose new state drops `protect` is shown as going through.
* URNs are `urn:pulumi:<stack>::<project>::<parent-type>$…$<type>::<name>`; the name may itself
  contain `::`.
* Diagnostic severities are `debug`, `info`, `info#err`, `warning`, `error`; messages may carry
  ANSI colour codes, which are stripped.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

from hardened.errors import HardenedError

from .. import strict_json
from ..comment_limit import GITHUB_COMMENT_LIMIT, fit_lines, hard_cut
from ..strict_json import JsonReadError, described
from ..wording import plural_s
from .policy_documents import shape_problem
from .preview_changes import code_span, format_path, parse_path
from .preview_steps import (
    Step,
    finding_for,
    group_units,
    parse_urn,
    read_steps,
    unit_changes,
)

# What the tests and the CLI import from here; steps and changes live in the modules above.
__all__ = [
    "GITHUB_COMMENT_LIMIT",
    "PreviewInputError",
    "format_path",
    "load_preview",
    "parse_path",
    "parse_urn",
    "register",
    "summarize_preview",
]


STEP_OPS = (
    "same",
    "create",
    "update",
    "delete",
    "replace",
    "create-replacement",
    "delete-replaced",
    "read",
    "read-replacement",
    "refresh",
    "discard",
    "discard-replaced",
    "remove-pending-replace",
    "import",
    "import-replacement",
)
# Logical steps the engine counts in changeSummary under their own op (refresh steps count as `same`).
CROSS_CHECKED_OPS = ("create", "update", "delete", "replace", "import", "import-replacement")
COUNT_LABELS = {
    "create": "to create",
    "update": "to update",
    "delete": "to delete",
    "replace": "to replace",
    "read": "to read",
    "refresh": "to refresh",
    "import": "to import",
    "import-replacement": "to import and replace",
    "discard": "to discard",
    "same": "unchanged",
}

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|<\{%[^%]*%\}>")
_MESSAGE_WIDTH = 600
_MAX_ENGINE_ERRORS = 20


class PreviewInputError(HardenedError):
    """The input is not the output of `pulumi preview --json`."""


# ----------------------------------------------------------------------------------------------
# Checking the input is a digest


def _validated(preview: Any, source: str = "the input") -> dict:
    hint = "Pass the file written by `pulumi preview --json > preview.json`."
    if not isinstance(preview, dict):
        raise PreviewInputError(
            f"{source} is not the output of `pulumi preview --json`: it is JSON, but not an object. {hint}"
        )
    steps = preview.get("steps")
    if not isinstance(steps, list):
        if not preview:
            raise PreviewInputError(
                f"{source} is an empty JSON object, not a preview: `pulumi preview --json` prints `{{}}` when the preview "
                "could not start (missing stack, config or project); its error output says why."
            )
        raise PreviewInputError(
            f'{source} is not the output of `pulumi preview --json`: it has no "steps" list. {hint}'
        )
    for number, step in enumerate(steps):
        if not isinstance(step, dict) or not isinstance(step.get("op"), str) or not isinstance(step.get("urn"), str):
            raise PreviewInputError(
                f"{source} is not the output of `pulumi preview --json`: steps[{number}] is not a step with a string "
                f'"op" and "urn". {hint}'
            )
    problem = _digest_problem(preview)
    if problem:
        where, what = problem
        raise PreviewInputError(
            f"{source} is not the output of `pulumi preview --json`: {format_path(where)} is {what}. {hint}"
        )
    return preview


_KINDS = (
    "add",
    "add-replace",
    "delete",
    "delete-replace",
    "update",
    "update-replace",
    "addReplace",
    "deleteReplace",
    "updateReplace",
)
_Problem = tuple[list, str] | None


def _digest_problem(preview: dict) -> _Problem:
    """The first value the review would read wrongly or not at all, with its path: each is what the engine
    writes or absent (null counts as absent), so nothing is guessed. Policy documents are checked as the diff's."""
    summary = preview.get("changeSummary")
    if summary is not None:
        if not isinstance(summary, dict):
            return ["changeSummary"], f"{described(summary)}; it is an object of step op → count"
        for op, count in summary.items():
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                return ["changeSummary", op], f"{described(count)}; a count is a whole number, 0 or more"
    if preview.get("maybeCorrupt") is not None and not isinstance(preview["maybeCorrupt"], bool):
        return ["maybeCorrupt"], f"{described(preview['maybeCorrupt'])}; it is true or false"
    diagnostics = preview.get("diagnostics")
    if diagnostics is not None and not isinstance(diagnostics, list):
        return ["diagnostics"], f"{described(diagnostics)}; it is a list of diagnostics"
    for n, diagnostic in enumerate(diagnostics or []):
        if not isinstance(diagnostic, dict):
            return ["diagnostics", n], f"{described(diagnostic)}; each diagnostic is an object"
        for key in ("urn", "message", "severity", "prefix"):
            if diagnostic.get(key) is not None and not isinstance(diagnostic[key], str):
                return ["diagnostics", n, key], f"{described(diagnostic[key])}; a diagnostic's {key} is a string"
    for n, step in enumerate(preview["steps"]):
        problem = _step_problem(step)
        if problem:
            return ["steps", n, *problem[0]], problem[1]
    return None


def _step_problem(step: dict) -> _Problem:
    for key in ("diffReasons", "replaceReasons"):
        reasons = step.get(key)
        if reasons is not None and not (isinstance(reasons, list) and all(isinstance(r, str) for r in reasons)):
            return [key], f"{described(reasons)}; it is a list of property names (strings)"
    for key in ("oldState", "newState"):
        state = step.get(key)
        if state is None:
            continue
        if not isinstance(state, dict):
            return [
                key
            ], f"{described(state)}; a state is an object (absent for a create's oldState, a delete's newState)"
        for part in ("inputs", "outputs"):
            if state.get(part) is not None and not isinstance(state[part], dict):
                return [key, part], f"{described(state[part])}; {part} is an object of properties"
        for option in ("protect", "retainOnDelete"):
            if state.get(option) is not None and not isinstance(state[option], bool):
                return [key, option], f"{described(state[option])}; {option} is true or false"
        if state.get("type") is not None and not isinstance(state["type"], str):
            return [key, "type"], f'{described(state["type"])}; a type is a string such as "aws:s3/bucketV2:BucketV2"'
        for part in ("inputs", "outputs"):
            found = shape_problem(state.get(part) or {}, "read")
            if found:
                return [key, part, *found[0]], found[1]
    detailed = step.get("detailedDiff")
    if detailed is None:
        return None
    if not isinstance(detailed, dict):
        return [
            "detailedDiff"
        ], f"{described(detailed)}; it is an object of property path → {{kind, inputDiff}}, or null"
    for path, diff in detailed.items():
        if not isinstance(diff, dict):
            return ["detailedDiff", path], f"{described(diff)}; each property diff is an object {{kind, inputDiff}}"
        if diff.get("kind", "update") not in _KINDS:
            return ["detailedDiff", path, "kind"], f"{described(diff['kind'])}; a kind is one of {', '.join(_KINDS)}"
        if diff.get("inputDiff") is not None and not isinstance(diff["inputDiff"], bool):
            return ["detailedDiff", path, "inputDiff"], f"{described(diff['inputDiff'])}; inputDiff is true or false"
    return None


# ----------------------------------------------------------------------------------------------
# The comment


def _plain(text: str, width: int = _MESSAGE_WIDTH) -> str:
    """A diagnostic message as one line of markdown text (no HTML, no colour codes)."""
    text = re.sub(r"\s+", " ", _ANSI.sub("", text)).strip()
    if len(text) > width:
        text = text[: width - 1] + "…"
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _counts(preview: dict, steps: list[Step]) -> list[str]:
    by_op: dict[str, int] = {}
    for step in steps:
        by_op[step.op] = by_op.get(step.op, 0) + 1
    summary = preview.get("changeSummary")
    lines: list[str] = []
    if isinstance(summary, dict) and all(isinstance(v, int) for v in summary.values()):
        counts = {str(op): n for op, n in summary.items() if n}
        source = "from `changeSummary`"
        for op in CROSS_CHECKED_OPS:
            listed, counted = by_op.get(op, 0), summary.get(op, 0)
            if listed > counted:
                lines.append(
                    f"⚠️ The steps list {listed} {code_span(op)} but `changeSummary` counts {counted}: the engine "
                    "could not plan the difference (see the errors below); this preview would fail."
                )
            elif listed < counted:
                lines.append(f"⚠️ `changeSummary` counts {counted} {code_span(op)} but the steps list only {listed}.")
        if by_op.get("same", 0) > summary.get("same", 0):
            lines.append(
                f"⚠️ The steps list {by_op['same']} `same` but `changeSummary` counts {summary.get('same', 0)}."
            )
    else:
        counts = {op: n for op, n in by_op.items() if op not in ("create-replacement", "delete-replaced")}
        source = "counted from the steps: the preview has no `changeSummary`"
    ordered = sorted(counts, key=lambda op: (STEP_OPS.index(op) if op in STEP_OPS else len(STEP_OPS), op))
    ordered = [op for op in ordered if op != "same"] + (["same"] if "same" in counts else [])
    text = ", ".join(f"{counts[op]} {COUNT_LABELS.get(op, code_span(op))}" for op in ordered) or "no changes"
    if preview.get("maybeCorrupt"):
        lines.append("⚠️ The engine reports that one or more resources may be corrupt (`maybeCorrupt`).")
    return [f"**Planned:** {text} ({source}).", *lines]


def summarize_preview(preview: dict, *, limit: int = GITHUB_COMMENT_LIMIT) -> str:
    """A markdown pull-request comment on a `pulumi preview --json` digest, at most `limit` characters."""
    preview = _validated(preview)
    steps = read_steps(preview)
    units = group_units(steps)
    for unit in units:
        unit.changes = unit_changes(unit)

    errors_by_urn: dict[str, list[str]] = {}
    loose_errors: list[str] = []
    for diagnostic in preview.get("diagnostics") or []:
        if not isinstance(diagnostic, dict) or diagnostic.get("severity") != "error":
            continue
        message = _plain(str(diagnostic.get("message") or ""))
        urn = diagnostic.get("urn")
        if isinstance(urn, str) and urn:
            errors_by_urn.setdefault(urn, []).append(message)
        else:
            loose_errors.append(f"- {message}")

    findings, others = [], []
    for unit in units:
        finding = finding_for(unit, errors_by_urn)
        if finding:
            findings.append(finding)
        else:
            others += [
                (s.op == "same", s.index, f"- {code_span(s.op)} {code_span(s.type)} {code_span(s.name)}")
                for s in unit.steps
            ]
    findings.sort(key=lambda f: (f.severity, f.order))
    other_lines = [line for _, _, line in sorted(others)]
    for urn, messages in errors_by_urn.items():
        loose_errors += [f"- {code_span(parse_urn(urn)[3])}: {message}" for message in messages]
    if len(loose_errors) > _MAX_ENGINE_ERRORS:
        more = len(loose_errors) - _MAX_ENGINE_ERRORS
        loose_errors = [*loose_errors[:_MAX_ENGINE_ERRORS], f"- … and {more} more errors: see the full preview."]

    stack, project = next(((p[0], p[1]) for p in (parse_urn(s.urn) for s in steps) if p[0]), ("", ""))
    title = (
        f"## Pulumi preview review: {code_span(project)} / {code_span(stack)}" if stack else "## Pulumi preview review"
    )
    head = [title, "", *_counts(preview, steps), ""]
    if findings:
        head += [f"### ⚠️ Destructive or weakening steps ({len(findings)})", ""]
    else:
        head += [
            "### Destructive or weakening steps",
            "",
            "None: no delete or replace of a protected or data-bearing resource, and no security-relevant "
            "property change.",
        ]
    errors = ["", "### Engine errors", "", *loose_errors] if loose_errors else []
    unchanged = sum(1 for is_same, _, _ in others if is_same)
    summary_text = f"{len(other_lines)} step{'s' * (len(other_lines) != 1)}"
    if unchanged == len(other_lines):
        summary_text += ", all unchanged"
    elif unchanged:
        summary_text += f": {len(other_lines) - unchanged} changed, {unchanged} unchanged"

    def render(finding_lines: list[str], lines: list[str]) -> str:
        body = [*head, *finding_lines, *errors, "", "### Other changes", ""]
        if other_lines:
            body += ["<details>", f"<summary>{summary_text}</summary>", "", *lines, "", "</details>"]
        else:
            body.append("None.")
        return "\n".join(body) + "\n"

    finding_lines = [line for f in findings for line in f.lines]
    text = render(finding_lines, other_lines)
    if len(text) <= limit:
        return text
    cut_note = (
        "- … and {n} more step{s} not shown: a pull-request comment holds at most "
        f"{limit:,} characters here. Run `pulumi preview` to see them all."
    )
    fixed = len(render(finding_lines, []))
    if fixed + len(cut_note) + 20 <= limit:
        return render(finding_lines, fit_lines(other_lines, limit - fixed, cut_note))
    # Even the destructive steps do not fit: keep as many as fit, and none of the others.
    empty = len(render([], [cut_note.format(n=len(other_lines), s=plural_s(len(other_lines)))]))
    finding_note = (
        "- … and {n} more line{s} of destructive or weakening steps not shown: the comment is limited to "
        f"{limit:,} characters. Run `pulumi preview` to see them all."
    )
    text = render(
        fit_lines(finding_lines, limit - empty - 1, finding_note),
        [cut_note.format(n=len(other_lines), s=plural_s(len(other_lines)))],
    )
    return hard_cut(text, limit)


# ----------------------------------------------------------------------------------------------
# Command line


def load_preview(source: str) -> dict:
    """The preview digest in file `source` ("-": standard input); PreviewInputError when it is not one."""
    name = "standard input" if source == "-" else source
    try:
        # bytes: UTF-8, UTF-16 (PowerShell redirection) and UTF-32 are detected
        preview = strict_json.load_file(source, sys.stdin.buffer if source == "-" else None)
    except JsonReadError as error:
        raise PreviewInputError(_read_problem(name, source, error)) from None
    return _validated(preview, name)


def _read_problem(name: str, source: str, error: JsonReadError) -> str:
    if error.kind in ("missing", "directory", "unreadable"):
        return (
            f"cannot read the preview {source}: {error.message}. Pass the file written by "
            "`pulumi preview --json > preview.json`, or - to read it from standard input."
        )
    if error.kind in ("empty", "syntax"):
        where = "it is empty" if error.kind == "empty" else f"line {error.line}, column {error.column}: {error.message}"
        return (
            f"{name} is not JSON ({where}). Pass the output of `pulumi preview --json`; without `--json` the "
            "preview is text for people, which this command cannot read."
        )
    hint = "Pass the file written by `pulumi preview --json > preview.json`."
    if error.path is not None:
        return f"{name} is not the output of `pulumi preview --json`: {error.describe(format_path)}. {hint}"
    return f"{name} {error.problem}. {hint}"


def register(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add `review` to the subcommands `commands`."""
    parser = commands.add_parser(
        "review",
        help="summarise `pulumi preview --json` as a markdown pull-request comment",
        description="Read the output of `pulumi preview --json` and write a markdown comment for a pull request: "
        "deletes and replaces of protected or data-bearing resources and security-relevant property changes "
        "first, every other step collapsed. At most 64,000 characters.",
    )
    parser.add_argument("preview", help="the file written by `pulumi preview --json`, or - for standard input")
    parser.add_argument(
        "--output", type=Path, metavar="FILE", help="write the comment to this file instead of standard output"
    )
    parser.set_defaults(command=_review)
    return parser


def _review(args: argparse.Namespace) -> int:
    try:
        comment = summarize_preview(load_preview(args.preview))
    except PreviewInputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.output is None:
        sys.stdout.write(comment)
        return 0
    try:
        args.output.write_text(comment, encoding="utf-8")
    except OSError as error:
        print(f"error: cannot write {args.output}: {error.strerror or error}.", file=sys.stderr)
        return 2
    return 0
