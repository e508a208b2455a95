"""`hardened review preview.json`: the output of `pulumi preview --json` as a pull-request comment, and a gate.

    pulumi preview --json --stack prod > preview.json
    hardened review preview.json [--format markdown|json] [--output FILE]

The comment puts first what a reviewer must not miss: deletes and replaces of protected or
data-bearing resources, and changes to retention, locks, public access, policies, key rotation
and Pulumi's own `protect` / `retainOnDelete`, each shown as `old → new`. Every other step is
listed, one line each, in a collapsed block. The comment stays within 64,000 characters
(GitHub's limit is 65,536); the collapsed block is cut first, with a note.

Exit status: 1 when the review gate fails, that is when the preview deletes or replaces a protected
or data-bearing resource, or makes a change that plainly weakens a guard (a retention shortened, a
lock, `protect` or key rotation turned off, `forceDestroy` turned on, a Deny removed or an Allow
added); the review is written in full first. A security-relevant change that does not weaken (a
longer retention, a secret or unshown value, a policy only reformatted) is shown and does not fail
it. 0 otherwise; 2 when the input is not a preview digest or the output cannot be written (nothing
on stdout). Each finding says whether it fails the gate (`gates`).

`--format json` writes one document instead of the comment (sorted keys, UTF-8 as is, no size
limit; secrets stay "[secret]", and so does the other side of a change to or from a secret):

    {"schema_version": 1, "project": str, "stack": str, "gate": "fail" | "pass",
     "counts": {op: n},                      # changeSummary's (else counted from the steps), 0s left out
     "findings": [{"severity": 0 | 1 | 2,    # 0 refused or data goes, 1 destructive or weakening, 2 other
                   "kind": "protected-delete" | "protected-replace" | "data-bearing-delete"
                           | "data-bearing-replace" | "delete" | "replace" | "weakening" | "change",
                   "urn", "type", "name", "op", "message": str, "gates": bool,
                   "changes": [{"path": str, "old"?, "new"?,   # absent: added / deleted / not shown
                                "weakens", "forces_replacement", "option", "values_shown": bool}],
                   "engine_errors": [str]}],           # the engine's errors about it, as plain text
     "engine_errors": [{"urn": str, "message": str}]}   # errors about no listed step; urn "" if none

Findings are ordered as in the comment (most severe first, then by step); `review_findings` gives
them as data (`ReviewResult`) to other tools, such as `hardened ci`. Both outputs are written from
that one classification.

Steps are grouped and classified in `preview_steps.py`; property changes are read, judged and
shown in `preview_changes.py`. This module checks the input, and writes the comment and the document.

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
import html
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hardened.errors import HardenedError

from .. import strict_json
from ..comment_limit import GITHUB_COMMENT_LIMIT, fit_lines, hard_cut
from ..strict_json import JsonReadError, described
from ..wording import plural_s
from .policy_documents import shape_problem
from .preview_changes import MISSING, code_span, format_path, parse_path
from .preview_steps import (
    FINDING_KINDS,
    Finding,
    FindingChange,
    Step,
    finding_for,
    group_units,
    parse_urn,
    read_steps,
    unit_changes,
)

# What the tests, the CLI and `hardened ci` import from here; steps and changes live in the modules above.
__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_GATE_FAILS",
    "EXIT_PASS",
    "FINDING_KINDS",
    "FORMATS",
    "GITHUB_COMMENT_LIMIT",
    "EngineError",
    "Finding",
    "FindingChange",
    "PreviewInputError",
    "ReviewResult",
    "format_path",
    "load_preview",
    "parse_path",
    "parse_urn",
    "register",
    "render_review",
    "review_findings",
    "summarize_preview",
]

EXIT_PASS, EXIT_GATE_FAILS, EXIT_BAD_INPUT = 0, 1, 2
FORMATS = ("markdown", "json")
JSON_SCHEMA_VERSION = 1

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
    """A diagnostic message as one line of plain text (no colour codes, at most `width` characters)."""
    text = re.sub(r"\s+", " ", _ANSI.sub("", text)).strip()
    if len(text) > width:
        text = text[: width - 1] + "…"
    return text


def _escaped(text: str) -> str:
    """Plain text as markdown text: no HTML gets through."""
    return html.escape(text, quote=False)


@dataclass(frozen=True)
class EngineError:
    """An `error` diagnostic of the engine that no listed step of its resource took: `urn` is "" when it names none."""

    urn: str
    message: str  # plain text: colour codes stripped, white space collapsed, at most 600 characters


@dataclass
class ReviewResult:
    """A preview digest classified: what the comment and the JSON document are both written from.

    `project`, `stack`: read from the first URN that names them ("" when none does).
    `counts`: op -> number of steps, 0s left out: the engine's `changeSummary`, or counted from the steps when the
    digest has none (`counts_from_summary` says which).
    `findings`: the `Finding`s (preview_steps.py), most severe first, then in step order; each has `kind` (one of
    `FINDING_KINDS`), `gates`, `urn`, `type`, `name`, `op`, `message` (one line), `severity` (0 the engine refuses or
    data goes, 1 destructive or weakening, 2 a security-relevant change), `changes` (`FindingChange`s: `path`, `old`,
    `new`, `weakens`, ...; secrets stay "[secret]") and `engine_errors` (plain text).
    `engine_errors`: the engine's errors about no listed step (`EngineError`s).
    `routine`: the steps that are no finding, in the order the comment lists them (changes before unchanged ones).
    `count_notes`: markdown lines on counts that disagree with the steps, and on `maybeCorrupt`.
    """

    project: str
    stack: str
    counts: dict[str, int]
    counts_from_summary: bool
    findings: list[Finding]
    engine_errors: list[EngineError]
    routine: list[Step]
    count_notes: list[str]

    @property
    def gating(self) -> list[Finding]:
        """The findings that fail the gate."""
        return [f for f in self.findings if f.gates]

    @property
    def gate_fails(self) -> bool:
        """True when `hardened review` exits 1: a finding deletes or replaces a protected or data-bearing resource,
        or makes a security-weakening change."""
        return any(f.gates for f in self.findings)


def _counts(preview: dict, steps: list[Step]) -> tuple[dict[str, int], bool, list[str]]:
    """op -> count (from `changeSummary`, else from the steps), whether from `changeSummary`, and markdown notes."""
    by_op: dict[str, int] = {}
    for step in steps:
        by_op[step.op] = by_op.get(step.op, 0) + 1
    summary = preview.get("changeSummary")
    lines: list[str] = []
    if isinstance(summary, dict) and all(isinstance(v, int) for v in summary.values()):
        counts = {str(op): n for op, n in summary.items() if n}
        from_summary = True
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
        from_summary = False
    if preview.get("maybeCorrupt"):
        lines.append("⚠️ The engine reports that one or more resources may be corrupt (`maybeCorrupt`).")
    return counts, from_summary, lines


def review_findings(preview: dict) -> ReviewResult:
    """Classify a `pulumi preview --json` digest without writing anything: its findings, and whether the gate fails.

    `preview` is the parsed digest (`load_preview(FILE)` reads and checks a file). Returns a `ReviewResult`:

    * `.gate_fails: bool`: True exactly when `hardened review` exits 1: a finding deletes or replaces a protected or
      data-bearing resource, or one of its changes plainly weakens a guard. `.gating` lists those findings.
    * `.findings: list[Finding]`, most severe first, then in step order, one per resource (a replacement's steps
      are one), each with `kind: str` (one of `FINDING_KINDS`: "protected-delete", "protected-replace",
      "data-bearing-delete", "data-bearing-replace", "delete", "replace", "weakening", "change"; `delete` is not
      emitted today), `gates: bool`, `urn`,
      `type`, `name`, `op` ("replace" for any replacement step), `message` (one line: what happens, and the changes),
      `severity: int` (0 the engine refuses or data goes, 1 destructive or weakening, 2 a security-relevant change
      that does not weaken), `changes: list[FindingChange]` (`path`, `old` / `new` — `MISSING` when absent or not
      shown, "[secret]" when either side holds a secret —, `weakens`, `forces_replacement`, `option`,
      `values_shown`), `engine_errors: list[str]` (plain text) and `lines` (the comment's markdown).
    * `.engine_errors: list[EngineError]` (`urn`, "" when none, and `message`): errors about no listed step.
    * `.project`, `.stack` ("" when no URN names them), `.counts: dict[str, int]` (op -> steps, 0s left out),
      and what the comment alone uses: `.routine` (the other steps), `.counts_from_summary`, `.count_notes`.

    `render_review(result)` writes the comment and `render_review(result, "json")` the JSON document, both from
    this one result. Raises PreviewInputError when `preview` is not a digest.
    """
    return _classified(_validated(preview))


def _classified(preview: dict) -> ReviewResult:
    """`review_findings` of a digest already checked by `_validated`."""
    steps = read_steps(preview)
    units = group_units(steps)
    for unit in units:
        unit.changes = unit_changes(unit)

    errors_by_urn: dict[str, list[str]] = {}
    engine_errors: list[EngineError] = []
    for diagnostic in preview.get("diagnostics") or []:
        if not isinstance(diagnostic, dict) or diagnostic.get("severity") != "error":
            continue
        message = _plain(str(diagnostic.get("message") or ""))
        urn = diagnostic.get("urn")
        if isinstance(urn, str) and urn:
            errors_by_urn.setdefault(urn, []).append(message)
        else:
            engine_errors.append(EngineError("", message))

    findings: list[Finding] = []
    others: list[tuple[bool, int, Step]] = []
    for unit in units:
        finding = finding_for(unit, errors_by_urn)
        if finding:
            findings.append(finding)
        else:
            others += [(s.op == "same", s.index, s) for s in unit.steps]
    findings.sort(key=lambda f: (f.severity, f.order))
    for urn, messages in errors_by_urn.items():
        engine_errors += [EngineError(urn, message) for message in messages]
    counts, from_summary, notes = _counts(preview, steps)
    stack, project = next(((p[0], p[1]) for p in (parse_urn(s.urn) for s in steps) if p[0]), ("", ""))
    return ReviewResult(
        project=project,
        stack=stack,
        counts=counts,
        counts_from_summary=from_summary,
        findings=findings,
        engine_errors=engine_errors,
        routine=[step for _, _, step in sorted(others, key=lambda o: (o[0], o[1]))],
        count_notes=notes,
    )


def summarize_preview(preview: dict, *, limit: int = GITHUB_COMMENT_LIMIT) -> str:
    """A markdown pull-request comment on a `pulumi preview --json` digest, at most `limit` characters."""
    return render_review(review_findings(preview), limit=limit)


def render_review(result: ReviewResult, format: str = "markdown", *, limit: int = GITHUB_COMMENT_LIMIT) -> str:  # noqa: A002 - the command line's own word
    """The review as `markdown` (a comment of at most `limit` characters) or `json` (one document, no limit)."""
    if format == "json":
        return _json(result)
    if format != "markdown":
        raise ValueError(f"unknown format {format!r}; one of {', '.join(FORMATS)}")
    return _markdown(result, limit)


def _ordered_counts(counts: dict[str, int]) -> list[str]:
    ordered = sorted(counts, key=lambda op: (STEP_OPS.index(op) if op in STEP_OPS else len(STEP_OPS), op))
    return [op for op in ordered if op != "same"] + (["same"] if "same" in counts else [])


def _gate_words(result: ReviewResult) -> str:
    """How many of the findings fail the gate: 'none fails the gate', 'it fails …', 'all fail …', '2 fail …'."""
    gating, total = len(result.gating), len(result.findings)
    if not gating:
        return "none fails the gate"
    if gating == total:
        return "it fails the gate" if total == 1 else "all fail the gate"
    return f"{gating} fail{'s' * (gating == 1)} the gate"


def _markdown(result: ReviewResult, limit: int) -> str:
    counts, findings = result.counts, result.findings
    planned = ", ".join(f"{counts[op]} {COUNT_LABELS.get(op, code_span(op))}" for op in _ordered_counts(counts))
    source = (
        "from `changeSummary`"
        if result.counts_from_summary
        else "counted from the steps: the preview has no `changeSummary`"
    )
    loose_errors = [
        f"- {code_span(parse_urn(e.urn)[3])}: {_escaped(e.message)}" if e.urn else f"- {_escaped(e.message)}"
        for e in result.engine_errors
    ]
    if len(loose_errors) > _MAX_ENGINE_ERRORS:
        more = len(loose_errors) - _MAX_ENGINE_ERRORS
        loose_errors = [*loose_errors[:_MAX_ENGINE_ERRORS], f"- … and {more} more errors: see the full preview."]
    other_lines = [f"- {code_span(s.op)} {code_span(s.type)} {code_span(s.name)}" for s in result.routine]

    project, stack = result.project, result.stack
    title = (
        f"## Pulumi preview review: {code_span(project)} / {code_span(stack)}" if stack else "## Pulumi preview review"
    )
    head = [title, "", f"**Planned:** {planned or 'no changes'} ({source}).", *result.count_notes, ""]
    if findings:
        head += [f"### ⚠️ Destructive or weakening steps ({len(findings)}; {_gate_words(result)})", ""]
    else:
        head += [
            "### Destructive or weakening steps",
            "",
            "None: no delete or replace of a protected or data-bearing resource, and no security-relevant "
            "property change.",
        ]
    errors = ["", "### Engine errors", "", *loose_errors] if loose_errors else []
    unchanged = sum(1 for s in result.routine if s.op == "same")
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


def _json(result: ReviewResult) -> str:
    def change(c: FindingChange) -> dict:
        return (
            {
                "path": c.path,
                "weakens": c.weakens,
                "forces_replacement": c.forces_replacement,
                "option": c.option,
                "values_shown": c.values_shown,
            }
            | ({"old": c.old} if c.old is not MISSING else {})
            | ({"new": c.new} if c.new is not MISSING else {})
        )

    document = {
        "schema_version": JSON_SCHEMA_VERSION,
        "project": result.project,
        "stack": result.stack,
        "gate": "fail" if result.gate_fails else "pass",
        "counts": dict(result.counts),
        "findings": [
            {
                "severity": f.severity,
                "kind": f.kind,
                "urn": f.urn,
                "type": f.type,
                "name": f.name,
                "op": f.op,
                "message": f.message,
                "gates": f.gates,
                "changes": [change(c) for c in f.changes],
                "engine_errors": list(f.engine_errors),
            }
            for f in result.findings
        ],
        "engine_errors": [{"urn": e.urn, "message": e.message} for e in result.engine_errors],
    }
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


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
        help="summarise `pulumi preview --json` for a pull request; exit 1 when it deletes, replaces or weakens "
        "what it must not",
        description="Read the output of `pulumi preview --json` and write a markdown comment for a pull request "
        "(at most 64,000 characters), or one JSON document with --format json: deletes and replaces of protected "
        "or data-bearing resources and security-relevant property changes first, every other step collapsed. "
        "Exit status: 0 when nothing fails the gate; 1 when the preview deletes or replaces a protected or "
        "data-bearing resource, or makes a change that weakens a guard (a retention shortened, a lock or "
        "`protect` turned off, a Deny removed, an Allow added), after writing the review in full; 2 when the input is not a "
        "preview digest or the output cannot be written.",
    )
    parser.add_argument("preview", help="the file written by `pulumi preview --json`, or - for standard input")
    parser.add_argument(
        "--format", choices=FORMATS, default="markdown", help="markdown (default: a pull-request comment) or json"
    )
    parser.add_argument(
        "--output", type=Path, metavar="FILE", help="write the review to this file instead of standard output"
    )
    parser.set_defaults(command=_review)
    return parser


def _review(args: argparse.Namespace) -> int:
    try:
        result = _classified(load_preview(args.preview))
    except PreviewInputError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    text = render_review(result, args.format)
    if args.output is None:
        sys.stdout.write(text)
    else:
        try:
            args.output.write_text(text, encoding="utf-8")
        except OSError as error:
            print(f"error: cannot write {args.output}: {error.strerror or error}.", file=sys.stderr)
            return EXIT_BAD_INPUT
    return EXIT_GATE_FAILS if result.gate_fails else EXIT_PASS
