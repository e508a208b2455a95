"""An isolated Python environment per side of `hardened ci`, built from that commit's own dependency list.

The environment holds the commit's third-party dependencies only (`[project].dependencies` and the `tools` extra
of its pyproject.toml, constrained by its `requirements.lock` when it has one); the commit's own library, tools and
stack program run from its worktree on PYTHONPATH, so two commits with the same dependencies share one environment
and never each other's code. Environments are cached by the hash of those two files and the Python version, and
built once: a virtualenv made aside and renamed into place, so a run that stops half-way leaves nothing half-built.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from hardened.errors import HardenedError

LOCK_FILE = "requirements.lock"
EXTRA = "tools"
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?")


class SideEnvironmentError(HardenedError):
    """A side's environment that cannot be made."""


def environment_key(pyproject: bytes, lock: bytes | None) -> str:
    """What an environment is cached by: the commit's pyproject.toml and lock file, and this Python's version."""
    digest = hashlib.sha256()
    digest.update(f"{sys.implementation.name}-{sys.version_info[0]}.{sys.version_info[1]}\0".encode())
    digest.update(hashlib.sha256(pyproject).digest())
    digest.update(hashlib.sha256(lock or b"").digest())
    return digest.hexdigest()[:24]


def requirements(pyproject: bytes, where: str) -> list[str]:
    """The commit's dependencies and its `tools` extra, with its own extras expanded (it never installs itself)."""
    try:
        document = tomllib.loads(pyproject.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise SideEnvironmentError(f"{where}: pyproject.toml cannot be read ({error})") from None
    project = document.get("project")
    if not isinstance(project, dict) or not isinstance(project.get("name"), str):
        raise SideEnvironmentError(f"{where}: pyproject.toml has no [project] name")
    own = _normal(project["name"])
    extras = project.get("optional-dependencies") or {}
    found: list[str] = []
    seen_extras: set[str] = set()

    def add(items: list, origin: str) -> None:
        for requirement in items:
            if not isinstance(requirement, str):
                raise SideEnvironmentError(f"{where}: pyproject.toml {origin} holds {requirement!r}, not a requirement")
            match = _NAME.match(requirement)
            if match and _normal(match.group(1)) == own:
                for extra in (e.strip() for e in (match.group(2) or "").split(",") if e.strip()):
                    include(extra)
            elif requirement not in found:
                found.append(requirement)

    def include(extra: str) -> None:
        if extra not in seen_extras:
            seen_extras.add(extra)
            add(extras.get(extra) or [], f"[project.optional-dependencies] {extra}")

    add(project.get("dependencies") or [], "[project] dependencies")
    include(EXTRA)
    return found


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def source_paths(pyproject: bytes, worktree: Path) -> list[Path]:
    """Where the commit's own packages live in its worktree: setuptools' `packages.find.where` (default: the root)."""
    document = tomllib.loads(pyproject.decode("utf-8"))
    found = document.get("tool", {}).get("setuptools", {}).get("packages", {}).get("find", {}).get("where", ["."])
    return [worktree / str(w) for w in found]


def environment(cache: Path, pyproject: bytes, lock: bytes | None, where: str) -> Path:
    """The Python executable of the environment for these dependency files, built into `cache` when missing."""
    key = environment_key(pyproject, lock)
    home = cache / "environments" / key
    python = home / "bin" / "python"
    if (home / "ready").is_file():
        return python
    wanted = requirements(pyproject, where)
    print(f"hardened ci: building the environment of the {where} once: {len(wanted)} requirements", file=sys.stderr)
    building = cache / "environments" / f".{key}.{os.getpid()}"
    shutil.rmtree(building, ignore_errors=True)
    building.parent.mkdir(parents=True, exist_ok=True)
    base_python = getattr(sys, "_base_executable", None) or sys.executable
    python_built = str(building / "bin" / "python")
    constraints = ["-c", str(cache / "environments" / f".{key}.{LOCK_FILE}")] if lock is not None else []
    if lock is not None:
        Path(constraints[1]).write_bytes(lock)
    steps = [
        [base_python, "-m", "venv", str(building)],
        # --no-compile: pulumi-aws alone has thousands of modules; the few a plan imports compile on first use.
        [
            python_built,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-compile",
            *constraints,
            *wanted,
        ],
    ]
    for step in steps:
        try:
            completed = subprocess.run(step, capture_output=True, text=True)
        except BaseException:  # interrupted (SIGTERM, Ctrl-C): leave nothing half-built
            shutil.rmtree(building, ignore_errors=True)
            raise
        if completed.returncode != 0:
            shutil.rmtree(building, ignore_errors=True)
            tail = " ".join((completed.stderr or completed.stdout).strip().splitlines()[-3:])
            raise SideEnvironmentError(
                f"{where}: cannot build its environment ({' '.join(step[1:4])} … exit {completed.returncode}): {tail}"
            )
    (building / "ready").write_text("\n".join(wanted) + "\n", encoding="utf-8")
    try:
        building.rename(home)
    except OSError:  # another run built it first: use theirs
        shutil.rmtree(building, ignore_errors=True)
        if not (home / "ready").is_file():
            raise
    return python
