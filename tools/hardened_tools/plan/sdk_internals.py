"""Every name of the pulumi SDK's runtime the offline plan uses, reached here and nowhere else.

The plan plays the engine's side of the SDK's gRPC conversation, which the SDK does not publish: it needs
private names (`_sync_await`, the wire format's `_special_*_sig` keys) and undocumented ones (`MockMonitor`,
`massage`, the protocol's messages). Each is resolved from the table below, whose `why` says what for;
tests/test_sdk_internals.py checks every entry against the installed SDK (kind, parameters, fields), so an
upgrade that moves one fails there by name. Importing this module already fails, naming every name gone.
"""

import importlib
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

FUNCTION, COROUTINE, CLASS, MESSAGE, TEXT = "function", "coroutine function", "class", "protobuf message", "text"


@dataclass(frozen=True)
class Internal:
    """One SDK name the plan uses: where it lives, what it is, why the plan needs it, how the plan uses it."""

    alias: str  # the name the planner's modules use: `sdk.<alias>`
    module: str
    name: str
    kind: str
    why: str  # completes "the plan needs it because it ..."
    positional: tuple[str, ...] = ()  # parameters the plan passes by position, in order (functions, classes)
    keywords: tuple[str, ...] = ()  # parameters the plan passes by name
    methods: tuple[str, ...] = ()  # methods the plan overrides or calls (classes)
    attributes: tuple[str, ...] = ()  # instance attributes the plan reads, declared on the class
    fields: tuple[str, ...] = ()  # fields the plan sets (protobuf messages)

    @property
    def path(self) -> str:
        return f"{self.module}.{self.name}"


RPC, MOCKS, PROTO = "pulumi.runtime.rpc", "pulumi.runtime.mocks", "pulumi.runtime.proto.resource_pb2"

INTERNALS: tuple[Internal, ...] = (
    # Running a program under the mock runtime.
    Internal(
        "set_mocks",
        "pulumi.runtime",
        "set_mocks",
        FUNCTION,
        "installs the recording monitor (its monitor= is undocumented)",
        positional=("mocks",),
        keywords=("project", "stack", "preview", "monitor"),
    ),
    Internal(
        "reset_options",
        "pulumi.runtime",
        "reset_options",
        FUNCTION,
        "clears the process-wide settings before and after a run",
        keywords=("project", "stack", "preview"),
    ),
    Internal(
        "set_all_config",
        "pulumi.runtime",
        "set_all_config",
        FUNCTION,
        "gives the program the stack's config and secret keys",
        positional=("config", "secret_keys"),
    ),
    Internal(
        "run_pulumi_func",
        "pulumi.runtime.stack",
        "run_pulumi_func",
        COROUTINE,
        "runs the program and waits for its registrations, as the language host does",
        positional=("func",),
    ),
    Internal(
        "get_root_resource",
        "pulumi.runtime",
        "get_root_resource",
        FUNCTION,
        "finds the root stack, which holds what the program exported",
    ),
    Internal(
        "Stack",
        "pulumi.runtime.stack",
        "Stack",
        CLASS,
        "keeps the exports in Stack.outputs (under mocks the stack registers its outputs before the program runs)",
        attributes=("outputs",),
    ),
    Internal(
        "massage",
        "pulumi.runtime.stack",
        "massage",
        FUNCTION,
        "turns exported values into what the stack registers (resources as their properties)",
        positional=("attr", "seen"),
    ),
    # The engine's side: the monitor and the messages it answers with.
    Internal(
        "MockMonitor",
        MOCKS,
        "MockMonitor",
        CLASS,
        "is the base of the recording monitor (getResource, deployment info)",
        positional=("mocks",),
        methods=("Invoke", "ReadResource", "RegisterResource", "RegisterResourceOutputs"),
    ),
    Internal(
        "Mocks",
        "pulumi.runtime",
        "Mocks",
        CLASS,
        "is what set_mocks takes; the recording monitor answers everything, so the plan's mocks refuse",
        methods=("call", "new_resource"),
    ),
    Internal(
        "RegisterResourceResponse",
        PROTO,
        "RegisterResourceResponse",
        MESSAGE,
        "answers RegisterResource",
        fields=("urn", "id", "object"),
    ),
    Internal(
        "ResourceInvokeResponse",
        PROTO,
        "ResourceInvokeResponse",
        MESSAGE,
        "answers a data source (Invoke)",
        fields=("failures", "return"),
    ),
    Internal(
        "ReadResourceResponse",
        PROTO,
        "ReadResourceResponse",
        MESSAGE,
        "answers a stack reference's read",
        fields=("urn", "properties"),
    ),
    Internal("Empty", "google.protobuf.empty_pb2", "Empty", MESSAGE, "answers RegisterResourceOutputs"),
    Internal(
        "message_to_dict",
        "google.protobuf.json_format",
        "MessageToDict",
        FUNCTION,
        "reads a request's property struct as the wire carries it (secrets and unknowns still marked)",
        positional=("message",),
    ),
    # The monitor's gRPC methods are synchronous; the SDK's (de)serialization is async.
    Internal(
        "sync_await",
        "pulumi.runtime.sync_await",
        "_sync_await",
        FUNCTION,
        "waits on the SDK's serialization coroutine from a synchronous monitor method",
        positional=("awaitable",),
    ),
    Internal(
        "ensure_event_loop",
        "pulumi.runtime.sync_await",
        "_ensure_event_loop",
        FUNCTION,
        "gives the SDK's worker threads the event loop (de)serializing needs; the monitor closes them afterwards",
    ),
    Internal(
        "serialize_properties",
        RPC,
        "serialize_properties",
        COROUTINE,
        "turns the plan's answers into the wire's structs",
        positional=("inputs", "property_deps"),
    ),
    Internal(
        "deserialize_properties",
        RPC,
        "deserialize_properties",
        FUNCTION,
        "reads a request's inputs as the provider would",
        positional=("props_struct",),
    ),
    Internal(
        "wrap_rpc_secret",
        RPC,
        "wrap_rpc_secret",
        FUNCTION,
        "serves a referenced stack's secret outputs as secrets",
        positional=("value",),
    ),
    Internal(
        "unwrap_rpc_secret",
        RPC,
        "unwrap_rpc_secret",
        FUNCTION,
        "reads a provider's secret settings (a pinned account id)",
        positional=("value",),
    ),
    # The wire format: which marked value a struct is.
    Internal("UNKNOWN", RPC, "UNKNOWN", TEXT, "is the wire's unknown value, shown as [unknown]"),
    Internal(
        "SIG_KEY",
        RPC,
        "_special_sig_key",
        TEXT,
        "is the key that marks a struct as a secret, resource, asset or output",
    ),
    Internal("SECRET_SIG", RPC, "_special_secret_sig", TEXT, "marks a secret, masked in the plan"),
    Internal(
        "OUTPUT_VALUE_SIG",
        RPC,
        "_special_output_value_sig",
        TEXT,
        "marks an output value (known or not, secret or not)",
    ),
    Internal("RESOURCE_SIG", RPC, "_special_resource_sig", TEXT, "marks a resource reference, shown as its URN"),
    Internal("ASSET_SIG", RPC, "_special_asset_sig", TEXT, "marks an asset, shown by its path or URI"),
    Internal("ARCHIVE_SIG", RPC, "_special_archive_sig", TEXT, "marks an archive, shown by its path or URI"),
)


