"""`summary.md`: the one pull-request comment `hardened ci` writes, and the whole text beside it (`summary-full.md`).

The comment reads from the top: whether the gate fails or passes and why, the two commits, then the weakenings, the
removals of data-bearing resources, the posture controls failing or warning at the head, the preview's findings, and
the counts of every stack. Within a section the findings are grouped by stack, errors before warnings before notes.
Messages are markdown-escaped: no markup or HTML of theirs reaches the page.

A comment holds at most `limit` characters (GitHub refuses a body over 65,536). When the whole text is longer, the
notes, the counts and the plans computed are collapsed under one `<details>` block, and what does not fit is cut,
least important first (the list of plans, then notes, then the rows of the counts, then warnings, then errors; within
each, from the end, so weakenings go last), with a note at the top that counts what was cut and names the artifact
`summary-full.md`, which always holds the whole text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..comment_limit import GITHUB_COMMENT_LIMIT, hard_cut, most_that_fit
from ..wording import agree, count
from .findings import CATEGORIES, LEVELS, Category, Finding, Report, StackResult

FULL_ARTIFACT = "summary-full.md"
"""The file beside `summary.md` that holds the whole text when the comment is cut."""

SECTION_TITLES: dict[Category, str] = {
    "weakening": "Weakenings",
    "removal": "Removals of data-bearing resources",
    "posture": "Posture: controls failing or warning at the head",
    "preview": "Preview findings",
}
_LEVEL_RANK = {level: n for n, level in enumerate(LEVELS)}
_COLLAPSED_LEVELS = frozenset({"note"})  # never fail the gate: collapsed when the comment is cut
_MARKUP = re.compile(r"([\\`*_\[\]|~])")
_POSTURE_KEYS = ("pass", "warn", "fail")


def summary_markdown(report: Report, *, limit: int = GITHUB_COMMENT_LIMIT) -> tuple[str, str]:
    """The pull-request comment, at most `limit` characters, and the whole text (`summary-full.md`), never cut.

    They are the same text when it fits."""
    findings = _in_order(report)
    render = _Renderer(report, findings)
    full = render(set(range(len(findings))), len(report.stacks), True, collapse=False)
    if len(full) <= limit:
        return full, full
    # What is cut last comes first: errors, warnings, the rows of the counts, notes, the plans computed.
    by_level = sorted(range(len(findings)), key=lambda n: (_LEVEL_RANK[findings[n].level], n))
    kept_first: list[tuple[str, int]] = [("finding", n) for n in by_level if findings[n].level != "note"]
    kept_first += [("row", n) for n in range(len(report.stacks))]
    kept_first += [("finding", n) for n in by_level if findings[n].level == "note"]
    kept_first += [("planned", 0)] if render.planned_line else []

    def comment(kept: int) -> str:
        chosen = kept_first[:kept]
        shown = {n for what, n in chosen if what == "finding"}
        rows = sum(what == "row" for what, _ in chosen)
        return render(shown, rows, ("planned", 0) in chosen, collapse=True, limit=limit)

    return hard_cut(comment(most_that_fit(len(kept_first), lambda n: len(comment(n)) <= limit)), limit), full


def escape(text: str) -> str:
    """`text` as literal markdown on one line: markup characters backslash-escaped (a table's `|` among them), and
    `<`, `>` and `&` as entities, so that no HTML of it reaches the page."""
    text = " ".join(str(text).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKUP.sub(r"\\\1", text)


def code(text: str, *, in_table: bool = False) -> str:
    """`text` as an inline code span on one line, fenced by more backticks than it holds; in a table, `|` escaped."""
    text = " ".join(str(text).split())
    if not text:
        return "(none)"
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text[0] == "`" or text[-1] == "`" else ""
    span = f"{fence}{pad}{text}{pad}{fence}"
    return span.replace("|", "\\|") if in_table else span


def _in_order(report: Report) -> list[Finding]:
    """The findings in the order of the full text: by section, by stack (the stack with the worst level first, then
    as the report lists them), then errors, warnings and notes, each as found."""
    place = {result.stack: n for n, result in enumerate(report.stacks)}
    worst: dict[tuple[str, str], int] = {}
    for finding in report.findings:
        group = (finding.category, finding.stack)
        worst[group] = min(worst.get(group, len(LEVELS)), _LEVEL_RANK[finding.level])

    def key(item: tuple[int, Finding]) -> tuple:
        n, finding = item
        return (
            CATEGORIES.index(finding.category) if finding.category in CATEGORIES else len(CATEGORIES),
            worst[(finding.category, finding.stack)],
            place.get(finding.stack, len(place)),
            finding.stack,
            _LEVEL_RANK[finding.level],
            n,
        )

    return [finding for _, finding in sorted(enumerate(report.findings), key=key)]


def _posture_counts(summary: dict[str, int] | None) -> str:
    if not summary:
        return "-"
    return " / ".join(str(summary.get(key, 0)) for key in _POSTURE_KEYS)


def _posture_words(summary: dict[str, int]) -> str:
    return ", ".join(f"{summary.get(key, 0)} {key}" for key in _POSTURE_KEYS)


class _Renderer:
    """The text with a chosen part of the findings, of the rows of the counts and of the plans computed."""

    def __init__(self, report: Report, findings: list[Finding]):
        self.report = report
        self.findings = findings
        self.results = {result.stack: result for result in report.stacks}
        # No change: every stack plans the same at both commits and nothing but the head's standing posture was found.
        self.no_change = all(r.status == "unchanged" for r in report.stacks) and all(
            f.category == "posture" for f in report.findings
        )
        self.planned_line = _planned_line(report)

    def __call__(
        self, shown: set[int], rows: int, planned: bool, *, collapse: bool, limit: int = GITHUB_COMMENT_LIMIT
    ) -> str:
        lines = self._head()
        visible = [n for n in range(len(self.findings)) if n in shown]
        collapsed: list[int] = []
        if collapse:
            collapsed = [n for n in visible if self.findings[n].level in _COLLAPSED_LEVELS]
            visible = [n for n in visible if self.findings[n].level not in _COLLAPSED_LEVELS]
            cut = self._cut_note(shown, rows, planned, limit)
            if cut:
                lines += ["", cut]
        lines += self._sections([self.findings[n] for n in visible])
        tail = self._sections([self.findings[n] for n in collapsed], notes=True, level=4)
        tail += self._counts(rows)
        if planned and self.planned_line:
            tail += ["", self.planned_line]
        if collapse and tail:
            lines += ["", f"<details><summary>{self._collapsed_summary(len(collapsed), rows, planned)}</summary>"]
            lines += tail
            lines += ["", "</details>"]
        else:
            lines += tail
        return "\n".join(lines) + "\n"

    # --- the head: the verdict, the commits, the totals ---------------------------------------------------------

    def _head(self) -> list[str]:
        report = self.report
        failing = report.failing
        stacks = count(len(report.stacks), "stack")
        if self.no_change:
            headline = f"## {'❌ The gate fails' if failing else '✅ The gate passes'}: no change in {stacks}"
        else:
            weakenings = [f for f in report.findings if f.category == "weakening"]
            weakened = count(len({f.stack for f in weakenings}), "stack")
            what = f"{count(len(weakenings), 'weakening')} in {weakened}" if weakenings else f"no weakening in {stacks}"
            headline = f"## {'❌ The gate fails' if failing else '✅ The gate passes'}: {what}"
        lines = [
            headline,
            "",
            f"Base {_side(report.base.ref, report.base.commit)} → head {_side(report.head.ref, report.head.commit)}.",
        ]
        if self.no_change and not report.findings:
            lines += ["", "Every stack plans the same at both commits, and nothing was found."]
            return lines
        if self.no_change:
            lines += ["", "Every stack plans the same at both commits; below is the head's standing posture."]
        found = [
            count(sum(f.category == category for f in report.findings), singular, plural)
            for category, singular, plural in (
                ("removal", "removal of a data-bearing resource", "removals of data-bearing resources"),
                ("posture", "posture finding", None),
                ("preview", "preview finding", None),
            )
            if any(f.category == category for f in report.findings)
        ]
        on = "errors" if report.fail_on == "error" else "errors and warnings"
        verdict = (
            f"{count(len(failing), 'finding')} {agree(len(failing), 'fails', 'fail')} the gate, which fails on {on}."
            if failing
            else f"Nothing fails the gate, which fails on {on}."
        )
        levels = ", ".join(
            count(sum(f.level == level for f in report.findings), level)
            for level in LEVELS
            if any(f.level == level for f in report.findings)
        )
        also = f"Also {', '.join(found)}. " if found else ""
        total = f"Findings: {levels}. " if levels else ""
        lines += ["", f"{also}{total}{verdict}"]
        return lines

    def _cut_note(self, shown: set[int], rows: int, planned: bool, limit: int) -> str:
        lost = [f for n, f in enumerate(self.findings) if n not in shown]
        parts = []
        if lost:
            levels = ", ".join(
                count(sum(f.level == level for f in lost), level)
                for level in LEVELS
                if any(f.level == level for f in lost)
            )
            parts.append(f"{count(len(lost), 'finding')} ({levels})")
        if rows < len(self.report.stacks):
            parts.append(f"the counts of {count(len(self.report.stacks) - rows, 'stack')}")
        if self.planned_line and not planned:
            parts.append("the list of plans this run computed")
        if not parts:
            return ""
        return (
            f"> ✂️ **Cut:** {_and(parts)} not shown: a pull-request comment holds at most {limit:,} characters "
            f"here. The whole summary is `{FULL_ARTIFACT}`, an artifact of this run."
        )

    def _collapsed_summary(self, notes: int, rows: int, planned: bool) -> str:
        parts = [f"{count(notes, 'note')} (notes never fail the gate)"] if notes else []
        parts += [f"the counts of {count(rows, 'stack')}"] if rows else []
        parts += ["the plans this run computed"] if planned and self.planned_line else []
        text = _and(parts)
        return text[:1].upper() + text[1:]

    # --- the findings, section by section ----------------------------------------------------------------------

    def _sections(self, findings: Sequence[Finding], notes: bool = False, level: int = 3) -> list[str]:
        """The sections of `findings` (of the collapsed notes, with `notes`); a section that does not show all its
        findings (or all its notes) says how many it shows of how many."""
        lines: list[str] = []
        for category in [*CATEGORIES, *sorted({f.category for f in findings} - set(CATEGORIES))]:
            in_section = [f for f in findings if f.category == category]
            if not in_section:
                continue
            total = sum(
                f.category == category and (not notes or f.level in _COLLAPSED_LEVELS) for f in self.report.findings
            )
            title = SECTION_TITLES.get(category, category.capitalize()) + (": notes" if notes else "")
            shown = f"{len(in_section)} of {total}" if len(in_section) < total else str(total)
            lines += ["", f"{'#' * level} {title} ({shown})"]
            groups: dict[str, list[Finding]] = {}
            for finding in in_section:
                groups.setdefault(finding.stack, []).append(finding)
            for stack, group in groups.items():
                lines += ["", f"{'#' * (level + 1)} {code(stack)}{self._group_note(category, stack)}", ""]
                lines += [_finding_line(f) for f in group]
        return lines

    def _group_note(self, category: str, stack: str) -> str:
        if category != "posture" or stack not in self.results:
            return ""
        posture = self.results[stack].posture
        base, head = posture.get("base"), posture.get("head")
        if base and head:
            return f": {_posture_words(base)} at the base → {_posture_words(head)} at the head"
        if head:
            return f": {_posture_words(head)} at the head (not at the base)"
        if base:
            return f": {_posture_words(base)} at the base (not at the head)"
        return ""

    # --- the counts ------------------------------------------------------------------------------------------------

    def _counts(self, rows: int) -> list[str]:
        if not rows:
            return []
        lines = [
            "",
            "### Counts",
            "",
            "| Stack | Status | Added | Removed | Changed | Outputs | Posture at the head (pass / warn / fail) |",
            "|---|---|---:|---:|---:|---:|---|",
        ]
        lines += [_count_row(result) for result in self.report.stacks[:rows]]
        return lines


def _finding_line(finding: Finding) -> str:
    where = f" — {code(f'{finding.location.path}:{finding.location.line}')}" if finding.location else ""
    return f"- **{finding.level}** {code(finding.rule)}: {escape(finding.message)}{where}"


def _count_row(result: StackResult) -> str:
    counts = [str(result.counts.get(key, 0)) for key in ("added", "removed", "changed", "outputs")]
    base, head = result.posture.get("base"), result.posture.get("head")
    posture = _posture_counts(head)
    if base and base != head:
        posture += f" (base {_posture_counts(base)})"
    return f"| {code(result.stack, in_table=True)} | {result.status} | {' | '.join(counts)} | {posture} |"


def _and(parts: list[str]) -> str:
    return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]


def _side(ref: str, commit: str) -> str:
    return code(ref) + (f" ({code(commit[:7])})" if commit else "")


def _planned_line(report: Report) -> str:
    """Which plans this run computed (the rest came from the cache); empty when the report does not say."""
    if not report.planned:
        return ""
    sides = [
        f"{side} {', '.join(code(s) for s in report.planned[side]) or 'none'}"
        for side in ("base", "head", *sorted(set(report.planned) - {"base", "head"}))
        if side in report.planned
    ]
    return f"Plans computed by this run: {'; '.join(sides)}. The others came from the cache."
