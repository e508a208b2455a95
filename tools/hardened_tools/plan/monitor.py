"""The engine's side of a plan: a mock monitor that answers the program and records every registration.

The SDK's `MockMonitor` answers the program; this subclass also keeps what a plan needs and the stock
mocks drop: parent, protect, retain-on-delete, dependencies and provider of each resource, URNs built
as the engine builds them, default providers, and the outputs components register. It answers reads of
`pulumi.StackReference` with the referenced stack's outputs, planned offline (see references.py).
"""

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hardened.errors import HardenedError
from hardened.json_text import parse_json_text

from . import sdk_internals as sdk
from .data_sources import invoke_result
from .fragments import Placeholders, string_leaves
from .placeholders import NewResource, created_values
from .project import SECRET_PLACEHOLDER
from .references import STACK_REFERENCE_TYPE, ReferencedStack
from .targeting import (
    PROVIDER_PREFIX,
    Target,
    assumed_role_arn,
    default_provider_disabled,
    default_provider_inputs,
    default_provider_name,
    misspelled_provider_keys,
    named_provider,
    package_of,
    provider_target,
)

STACK_TYPE = "pulumi:pulumi:Stack"
UNKNOWN_PLACEHOLDER = "[unknown]"


class OfflinePlanLimit(Exception):
    """The program asked for something only a real cloud or engine can answer."""


class PlanViolation(HardenedError):
    """The program declared something the real engine would refuse."""


@dataclass
class Registration:
    """One resource as the engine would record it, plus what the plan derived for it."""

    urn: str
    type: str
    name: str
    parent: str | None
    custom: bool
    protect: bool
    retain_on_delete: bool
    depends_on: list[str]
    provider: str | None
    inputs: dict
    id: str | None = None
    outputs: dict | None = None
    computed_outputs: list[str] = field(default_factory=list)
    target: Target | None = None
    read: bool = False
    import_id: str | None = None


@dataclass
class PlanRun:
    """Everything one run of a program registered, and the values it exported."""

    project: str
    stack: str
    resources: dict[str, Registration]
    placeholders: Placeholders
    outputs: dict = field(default_factory=dict)
    secret_outputs: list[str] = field(default_factory=list)


class _NoMocks(sdk.Mocks):
    """The recording monitor answers everything itself; reaching these would be a bug."""

    def call(self, args):
        raise AssertionError(f"unexpected mock call {args.token}")

    def new_resource(self, args):
        raise AssertionError(f"unexpected mock resource {args.typ}")


