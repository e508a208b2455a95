"""`hardened posture --stack S`: a scorecard of the controls this library exists for, from offline plans.

The stack is planned offline, and so is the organization stack it references (through the same subprocess the
plan uses for stack references), since the accounts, guardrails, MFA and break-glass are declared there. The
policy pack's rules (`hardened_tools.policy.rules`) run over the same plans. Exit status: 0 when nothing fails, 1 when
a control fails (or the stack's program does), 2 on bad input.
"""

import argparse
import sys
from pathlib import Path

from .. import strict_json
from ..plan import references
from ..plan.project import find_project, load_stack_file
from ..strict_json import JsonReadError
from . import controls
from .render import render_json, render_markdown, render_text

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
PROJECT_KEY = "hardened-accounts"


def scorecard(project_dir: Path, stack: str) -> dict:
    """The scorecard of one stack: every control, with its status, evidence and benchmark ids."""
    project = find_project(project_dir)
    config, _ = load_stack_file(project, stack)
    environment = plan_in_subprocess(project.root, stack)
    organization = (
        environment if stack_kind(config) == "organization" else _referenced_organization(project.root, environment)
    )
    return score(stack, config, environment, organization)


def score(stack: str, config: dict[str, str], environment: dict, organization: dict | None) -> dict:
    """The scorecard of `stack` from plans already made: its own (`environment`) and its organization's (the same
    plan for the organization stack itself); `config` is its stack file's, as `load_stack_file` reads it."""
    from ..policy.rules import evaluate_plan

    kind = stack_kind(config)
    tier = "production" if kind == "organization" else config.get(f"{PROJECT_KEY}:tier", "non-production")
    estate = controls.Estate(stack, tier, environment, organization)
    checks = [
        controls.copies,
        controls.single_credential,
        controls.restore_drill,
        controls.immutability,
        controls.encryption,
        controls.public_access,
        controls.mfa,
        controls.break_glass,
        controls.guardrails,
        controls.trail,
        controls.alarms,
    ]
    if kind == "organization":  # the copies and their restore tests live in the environment stacks
        checks = [c for c in checks if c not in (controls.copies, controls.single_credential, controls.restore_drill)]
    results = [check(estate) for check in checks] + [controls.policy_pack(estate, evaluate_plan)]
    counts = {
        status: sum(r.status == status for r in results) for status in (controls.PASS, controls.WARN, controls.FAIL)
    }
    return {"stack": stack, "kind": kind, "tier": tier, "summary": counts, "controls": [vars(r) for r in results]}


def stack_kind(config: dict[str, str]) -> str:
    """The stack's kind as its stack file says: organization, or environment (the default)."""
    return config.get(f"{PROJECT_KEY}:kind", "environment")


def plan_in_subprocess(project_root: Path, stack: str) -> dict:
    """The stack's offline plan, run in its own process as stack references are (the SDK's settings are global)."""
    completed = references.plan_in_subprocess(project_root, stack)
    if completed.returncode != 0:
        # The plan's own one-line error; a traceback (a failing program) stays with `hardened plan`.
        bad_input = completed.returncode == EXIT_BAD_INPUT
        raise PostureInputError(
            f"the plan of stack '{stack}' failed: {references._error_of(completed.stderr)}"
            + ("" if bad_input else f" `hardened plan --stack {stack}` shows where."),
            EXIT_BAD_INPUT if bad_input else EXIT_FAILED,
        )
    try:
        return strict_json.loads(completed.stdout)
    except JsonReadError as error:
        raise PostureInputError(
            f"the plan of stack '{stack}' cannot be read: it {error.describe()}", EXIT_FAILED
        ) from None


class PostureInputError(Exception):
    """A stack whose plan cannot be made: bad input (exit status 2), or a program that fails (1)."""

    def __init__(self, message: str, exit_status: int = EXIT_BAD_INPUT):
        super().__init__(message)
        self.exit_status = exit_status


def _referenced_organization(project_root: Path, plan: dict) -> dict | None:
    references = [r for r in plan["resources"] if r["type"] == "pulumi:pulumi:StackReference"]
    if not references:
        return None
    name = references[0]["inputs"]["name"].rsplit("/", 1)[-1]
    return plan_in_subprocess(project_root, name)


def register(commands) -> None:
    posture = commands.add_parser(
        "posture",
        help="a scorecard of the stack's security controls, from its offline plan",
        description="Plan the stack (and the organization stack it references) offline and score the controls this "
        "library exists for: the 3-2-1 copies, immutability, encryption, public access, MFA, break-glass, guardrails, "
        "the organization trail and the policy pack. Exit status 1 when a control fails.",
    )
    posture.add_argument(
        "--stack", required=True, help="stack name; its config is <stackConfigDir>/Pulumi.<stack>.yaml"
    )
    posture.add_argument(
        "--format", choices=("text", "json", "markdown"), default="text", help="text (default), json or markdown"
    )
    posture.add_argument(
        "--project-dir", type=Path, default=Path.cwd(), help="where to look for Pulumi.yaml (default: here)"
    )
    posture.set_defaults(command=_posture)


def _posture(args: argparse.Namespace) -> int:
    from hardened.errors import HardenedError

    try:
        card = scorecard(args.project_dir, args.stack)
    except HardenedError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except PostureInputError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_status
    renderers = {"json": render_json, "text": render_text, "markdown": render_markdown}
    sys.stdout.write(renderers[args.format](card))
    return EXIT_FAILED if card["summary"][controls.FAIL] else EXIT_OK
