"""Find the Pulumi project and read a stack's config file the way the Pulumi CLI does."""

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from hardened.errors import HardenedError

from . import strict_yaml

STACK_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
SECRET_PLACEHOLDER = "[secret]"


class PlanInputError(HardenedError):
    """The project or stack the plan was asked for cannot be read."""


@dataclass(frozen=True)
class PulumiProject:
    """A Pulumi project as the CLI sees it: its root, program directory and stack-file directory."""

    root: Path
    name: str
    main: Path
    stack_config_dir: Path

    def stack_file(self, stack: str) -> Path:
        return self.stack_config_dir / f"Pulumi.{stack}.yaml"

    def stacks(self) -> list[str]:
        return sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in self.stack_config_dir.glob("Pulumi.*.yaml"))

    def relative(self, path: Path) -> str:
        """`path` as a user would type it from the project root."""
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)


def find_project(start: Path) -> PulumiProject:
    """The project whose Pulumi.yaml is in `start` or the nearest parent, as the Pulumi CLI finds it."""
    start = start.resolve()
    for directory in (start, *start.parents):
        project_file = directory / "Pulumi.yaml"
        if project_file.is_file():
            return _read_project(project_file)
    raise PlanInputError(f"No Pulumi.yaml in {start} or any parent directory: run the plan inside a Pulumi project.")


def _read_project(project_file: Path) -> PulumiProject:
    document = _load_yaml(project_file, project_file.name)
    name = document.get("name")
    if not isinstance(name, str) or not name:
        raise PlanInputError(f"{project_file}: key 'name' is required and must be a string (the project name).")
    root = project_file.parent
    main = root / str(document.get("main") or ".")
    if not (main / "__main__.py").is_file():
        raise PlanInputError(
            f"{project_file}: key 'main' must name a directory holding __main__.py (got {document.get('main')!r})."
        )
    stack_config_dir = root / str(document.get("stackConfigDir") or ".")
    return PulumiProject(root=root, name=name, main=main, stack_config_dir=stack_config_dir)


def load_stack_file(project: PulumiProject, stack: str) -> tuple[dict[str, str], list[str]]:
    """The stack's config as the engine passes it to programs (all strings, objects as JSON), and its secret keys."""
    if not STACK_NAME.match(stack):
        raise PlanInputError(f"Stack name {stack!r} is not valid: use letters, digits, '-', '_' and '.' only.")
    path = project.stack_file(stack)
    shown = project.relative(path)
    if not path.is_file():
        known = ", ".join(project.stacks()) or "none"
        raise PlanInputError(f"Unknown stack '{stack}': {shown} does not exist. Known stacks: {known}.")
    document = _load_yaml(path, shown)
    config = document.get("config") or {}
    if not isinstance(config, dict):
        raise PlanInputError(f"{shown}: key 'config' must be a mapping of 'namespace:key' to values.")
    values: dict[str, str] = {}
    secret_keys: list[str] = []
    for key, value in config.items():
        full_key = key if ":" in str(key) else f"{project.name}:{key}"
        if isinstance(value, dict) and set(value) == {"secure"}:
            # Ciphertext needs the stack's secrets provider, which the offline plan does not have.
            values[full_key] = SECRET_PLACEHOLDER
            secret_keys.append(full_key)
        else:
            values[full_key] = _engine_string(value)
    return values, sorted(secret_keys)


def _engine_string(value: Any) -> str:
    """Config values reach programs as strings: scalars as written, objects and lists as JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return "" if value is None else str(value)


def _load_yaml(path: Path, shown: str) -> dict:
    try:
        document = strict_yaml.load(path)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise PlanInputError(f"{shown}:{where}: not valid YAML ({problem}).") from None
    except strict_yaml.StrictYamlError as error:
        raise PlanInputError(f"{shown}: {error}.") from None
    except OSError as error:
        raise PlanInputError(f"{shown}: cannot be read ({error.strerror}).") from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise PlanInputError(f"{shown}: must be a YAML mapping at the top level.")
    return document
