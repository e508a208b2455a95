"""`hardened ci --base REF`: plan every stack at the base and at the head, each with its own code, and gate on it.

    hardened ci --base origin/main [--head HEAD] [--output-dir hardened-ci] [--stacks org prod ...]
                [--preview prod=preview.json ...] [--fail-on warn] [--jobs N] [--cache-dir DIR]

Each side is a git worktree of its commit: its own library and stack program (what `pulumi up` would run) and
stack files, in an environment built from its own pyproject.toml; the two never mix. The planner and the rules
that judge both sides are this `hardened ci`'s own: install it from the base branch, and a pull request cannot
change its judge. Stacks are planned in waves, the stacks they reference first (the organization stack), several
stacks per interpreter, and every plan is kept in an on-disk cache keyed by the code and the stack files that made
it: a stack whose code and stack file (and those of the stack it references) did not change is planned once for
both sides and reused by later runs, and the organization stack is planned once per side, however many environment
stacks read it.

Then `hardened diff`'s rules run on each stack's two plans, posture is scored at the head (and at the base, to show
what changed), `hardened review` runs on each `--preview`, and DIR/summary.md, DIR/findings.sarif and
DIR/report.json are written. Exit status: 1 when anything weakens, a data-bearing resource goes, a mandatory
control fails at the head or a preview gates (with `--fail-on warn`, warnings too); 2 on bad input (not a git
repository, an unknown ref or stack, a stack that fails to plan on either side, an unreadable preview); 0 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from hardened.errors import HardenedError
from hardened.resource_types import REVIEWED_ON_DELETE

from . import git
from .environments import LOCK_FILE, environment, environment_key, source_paths
from .findings import Category, FailOn, Finding, Level, Location, Report, Side, StackResult, Status
from .locations import locate

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
DEFAULT_OUTPUT = "hardened-ci"
# Paths whose content never reaches a plan: a change to them alone reuses every cached plan.
INERT_PREFIXES = ("docs/", "tests/", "bench/", ".github/")
INERT_SUFFIXES = (".md",)
SIDES = ("base", "head")
OUTPUTS = ("summary.md", "summary-full.md", "findings.sarif", "report.json")


class CiInputError(HardenedError):
    """Input `hardened ci` refuses: exit status 2."""


@dataclass
class SidePlan:
    """One side: its commit checked out in a worktree, its stacks, and the cache key of each stack's plan."""

    name: str
    ref: str
    commit: str
    worktree: Path
    project_dir: Path
    pyproject: bytes
    lock: bytes | None
    stacks: list[str] = field(default_factory=list)
    references: dict[str, list[str]] = field(default_factory=dict)
    stack_files: dict[str, str] = field(default_factory=dict)  # stack -> path from the repository root
    keys: dict[str, str] = field(default_factory=dict)

    @property
    def shown(self) -> str:
        return f"the {self.name} ({self.ref}, {self.commit[:12]})"


