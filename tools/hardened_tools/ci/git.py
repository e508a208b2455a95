"""The git operations `hardened ci` needs: refs to commits, a commit's files, a worktree per side, changed lines."""

from __future__ import annotations

import contextlib
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from hardened.errors import HardenedError


class GitError(HardenedError):
    """A git repository, ref or operation `hardened ci` cannot use."""


def _git(root: Path, *args: str) -> str:
    try:
        completed = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True)
    except FileNotFoundError:
        raise GitError("`hardened ci` needs git, and `git` is not on PATH") from None
    if completed.returncode != 0:
        raise GitError(f"git {' '.join(args)} failed: {completed.stderr.strip() or completed.returncode}")
    return completed.stdout


def repository_root(start: Path) -> Path:
    """The top of the git repository holding `start`."""
    try:
        return Path(_git(start, "rev-parse", "--show-toplevel").strip())
    except GitError:
        raise GitError(
            f"{start} is not inside a git repository: `hardened ci` plans two commits of the project's repository"
        ) from None


def resolve(root: Path, ref: str, option: str) -> str:
    """The commit `ref` names; GitError naming the option when it names none."""
    if not ref or ref.startswith("-"):
        raise GitError(f"{option} {ref!r}: give a branch, tag or commit of {root}")
    completed = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"],
        capture_output=True,
        text=True,
    )
    if completed.returncode != 0:
        raise GitError(
            f"{option} {ref!r} is not a commit of {root} (no such branch, tag or commit; in a shallow clone, "
            "fetch the base branch first, e.g. `git fetch origin main` or actions/checkout with fetch-depth: 0)"
        )
    return completed.stdout.strip()


def has_uncommitted_changes(root: Path) -> bool:
    """Whether the working tree differs from HEAD (tracked files changed or new files not ignored)."""
    return bool(_git(root, "status", "--porcelain", "--untracked-files=normal").strip())


def tree(root: Path, commit: str) -> dict[str, str]:
    """Every file of `commit`: path from the repository root -> git object id."""
    entries: dict[str, str] = {}
    for record in _git(root, "ls-tree", "-r", "-z", "--full-tree", commit).split("\0"):
        if record:
            meta, path = record.split("\t", 1)
            entries[path] = meta.split()[2]
    return entries


@contextlib.contextmanager
def worktree(root: Path, commit: str, path: Path) -> Iterator[Path]:
    """A detached worktree of `commit` at `path`, removed afterwards: each side's own code, apart from the other."""
    with contextlib.suppress(GitError):  # forget the worktrees of a run that was killed (their directories gone)
        _git(root, "worktree", "prune")
    _git(root, "worktree", "add", "--detach", "--quiet", str(path), commit)
    try:
        yield path
    finally:
        with contextlib.suppress(GitError):
            _git(root, "worktree", "remove", "--force", str(path))
        with contextlib.suppress(GitError):
            _git(root, "worktree", "prune")


@dataclass(frozen=True)
class Hunk:
    """Lines a change touched in one file: where they are in the head, and the text removed and added."""

    path: str
    line: int
    removed: str
    added: str


_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


def changed_hunks(root: Path, base: str, head: str) -> list[Hunk]:
    """Every hunk of `git diff base head` (no context lines), with its first line in the head commit."""
    hunks: list[Hunk] = []
    path = ""
    current: dict | None = None

    def close() -> None:
        if current is not None:
            hunks.append(Hunk(current["path"], current["line"], "\n".join(current["-"]), "\n".join(current["+"])))

    diff = _git(root, "diff", "--no-color", "--no-ext-diff", "-U0", "--no-renames", base, head)
    for line in diff.splitlines():
        if line.startswith("diff --git "):
            close()
            current = None
        elif current is None and line.startswith("+++ "):  # a file header, never a hunk's line
            path = line[4:].removeprefix("b/") if line[4:] != "/dev/null" else ""
        elif line.startswith("@@"):
            close()
            match = _HUNK.match(line)
            start = int(match.group(1)) if match else 1
            current = {"path": path, "line": max(start, 1), "-": [], "+": []}
        elif current is not None and line[:1] in ("-", "+"):
            current[line[0]].append(line[1:])
    close()
    return [h for h in hunks if h.path]
