"""The benchmark's fixed-width report."""

TARGET_RATIO = 1.3


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = lambda cells: "  ".join(c.rjust(w) for c, w in zip(cells, widths, strict=False))  # noqa: E731
    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def _f(value: float | None, fmt: str = ".2f") -> str:
    return "-" if value is None else format(value, fmt)


def _header(results: dict) -> None:
    m = results["machine"]
    print(f"Offline plan benchmark, {m['date']}")
    print(
        f"CPU: {m['cpu']}, {m['cores']} cores; load average {m['load_average'][0]:.2f} before, "
        f"{m['load_average_after'][0]:.2f} after"
    )
    print(
        f"Python {m['python']}, pulumi {m['pulumi']}, pulumi-aws {m['pulumi_aws']}, pulumi-gcp {m['pulumi_gcp']}; "
        f"{results['repeat']} timed runs per side and N, each in a fresh process"
    )
    dirty = " with uncommitted changes in stacks/ or components/" if m.get("uncommitted_changes") else ""
    print(f"Code: commit {m.get('commit') or '?'}{dirty}\n")


def _timing(rows: list[dict]) -> None:
    print(
        "Wall time (s): library = build_plan(run_stack(project, 'org')); baseline = the same custom resources, "
        "pulumi.CustomResource; typed-like = the baseline through a one-line subclass (stack traces as typed classes)"
    )
    print(
        _table(
            [
                "accounts",
                "resources",
                "custom",
                "library best",
                "median",
                "baseline best",
                "median",
                "ratio best",
                "ratio median",
                "typed-like best",
                "ratio typed-like",
            ],
            [
                [
                    str(r["accounts"]),
                    str(r["library"]["resources"]),
                    str(r["library"]["custom"]),
                    _f(r["library"]["best_s"]),
                    _f(r["library"]["median_s"]),
                    _f(r["baseline"]["best_s"]),
                    _f(r["baseline"]["median_s"]),
                    _f(r["ratio_best"]),
                    _f(r["ratio_median"]),
                    _f(r["typed_like"]["best_s"]),
                    _f(r["ratio_typed_like"]),
                ]
                for r in rows
            ],
        )
    )
    worst = max(r["ratio_best"] for r in rows)
    print(f"Target ratio <= {TARGET_RATIO}: {'met' if worst <= TARGET_RATIO else 'NOT met'} (worst {worst:.2f}).\n")
    print(
        "Per resource and growth: ms/res = best wall time / custom resources; growth = library ms/res against the "
        "smallest N; ms/added = per custom resource added since the previous N; CPU = best process time (all threads); "
        "GC = median seconds in the garbage collector"
    )
    print(
        _table(
            [
                "accounts",
                "lib ms/res",
                "base ms/res",
                "growth",
                "lib ms/added",
                "base ms/added",
                "lib CPU s",
                "base CPU s",
                "ratio CPU",
                "lib GC s",
                "base GC s",
            ],
            [
                [
                    str(r["accounts"]),
                    _f(r["library"]["ms_per_resource"]),
                    _f(r["baseline"]["ms_per_resource"]),
                    _f(r["growth"]),
                    _f(r["library"].get("ms_per_added_resource")),
                    _f(r["baseline"].get("ms_per_added_resource")),
                    _f(r["library"]["cpu_best_s"]),
                    _f(r["baseline"]["cpu_best_s"]),
                    _f(r["ratio_cpu"]),
                    _f(r["library"]["gc_median_s"]),
                    _f(r["baseline"]["gc_median_s"]),
                ]
                for r in rows
            ],
        )
    )
    print()


def _memory(rows: list[dict]) -> None:
    print(
        "Peak memory (MB): RSS = high-water mark of the measuring process (imports included); "
        "traced = tracemalloc peak during the run"
    )
    print(
        _table(
            [
                "accounts",
                "library RSS",
                "baseline RSS",
                "library traced",
                "baseline traced",
                "longest chain (whole org plan)",
            ],
            [
                [
                    str(r["accounts"]),
                    _f(r["library"]["maxrss_mb"], ".0f"),
                    _f(r["baseline"]["maxrss_mb"], ".0f"),
                    _f(r["library"].get("tracemalloc_peak_mb"), ".0f"),
                    _f(r["baseline"].get("tracemalloc_peak_mb"), ".0f"),
                    str(r["longest_chain"]["length"]),
                ]
                for r in rows
            ],
        )
    )
    print()


def print_report(results: dict) -> None:
    _header(results)
    rows = results["rows"]
    if rows:
        _timing(rows)
        _memory(rows)
    for count, error in results["failures"].items():
        print(f"FAILED at {count} accounts:\n{error}\n")

    imports = results["imports"]
    print(
        f"Import time (fresh processes, median of {imports['runs']}, interpreter start {imports['interpreter_start_s']:.2f} s subtracted): "
        f"import hardened.aws, hardened.gcp {imports['library_import_s']:.2f} s; "
        f"import pulumi, pulumi_aws, pulumi_gcp alone {imports['sdk_import_s']:.2f} s"
    )
    print(
        f"  -X importtime: {imports['importtime_total_s']:.2f} s in all, "
        f"{imports['importtime_hardened_own_s']:.3f} s in hardened.* modules themselves\n"
    )

    print("Longest dependency chain (each waits for the one before: depends_on, provider, custom parent)")
    chains = dict(results["chains"])
    if rows:
        chains[f"whole org stack, {rows[-1]['accounts']} workload accounts"] = rows[-1]["longest_chain"]
    for label, chain in chains.items():
        print(f"  {label}: {chain['length']} resources")
        for position, name in enumerate(chain["chain"].split(" -> "), 1):
            print(f"    {position:2d}. {name}")
