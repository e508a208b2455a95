"""Benchmark of the offline plan against raw SDK registrations, for N workload accounts in the org stack.

    .venv/bin/python bench/run.py [--accounts 1,10,100,200] [--repeat 3] [--json FILE] [--no-tracemalloc]

See bench/README.md for what is measured and how. A benchmark, not a test: it asserts nothing.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
warnings.filterwarnings("ignore", category=DeprecationWarning)

from dependency_chain import describe, longest_chain, member_account_resources  # noqa: E402
from import_time import import_times  # noqa: E402
from machine import machine  # noqa: E402
from raw_baseline import sdk_modules  # noqa: E402
from report import print_report  # noqa: E402
from scaled_project import ROOT, STACK, scaled_project  # noqa: E402

MEASURE = Path(__file__).resolve().parent / "measure.py"
ENVIRONMENT_STACK = "prod"  # an environment's baseline, in its workload and backup accounts
MEMBER_KEY = "workload-prod"  # one member account of the real org stack


def worker(
    side: str,
    project: Path,
    out: Path,
    *,
    plan: Path | None = None,
    save_plan: Path | None = None,
    warm: Sequence[str] = (),
    traced: bool = False,
    extra: Sequence[str] = (),
) -> dict:
    """One measurement in a fresh interpreter (clean memory, clean SDK globals); its result."""
    command = [sys.executable, str(MEASURE), side, "--project", str(project), "--stack", STACK, "--out", str(out)]
    if plan:
        command += ["--plan", str(plan)]
    if save_plan:
        command += ["--save-plan", str(save_plan)]
    if warm:
        command += ["--warm", ",".join(warm)]
    if traced:
        command.append("--tracemalloc")
    command += extra
    finished = subprocess.run(command, capture_output=True, text=True)
    if finished.returncode != 0:
        raise RuntimeError(f"{side} run failed for {project} (exit {finished.returncode}):\n{finished.stderr.strip()}")
    return json.loads(out.read_text(encoding="utf-8"))


def timing(runs: list[dict]) -> dict:
    seconds = [run["seconds"] for run in runs]
    return {
        "best_s": min(seconds),
        "median_s": statistics.median(seconds),
        "all_s": seconds,
        "cpu_best_s": min(
            run["cpu_seconds"] for run in runs
        ),  # process CPU time, all threads: less noisy on a shared machine
        "gc_median_s": statistics.median(run["gc_seconds"] for run in runs),
        "maxrss_mb": max(run["maxrss_mb"] for run in runs),
        "maxrss_before_run_mb": max(run["maxrss_mb_before"] for run in runs),
        "resources": runs[0]["resources"],
        "custom": runs[0]["custom"],
    }


def measure_accounts(count: int, repeat: int, traced: bool, work: Path) -> dict:
    project = scaled_project(work / f"accounts-{count}", count)
    plan_file = work / f"plan-{count}.json"
    out = work / "result.json"
    # Untimed first run: writes the plan the baseline replays, and warms the file cache for the copy.
    worker("library", project, out, save_plan=plan_file)
    plan = json.loads(plan_file.read_text(encoding="utf-8"))
    warm = sdk_modules(plan)
    library, baseline, typed_like = [], [], []
    for _ in range(repeat):  # interleaved, so a slow moment of the machine hits all sides alike
        library.append(worker("library", project, out, warm=warm))
        baseline.append(worker("baseline", project, out, plan=plan_file, warm=warm))
        typed_like.append(worker("baseline-typed-like", project, out, plan=plan_file, warm=warm))
    row: dict[str, Any] = {
        "accounts": count,
        "library": timing(library),
        "baseline": timing(baseline),
        "typed_like": timing(typed_like),
    }
    for side in (baseline[0], typed_like[0]):
        if not side["custom"] == side["expected_custom"] == row["library"]["custom"]:
            raise RuntimeError(
                f"{count} accounts: the baseline registered {side['custom']} custom resources, the plan has {row['library']['custom']}"
            )
    if traced:
        row["library"]["tracemalloc_peak_mb"] = worker("library", project, out, warm=warm, traced=True)[
            "tracemalloc_peak_mb"
        ]
        row["baseline"]["tracemalloc_peak_mb"] = worker(
            "baseline", project, out, plan=plan_file, warm=warm, traced=True
        )["tracemalloc_peak_mb"]
    chain = longest_chain(plan)
    row["longest_chain"] = {"length": len(chain), "chain": describe(chain)}
    return row


def derive(rows: list[dict]) -> None:
    """Ratio, time per resource, growth against the smallest N, and the cost of each added resource."""
    first = rows[0]
    for previous, row in zip([None, *rows], rows, strict=False):
        library, baseline = row["library"], row["baseline"]
        row["ratio_best"] = library["best_s"] / baseline["best_s"]
        row["ratio_median"] = library["median_s"] / baseline["median_s"]
        row["ratio_cpu"] = library["cpu_best_s"] / baseline["cpu_best_s"]
        row["ratio_typed_like"] = library["best_s"] / row["typed_like"]["best_s"]
        for side in (library, baseline, row["typed_like"]):
            side["ms_per_resource"] = 1000 * side["best_s"] / side["custom"]
        row["growth"] = library["ms_per_resource"] / first["library"]["ms_per_resource"]
        if previous is not None:
            added = library["custom"] - previous["library"]["custom"]
            row["library"]["ms_per_added_resource"] = 1000 * (library["best_s"] - previous["library"]["best_s"]) / added
            row["baseline"]["ms_per_added_resource"] = (
                1000 * (baseline["best_s"] - previous["baseline"]["best_s"]) / added
            )


def chains() -> dict:
    """Longest chains of one account's baseline: the real prod stack, and one member account in the real org stack."""
    from hardened_tools.plan import build_plan, find_project, run_stack

    project = find_project(ROOT)
    found = {}
    environment = build_plan(run_stack(project, ENVIRONMENT_STACK))
    organization = build_plan(run_stack(project, STACK))
    for label, plan, ending_in in [
        (f"{ENVIRONMENT_STACK} stack (workload + backup accounts, and the GCP copy)", environment, None),
        (f"{ENVIRONMENT_STACK} stack, ending in AWS resources only", environment, landing_in(environment, "aws")),
        (
            f"{STACK} stack, member account {MEMBER_KEY}",
            organization,
            member_account_resources(organization, MEMBER_KEY),
        ),
    ]:
        chain = longest_chain(plan, ending_in)
        found[label] = {"length": len(chain), "chain": describe(chain), "resources": [r["name"] for r in chain]}
    return found