class RecordingMonitor(sdk.MockMonitor):
    def __init__(
        self,
        project: str,
        stack: str,
        config: dict[str, str],
        registrations: dict[str, Registration],
        stack_references: Callable[[str], ReferencedStack] | None = None,
    ):
        super().__init__(_NoMocks())
        self.project, self.stack, self.config = project, stack, config
        self.stack_references = stack_references
        self.placeholders = Placeholders()
        # Every string the stack's config gives, structured values included: never a placeholder.
        self._given = set(config.values()) | string_leaves([parse_json_text(value) for value in config.values()])
        self.registrations = registrations
        self.violations: list[str] = []
        self._provider_roles: dict[str, str | None] = {}
        self._lock = threading.Lock()
        self._thread_loops: set[asyncio.AbstractEventLoop] = set()

    def close(self) -> None:
        """Close the event loops the SDK's worker threads needed for (de)serializing values.

        After a failed registration a worker may still be finishing a call, so the set is swapped under the lock
        and a loop still running is left to its thread.
        """
        with self._lock:
            loops, self._thread_loops = self._thread_loops, set()
        for loop in loops:
            if not loop.is_closed() and not loop.is_running():
                loop.close()

    def _thread_loop(self) -> None:
        loop = sdk.ensure_event_loop()
        with self._lock:
            self._thread_loops.add(loop)

    # --- the engine's side of the conversation -------------------------------------------------

    def RegisterResource(self, request: Any) -> Any:
        self._thread_loop()
        urn = self._urn(request.parent, request.type, request.name)
        inputs = sdk.deserialize_properties(request.object)
        shown = _display(sdk.message_to_dict(request.object))
        with self._lock:
            if urn in self.registrations:
                self.violations.append(f"Duplicate resource URN '{urn}': give each resource a unique name.")
            parent = self.registrations.get(request.parent)
            record = Registration(
                urn=urn,
                type=request.type,
                name=request.name,
                parent=request.parent or None,
                custom=bool(request.custom),
                protect=request.protect if request.HasField("protect") else bool(parent and parent.protect),
                retain_on_delete=(
                    request.retainOnDelete
                    if request.HasField("retainOnDelete")
                    else bool(parent and parent.retain_on_delete)
                ),
                depends_on=sorted(set(request.dependencies)),
                provider=None,
                inputs=shown,
                # The `import` option: the engine adopts the resource with this id instead of creating it.
                import_id=request.importId or None,
            )
            state: dict[str, Any] = {}
            if request.custom:
                state = self._create(record, inputs, request.provider, request.version)
            self.registrations[urn] = record
        if request.type == STACK_TYPE:
            return sdk.RegisterResourceResponse(urn=urn)
        obj = sdk.sync_await(sdk.serialize_properties(state, {}))
        return sdk.RegisterResourceResponse(urn=urn, id=record.id or "", object=obj)

    def RegisterResourceOutputs(self, request):
        outputs = _display(sdk.message_to_dict(request.outputs))
        with self._lock:
            record = self.registrations.get(request.urn)
            if record is not None and not record.custom and outputs:
                record.outputs = outputs
        return sdk.Empty()

    def Invoke(self, request):
        self._thread_loop()
        if request.tok == "pulumi:pulumi:getResource":
            return super().Invoke(request)
        with self._lock:
            provider = self._provider_urn(request.provider, request.tok, request.version, f"data source {request.tok}")
            target = self.registrations[provider].target
            result = invoke_result(
                request.tok, target, self._provider_roles.get(provider), _display(sdk.message_to_dict(request.args))
            )
        if result is None:
            raise OfflinePlanLimit(
                f"The offline plan cannot answer the data source '{request.tok}': it only knows the caller identity, "
                "region and partition. Pass the value in as config instead, or run `pulumi preview` with credentials."
            )
        ret = sdk.sync_await(sdk.serialize_properties(result, {}))
        return sdk.ResourceInvokeResponse(failures=None, **{"return": ret})

    def ReadResource(self, request):
        if request.type != STACK_REFERENCE_TYPE:
            raise OfflinePlanLimit(
                f"The offline plan cannot read the existing resource '{request.name}' ({request.type}, id {request.id!r}): "
                "reading needs the cloud. Pass what you need from it in as config instead."
            )
        self._thread_loop()
        referenced = self._referenced_stack(request.id)  # may plan another stack: outside the lock
        secret = set(referenced.secret_outputs)
        served = {
            "name": request.id,
            "outputs": {k: sdk.wrap_rpc_secret(v) if k in secret else v for k, v in referenced.outputs.items()},
            "secretOutputNames": referenced.secret_outputs,
        }
        urn = self._urn(request.parent, request.type, request.name)
        with self._lock:
            if urn in self.registrations:
                self.violations.append(f"Duplicate resource URN '{urn}': give each resource a unique name.")
            record = Registration(
                urn=urn,
                type=request.type,
                name=request.name,
                parent=request.parent or None,
                custom=True,
                protect=False,
                retain_on_delete=False,
                depends_on=sorted(set(request.dependencies)),
                provider=self._provider_urn(request.provider, request.type, request.version, f"'{urn}'"),
                inputs=_display(sdk.message_to_dict(request.properties)),
                id=request.id,
                outputs={**served, "outputs": referenced.outputs},
                computed_outputs=["outputs"] if referenced.computed_outputs else [],
                read=True,
            )
            self.registrations[urn] = record
            # Placeholders of the other stack's plan stay placeholders wherever this program uses them. Known
            # there (in an output without any) or given here (this stack's config), a value is not one.
            computed = set(referenced.computed_outputs)
            known = string_leaves([v for k, v in referenced.outputs.items() if k not in computed]) | self._given
            self.placeholders.adopt([referenced.outputs.get(key) for key in referenced.computed_outputs], known)
        properties = sdk.sync_await(sdk.serialize_properties(served, {}))
        return sdk.ReadResourceResponse(urn=urn, properties=properties)

    def _referenced_stack(self, reference: str) -> ReferencedStack:
        if self.stack_references is None:
            raise OfflinePlanLimit(
                f"The offline plan cannot resolve the stack reference '{reference}' here: it resolves stack references "
                "only when it plans a stack of a project (`hardened plan --stack`)."
            )
        return self.stack_references(reference)

    # --- what the plan derives -------------------------------------------------------------------

    def _create(self, record: Registration, inputs: dict, provider_reference: str = "", version: str = "") -> dict:
        """Work out where a custom resource lands and what it would report once created."""
        if record.type.startswith(PROVIDER_PREFIX):
            package = record.type[len(PROVIDER_PREFIX) :]
            if package == "aws":
                for key in misspelled_provider_keys(inputs):
                    self.violations.append(
                        f"Provider '{record.name}' sets {key}, which the AWS provider ignores (it reads camelCase keys, "
                        "pulumi/pulumi-aws#5271): pass aws.ProviderAssumeRoleArgs(...) instead of a plain dict."
                    )
            record.target = provider_target(package, inputs, record.urn, self.placeholders)
            self._provider_roles[record.urn] = assumed_role_arn(inputs)
        else:
            record.provider = self._provider_urn(provider_reference, record.type, version, f"'{record.urn}'")
            record.target = self.registrations[record.provider].target
        record.id, computed = created_values(
            NewResource(record.type, record.name, record.urn, inputs, record.target, self.placeholders)
        )
        if record.import_id:
            # An imported resource keeps the id it has: the engine reads it, and creates nothing.
            record.id = record.import_id
        # Placeholders only: not what the program gave (a fixed name the shape repeats), nor values known in
        # advance (a state of ACTIVE, the ARN of a trail whose name and account are given).
        record.computed_outputs = sorted(
            key
            for key, value in computed.items()
            if inputs.get(key) != value and self.placeholders.contains_atom(value)
        )
        record.outputs = {**record.inputs, **computed}
        return {**inputs, **computed}

    def _provider_urn(self, reference: str, token: str, version: str, subject: str) -> str:
        """The provider serving a request: the explicit one, or the engine's default one for its package."""
        if reference:
            return named_provider(reference)
        package = package_of(token)
        if default_provider_disabled(package, self.config):
            self.violations.append(
                f"Default provider for '{package}' disabled. {subject} must use an explicit provider "
                f"(the stack's config sets pulumi:disable-default-providers)."
            )
        name = default_provider_name(version)
        urn = self._urn("", PROVIDER_PREFIX + package, name)
        if urn not in self.registrations:
            inputs = default_provider_inputs(package, version, self.config)
            record = Registration(
                urn, PROVIDER_PREFIX + package, name, None, True, False, False, [], None, dict(inputs)
            )
            self._create(record, inputs)
            self.registrations[urn] = record
        return urn

    def _urn(self, parent: str, type_: str, name: str) -> str:
        # Like the engine: a child's type is qualified by its parent's, except under the root stack.
        qualified = type_
        if parent:
            parent_type = parent.split("::")[2]
            if parent_type != STACK_TYPE:
                qualified = f"{parent_type}${type_}"
        return f"urn:pulumi:{self.stack}::{self.project}::{qualified}::{name}"


