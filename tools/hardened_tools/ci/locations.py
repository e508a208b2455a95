"""The line a finding comes from: the changed hunk of the head commit that best explains it.

A weakening is found in the plans, not in the source, so its line is inferred: every hunk of `git diff base head`
in the stack's own file and in code that reaches the plan is scored by how many of the finding's words (identifiers,
config keys, condition keys, numbers) its removed and added lines share, and the best one wins; ties go to the
stack's own file, then to the earlier hunk. With no hunk sharing a word, the stack's file is named when it changed,
else the first changed line of code, else the stack file's first line: a reviewer is always pointed somewhere real.
"""

from __future__ import annotations

import re

from .findings import Location
from .git import Hunk

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_:.-]*[A-Za-z0-9]|\d{2,}")
# Words every finding or hunk has, which say nothing about where it comes from.
_COMMON = frozenset(
    {"true", "false", "none", "the", "and", "for", "from", "with", "now", "its", "not", "removed", "present", "inputs"}
)


def words(text: str) -> set[str]:
    """The distinctive words of `text`, lower-cased; dotted and colon paths also give their parts."""
    found: set[str] = set()
    for word in _WORD.findall(text):
        for part in {word, *re.split(r"[.:/]", word)}:
            part = part.lower()
            if len(part) >= 3 and part not in _COMMON:
                found.add(part)
    return found


def locate(message: str, stack_file: str | None, hunks: list[Hunk], code_paths: set[str]) -> Location | None:
    """Where the finding described by `message` most likely comes from, in the head commit.

    `stack_file` is the stack's file (None when the stack has none at the head); `code_paths` the changed files whose
    content reaches a plan (the library, the tools, the stack program)."""
    wanted = words(message)
    candidates = [h for h in hunks if h.path == stack_file or h.path in code_paths]

    def score(hunk: Hunk) -> tuple[int, int]:
        shared = len(wanted & words(f"{hunk.removed}\n{hunk.added}"))
        return shared, hunk.path == stack_file

    best = max(candidates, key=score, default=None)  # max keeps the first of equals: the earlier hunk
    if best is not None and score(best)[0] > 0:
        return Location(best.path, best.line)
    own = next((h for h in candidates if h.path == stack_file), None)
    if own is not None:
        return Location(own.path, own.line)
    code = next((h for h in candidates if h.path in code_paths), None)
    if code is not None:
        return Location(code.path, code.line)
    return Location(stack_file, 1) if stack_file else None