class SdkMismatch(ImportError):
    """The installed SDK lacks a name the offline plan needs."""


def distribution_of(module: str) -> str:
    """The installed distribution a module comes from, with its version: what to name when a name moved."""
    package = "protobuf" if module.startswith("google.protobuf") else module.split(".", 1)[0]
    return f"{package} {version(package)}"


def resolve(internals: tuple[Internal, ...]) -> dict[str, Any]:
    """Each entry's object by alias; SdkMismatch naming every entry the installed SDK lacks."""
    found, missing = {}, []
    for internal in internals:
        try:
            found[internal.alias] = getattr(importlib.import_module(internal.module), internal.name)
        except (ImportError, AttributeError):
            missing.append(f"{internal.path} ({distribution_of(internal.module)}; needed because it {internal.why})")
    if missing:
        raise SdkMismatch(
            "The offline plan cannot run with the installed SDK, which lacks: "
            + "; ".join(missing)
            + f". See {__name__} and tests/test_sdk_internals.py."
        )
    return found


_FOUND = resolve(INTERNALS)

set_mocks = _FOUND["set_mocks"]
reset_options = _FOUND["reset_options"]
set_all_config = _FOUND["set_all_config"]
run_pulumi_func = _FOUND["run_pulumi_func"]
get_root_resource = _FOUND["get_root_resource"]
Stack = _FOUND["Stack"]
massage = _FOUND["massage"]
MockMonitor = _FOUND["MockMonitor"]
Mocks = _FOUND["Mocks"]
RegisterResourceResponse = _FOUND["RegisterResourceResponse"]
ResourceInvokeResponse = _FOUND["ResourceInvokeResponse"]
ReadResourceResponse = _FOUND["ReadResourceResponse"]
Empty = _FOUND["Empty"]
message_to_dict = _FOUND["message_to_dict"]
sync_await = _FOUND["sync_await"]
ensure_event_loop = _FOUND["ensure_event_loop"]
serialize_properties = _FOUND["serialize_properties"]
deserialize_properties = _FOUND["deserialize_properties"]
wrap_rpc_secret = _FOUND["wrap_rpc_secret"]
unwrap_rpc_secret = _FOUND["unwrap_rpc_secret"]
UNKNOWN = _FOUND["UNKNOWN"]
SIG_KEY = _FOUND["SIG_KEY"]
SECRET_SIG = _FOUND["SECRET_SIG"]
OUTPUT_VALUE_SIG = _FOUND["OUTPUT_VALUE_SIG"]
RESOURCE_SIG = _FOUND["RESOURCE_SIG"]
ASSET_SIG = _FOUND["ASSET_SIG"]
ARCHIVE_SIG = _FOUND["ARCHIVE_SIG"]
