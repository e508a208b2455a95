"""Offline answers to `pulumi.StackReference`: the referenced stack of the same project, planned offline.

A referenced stack is planned in a separate process (`python -m hardened_tools plan --format json`), because
Pulumi's runtime settings are global to a process, and its exported `outputs` are served to the
program as the engine would serve the real stack's outputs. Results are cached per process, keyed by
project, stack and the stack file's content. The chain of stacks being planned travels to each child
process in an environment variable, so a reference cycle stops with an error instead of recursing.

A caller that has already planned the referenced stack with the same code and stack files (`hardened ci` plans the
organization stack once per side) passes its plan documents as `planned`, and they are read instead.
"""

import functools
import hashlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .project import STACK_NAME, PlanInputError, PulumiProject

STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference"
# Stacks being planned by the processes above this one, outermost first, comma-separated.
CHAIN_VARIABLE = "HARDENED_PLAN_REFERENCE_CHAIN"

_cache: dict[tuple[str, str, str], "ReferencedStack"] = {}
_cache_lock = threading.Lock()


@dataclass(frozen=True)
class ReferencedStack:
    """What a stack reference reads: the stack's exported values, as its own plan printed them."""

    stack: str
    outputs: dict
    secret_outputs: list[str] = field(default_factory=list)
    computed_outputs: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class StackReferences:
    """Resolves the references made by the program of `stack`, one of `project`'s stacks."""

    project: PulumiProject
    stack: str
    planned: Mapping[str, Path] = field(default_factory=dict)
    """Plan documents (`hardened plan --format json`) of stacks already planned with this code and stack files."""
    log: list[tuple[str, str]] = field(default_factory=list, compare=False)
    """Each reference resolved, as (stack, how): "planned file", "cached" or "subprocess"."""

    def __call__(self, reference: str) -> ReferencedStack:
        stack = self._stack_named(reference)
        if stack in self.planned:
            self.log.append((stack, "planned file"))
            return _from_plan_file(str(self.planned[stack]), stack)
        chain = [*_chain_from_environment(), self.stack]
        if stack in chain:
            cycle = " -> ".join([*chain[chain.index(stack) :], stack])
            raise PlanInputError(
                f"Stack reference cycle: {cycle}. {self._subject(reference)} leads back to stack '{stack}' "
                f"({self._shown(stack)}), which is being planned: a stack cannot depend on its own outputs."
            )
        content = self.project.stack_file(stack).read_bytes()
        key = (str(self.project.root.resolve()), stack, hashlib.sha256(content).hexdigest())
        with _cache_lock:
            if key not in _cache:
                _cache[key] = self._plan(reference, stack, chain)
                self.log.append((stack, "subprocess"))
            else:
                self.log.append((stack, "cached"))
            return _cache[key]

    def _stack_named(self, reference: str) -> str:
        """The stack a reference names: `<stack>` or `<organization>/<project>/<stack>` of this project."""
        parts = reference.split("/")
        if len(parts) not in (1, 3) or not all(parts):
            raise PlanInputError(
                f"{self._subject(reference)}: name a stack as '<stack>' or '<organization>/<project>/<stack>'. "
                f"{self._available()}"
            )
        if len(parts) == 3 and parts[1] != self.project.name:
            raise PlanInputError(
                f"{self._subject(reference)} names project '{parts[1]}': the offline plan resolves only stacks of "
                f"this project ({self.project.name}), from their stack files in "
                f"{self.project.relative(self.project.stack_config_dir)}/. {self._available()}"
            )
        stack = parts[-1]
        if not STACK_NAME.match(stack) or not self.project.stack_file(stack).is_file():
            raise PlanInputError(
                f"{self._subject(reference)}: {self._shown(stack)} does not exist, so the offline plan cannot plan "
                f"stack '{stack}'. {self._available()}"
            )
        return stack

    def _plan(self, reference: str, stack: str, chain: list[str]) -> ReferencedStack:
        completed = plan_in_subprocess(self.project.root, stack, chain)
        if completed.returncode != 0:
            error = _error_of(completed.stderr)
            if error.startswith("Stack reference cycle:"):
                raise PlanInputError(error)  # already names every stack on the way round
            available = "" if "Stacks available:" in error else f" {self._available()}"
            raise PlanInputError(
                f"{self._subject(reference)}: planning stack '{stack}' ({self._shown(stack)}) failed "
                f"(exit {completed.returncode}): {error}{available}"
            )
        return _from_plan(json.loads(completed.stdout), stack)

    def _subject(self, reference: str) -> str:
        return f"Stack reference '{reference}' of stack '{self.stack}' ({self._shown(self.stack)})"

    def _shown(self, stack: str) -> str:
        return self.project.relative(self.project.stack_file(stack))

    def _available(self) -> str:
        return f"Stacks available: {', '.join(self.project.stacks()) or 'none'}."


@functools.lru_cache(maxsize=4)
def planned_document(path: str) -> dict:
    """A plan document written by an earlier plan, read once per process: every environment stack a worker plans
    reads the same organization plan (tens of megabytes for a large organization). Never modify what it returns."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _from_plan_file(path: str, stack: str) -> ReferencedStack:
    return _from_plan(planned_document(path), stack)


def _from_plan(plan: dict, stack: str) -> ReferencedStack:
    """What a reference reads from the stack's plan document: its exports, as the engine would serve them."""
    return ReferencedStack(
        stack=stack,
        outputs=plan.get("outputs", {}),
        secret_outputs=plan.get("secret_outputs", []),
        computed_outputs=plan.get("computed_outputs", []),
    )


def plan_in_subprocess(project_root, stack: str, chain: list[str] | None = None) -> subprocess.CompletedProcess:
    """`hardened plan --stack <stack> --format json` of the project, in a fresh process: the SDK's settings are
    global to a process. `chain` is the stacks being planned above it, for cycle detection."""
    environment = {**os.environ, CHAIN_VARIABLE: ",".join(chain)} if chain is not None else None
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "hardened_tools",
            "plan",
            "--stack",
            stack,
            "--format",
            "json",
            "--project-dir",
            str(project_root),
        ],
        capture_output=True,
        text=True,
        env=environment,
    )


def _chain_from_environment() -> list[str]:
    return [stack for stack in os.environ.get(CHAIN_VARIABLE, "").split(",") if stack]


def _error_of(stderr: str) -> str:
    """The child's error in one line: its first line and, after a traceback, the exception at the end."""
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    if not lines:
        return "no message."
    first = lines[0].removeprefix("error: ")
    message = first if len(lines) == 1 else f"{first} {lines[-1]}"
    return message if message.endswith((".", "!", "?")) else message + "."
