"""The offline plan: run a stack program under Pulumi's mock runtime and report what `pulumi up` would create."""

from .document import PLAN_SCHEMA_VERSION, build_plan
from .project import PulumiProject, find_project
from .runtime import PlanRun, run_program, run_stack

__all__ = ["PLAN_SCHEMA_VERSION", "PlanRun", "PulumiProject", "build_plan", "find_project", "run_program", "run_stack"]
