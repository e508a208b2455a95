"""The library's import time: fresh interpreters importing hardened.aws and hardened.gcp, against the bare SDKs."""

import re
import statistics
import subprocess
import sys
import time

LIBRARY = "import hardened.aws, hardened.gcp"
SDKS = "import pulumi, pulumi_aws, pulumi_gcp"
_IMPORTTIME = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)")


def _wall(code: str, runs: int) -> float:
    """Median wall seconds of `python -c code` in fresh processes."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _importtime(code: str) -> list[tuple[str, int, int, int]]:
    """(module, self us, cumulative us, depth) for each import `python -X importtime` reports."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], check=True, capture_output=True, text=True
    )
    found = []
    for line in result.stderr.splitlines():
        match = _IMPORTTIME.match(line)
        if match:
            self_us, cumulative_us, indent, module = match.groups()
            found.append((module, int(self_us), int(cumulative_us), len(indent) // 2))
    return found


def import_times(runs: int = 5) -> dict:
    """Seconds: interpreter start, library import, bare SDK import (fresh processes, medians), and -X importtime totals."""
    startup = _wall("pass", runs)
    library = _wall(LIBRARY, runs)
    sdks = _wall(SDKS, runs)
    modules = _importtime(LIBRARY)
    top_level = sum(cumulative for _, _, cumulative, depth in modules if depth == 0)
    own = sum(self_us for module, self_us, _, _ in modules if module == "hardened" or module.startswith("hardened."))
    return {
        "interpreter_start_s": startup,
        "library_import_s": library - startup,  # import hardened.aws, hardened.gcp (pulling in the SDKs)
        "sdk_import_s": sdks - startup,  # import pulumi, pulumi_aws, pulumi_gcp alone
        "importtime_total_s": top_level / 1e6,  # -X importtime: sum of top-level cumulative times
        "importtime_hardened_own_s": own / 1e6,  # -X importtime: self time of hardened.* modules only
        "runs": runs,
    }
