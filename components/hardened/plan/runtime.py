"""Run a Pulumi program, or a project's stack, under the SDK's mock runtime with a recording monitor."""

import asyncio
import contextlib
import os
import runpy
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime.config import set_all_config
from pulumi.runtime.stack import run_pulumi_func

from .monitor import PROVIDER_PREFIX, OfflinePlanLimit, PlanRun, PlanViolation, RecordingMonitor, Registration, _NoMocks
from .project import PulumiProject, load_stack_file

__all__ = [
    "PROVIDER_PREFIX",
    "OfflinePlanLimit",
    "PlanRun",
    "PlanViolation",
    "RecordingMonitor",
    "Registration",
    "run_program",
    "run_stack",
]


def run_program(
    program: Callable[[], Any],
    *,
    project: str,
    stack: str,
    config: dict[str, str] | None = None,
    secret_keys: list[str] | None = None,
    registrations: dict[str, Registration] | None = None,
) -> PlanRun:
    """Run `program` as a Pulumi program of `project`/`stack` with `config`; return what it registered.

    Pass your own `registrations` dict to see what was registered even when the program fails.
    """
    config = dict(config or {})
    registrations = {} if registrations is None else registrations
    monitor = RecordingMonitor(project, stack, config, registrations)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        pulumi.runtime.reset_options(project=project, stack=stack, preview=False)
        set_all_config(config, list(secret_keys or []))
        pulumi.runtime.set_mocks(_NoMocks(), project=project, stack=stack, preview=False, monitor=monitor)
        loop.run_until_complete(run_pulumi_func(program))
    finally:
        _cancel_pending(loop)
        set_all_config({}, [])
        pulumi.runtime.reset_options()
        loop.close()
        monitor.close()
        asyncio.set_event_loop(None)
    if monitor.violations:
        raise PlanViolation(" ".join(monitor.violations))
    return PlanRun(project, stack, monitor.registrations, monitor.placeholders)


def _cancel_pending(loop: asyncio.AbstractEventLoop) -> None:
    """After a failed run, stop the registrations still in flight so the loop closes cleanly."""
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))


def run_stack(project: PulumiProject, stack: str, registrations: dict[str, Registration] | None = None) -> PlanRun:
    """Run the project's program with the stack's own config file, as `pulumi up --stack` would."""
    config, secret_keys = load_stack_file(project, stack)

    def program() -> None:
        runpy.run_path(str(project.main), run_name="__main__")

    with _as_the_language_host_runs(project.main):
        return run_program(
            program, project=project.name, stack=stack, config=config, secret_keys=secret_keys, registrations=registrations
        )


@contextlib.contextmanager
def _as_the_language_host_runs(main: Path) -> Iterator[None]:
    """The program's directory as working directory; its own modules forgotten afterwards."""
    previous = os.getcwd()
    before = set(sys.modules)
    os.chdir(main)
    try:
        yield
    finally:
        os.chdir(previous)
        main_dir = str(main.resolve())
        for module_name in set(sys.modules) - before:
            origin = getattr(sys.modules[module_name], "__file__", None) or ""
            if origin.startswith(main_dir):
                del sys.modules[module_name]
