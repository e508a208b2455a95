"""One measurement, in its own process: `python bench/measure.py library|baseline ... --out RESULT.json`.

library:  build_plan(run_stack(project, stack)) -- the offline plan, as `hardened plan` runs it.
baseline: build_plan(run_program(raw_program(plan))) -- the same custom resources registered with raw SDK calls.
baseline-typed-like: the same, each resource through a one-line CustomResource subclass (see raw_baseline.TypedLike).

Both sides import their modules first (the hardened library for the library side, the pulumi_aws /
pulumi_gcp submodules the plan's types live in for both), so the timed part is the plan itself; import
time is measured on its own by run.py. With --tracemalloc the run is traced (slower: time not reported
as a measurement) and the peak of memory allocated during the run is recorded.
"""

import argparse
import cProfile
import gc
import importlib
import json
import resource
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
warnings.filterwarnings("ignore", category=DeprecationWarning)  # pulumi_aws.s3's deprecated aliases

from raw_baseline import custom_resources, raw_program  # noqa: E402

from hardened_tools.plan import build_plan, find_project, run_program, run_stack  # noqa: E402
from hardened_tools.plan.project import load_stack_file  # noqa: E402


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


class GcClock:
    """Seconds the cyclic garbage collector ran (all generations), from gc.callbacks."""

    def __init__(self):
        self.seconds, self.collections, self._start = 0.0, 0, 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._start
            self.collections += 1


def measure(plan_once, traced: bool) -> tuple[dict, dict]:
    """Run `plan_once()` (which returns (run, plan)) once; the plan and what it cost."""
    before = maxrss_mb()
    if traced:
        tracemalloc.start()
    gc_clock = GcClock()
    gc.callbacks.append(gc_clock)
    start, cpu_start = time.perf_counter(), time.process_time()
    run, plan = plan_once()
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    gc.callbacks.remove(gc_clock)
    cost = {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "gc_seconds": gc_clock.seconds,
        "gc_collections": gc_clock.collections,
        "maxrss_mb_before": before,
        "maxrss_mb": maxrss_mb(),
    }
    if traced:
        cost["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    cost["resources"] = len(plan["resources"])
    cost["custom"] = sum(1 for r in plan["resources"] if r["custom"])
    return plan, cost


def profiled(plan_once, path: Path):
    def run_profiled():
        profile = cProfile.Profile()
        try:
            return profile.runcall(plan_once)
        finally:
            profile.dump_stats(str(path))

    return run_profiled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("side", choices=["library", "baseline", "baseline-typed-like"])
    parser.add_argument("--project", type=Path, required=True, help="root of the (scaled) Pulumi project")
    parser.add_argument("--stack", default="org")
    parser.add_argument("--plan", type=Path, help="baseline: the library's plan of the same stack (JSON)")
    parser.add_argument("--save-plan", type=Path, help="library: write the plan document here")
    parser.add_argument("--warm", default="", help="comma-separated modules to import before timing")
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument(
        "--profile", type=Path, help="run under cProfile and dump its stats here (time then not a measurement)"
    )
    parser.add_argument("--gc-off", action="store_true", help="disable the cyclic garbage collector during the run")
    parser.add_argument("--out", type=Path, required=True, help="where to write the result (JSON)")
    args = parser.parse_args()

    import hardened.aws  # noqa: F401  (the library side imports these anyway; not part of the timed run)
    import hardened.gcp  # noqa: F401

    for module in filter(None, args.warm.split(",")):
        getattr(importlib.import_module(module), "__all__", None)  # SDK modules load lazily, on first attribute
    project = find_project(args.project)

    if args.side == "library":

        def plan_once():
            run = run_stack(project, args.stack)
            return run, build_plan(run)
    else:
        library_plan = json.loads(args.plan.read_text(encoding="utf-8"))
        config, secret_keys = load_stack_file(project, args.stack)  # same config: default providers stay disabled
        program = raw_program(library_plan, typed_like=args.side == "baseline-typed-like")

        def plan_once():
            run = run_program(program, project=project.name, stack=args.stack, config=config, secret_keys=secret_keys)
            return run, build_plan(run)

    if args.profile:
        plan_once = profiled(plan_once, args.profile)
    if args.gc_off:
        gc.disable()
    plan, cost = measure(plan_once, args.tracemalloc)
    if args.side != "library":
        cost["expected_custom"] = len(custom_resources(library_plan))
    if args.save_plan:
        args.save_plan.write_text(json.dumps(plan), encoding="utf-8")
    args.out.write_text(json.dumps(cost), encoding="utf-8")


if __name__ == "__main__":
    main()
