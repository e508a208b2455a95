"""What a benchmark's figures were measured on: the date, the machine, the Python and SDK versions, the commit."""

import datetime
import os
import platform
import subprocess
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def machine(changes_in: tuple[str, ...] = ()) -> dict:
    """The figures' context; `uncommitted_changes` looks only at `changes_in` (every path when empty)."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
        "pulumi": version("pulumi"),
        "pulumi_aws": version("pulumi_aws"),
        "pulumi_gcp": version("pulumi_gcp"),
        "commit": _git("rev-parse", "--short", "HEAD"),
        "uncommitted_changes": bool(_git("status", "--porcelain", "--", *changes_in)),
    }


def _git(*args: str) -> str:
    done = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else ""
