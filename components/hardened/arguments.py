"""The shape of a component's arguments, checked against its TypedDict before anything is declared.

A misspelled key (`organisation_id`) would silently drop the guard it names, and a string where a list is due
(`user_names="bg-1"`) would be iterated character by character: both are refused, with a did-you-mean, as are a
missing required argument, a value of the wrong type (a string where a number is due, a GCP provider for an AWS one)
and an argument that is not a mapping at all. Nested TypedDicts (a `ReplicaDestination`, each `BackupCopy` of a
list) and list items are checked the same way. What a plain value must be beyond its type (a pattern, a range) is
each component's own check.

A whole number may arrive as a float: Pulumi's component provider host hands every number from a TypeScript, Go,
C# or YAML program over as one (JSON has no integers), and so may a Python caller (`retention_days=35.0`). Where the
declared type takes an int and no float (`int`, `int | None`, `NotRequired[int]`, the items of `list[int]`, the
fields of a nested TypedDict), an integral float becomes that int (35.0 -> 35) before anything is checked, so the
component sees only ints; 35.5 stays a float and is refused as any wrong type is ("takes a whole number, not float
(got 35.5)"). A bool never becomes an int (True is not 1), and nothing but a float is converted.

A value that arrives as a Pulumi Output (a stack reference's account id, another resource's ARN) is known only later:
`Arguments.args` holds the arguments with each such Output of an identifier-named field (`*_arn`, `*_arns`,
`*account_id`, `*account_ids`, `organization_id`; for GCP components `project_id`, `folder_id`, `project_number`,
`organization_id`, service-agent `members`; see `aws/arns.py` and `gcp/identifiers.py` for what each must be) wrapped so that it fails
with ComponentArgumentError when it resolves to a wildcard or a malformed value, before it reaches a policy document.

Every component begins with `checked = Arguments("ImmutableBucket", name, args, ImmutableBucketArgs)` and refuses
what only it can judge with `checked.refuse("retention_days", "must be ...")`, typed NoReturn so that a type checker
narrows after it; a check several components share takes the checker (`retention.retention_mode(checked)`).
`refuse` here is the one place a ComponentArgumentError is made.
"""

import difflib
import types
import typing
from collections.abc import Awaitable, Callable, Mapping
from enum import Enum
from typing import Generic, NoReturn, TypeGuard, TypeVar

import pulumi

from .errors import ComponentArgumentError

Args = TypeVar("Args")


class Arguments(Generic[Args]):
    """A component's arguments, checked against its TypedDict `schema`, and the one way the component refuses them.

    Raises ComponentArgumentError if `args` has a key `schema` does not declare, lacks a required one, or gives a
    value of another type (a string or a mapping where a list is due included); TypedDicts and list items are
    checked the same way. An integral float where only an int is declared is taken as that int (35.0 as 35)."""

    def __init__(self, component: str, name: str, args: Args, schema: type) -> None:
        self.component = component
        self.name = name
        args = typing.cast(Args, _whole_numbers(args, schema))
        _check(self, args, schema, path="")
        self.args: Args = typing.cast(Args, _checked_when_resolved(self, typing.cast(Mapping, args), schema, path=""))
        """`args` with identifier Outputs checked when they resolve (plain values as given): what the component builds from."""

    def refuse(self, argument: str, problem: str) -> NoReturn:
        """Raise ComponentArgumentError: "<component> '<name>': argument '<argument>' <problem>"."""
        refuse(self.component, self.name, argument, problem)


def refuse(component: str, name: str, argument: str, problem: str) -> NoReturn:
    """Raise the ComponentArgumentError; `Arguments.refuse` for a component, this where there is none (a check across
    several components' arguments, such as `check_attachments_per_target`)."""
    # from None: the message says what is wrong; the parse error a refusal may stem from is no bug to trace.
    raise ComponentArgumentError(component, name, argument, problem) from None


