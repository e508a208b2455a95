"""`hardened deploy`: many account stacks at once, with Pulumi's Automation API, in the order their references need.

An environment stack reads the organization stack's outputs, so the organization goes first; then every
environment stack, `--parallel` at a time (each stack is its own engine run, so they run side by side). Each run
uses the project's backend (`PULUMI_BACKEND_URL`, such as a StateBucket's `s3://...`) and the stack's own config.
This needs the Pulumi CLI and cloud credentials; without the CLI it stops with an error saying so.
"""

import argparse
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from hardened.errors import HardenedError

from .plan.project import PulumiProject, find_project, load_stack_file

PROJECT_KEY = "hardened-accounts"
OPERATIONS = ("preview", "up")


class FleetError(HardenedError):
    """Stacks that cannot be ordered or run."""


def referenced_stacks(project: PulumiProject, stack: str) -> list[str]:
    """The stacks whose outputs `stack` reads: its `organizationStack`, the one stack reference of these programs."""
    config, _ = load_stack_file(project, stack)
    reference = config.get(f"{PROJECT_KEY}:organizationStack")
    return [reference.rsplit("/", 1)[-1]] if reference else []


def deployment_waves(project: PulumiProject, stacks: list[str] | None = None) -> list[list[str]]:
    """The stacks in waves: each wave only references stacks of earlier waves, and runs in parallel."""
    chosen = project.stacks() if stacks is None else list(stacks)
    if not chosen:
        raise FleetError(
            f"no stack to deploy: name one or more after --stacks, or leave --stacks out for every stack file "
            f"(stacks: {', '.join(project.stacks()) or 'none'})"
        )
    twice = sorted({stack for stack in chosen if chosen.count(stack) > 1})
    if twice:  # the waves place each stack once: a repeat would be reported as a reference cycle
        raise FleetError(f"--stacks names {', '.join(twice)} more than once; name each stack once")
    unknown = sorted(set(chosen) - set(project.stacks()))
    if unknown:
        raise FleetError(f"no stack file for {', '.join(unknown)} (stacks: {', '.join(project.stacks())})")
    needs = {stack: set(referenced_stacks(project, stack)) & set(chosen) for stack in chosen}
    waves: list[list[str]] = []
    placed: set[str] = set()
    while len(placed) < len(chosen):
        wave = sorted(s for s in chosen if s not in placed and needs[s] <= placed)
        if not wave:
            raise FleetError(f"stacks reference each other in a cycle: {', '.join(sorted(set(chosen) - placed))}")
        waves.append(wave)
        placed.update(wave)
    return waves


def run_waves(project: PulumiProject, waves: list[list[str]], operation: str, parallel: int) -> dict[str, str]:
    """Run `operation` on every stack, wave by wave; the result of each stack ("succeeded" or the error)."""
    if shutil.which("pulumi") is None:
        raise FleetError(
            "`hardened deploy` drives the Pulumi CLI through the Automation API, and `pulumi` is not on PATH; "
            "install it (https://www.pulumi.com/docs/install/) or use `hardened plan` offline"
        )
    from pulumi import automation

    def run(stack: str) -> tuple[str, str]:
        try:
            workspace_stack = automation.select_stack(stack_name=stack, work_dir=str(project.root))
            getattr(workspace_stack, operation)(on_output=lambda line: print(f"[{stack}] {line}", end=""))
            return stack, "succeeded"
        except Exception as error:  # noqa: BLE001 - one stack's failure is reported, the others go on
            return stack, f"failed: {error}"

    results: dict[str, str] = {}
    for wave in waves:
        with ThreadPoolExecutor(max_workers=parallel) as pool:
            results.update(pool.map(run, wave))
        if any(not results[s].startswith("succeeded") for s in wave):
            break  # a later wave reads outputs this one did not produce
    return results


def register(commands) -> None:
    deploy = commands.add_parser(
        "deploy",
        help="preview or deploy many stacks with the Automation API: the organization first, then environments in parallel",
        description=__doc__,
    )
    deploy.add_argument("--operation", choices=OPERATIONS, default="preview", help="preview (default) or up")
    deploy.add_argument("--parallel", type=int, default=4, help="stacks run at once within a wave (default 4)")
    deploy.add_argument("--stacks", nargs="*", help="only these stacks (default: every stack file)")
    deploy.add_argument("--dry-run", action="store_true", help="print the waves and stop")
    deploy.add_argument(
        "--project-dir", type=Path, default=Path.cwd(), help="where to look for Pulumi.yaml (default: here)"
    )
    deploy.set_defaults(command=_deploy)


def _deploy(args: argparse.Namespace) -> int:
    try:
        if args.parallel < 1:
            raise FleetError(f"--parallel must be at least 1 (got {args.parallel})")
        project = find_project(args.project_dir)
        waves = deployment_waves(project, args.stacks)
        for number, wave in enumerate(waves, start=1):
            print(f"wave {number}: {', '.join(wave)}")
        if args.dry_run:
            return 0
        results = run_waves(project, waves, args.operation, args.parallel)
    except HardenedError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for stack, result in results.items():
        print(f"{stack}: {result}")
    return 0 if all(r == "succeeded" for r in results.values()) and len(results) == sum(map(len, waves)) else 1