def landing_in(plan: dict, cloud: str) -> set[str]:
    return {r["urn"] for r in plan["resources"] if (r.get("lands_in") or {}).get("cloud") == cloud}


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Offline plan vs raw SDK registrations, by number of workload accounts."
    )
    parser.add_argument("--accounts", default="1,10,100,200", help="comma-separated numbers of workload accounts")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per side and N (fresh process each)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--no-tracemalloc", dest="tracemalloc", action="store_false", help="skip the extra traced run per side and N"
    )
    args = parser.parse_args()
    counts = sorted({int(n) for n in args.accounts.split(",")})

    results = {"machine": machine(("stacks", "components")), "repeat": args.repeat, "rows": [], "failures": {}}
    results["imports"] = import_times()
    with tempfile.TemporaryDirectory(prefix="hardened-bench-") as work:
        for count in counts:
            print(f"measuring {count} workload accounts...", file=sys.stderr, flush=True)
            try:
                results["rows"].append(measure_accounts(count, args.repeat, args.tracemalloc, Path(work)))
            except RuntimeError as error:
                results["failures"][count] = str(error)
                print(error, file=sys.stderr)
    if results["rows"]:
        derive(results["rows"])
    results["chains"] = chains()
    results["machine"]["load_average_after"] = os.getloadavg()
    print_report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