def _whole_numbers(value: object, annotation: object) -> object:
    """`value` with each integral float where `annotation` takes an int but no float made that int (35.0 -> 35).

    Walks what `annotation` declares: a TypedDict's fields, list items, dict values. Anything else (a bool, a
    non-integral float, an Output, a value of another type) is left as it is, for `_check` to accept or refuse;
    `value` itself is returned when nothing in it changes."""
    options = _options(_required_or_not(annotation))
    if isinstance(value, float) and value.is_integer() and int in options and float not in options:
        return int(value)
    if isinstance(value, Mapping):
        fields = next((o for o in options if _is_typed_dict(o)), None)
        if fields is not None:
            declared = fields.__annotations__
            converted = {k: _whole_numbers(v, declared[k]) if k in declared else v for k, v in value.items()}
        elif (mapping := next((o for o in options if typing.get_origin(o) is dict), None)) is not None:
            _, item = typing.get_args(mapping) or (object, object)
            converted = {k: _whole_numbers(v, item) for k, v in value.items()}
        else:
            return value
        return converted if any(converted[k] is not v for k, v in value.items()) else value
    if isinstance(value, (list, tuple)):
        sequence = next((o for o in options if typing.get_origin(o) is list), None)
        if sequence is None:
            return value
        (item,) = typing.get_args(sequence) or (object,)
        items = [_whole_numbers(v, item) for v in value]
        if all(new is old for new, old in zip(items, value, strict=True)):
            return value
        return items if isinstance(value, list) else tuple(items)
    return value


def _checked_when_resolved(checked: Arguments, args: Mapping, schema: type, path: str) -> dict:
    # Imported here: hardened.aws and hardened.gcp import every component, and they import this module.
    if schema.__module__.startswith("hardened.gcp"):
        from .gcp.identifiers import resolved_value_problem
    else:
        from .aws.arns import resolved_value_problem

    hints = {key: _required_or_not(annotation) for key, annotation in schema.__annotations__.items()}
    wrapped = {}
    for key, value in args.items():
        argument = f"{path}{key}"
        problem = resolved_value_problem(key)
        nested = next((o for o in _options(hints[key]) if _is_typed_dict(o)), None)
        items = next(
            (
                typing.get_args(o)[0]
                for o in _options(hints[key])
                if typing.get_origin(o) is list and typing.get_args(o)
            ),
            None,
        )
        if nested is not None and isinstance(value, Mapping):
            value = _checked_when_resolved(checked, value, nested, f"{argument}.")
        elif _is_typed_dict(items) and isinstance(value, (list, tuple)):
            value = [
                _checked_when_resolved(checked, v, items, f"{argument}[{i}].") if isinstance(v, Mapping) else v
                for i, v in enumerate(value)
            ]
        elif problem is not None and isinstance(value, (list, tuple)):
            value = [_deferred(checked, f"{argument}[{i}]", v, problem) for i, v in enumerate(value)]
        elif problem is not None:
            value = _deferred(checked, argument, value, problem)
        wrapped[key] = value
    return wrapped


def _deferred(checked: Arguments, argument: str, value: object, problem: Callable[[object], str | None]) -> object:
    """`value` itself, or for an Output one that raises ComponentArgumentError if it resolves to a bad value."""
    if not isinstance(value, pulumi.Output):
        return value

    def check(resolved_and_secret: list) -> object:
        resolved, secret = resolved_and_secret
        for index, item in enumerate(resolved if isinstance(resolved, (list, tuple)) else [resolved]):
            found = problem(item)
            if found:
                where = f"{argument}[{index}]" if isinstance(resolved, (list, tuple)) else argument
                shown = "a secret value" if secret else repr(item)  # an error message must not print a secret
                checked.refuse(where, f"resolved to {shown}, which {found}")
        return resolved

    return pulumi.Output.all(value, value.is_secret()).apply(check)


def _check(checked: Arguments, args: object, schema: type, path: str) -> None:
    where = path or "args"
    if not isinstance(args, Mapping):
        checked.refuse(where, f"must be a mapping of argument names to values (got {type(args).__name__})")
    known = sorted(schema.__required_keys__ | schema.__optional_keys__)  # type: ignore[attr-defined]  # a TypedDict class: no type says so
    for key in args:
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            checked.refuse(
                f"{path}{key}", f"is not an argument of {schema.__name__}{hint}; it takes {', '.join(known)}"
            )
    # The annotations as written (pulumi.Input holds a forward reference get_type_hints cannot resolve).
    hints = {key: _required_or_not(annotation) for key, annotation in schema.__annotations__.items()}
    for key, value in args.items():
        if value is not None:
            _check_value(checked, f"{path}{key}", value, hints[key])
    for key in sorted(schema.__required_keys__):  # type: ignore[attr-defined]  # a TypedDict class, as above
        if key not in args:
            checked.refuse(f"{path}{key}", f"is required by {schema.__name__}")


