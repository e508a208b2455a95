"""`PlannedResource`: one resource as the rules see it, whether from the offline plan or from pulumi-policy.

Also the stack tiers a resource is judged under, and `Unknown` / `UnknownInput` for values the
engine does not know yet during a real preview.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hardened.json_text import parse_json_text

PRODUCTION = "production"
NON_PRODUCTION = "non-production"
TIERS = (PRODUCTION, NON_PRODUCTION)
DEFAULT_TIER = PRODUCTION

# The engine's sentinels for values not known during preview (as in pulumi_policy.proxy).
UNKNOWN_SENTINELS = frozenset(
    {
        "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",  # boolean
        "3eeb2bf0-c639-47a8-9e75-3b44932eb421",  # number
        "04da6b54-80e4-46f7-96ec-b56ff0331ba9",  # string
        "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",  # array
        "030794c1-ac77-496b-92df-f27374a8bd58",  # asset
        "e48ece36-62e2-4504-bad9-02848725956a",  # archive
        "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",  # object
    }
)


@dataclass(frozen=True)
class Unknown:
    """A value the engine does not know yet (during preview), in place of its sentinel string."""

    sentinel: str

    def __repr__(self) -> str:
        return "<unknown during preview>"


class UnknownInput(Exception):
    """A rule needs a value that is not known yet; raised by `PlannedResource.get`."""

    def __init__(self, urn: str, path: Sequence[str | int], sentinel: str) -> None:
        self.urn = urn
        self.path = [str(step) for step in path]
        self.sentinel = sentinel
        super().__init__(f"{'.'.join(self.path)} of {urn} is not known yet")


@dataclass(frozen=True)
class PlannedResource:
    """One resource as the rules see it: inputs with policy documents parsed, options, and the stack's tier."""

    type: str
    name: str
    urn: str
    inputs: Mapping[str, Any]
    protect: bool | None = False
    retain_on_delete: bool | None = False
    """None when not known: pulumi-policy does not pass retainOnDelete to policies."""
    stack_tier: str | None = None
    outputs: Mapping[str, Any] = field(default_factory=dict)
    provider: str | None = None
    """The URN of the resource's provider, when known (tells apart same-named resources in two accounts)."""

    @classmethod
    def from_plan(cls, resource: Mapping[str, Any], tier: str | None = None) -> PlannedResource:
        """A resource of an offline plan document (`hardened_tools.plan.build_plan`)."""
        return cls(
            type=resource["type"],
            name=resource["name"],
            urn=resource["urn"],
            inputs=dict(resource.get("inputs") or {}),
            protect=bool(resource.get("protect")),
            retain_on_delete=bool(resource.get("retain_on_delete")),
            stack_tier=checked_tier(tier),
            outputs=dict(resource.get("outputs") or {}),
            provider=resource.get("provider"),
        )

    @classmethod
    def from_policy_args(cls, args: Any, tier: str | None = None) -> PlannedResource:
        """What pulumi-policy passes: `ResourceValidationArgs` (props are inputs) or a stack's `PolicyResource`
        (props are outputs). JSON-text policy documents are parsed; unknown values become `Unknown`."""
        props = _plain(args.props)
        opts = getattr(args, "opts", None)
        provider = getattr(args, "provider", None)
        return cls(
            type=args.resource_type,
            name=args.name,
            urn=args.urn,
            inputs=props,
            protect=bool(getattr(opts, "protect", False)),
            # PolicyResourceOptions (pulumi-policy 1.21) has no retain_on_delete; None means "not known".
            retain_on_delete=getattr(opts, "retain_on_delete", None),
            stack_tier=checked_tier(tier),
            outputs=props if isinstance(args, _stack_resource_types()) else {},
            provider=getattr(provider, "urn", None),
        )

    @property
    def production(self) -> bool:
        """Judged as production: the tier says so, or nobody said."""
        return self.stack_tier != NON_PRODUCTION

    def get(self, *path: str | int, default: Any = None) -> Any:
        """The input at `path` (keys and list indexes), `default` if absent; raises UnknownInput if not known yet."""
        value: Any = self.inputs
        for depth, step in enumerate(path):
            if isinstance(value, Unknown):
                raise UnknownInput(self.urn, path[:depth], value.sentinel)
            if isinstance(value, Mapping) and isinstance(step, str):
                if step not in value:
                    return default
                value = value[step]
            elif isinstance(value, list) and isinstance(step, int):
                if not -len(value) <= step < len(value):
                    return default
                value = value[step]
            else:
                return default
        _require_known(value, self.urn, list(path))
        return default if value is None else value

    def output(self, key: str) -> Any:
        value = self.outputs.get(key)
        _require_known(value, self.urn, [key])
        return value


# ---------------------------------------------------------------------------------------------------
# Helpers.


def checked_tier(tier: str | None) -> str | None:
    if tier is not None and tier not in TIERS:
        raise ValueError(f"tier must be one of {', '.join(TIERS)} (got {tier!r})")
    return tier


def _stack_resource_types() -> tuple[type, ...]:
    try:
        from pulumi_policy import PolicyResource
    except ImportError:  # pragma: no cover - the pack always has pulumi-policy
        return ()
    return (PolicyResource,)


def _plain(value: Any) -> Any:
    """pulumi-policy's unknown-checking proxies as plain dicts and lists, without touching their unknowns;
    unknown sentinels become `Unknown`, JSON-text policy documents are parsed."""
    if isinstance(value, str):
        if value in UNKNOWN_SENTINELS:
            return Unknown(value)
        parsed = parse_json_text(value)
        if isinstance(parsed, dict) and "Statement" in parsed:
            return _plain(parsed)
        return value
    if isinstance(value, Mapping):
        raw = value if isinstance(value, dict) else _proxy_target(value)
        return {key: _plain(raw[key]) for key in raw}
    if isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        raw = value if isinstance(value, (list, tuple)) else _proxy_target(value)
        return [_plain(item) for item in raw]
    return value


def _proxy_target(container: Any) -> Any:
    """The dict or list behind pulumi-policy's proxy: its items read without raising for unknowns."""
    try:
        target = container["__target"]
    except (KeyError, TypeError, IndexError):
        return container
    return target if isinstance(target, (dict, list)) else container


def _require_known(value: Any, urn: str, path: list[str | int]) -> None:
    if isinstance(value, Unknown):
        raise UnknownInput(urn, path, value.sentinel)
    if isinstance(value, Mapping):
        for key, item in value.items():
            _require_known(item, urn, [*path, key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _require_known(item, urn, [*path, index])