def exported_values(wire: dict) -> tuple[dict, list[str]]:
    """Stack outputs as the wire carries them, shown as a plan shows values; and the names of those holding a secret."""
    shown = {key: _display(wire[key]) for key in sorted(wire)}
    return shown, sorted(key for key, value in wire.items() if _carries_secret(value))


def _carries_secret(value: Any) -> bool:
    if isinstance(value, dict):
        signature = value.get(sdk.SIG_KEY)
        if signature == sdk.SECRET_SIG or (signature == sdk.OUTPUT_VALUE_SIG and value.get("secret")):
            return True
        return any(_carries_secret(item) for item in value.values())
    if isinstance(value, list):
        return any(_carries_secret(item) for item in value)
    return False


def _display(value: Any) -> Any:
    """A wire value as a reader should see it: secrets masked, references as URNs, numbers as written."""
    if isinstance(value, dict):
        signature = value.get(sdk.SIG_KEY)
        if signature == sdk.SECRET_SIG:
            return SECRET_PLACEHOLDER
        if signature == sdk.RESOURCE_SIG:
            return value.get("urn")
        if signature in (sdk.ASSET_SIG, sdk.ARCHIVE_SIG):
            return {"asset": value.get("path") or value.get("uri") or "(inline)"}
        if signature == sdk.OUTPUT_VALUE_SIG:
            if value.get("secret"):
                return SECRET_PLACEHOLDER
            return _display(value["value"]) if "value" in value else UNKNOWN_PLACEHOLDER
        return {key: _display(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_display(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value == sdk.UNKNOWN:
        return UNKNOWN_PLACEHOLDER
    return value