def register(commands) -> None:
    parser = commands.add_parser(
        "ci",
        help="the review gate: plan every stack at two commits with their own code, diff, posture, SARIF",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--base", required=True, help="the commit the change starts from (a branch, tag or commit)")
    parser.add_argument("--head", default="HEAD", help="the commit of the change (default: HEAD)")
    parser.add_argument(
        "--output-dir", type=Path, default=Path(DEFAULT_OUTPUT), help=f"where to write (default: {DEFAULT_OUTPUT})"
    )
    parser.add_argument("--stacks", nargs="+", metavar="STACK", help="only these stacks (default: every stack file)")
    parser.add_argument(
        "--preview",
        action="append",
        default=[],
        metavar="STACK=FILE",
        help="also review this `pulumi preview --json` of STACK (repeatable)",
    )
    parser.add_argument(
        "--fail-on", choices=("error", "warn"), default="error", help="warn: warnings fail the gate too"
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="planning processes at once")
    parser.add_argument(
        "--cache-dir", type=Path, help="environments and plans (default: $HARDENED_CACHE_DIR or ~/.cache/hardened)"
    )
    parser.add_argument(
        "--project-dir", type=Path, default=Path.cwd(), help="where Pulumi.yaml is, in the repository (default: here)"
    )
    parser.set_defaults(command=_ci)


def _ci(args: argparse.Namespace) -> int:
    from ..review.diff import PlanInputError
    from ..review.preview import PreviewInputError

    # A cancelled CI job gets SIGTERM: exit through the finally blocks, so no worktree stays registered.
    signal.signal(signal.SIGTERM, _terminated)
    try:
        report = run(args)
    except (HardenedError, PlanInputError, PreviewInputError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return EXIT_FAILED if report.failing else EXIT_OK


def _terminated(number: int, frame: object) -> None:
    raise SystemExit(128 + number)


def cache_directory(given: Path | None) -> Path:
    if given is not None:
        return given
    if os.environ.get("HARDENED_CACHE_DIR"):
        return Path(os.environ["HARDENED_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "hardened"


def run(args: argparse.Namespace) -> Report:
    """Everything the command does but print errors: the report, with its three files written."""
    if args.jobs < 1:
        raise CiInputError(f"--jobs must be at least 1 (got {args.jobs})")
    previews = _preview_arguments(args.preview)
    for name in OUTPUTS:  # a failed run must not leave an earlier run's verdict behind for the next step to post
        (args.output_dir / name).unlink(missing_ok=True)
    project_dir = args.project_dir.resolve()
    root = git.repository_root(project_dir)
    try:
        project_path = project_dir.relative_to(Path(root).resolve())
    except ValueError:
        raise CiInputError(f"--project-dir {args.project_dir} is not inside the repository {root}") from None
    commits = {"base": git.resolve(root, args.base, "--base"), "head": git.resolve(root, args.head, "--head")}
    refs = {"base": args.base, "head": args.head}
    if git.has_uncommitted_changes(root):
        _progress(f"uncommitted changes in {root} are not planned: the head is the commit {args.head} names")
    cache = cache_directory(args.cache_dir).resolve()
    scratch = Path(tempfile.mkdtemp(prefix="run-", dir=_made(cache / "runs")))
    try:
        judge, judge_hash = judge_tools(scratch)
        with contextlib.ExitStack() as worktrees:
            sides = {
                name: _side(
                    name,
                    refs[name],
                    commits[name],
                    root,
                    worktrees.enter_context(git.worktree(root, commits[name], scratch / name)),
                    project_path,
                    judge_hash,
                )
                for name in SIDES
            }
            chosen = _chosen_stacks(args.stacks, sides)
            for stack in previews:
                if stack not in sides["head"].stacks:
                    raise CiInputError(
                        f"--preview {stack}=…: the head has no stack {stack!r} ({_known(sides['head'])})"
                    )
            planned = _plan_everything(sides, chosen, cache, scratch, judge, args.jobs)
            report = _compare(root, sides, chosen, cache, previews, "warning" if args.fail_on == "warn" else "error")
        report.planned = planned
        _write_outputs(report, args.output_dir, sides["head"].stack_files)
        _print_summary(report, args.output_dir)
        return report
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _made(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _preview_arguments(values: list[str]) -> dict[str, Path]:
    previews: dict[str, Path] = {}
    for value in values:
        stack, equals, file = value.partition("=")
        if not equals or not stack or not file:
            raise CiInputError(f"--preview {value!r}: write STACK=FILE, e.g. --preview prod=preview.json")
        if stack in previews:
            raise CiInputError(f"--preview names stack {stack!r} twice; give one preview per stack")
        previews[stack] = Path(file)
    return previews


# --- the two sides ----------------------------------------------------------------------------------------------


def _side(
    name: str, ref: str, commit: str, root: Path, worktree: Path, project_path: Path, judge_hash: str
) -> SidePlan:
    from ..fleet import referenced_stacks
    from ..plan.project import find_project

    project_dir = worktree / project_path
    where = f"{name} ({ref}, {commit[:12]})"
    if not (project_dir / "Pulumi.yaml").is_file():
        raise CiInputError(f"the {where} has no Pulumi.yaml in {project_path}/: it is not a commit of this project")
    pyproject_file = worktree / "pyproject.toml"
    if not pyproject_file.is_file():
        raise CiInputError(f"the {where} has no pyproject.toml, so its environment cannot be built")
    lock_file = worktree / LOCK_FILE
    side = SidePlan(
        name,
        ref,
        commit,
        worktree,
        project_dir,
        pyproject_file.read_bytes(),
        lock_file.read_bytes() if lock_file.is_file() else None,
    )
    try:
        project = find_project(project_dir)
        side.stacks = project.stacks()
        for stack in side.stacks:
            side.references[stack] = referenced_stacks(project, stack)
            side.stack_files[stack] = project.stack_file(stack).relative_to(worktree).as_posix()
    except HardenedError as error:
        raise CiInputError(f"the {where}: {error}") from None
    tree = git.tree(root, commit)
    code = hashlib.sha256(f"{judge_hash}\0{project_path}".encode())
    stack_files = set(side.stack_files.values())
    for path in sorted(tree):
        if path not in stack_files and not _inert(path):
            code.update(f"{path}\0{tree[path]}\n".encode())
    code.update(environment_key(side.pyproject, side.lock).encode())
    for stack in side.stacks:
        _key(side, stack, code.hexdigest(), tree, [])
    return side


def _inert(path: str) -> bool:
    return path.startswith(INERT_PREFIXES) or path.endswith(INERT_SUFFIXES)


def _key(side: SidePlan, stack: str, code: str, tree: dict[str, str], chain: list[str]) -> str:
    """The cache key of the stack's plan: the code, its stack file, and the keys of the stacks it references."""
    if stack in side.keys:
        return side.keys[stack]
    if stack in chain:
        raise CiInputError(f"the {side.name}'s stacks reference each other in a cycle: {' -> '.join([*chain, stack])}")
    digest = hashlib.sha256(f"{code}\0{stack}\0{tree[side.stack_files[stack]]}".encode())
    for reference in side.references[stack]:
        if reference not in side.stack_files:
            raise CiInputError(
                f"the {side.name}'s stack {stack!r} ({side.stack_files[stack]}) references stack {reference!r}, "
                f"which has no stack file there ({_known(side)})"
            )
        digest.update(_key(side, reference, code, tree, [*chain, stack]).encode())
    side.keys[stack] = digest.hexdigest()
    return side.keys[stack]


def _known(side: SidePlan) -> str:
    return f"stacks: {', '.join(side.stacks) or 'none'}"


def _chosen_stacks(named: list[str] | None, sides: dict[str, SidePlan]) -> list[str]:
    every = sorted(set(sides["base"].stacks) | set(sides["head"].stacks))
    if named is not None:
        twice = sorted({s for s in named if named.count(s) > 1})
        if twice:
            raise CiInputError(f"--stacks names {', '.join(twice)} more than once; name each stack once")
        unknown = [s for s in named if s not in every]
        if unknown:
            raise CiInputError(
                f"--stacks: no stack file for {', '.join(unknown)} at the base or the head (stacks: {', '.join(every)})"
            )
    chosen = list(named) if named is not None else every
    if not chosen:
        raise CiInputError("neither commit has a stack file (Pulumi.<stack>.yaml in the stack directory)")
    depth = {s: max(_depth(side, s) for side in sides.values() if s in side.stacks) for s in chosen}
    return sorted(chosen, key=lambda s: (depth[s], s))  # the organization stack first


def _depth(side: SidePlan, stack: str) -> int:
    return 1 + max((_depth(side, r) for r in side.references[stack]), default=-1)


# --- planning ---------------------------------------------------------------------------------------------------


@dataclass
class _Item:
    side: SidePlan
    stack: str
    key: str


def _plan_everything(
    sides: dict[str, SidePlan], chosen: list[str], cache: Path, scratch: Path, judge: Path, jobs: int
) -> dict[str, list[str]]:
    """Plan what the cache lacks, wave by wave; per side, the stacks this run planned."""
    needed: dict[str, _Item] = {}  # by key: one plan serves both sides when code and stack files agree
    for name in SIDES:
        side = sides[name]
        todo = [s for s in chosen if s in side.stacks]
        while todo:
            stack = todo.pop()
            needed.setdefault(side.keys[stack], _Item(side, stack, side.keys[stack]))
            todo += side.references[stack]
    missing = [item for item in needed.values() if not _cached(cache, item.key)]
    planned: dict[str, list[str]] = {name: [] for name in SIDES}
    pythons: dict[str, Path] = {}
    for depth in sorted({_depth(i.side, i.stack) for i in missing}):
        wave = [i for i in missing if _depth(i.side, i.stack) == depth]
        for item in wave:
            if item.side.name not in pythons:
                pythons[item.side.name] = environment(
                    cache, item.side.pyproject, item.side.lock, item.side.shown.removeprefix("the ")
                )
        chunks = _chunks(wave, jobs)
        per_side = {n: sum(i.side.name == n for i in wave) for n in SIDES}
        names = sorted({i.stack for i in wave})
        _progress(
            f"planning {', '.join(f'{per_side[n]} at the {n}' for n in SIDES if per_side[n])} "
            f"({', '.join(names[:5])}{', …' if len(names) > 5 else ''}) in {len(chunks)} "
            f"process{'es' * (len(chunks) != 1)}"
        )
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            failures = [
                f
                for result in pool.map(lambda c: _run_chunk(c, pythons, cache, scratch, judge), chunks)
                for f in result
            ]
        if failures:
            raise CiInputError("\n".join(failures))
        for item in wave:
            planned[item.side.name].append(item.stack)
    return {name: sorted(stacks) for name, stacks in planned.items()}


def judge_tools(scratch: Path) -> tuple[Path, str]:
    """A copy of this `hardened_tools` (the judge) for the workers' PYTHONPATH, and the hash of its files.

    Each side's library and stack program are what `pulumi up` would run, so they come from its worktree; the planner
    and the rules that judge them are this installed `hardened ci`'s, the same for both sides, so a pull request
    cannot change how it is judged (install `hardened ci` from the base branch). A copy of the package alone, never
    its site-packages: the side's environment keeps its own dependencies."""
    import hardened_tools

    source = Path(hardened_tools.__file__).resolve().parent
    target = scratch / "judge"
    shutil.copytree(source, target / "hardened_tools", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    digest = hashlib.sha256()
    for path in sorted((target / "hardened_tools").rglob("*")):
        if path.is_file():
            digest.update(
                f"{path.relative_to(target).as_posix()}\0".encode() + hashlib.sha256(path.read_bytes()).digest()
            )
    return target, digest.hexdigest()


def _progress(message: str) -> None:
    """What the run is doing, for a CI log: on stderr, so stdout holds only the verdict."""
    print(f"hardened ci: {message}", file=sys.stderr, flush=True)


def _cached(cache: Path, key: str) -> bool:
    return (cache / "plans" / key / "plan.json").is_file() and (cache / "plans" / key / "posture.json").is_file()


def _chunks(wave: list[_Item], jobs: int) -> list[list[_Item]]:
    """The wave split into at most `jobs` chunks of one side each, as even as the sides allow."""
    by_side: dict[str, list[_Item]] = {}
    for item in sorted(wave, key=lambda i: (i.side.name, i.stack)):
        by_side.setdefault(item.side.name, []).append(item)
    chunks: list[list[_Item]] = []
    for items in by_side.values():
        share = max(1, round(jobs * len(items) / len(wave)))
        chunks += [items[n::share] for n in range(min(share, len(items)))]
    return chunks


def _run_chunk(chunk: list[_Item], pythons: dict[str, Path], cache: Path, scratch: Path, judge: Path) -> list[str]:
    """Plan the chunk's stacks in one worker process of their side; the failures, one message each."""
    side = chunk[0].side
    outputs = {item.key: scratch / "out" / item.key for item in chunk}
    job = {
        "code_root": str(side.worktree),
        "judge_root": str(judge),
        "project_dir": str(side.project_dir),
        "stacks": [
            {
                "stack": item.stack,
                "out": str(outputs[item.key]),
                "references": {
                    r: str(cache / "plans" / side.keys[r] / "plan.json") for r in side.references[item.stack]
                },
                "organization": next(
                    (str(cache / "plans" / side.keys[r] / "plan.json") for r in side.references[item.stack]), None
                ),
            }
            for item in chunk
        ],
    }
    job_file = scratch / f"job-{chunk[0].key}.json"
    job_file.write_text(json.dumps(job), encoding="utf-8")
    environment_variables = {
        key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
    }
    # The judge's tools first (they hold hardened_tools alone), then the side's own packages (its library).
    paths = [judge, *source_paths(side.pyproject, side.worktree)]
    environment_variables["PYTHONPATH"] = os.pathsep.join(str(p) for p in paths)
    environment_variables["PYTHONNOUSERSITE"] = "1"
    # The environment is installed without bytecode: let the first worker cache what it compiles.
    environment_variables.pop("PYTHONDONTWRITEBYTECODE", None)
    environment_variables.pop("HARDENED_PLAN_REFERENCE_CHAIN", None)
    completed = subprocess.run(
        [str(pythons[side.name]), "-m", "hardened_tools.ci.worker", str(job_file)],
        capture_output=True,
        text=True,
        env=environment_variables,
        cwd=side.worktree,
    )
    if completed.returncode != 0:
        tail = " ".join(completed.stderr.strip().splitlines()[-3:]) or f"exit {completed.returncode}"
        return [f"{side.shown}: planning {', '.join(i.stack for i in chunk)} failed: {tail}"]
    failures = []
    for item in chunk:
        out = outputs[item.key]
        error_file = out / "error.json"
        if error_file.is_file():
            error = json.loads(error_file.read_text(encoding="utf-8"))
            failures.append(
                f"stack {item.stack!r} ({side.stack_files[item.stack]}) fails to plan at {side.shown}: "
                f"{error['message'].strip()}"
            )
            continue
        run_record = json.loads((out / "run.json").read_text(encoding="utf-8"))
        unexpected = [s for s, how in run_record["references"] if how != "planned file"]
        if unexpected:  # the key did not cover what the program read: never cache a plan under a wrong key
            failures.append(
                f"stack {item.stack!r} at {side.shown} read stack {unexpected[0]!r} through a stack reference "
                "other than its organizationStack; `hardened ci` keys plans by that setting and cannot plan it"
            )
            continue
        run_record |= {"side": side.name, "commit": side.commit}
        (out / "run.json").write_text(json.dumps(run_record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        target = cache / "plans" / item.key
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(out, target)
        except OSError:  # another run stored the same plan first
            shutil.rmtree(out, ignore_errors=True)
    return failures


# --- comparing ------------------------------------------------------------------------------------------------


def _compare(
    root: Path,
    sides: dict[str, SidePlan],
    chosen: list[str],
    cache: Path,
    previews: dict[str, Path],
    fail_on: FailOn,
) -> Report:
    from ..review.diff import security_diff
    from ..review.preview import load_preview

    base, head = sides["base"], sides["head"]
    hunks = git.changed_hunks(root, base.commit, head.commit)
    code_paths = {h.path for h in hunks if not _inert(h.path) and h.path not in head.stack_files.values()}
    stacks: list[StackResult] = []
    findings: list[Finding] = []
    for stack in chosen:
        # The workers wrote these files (plan.json as `hardened plan --format json` prints it): read, not re-validated;
        # one parse when both sides share a plan.
        plans = {n: _plan_document(cache, s.keys[stack]) for n, s in sides.items() if stack in s.stacks}
        cards = {
            n: json.loads((cache / "plans" / s.keys[stack] / "posture.json").read_text(encoding="utf-8"))
            for n, s in sides.items()
            if stack in s.stacks
        }
        project = next(iter(plans.values()))["project"]
        empty = {"schema_version": 1, "project": project, "stack": stack, "resources": [], "outputs": {}}
        diff = security_diff(plans.get("base", empty), plans.get("head", empty))
        status: Status = (
            "added"
            if "base" not in plans
            else "removed"
            if "head" not in plans
            else "unchanged"
            if diff.unchanged
            else "changed"
        )
        counts = {
            "added": len(diff.added),
            "removed": len(diff.removed),
            "changed": len(diff.changed),
            "outputs": len(diff.outputs),
        }
        stacks.append(StackResult(stack, status, counts, {n: card["summary"] for n, card in cards.items()}))
        stack_file = head.stack_files.get(stack)

        fallback = Location(stack_file or (head.project_dir / "Pulumi.yaml").relative_to(head.worktree).as_posix(), 1)

        def at(message: str, stack_file: str | None = stack_file, fallback: Location = fallback) -> Location:
            return locate(message, stack_file, hunks, code_paths) or fallback

        weakened = set()
        for weakening in diff.weakenings:
            weakened.add(weakening.urn)
            category: Category = "removal" if weakening.urn in diff.removed else "weakening"
            findings.append(
                Finding(
                    weakening.kind, category, "error", stack, weakening.message, weakening.urn, at(weakening.message)
                )
            )
        for urn, resource in diff.removed.items():
            if resource["type"] in REVIEWED_ON_DELETE and urn not in weakened:
                message = f"{resource['name']}: {resource['type']} is removed from the plan (a data-bearing resource)"
                findings.append(Finding("data-bearing-removed", "removal", "warning", stack, message, urn, at(message)))
        if "head" in cards:
            for control in cards["head"]["controls"]:
                if control["status"] in ("fail", "warn"):
                    level: Level = "error" if control["status"] == "fail" else "warning"
                    evidence = "; ".join(control["evidence"])
                    message = f"{control['title']} ({control['id']}): {control['status']} at the head. {evidence}"
                    location = Location(stack_file, 1) if stack_file else None
                    findings.append(Finding(f"posture/{control['id']}", "posture", level, stack, message, "", location))
    for stack, file in previews.items():
        findings += _preview_findings(stack, load_preview(str(file)), head.stack_files.get(stack))
    return Report(Side(base.ref, base.commit), Side(head.ref, head.commit), stacks, findings, fail_on)


@functools.lru_cache(maxsize=2)  # a stack's two sides are compared one after the other
def _plan_document(cache: Path, key: str) -> dict:
    return json.loads((cache / "plans" / key / "plan.json").read_text(encoding="utf-8"))


def _preview_findings(stack: str, preview: dict, stack_file: str | None) -> list[Finding]:
    from ..review.preview import review_findings

    result = review_findings(preview)
    found = []
    for finding in result.findings:
        level: Level = "error" if finding.gates else "note"
        location = Location(stack_file, 1) if stack_file else None
        found.append(
            Finding(f"preview/{finding.kind}", "preview", level, stack, finding.message, finding.urn, location)
        )
    return found


# --- writing ----------------------------------------------------------------------------------------------------


def _write_outputs(report: Report, directory: Path, stack_files: dict[str, str]) -> None:
    from .report_json import report_document
    from .sarif import sarif_log
    from .summary import summary_markdown

    comment, full = summary_markdown(report)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "summary.md").write_text(comment, encoding="utf-8")
        full_file = directory / "summary-full.md"
        if full != comment:
            full_file.write_text(full, encoding="utf-8")
        elif full_file.exists():
            full_file.unlink()
        (directory / "findings.sarif").write_text(
            json.dumps(sarif_log(report, stack_files=stack_files), indent=2, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
        (directory / "report.json").write_text(
            json.dumps(report_document(report), indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    except OSError as error:
        raise CiInputError(f"--output-dir {directory}: cannot write ({error.strerror or error})") from None


def _print_summary(report: Report, directory: Path) -> None:
    lines = [f"base {report.base.ref} ({report.base.commit[:12]}) → head {report.head.ref} ({report.head.commit[:12]})"]
    for result in report.stacks:
        here = [f for f in report.findings if f.stack == result.stack]
        errors = sum(f.level == "error" for f in here)
        warnings = sum(f.level == "warning" for f in here)
        lines.append(f"  {result.stack}: {result.status}, {errors} failing, {warnings} warning")
    for name in SIDES:
        lines.append(f"  planned at the {name}: {', '.join(report.planned.get(name, [])) or 'nothing (all cached)'}")
    verdict = "FAILS" if report.failing else "passes"
    lines.append(
        f"gate {verdict}: {len(report.failing)} finding(s) at --fail-on {report.fail_on}; see {directory}/summary.md"
    )
    sys.stdout.write("\n".join(lines) + "\n")
