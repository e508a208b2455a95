"""Run a Pulumi program, or a project's stack, under the SDK's mock runtime with a recording monitor."""

import asyncio
import contextlib
import gc
import os
import runpy
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from hardened.errors import HardenedError

from . import sdk_internals as sdk
from .monitor import (
    PROVIDER_PREFIX,
    OfflinePlanLimit,
    PlanRun,
    PlanViolation,
    RecordingMonitor,
    Registration,
    _NoMocks,
    exported_values,
)
from .project import PulumiProject, load_stack_file
from .references import ReferencedStack, StackReferences

GC_FIRST_GENERATION_THRESHOLD = 50_000

__all__ = [
    "PROVIDER_PREFIX",
    "OfflinePlanLimit",
    "PlanRun",
    "PlanViolation",
    "RecordingMonitor",
    "ReferencedStack",
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
    stack_references: Callable[[str], ReferencedStack] | None = None,
) -> PlanRun:
    """Run `program` as a Pulumi program of `project`/`stack` with `config`; return what it registered and exported.

    Pass your own `registrations` dict to see what was registered even when the program fails, and
    `stack_references` to answer `pulumi.StackReference` reads (run_stack answers them from the project).
    """
    config = dict(config or {})
    registrations = {} if registrations is None else registrations
    monitor = RecordingMonitor(project, stack, config, registrations, stack_references)
    # The SDK allocates many short-lived objects per resource; the collector's default thresholds spend more
    # than half of a large plan collecting them (bench/README.md). Fewer, larger collections while it runs.
    thresholds = gc.get_threshold()
    gc.set_threshold(GC_FIRST_GENERATION_THRESHOLD, *thresholds[1:])
    loop = asyncio.new_event_loop()
    loop.set_exception_handler(_unless_reported)
    asyncio.set_event_loop(loop)
    try:
        sdk.reset_options(project=project, stack=stack, preview=False)
        sdk.set_all_config(config, list(secret_keys or []))
        sdk.set_mocks(_NoMocks(), project=project, stack=stack, preview=False, monitor=monitor)
        loop.run_until_complete(sdk.run_pulumi_func(program))
        # Same loop: exported outputs may still wait on futures created while the program ran.
        outputs, secret_outputs = loop.run_until_complete(_exports())
    finally:
        gc.set_threshold(*thresholds)
        _cancel_pending(loop)
        sdk.set_all_config({}, [])
        sdk.reset_options()
        loop.close()
        monitor.close()
        asyncio.set_event_loop(None)
    if monitor.violations:
        raise PlanViolation(" ".join(monitor.violations))
    return PlanRun(project, stack, monitor.registrations, monitor.placeholders, outputs, secret_outputs)


async def _exports() -> tuple[dict, list[str]]:
    """What the program passed to `pulumi.export`, as the engine would store it on the stack.

    Under mocks the root stack registers its outputs before the program runs, so they are read from
    the stack object afterwards: resources become their properties, secrets "[secret]" (named in the
    second value), as in the plan's inputs.
    """
    root = sdk.get_root_resource()
    exported = sdk.massage(dict(root.outputs) if isinstance(root, sdk.Stack) else {}, [])
    wire = sdk.message_to_dict(await sdk.serialize_properties(exported, {}))
    return exported_values(wire)


def _unless_reported(loop: asyncio.AbstractEventLoop, context: dict) -> None:
    """Log what asyncio reports, except copies of an error the run itself raises and the plan prints.

    A failed stack reference or data source also fails tasks nobody awaits (the SDK's secret check of
    a stack output); asyncio would print those, with a traceback, when they are garbage-collected.
    """
    if isinstance(context.get("exception"), (HardenedError, OfflinePlanLimit)):
        return
    loop.default_exception_handler(context)


def _cancel_pending(loop: asyncio.AbstractEventLoop) -> None:
    """After a failed run, stop the registrations still in flight so the loop closes cleanly."""
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))


def run_stack(
    project: PulumiProject,
    stack: str,
    registrations: dict[str, Registration] | None = None,
    references: StackReferences | None = None,
) -> PlanRun:
    """Run the project's program with the stack's own config file, as `pulumi up --stack` would.

    `references` answers its stack references (default: each referenced stack planned in a subprocess)."""
    config, secret_keys = load_stack_file(project, stack)

    def program() -> None:
        runpy.run_path(str(project.main), run_name="__main__")

    with _as_the_language_host_runs(project.main):
        return run_program(
            program,
            project=project.name,
            stack=stack,
            config=config,
            secret_keys=secret_keys,
            registrations=registrations,
            stack_references=references if references is not None else StackReferences(project, stack),
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
