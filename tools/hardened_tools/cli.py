"""`hardened`: the command line of hardened-accounts.

    hardened plan --stack prod [--format text|json|markdown] [--project-dir DIR]
    hardened posture --stack prod [--format text|json|markdown]   a scorecard of the security controls
    hardened diff BASE.json HEAD.json [--format ...]              what a change does to security (exit 1 if it weakens)
    hardened review preview.json [--format ...] [--output FILE]   `pulumi preview --json` reviewed (exit 1 if it destroys)
    hardened deploy [--operation preview|up] [--parallel N]       many stacks with the Automation API (needs the CLI)
    hardened ci --base REF [--head REF] [--output-dir DIR]         the review gate: every stack at two commits (exit 1)

Exit status: 0 on success, 2 on bad input (unknown stack, invalid config or component arguments),
1 when the program itself fails or asks for something only a real cloud can answer.
"""

import argparse
import sys
import traceback
import warnings
from pathlib import Path

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
FORMATS = ("text", "json", "markdown")
# What the tools need beyond the library: installed by the `tools` extra, never by the library itself.
TOOL_DEPENDENCIES = {"yaml": "PyYAML", "jsonschema": "jsonschema"}


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    # pulumi-aws 7 warns about deprecated aliases on import even when they are unused.
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"pulumi_aws(\..*)?")
    return args.command(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hardened", description="Hardened cloud account templates on Pulumi.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    plan = commands.add_parser(
        "plan",
        help="print what `pulumi up` would create, without a cloud account or the Pulumi CLI",
        description="Run the stack program under Pulumi's mock runtime with the stack's own config file "
        "and print every resource it would create. No cloud API is called.",
    )
    plan.add_argument("--stack", required=True, help="stack name; its config is <stackConfigDir>/Pulumi.<stack>.yaml")
    plan.add_argument("--format", choices=FORMATS, default="text", help="text (default), json or markdown")
    plan.add_argument(
        "--project-dir", type=Path, default=Path.cwd(), help="where to look for Pulumi.yaml (default: here)"
    )
    plan.set_defaults(command=_plan)
    from . import fleet, posture
    from .ci import command as ci
    from .review import diff, preview

    posture.register(commands)
    fleet.register(commands)
    diff.register(commands)
    preview.register(commands)
    ci.register(commands)
    pack = commands.add_parser(
        "policy-pack",
        help='where the installed Pulumi policy pack is: `pulumi preview --policy-pack "$(hardened policy-pack path)"`',
        description="The policy pack ships inside this package. `path` prints its directory, to pass to "
        "`pulumi preview --policy-pack`; it needs pulumi-policy (pip install 'hardened-accounts[policy]').",
    )
    pack.add_argument("what", choices=["path"], help="path: print the pack's directory")
    pack.set_defaults(command=_policy_pack)
    return parser


def _version() -> str:
    """The installed distribution's version (its one source is `hardened.__version__`, which the build reads)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("hardened-accounts")
    except PackageNotFoundError:  # run from a checkout that was never installed
        from hardened import __version__

        return __version__


def _policy_pack(args: argparse.Namespace) -> int:
    print(Path(__file__).resolve().parent / "policy_pack")
    return EXIT_OK


def _plan(args: argparse.Namespace) -> int:
    from hardened.errors import HardenedError

    from .plan import build_plan, find_project, run_stack
    from .plan.deploy_rules import check_deployable
    from .plan.document import dumps
    from .plan.render import render_markdown, render_text
    from .plan.runtime import OfflinePlanLimit

    try:
        project = find_project(args.project_dir)
        plan = build_plan(run_stack(project, args.stack))
        check_deployable(plan)
    except HardenedError as error:
        print(f"error: {error}", file=sys.stderr)
        _ignore_abandoned_coroutines()
        return EXIT_BAD_INPUT
    except OfflinePlanLimit as error:
        print(f"error: {error}", file=sys.stderr)
        _ignore_abandoned_coroutines()
        return EXIT_FAILED
    except Exception:  # noqa: BLE001 - a bug in the program: show where, and fail
        print(f"error: the program of stack '{args.stack}' failed:", file=sys.stderr)
        traceback.print_exc()
        return EXIT_FAILED
    renderers = {"json": dumps, "text": render_text, "markdown": render_markdown}
    sys.stdout.write(renderers[args.format](plan))
    return EXIT_OK


def _ignore_abandoned_coroutines() -> None:
    """After a failed read (a stack reference), the SDK leaves coroutines of the outputs depending on it
    unawaited; Python would warn about each at exit, below the one paragraph that says what went wrong."""
    warnings.filterwarnings("ignore", message=r"coroutine '.*' was never awaited", category=RuntimeWarning)


def missing_tool_dependencies() -> list[str]:
    """The distributions of the `tools` extra that are not installed, found without importing them (jsonschema alone
    takes ~0.1 s, and only `diff` needs it)."""
    import importlib.util

    def absent(module: str) -> bool:
        try:
            return importlib.util.find_spec(module) is None
        except ImportError:  # a finder that refuses the module outright
            return True

    return [dist for module, dist in TOOL_DEPENDENCIES.items() if absent(module)]


def run() -> None:
    missing = missing_tool_dependencies()
    if missing:
        print(
            f"error: the hardened command needs the tools extra ({', '.join(missing)} missing): "
            "pip install 'hardened-accounts[tools]'",
            file=sys.stderr,
        )
        sys.exit(EXIT_BAD_INPUT)
    sys.exit(main())