def _check_value(checked: Arguments, path: str, value: object, annotation: object) -> None:
    options = _options(annotation)
    if isinstance(value, (pulumi.Output, Awaitable)) and any(_is_input(o) for o in options):
        return  # checked when it resolves, if its name says what it must be
    for option in options:
        origin = typing.get_origin(option)
        if _is_input(option):
            continue  # an Output or awaitable was accepted above; anything else is held to the plain alternative
        if origin is list:
            if isinstance(value, (str, bytes, Mapping)):
                checked.refuse(path, f"takes a list, not a {type(value).__name__} (got {value!r}): write [{value!r}]")
            if isinstance(value, (list, tuple)):
                (item,) = typing.get_args(option) or (object,)
                for index, element in enumerate(value):
                    if _is_typed_dict(item):
                        _check(checked, element, item, f"{path}[{index}].")
                    elif element is not None:
                        _check_value(checked, f"{path}[{index}]", element, item)
                return
        elif _is_typed_dict(option):
            if isinstance(value, Mapping):
                _check(checked, value, option, f"{path}.")
                return
        elif origin is dict:
            if isinstance(value, Mapping):
                _, item = typing.get_args(option) or (object, object)
                for key, element in value.items():
                    if not isinstance(key, str):
                        checked.refuse(path, f"takes string keys (got {key!r})")
                    if element is not None:
                        _check_value(checked, f"{path}.{key}", element, item)
                return
        elif _accepts(option, value):
            return
    if any(_checkable(o) for o in options):
        checked.refuse(path, f"takes {_described(options)}, not {_type_name(type(value))} (got {_short(value)})")


def _is_input(option: object) -> bool:
    """Whether `option` is one of pulumi.Input's alternatives (an Output or an awaitable)."""
    return isinstance(option, typing.ForwardRef) or typing.get_origin(option) is Awaitable


def _accepts(option: object, value: object) -> bool:
    if option is bool:
        return isinstance(value, bool)
    if option is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if option is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(option, type) and issubclass(option, Enum):
        return isinstance(value, (option, str))  # a member or its value: the component says which values are allowed
    if isinstance(option, type):
        return isinstance(value, option)
    return not _checkable(option)


def _checkable(option: object) -> bool:
    """Whether a value can be held to `option` here: plain classes, lists, dicts and TypedDicts (not Any, callables...)."""
    return isinstance(option, type) or typing.get_origin(option) in (list, dict)


def _described(options: list) -> str:
    def one(option: object) -> str:
        if typing.get_origin(option) is list:
            return "a list"
        if typing.get_origin(option) is dict or _is_typed_dict(option):
            return "a mapping"
        plain = {str: "a string", int: "a whole number", bool: "true or false", float: "a number"}
        if option in plain:
            return plain[option]
        return _type_name(option) if isinstance(option, type) else str(option)

    return " or ".join(dict.fromkeys(one(o) for o in options if _checkable(o)))


def _type_name(cls: type) -> str:
    """`str`, or `pulumi_aws.Provider`: the package tells an AWS provider from a GCP one."""
    return cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__.split('.')[0]}.{cls.__name__}"


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _required_or_not(annotation: object) -> object:
    """The annotation inside NotRequired[...] or Required[...]."""
    if typing.get_origin(annotation) in (typing.NotRequired, typing.Required):
        return typing.get_args(annotation)[0]
    return annotation


def _options(annotation: object) -> list:
    """The alternatives of a Union or Optional, or the annotation alone."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [a for a in typing.get_args(annotation) if a is not type(None)]
    return [annotation]


def _is_typed_dict(candidate: object) -> TypeGuard[type]:
    return isinstance(candidate, type) and typing.is_typeddict(candidate)
