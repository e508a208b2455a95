"""Validate a stack's whole config against a pydantic schema before any resource is declared.

Stack programs call `read_stack_config(Schema, source=...)` first thing; a bad value raises
`StackConfigError` with one paragraph naming the file, each offending key and what it allows.
"""

import difflib
import json
from typing import Annotated, Any, TypeVar, get_args, get_origin

import pulumi
from pulumi.runtime import config as runtime_config
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel
from pydantic_core import ErrorDetails

from .constraints import AWS_REGIONS
from .errors import StackConfigError
from .json_text import parse_json_text

# Keys the Pulumi engine itself reads from a stack file (for example
# `pulumi:disable-default-providers`); everything else must belong to the project.
ENGINE_NAMESPACE = "pulumi"
# The engine's own keys a stack file may set (Pulumi docs, "Project-level configuration" and "Disable default
# providers"); any other `pulumi:` key is a typo whose value the program would never see.
ENGINE_KEYS = ("pulumi:autonaming", "pulumi:disable-default-providers", "pulumi:tags", "pulumi:template")


def _known_region(value: str) -> str:
    if value not in AWS_REGIONS:
        close = difflib.get_close_matches(value, AWS_REGIONS, n=1)
        raise ValueError(
            f"{value!r} is not an AWS region" + (f" (did you mean {close[0]}?)" if close else " (such as eu-west-1)")
        )
    return value


AwsRegion = Annotated[str, AfterValidator(_known_region)]
"""A region the AWS provider knows (constraints.AWS_REGIONS), refused with a did-you-mean otherwise."""


class StackConfigModel(BaseModel):
    """Base for config schemas: camelCase keys as Pulumi stack files use them, unknown keys rejected."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        frozen=True,
    )


Schema = TypeVar("Schema", bound=StackConfigModel)


def current_config() -> dict[str, Any]:
    """Every config key of the running stack, as the engine passes it (strings; objects as JSON)."""
    values = dict(runtime_config.get_config_env())
    values.update(runtime_config.CONFIG.get())
    return values


def read_stack_config(schema: type[Schema], source: str, namespace: str | None = None) -> Schema:
    """Validate the running stack's config under `namespace` (default: the project) against `schema`."""
    namespace = namespace or pulumi.get_project()
    return validate_config(schema, current_config(), namespace=namespace, source=source)


def validate_config(schema: type[Schema], values: dict[str, Any], namespace: str, source: str) -> Schema:
    """Validate raw `namespace:key` config values; raise one `StackConfigError` listing every problem."""
    problems: list[str] = []
    document: dict[str, Any] = {}
    for full_key, raw in sorted(values.items()):
        prefix, _, key = full_key.partition(":")
        if prefix == namespace and key:
            # The engine hands objects and lists to programs as JSON text; scalars stay strings.
            document[key] = parse_json_text(raw)
        elif prefix == ENGINE_NAMESPACE:
            if full_key not in ENGINE_KEYS:
                guess = f"{namespace}:{key}" if key in _by_alias(schema) else None
                problems.append(
                    f"key '{full_key}' is not a key of the Pulumi engine ({', '.join(ENGINE_KEYS)})"
                    + (f"; did you mean '{guess}'?" if guess else "")
                )
        else:
            problems.append(
                f"key '{full_key}' is not used by this project; project keys start with '{namespace}:' "
                f"({_allowed_keys(schema, namespace)})"
            )
    try:
        parsed = schema.model_validate(document)
    except ValidationError as error:
        problems.extend(_describe(schema, namespace, detail) for detail in error.errors())
        parsed = None
    if problems or parsed is None:  # a ValidationError always lists at least one problem
        raise StackConfigError(f"{source}: invalid config. " + " ".join(_sentence(p) for p in problems))
    return parsed


def _describe(schema: type[BaseModel], namespace: str, detail: ErrorDetails) -> str:
    location = _aliased(schema, tuple(detail["loc"]))
    if location[-1:] == ("[key]",):  # a dict key that failed its own constraint
        location = location[:-1]
    key = _key_path(namespace, location)
    if detail["type"] == "extra_forbidden":
        parent, _ = _walk(schema, location[:-1])
        allowed = ", ".join(_by_alias(parent)) if parent else "none"
        return f"key '{key}' is not a known key (allowed here: {allowed})"
    _, field = _walk(schema, location)
    allowed = f" Allowed: {field.description}" if field is not None and field.description else ""
    if detail["type"] == "missing":
        return f"key '{key}' is required.{allowed}"
    message = detail["msg"].removeprefix("Value error, ")
    got = f" (got {json.dumps(detail['input'], default=str)})" if detail["type"] != "value_error" else ""
    return f"key '{key}': {message}{got}.{allowed}"


def _aliased(schema: type[BaseModel], location: tuple) -> tuple:
    """The location with fields named as the stack file spells them: pydantic reports a default it validated
    (`validate_default`) under the field's Python name, not its alias."""
    model: type[BaseModel] | None
    model, out, next_is_item = schema, [], False
    for part in location:
        if next_is_item or model is None:
            next_is_item = False
            out.append(part)
            continue
        field = model.model_fields.get(part) if isinstance(part, str) else None
        if field is not None:
            part = field.alias or part
        field = _by_alias(model).get(part)
        out.append(part)
        model = _inner_model(field.annotation) if field is not None else None
        next_is_item = field is not None and _is_collection(field.annotation)
    return tuple(out)


def _key_path(namespace: str, location: tuple) -> str:
    if not location:
        return f"{namespace}:*"
    path = f"{namespace}:{location[0]}"
    for part in location[1:]:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _allowed_keys(schema: type[BaseModel], namespace: str) -> str:
    return "allowed: " + ", ".join(f"{namespace}:{alias}" for alias in _by_alias(schema))


def _walk(schema: type[BaseModel], location: tuple) -> tuple[type[BaseModel] | None, Any]:
    """Follow an error location through nested models; return (model there, field named last)."""
    model: type[BaseModel] | None
    model, field, next_is_item = schema, None, False
    for part in location:
        if next_is_item:  # a list index or dict key under the previous field
            next_is_item = False
            continue
        if model is None or part not in _by_alias(model):
            return None, None
        field = _by_alias(model)[part]
        model = _inner_model(field.annotation)
        next_is_item = _is_collection(field.annotation)
    return model, field


def _by_alias(model: type[BaseModel]) -> dict:
    return {field.alias or name: field for name, field in model.model_fields.items()}


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation such as `Model`, `list[Model]`, `dict[str, Model]`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in get_args(annotation):
        found = _inner_model(argument)
        if found is not None:
            return found
    return None


def _is_collection(annotation: Any) -> bool:
    if get_origin(annotation) in (list, dict, tuple, set, frozenset):
        return True
    return any(_is_collection(argument) for argument in get_args(annotation))


def _sentence(text: str) -> str:
    return text if text.endswith(".") else text + "."
