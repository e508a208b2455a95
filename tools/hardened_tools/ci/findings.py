"""What `hardened ci` found, as data: the one model its summary, its SARIF log and its report are written from.

A `Finding` is one thing a reviewer must see: a weakening from `hardened diff`, the removal of a data-bearing
resource, a posture control that fails or warns at the head, or a finding of `hardened review` on a real preview.
Its `level` decides the exit status: an `error` always fails the gate, a `warning` only with `--fail-on warn`, a
`note` never.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Level = Literal["error", "warning", "note"]
Category = Literal["weakening", "removal", "posture", "preview"]
Status = Literal["changed", "unchanged", "added", "removed"]
FailOn = Literal["error", "warning"]
LEVELS: tuple[Level, ...] = ("error", "warning", "note")
# The order the summary shows them in: weakenings first, then removals of data-bearing resources, then posture.
CATEGORIES: tuple[Category, ...] = ("weakening", "removal", "posture", "preview")


@dataclass(frozen=True)
class Location:
    """Where a finding comes from, in the head commit: a path from the repository root and a 1-based line."""

    path: str
    line: int = 1


@dataclass(frozen=True)
class Finding:
    """One result: a weakening, a removal, a posture control or a preview step, in one stack."""

    rule: str
    """The rule id: the weakening kind (`mfa-condition-removed`), `posture/<control>` or `preview/<kind>`."""
    category: Category
    """Which section of the summary it belongs to."""
    level: Level
    """error fails the gate; warning fails it with `--fail-on warn`; note never does."""
    stack: str
    """The stack it was found in."""
    message: str
    """One paragraph, as `hardened diff`, `posture` or `review` says it."""
    urn: str = ""
    """The resource it is about, when there is one."""
    location: Location | None = None
    """The stack file or source line the change comes from, when one can be named."""


@dataclass
class StackResult:
    """One stack, compared from base to head."""

    stack: str
    status: Status
    """added: a stack file only at the head; removed: only at the base."""
    counts: dict[str, int] = field(default_factory=dict)
    """Resources added, removed and changed, and stack outputs changed (keys: added, removed, changed, outputs)."""
    posture: dict[str, dict[str, int]] = field(default_factory=dict)
    """The posture summary (pass, warn, fail counts) at `base` and at `head`, for the sides that have the stack."""


@dataclass
class Side:
    """One side of the comparison: the ref given, and the commit it names."""

    ref: str
    commit: str


@dataclass
class Report:
    """Everything `hardened ci` writes: summary.md, findings.sarif and report.json are each made from it."""

    base: Side
    head: Side
    stacks: list[StackResult]
    findings: list[Finding]
    fail_on: FailOn = "error"
    planned: dict[str, list[str]] = field(default_factory=dict)
    """Per side (`base`, `head`), the stacks whose plans this run computed; the rest came from the cache."""

    @property
    def failing(self) -> list[Finding]:
        """The findings that fail the gate at `fail_on`."""
        levels = ("error",) if self.fail_on == "error" else ("error", "warning")
        return [f for f in self.findings if f.level in levels]
