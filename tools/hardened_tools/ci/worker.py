"""Plans several stacks of one commit in one interpreter: what `hardened ci` runs inside each side's environment.

    python -m hardened_tools.ci.worker JOB.json

The job names the worktree (whose library and stack program are planned) and the judge (the `hardened_tools` of
the `hardened ci` that runs, this module's own copy), and per stack an output directory and the plan documents of the stacks it references
(planned earlier in the same run, with the same code). Each stack is planned in turn in this process, as the test
suite plans the shipped stacks (the mock runtime is reset between runs and the program's own modules forgotten),
so the interpreter and the SDKs are loaded once. Into each output directory it writes `plan.json` (what `hardened
plan --format json` prints), `posture.json` (what `hardened posture --format json` prints) and `run.json` (how long
it took, and how each stack reference was answered), or `error.json` with the exit status `hardened plan` would
give and its message. This module must not import anything the orchestrator alone needs: it runs in the side's environment.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
import warnings
from pathlib import Path


def main(job_file: str) -> int:
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"pulumi_aws(\..*)?")
    job = json.loads(Path(job_file).read_text(encoding="utf-8"))
    code_root, judge_root = Path(job["code_root"]).resolve(), Path(job["judge_root"]).resolve()
    import hardened
    import hardened_tools

    for package, root in ((hardened, code_root), (hardened_tools, judge_root)):
        origin = Path(package.__file__ or "").resolve()
        if root not in origin.parents:  # another install shadows the code this side must run: never plan with it
            print(f"error: {package.__name__} comes from {origin}, not from {root}", file=sys.stderr)
            return 2
    for item in job["stacks"]:
        _plan_one(Path(job["project_dir"]), item)
    return 0


def _exit_now(status: int) -> None:
    """Exit without tearing the heap down: after a large organization plan that alone takes over a second, and
    every file this process writes is closed by then."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def _plan_one(project_dir: Path, item: dict) -> None:
    from hardened.errors import HardenedError

    from ..plan import build_plan, find_project
    from ..plan.deploy_rules import check_deployable
    from ..plan.document import dumps
    from ..plan.project import load_stack_file
    from ..plan.references import StackReferences, planned_document
    from ..plan.runtime import OfflinePlanLimit, run_stack
    from ..posture import score, stack_kind
    from ..posture.render import render_json

    out = Path(item["out"])
    out.mkdir(parents=True, exist_ok=True)
    stack = item["stack"]
    started = time.perf_counter()
    try:
        project = find_project(project_dir)
        references = StackReferences(project, stack, {name: Path(p) for name, p in item["references"].items()})
        plan = build_plan(run_stack(project, stack, references=references))
        check_deployable(plan)
        text = dumps(plan)
        document = json.loads(text)
        config, _ = load_stack_file(project, stack)
        organization = item.get("organization")  # the plan file of the organization stack it reads, or null
        if stack_kind(config) == "organization":
            organization_plan = document
        elif organization:
            organization_plan = planned_document(organization)
        else:
            organization_plan = None
        card = render_json(score(stack, config, document, organization_plan))
    except HardenedError as error:
        _write(out / "error.json", {"exit": 2, "message": str(error)})
        return
    except OfflinePlanLimit as error:
        _write(out / "error.json", {"exit": 1, "message": str(error)})
        return
    except Exception:  # noqa: BLE001 - a bug in the program: reported with its traceback, the other stacks go on
        _write(out / "error.json", {"exit": 1, "message": f"the program failed:\n{traceback.format_exc()}"})
        return
    (out / "plan.json").write_text(text, encoding="utf-8")
    (out / "posture.json").write_text(card, encoding="utf-8")
    seconds = round(time.perf_counter() - started, 3)
    record = {
        "stack": stack,
        "seconds": seconds,
        "process": os.getpid(),
        "references": [list(r) for r in references.log],
    }
    _write(out / "run.json", record)


def _write(path: Path, document: dict) -> None:
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    _exit_now(main(sys.argv[1]))
