"""Where the library spends the time the baseline does not: both sides under cProfile, side by side.

    .venv/bin/python bench/compare_profiles.py [--accounts 100] [--gc-off] [--top 20]

Runs the library and the baseline once each under cProfile (fresh processes, as bench/run.py measures
them) and prints their own time grouped by where the code lives, the functions whose own time differs
most, and the cumulative time of the SDK steps every registration goes through. cProfile sees the main
thread only: the mock monitor's answers (run in the SDK's worker threads) are not in it.
"""

import argparse
import collections
import json
import pstats
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from raw_baseline import sdk_modules  # noqa: E402
from run import worker  # noqa: E402
from scaled_project import scaled_project  # noqa: E402

GROUPS = [  # (label, substring of the file path), first match wins
    ("hardened_tools.plan (monitor, document)", "/hardened_tools/plan/"),
    ("hardened components and documents", "/hardened/"),
    ("stack program (stacks/*.py)", "/stacks/"),
    ("pulumi_aws / pulumi_gcp classes", "site-packages/pulumi_"),
    ("pulumi SDK", "site-packages/pulumi/"),
    ("pydantic", "site-packages/pydantic"),
    ("asyncio", "/asyncio/"),
    ("traceback, linecache, pathlib", "traceback.py"),
    ("traceback, linecache, pathlib", "linecache.py"),
    ("traceback, linecache, pathlib", "pathlib.py"),
    ("builtins (C functions)", "~"),
]
STEPS = [  # cumulative time of these (file suffix, function)
    ("pulumi/runtime/stack.py", "run_pulumi_func"),
    ("pulumi/runtime/resource.py", "register_resource"),
    ("pulumi/runtime/resource.py", "_get_stack_trace"),
    ("pulumi/runtime/resource.py", "prepare_resource"),
    ("pulumi/runtime/rpc.py", "serialize_properties"),
    ("pulumi/runtime/rpc.py", "resolve_outputs"),
    ("pulumi/output.py", "from_input"),
    ("pulumi/output.py", "apply"),
    ("hardened_tools/plan/document.py", "build_plan"),
]


def _rows(path: Path) -> dict[tuple[str, str], tuple[int, float, float]]:
    """(file, function) -> (calls, own seconds, cumulative seconds)."""
    rows: dict[tuple[str, str], list] = collections.defaultdict(lambda: [0, 0.0, 0.0])
    for (file, _, function), (_, calls, own, cumulative, _) in pstats.Stats(str(path)).stats.items():  # type: ignore[attr-defined]  # pstats's table, undocumented
        key = (file.split("site-packages/")[-1] if "site-packages/" in file else file, function)
        rows[key][0] += calls
        rows[key][1] += own
        rows[key][2] += cumulative
    return {key: tuple(value) for key, value in rows.items()}


def _group(file: str) -> str:
    original = file if file.startswith("/") or file == "~" else "site-packages/" + file
    return next((label for label, part in GROUPS if part in original), "other (stdlib...)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--gc-off", action="store_true", help="profile with the garbage collector disabled")
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hardened-profile-") as tmp:
        work = Path(tmp)
        project = scaled_project(work / "project", args.accounts)
        plan_file, out = work / "plan.json", work / "result.json"
        worker("library", project, out, save_plan=plan_file)
        warm = sdk_modules(json.loads(plan_file.read_text()))
        profiles, costs = {}, {}
        for side in ("library", "baseline"):
            profiles[side] = work / f"{side}.prof"
            extra = ["--profile", str(profiles[side])] + (["--gc-off"] if args.gc_off else [])
            costs[side] = worker(
                side, project, out, plan=None if side == "library" else plan_file, warm=warm, extra=extra
            )
        library, baseline = _rows(profiles["library"]), _rows(profiles["baseline"])

    print(
        f"{args.accounts} workload accounts, garbage collector {'off' if args.gc_off else 'on'}; "
        f"profiled wall s: library {costs['library']['seconds']:.2f}, baseline {costs['baseline']['seconds']:.2f}; "
        f"GC s: library {costs['library']['gc_seconds']:.2f}, baseline {costs['baseline']['gc_seconds']:.2f}\n"
    )
    groups: dict[str, collections.Counter[str]] = {side: collections.Counter() for side in ("library", "baseline")}
    for side, rows in (("library", library), ("baseline", baseline)):
        for (file, _), (_, own, _) in rows.items():
            groups[side][_group(file)] += own  # type: ignore[assignment]  # seconds: a Counter takes floats, its stub only ints
    print(f"{'own time by where the code lives':40} {'library s':>10} {'baseline s':>10}")
    for label, seconds in groups["library"].most_common():
        print(f"{label:40} {seconds:10.2f} {groups['baseline'][label]:10.2f}")
    print(
        f"\n{'functions whose own time differs most':70} {'lib s':>7} {'base s':>7} {'lib calls':>10} {'base calls':>10}"
    )
    differences = sorted(library, key=lambda k: library[k][1] - baseline.get(k, (0, 0, 0))[1], reverse=True)
    for key in differences[: args.top]:
        other = baseline.get(key, (0, 0.0, 0.0))
        print(
            f"{(key[0] + ':' + key[1])[-70:]:70} {library[key][1]:7.3f} {other[1]:7.3f} {library[key][0]:10d} {other[0]:10d}"
        )
    print(f"\n{'SDK steps, cumulative':70} {'lib s':>7} {'base s':>7} {'lib calls':>10} {'base calls':>10}")
    for suffix, function in STEPS:
        lib = [v for k, v in library.items() if k[0].endswith(suffix) and k[1] == function]
        base = [v for k, v in baseline.items() if k[0].endswith(suffix) and k[1] == function]
        total = lambda rows, i: sum(r[i] for r in rows)  # noqa: E731
        print(
            f"{(suffix + ':' + function):70} {total(lib, 2):7.3f} {total(base, 2):7.3f} {total(lib, 0):10d} {total(base, 0):10d}"
        )


if __name__ == "__main__":
    main()
