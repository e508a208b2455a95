"""What the stacks export for each other and for the reviewer tools: the one definition both sides read.

The organization stack exports `OrganizationExports` (`export_organization`, which takes them as the program has
them, Outputs included: `OrganizationExportsInputs`); an environment stack reads them
through its stack reference with `organization_exports`, which refuses, naming the organization stack, the export
and what was expected, an organization stack that lacks a key or exports one of the wrong type.

The environment stack's `copies` export (`export_copies`) lists every copy of its backups with the key that
encrypts it; `hardened posture` reads it back with `copies_of` and judges which copies survive which stolen
credential.

Each field's docstring says what it holds; refusals quote it. The definitions are TypedDicts, strict (no unknown
key, no coercion but one: numbers cross a stack reference as floats, so a whole number may arrive as 900.0).
"""

import json
from collections.abc import Mapping
from functools import cache
from typing import Annotated, Any, Final, Literal, NotRequired, Required, get_args, get_origin

import pulumi
from pydantic import BeforeValidator, ConfigDict, StringConstraints, TypeAdapter, ValidationError, with_config
from typing_extensions import TypedDict, get_type_hints, is_typeddict

from .constraints import ACCOUNT_ID, ORGANIZATION_ID, ROLE_ARN, SERVICE_ACCOUNT_EMAIL
from .errors import StackConfigError

# The `key` of a copy in the copies export.
CUSTOMER_MANAGED: Final = (
    "customer-managed"  # a KMS or Cloud KMS key of ours: sealed, but a key whose policy can change
)
AWS_OWNED: Final = "AWS-owned"  # nobody of ours holds it, so nobody of ours can shred it

COPIES = "copies"
"""The environment stack's export that lists its copies."""

CONTRACT = ConfigDict(extra="forbid", strict=True, use_attribute_docstrings=True)


def _whole_number(value: Any) -> Any:
    """900.0 as 900: the engine serialises every number as a float, so a stack reference returns whole numbers so."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


AccountId = Annotated[str, StringConstraints(pattern=ACCOUNT_ID)]
OrganizationId = Annotated[str, StringConstraints(pattern=ORGANIZATION_ID)]
RoleArn = Annotated[str, StringConstraints(pattern=ROLE_ARN)]
WholeNumber = Annotated[int, BeforeValidator(_whole_number)]
ServiceAccountEmail = Annotated[str, StringConstraints(pattern=SERVICE_ACCOUNT_EMAIL)]


# --- the organization stack's exports -------------------------------------------------------------------------


@with_config(CONTRACT)
class AccountExport(TypedDict):
    """One member account, as the stacks that deploy into it need it."""

    accountId: AccountId
    """the account's 12-digit id, which every provider into it is pinned to"""
    deploymentRoleArn: RoleArn
    """the role the pipelines deploy into the account with (memberRoleName)"""
    breakGlassRoleArn: RoleArn
    """the account's break-glass role (MFA, one-hour sessions, an alarm on every use)"""


@with_config(CONTRACT)
class AccountsExport(TypedDict):
    """The organization's member accounts."""

    backup: AccountExport
    """the backup account, which holds production's copies"""
    nonProductionBackup: NotRequired[AccountExport]
    """the non-production backup account, when the organization has one (accounts.nonProductionBackup)"""
    logArchive: AccountExport
    """the log-archive account, which holds the organization trail's logs"""
    security: AccountExport
    """the security account: the alarm hub and, by default, the break-glass users"""
    workloads: dict[str, AccountExport]
    """the workload accounts, by environment (accounts.workloads)"""


@with_config(CONTRACT)
class BreakGlassExport(TypedDict):
    """Break-glass access: its users, roles, limits and alarms."""

    usersAccount: AccountId
    """the account that holds the break-glass users"""
    userArns: list[str]
    """the break-glass users' ARNs"""
    roleArns: dict[str, RoleArn]
    """each account's break-glass role, by account key (management, backup, log-archive, security, workload-<env>)"""
    maxMfaAgeSeconds: WholeNumber
    """how old the MFA of a break-glass session may be, in seconds"""
    maxSessionSeconds: WholeNumber
    """how long a break-glass session lasts, in seconds"""
    alertTopicArns: list[str]
    """the topics every break-glass sign-in and role use is alarmed on"""
    subscribers: list[str]
    """who those alarms reach, as <protocol>:<endpoint>"""


@with_config(CONTRACT)
class AlarmsExport(TypedDict):
    """The alarm hub in the security account, which every account's alarms reach."""

    busArn: str
    """the hub's event bus, which every account's forwarder sends to"""
    topicArn: str
    """the hub's alert topic"""
    prefix: str
    """the prefix of every alarm the hub receives: '<organization stack>-alarms'"""
    regions: list[str]
    """the regions the alarms watch and the root SCP allows, the management region first"""


@with_config(CONTRACT)
class GcpExport(TypedDict):
    """The GCP backup folder and project, where environment stacks keep their off-site copies."""

    projectId: str
    """the backup project's id"""
    projectNumber: str
    """the backup project's number"""
    transferAgentSubject: str
    """the project's Storage Transfer agent, the one web identity the backup accounts' roles answer to"""
    folderId: str
    """the backup folder, as folders/<number>"""
    region: str
    """the project's default region"""
    breakGlassEntitlement: str
    """the Privileged Access Manager entitlement of break-glass"""
    breakGlassEligible: list[str]
    """who may request break-glass (user:<email> or group:<email>)"""
    breakGlassApprovers: list[str]
    """who approves a break-glass request"""
    backupPlaneAlerts: dict[str, str]
    """the alert policies on every move against the off-site copies, by alert"""
    deployerServiceAccount: ServiceAccountEmail
    """the service account every stack deploys to GCP as (gcp.deployerServiceAccount), the deployer the folder's deny policy spares"""


@with_config(CONTRACT)
class OrganizationExports(TypedDict):
    """What the organization stack exports, and environment stacks read through their stack reference."""

    organizationId: OrganizationId
    """the AWS organization's id (o-...)"""
    region: str
    """the management account's region"""
    accounts: AccountsExport
    """the member accounts"""
    breakGlass: BreakGlassExport
    """break-glass access"""
    alarms: AlarmsExport
    """the alarm hub"""
    gcp: NotRequired[GcpExport]
    """the GCP backup project, when the organization has one (gcp)"""
    trailArn: str
    """the organization trail"""
    logBucket: str
    """the trail's log bucket in the log-archive account"""


# --- the organization's exports as its program gives them ------------------------------------------------------
# The same keys as above, each value a pulumi.Input (a nested object a dict of them): the program exports its
# resources' Outputs, which export_organization checks once they resolve. The types above are what a reader gets.


class AccountExportInputs(TypedDict):
    """`AccountExport` as the organization program gives it."""

    accountId: pulumi.Input[str]
    deploymentRoleArn: pulumi.Input[str]
    breakGlassRoleArn: pulumi.Input[str]


class AccountsExportInputs(TypedDict):
    """`AccountsExport` as the organization program gives it."""

    backup: AccountExportInputs
    nonProductionBackup: NotRequired[AccountExportInputs]
    logArchive: AccountExportInputs
    security: AccountExportInputs
    workloads: dict[str, AccountExportInputs]


class BreakGlassExportInputs(TypedDict):
    """`BreakGlassExport` as the organization program gives it."""

    usersAccount: pulumi.Input[str]
    userArns: pulumi.Input[list[str]]
    roleArns: pulumi.Input[dict[str, str]]
    maxMfaAgeSeconds: pulumi.Input[int]
    maxSessionSeconds: pulumi.Input[int]
    alertTopicArns: pulumi.Input[list[str]]
    subscribers: pulumi.Input[list[str]]


class AlarmsExportInputs(TypedDict):
    """`AlarmsExport` as the organization program gives it."""

    busArn: pulumi.Input[str]
    topicArn: pulumi.Input[str]
    prefix: pulumi.Input[str]
    regions: pulumi.Input[list[str]]


class GcpExportInputs(TypedDict):
    """`GcpExport` as the organization program gives it."""

    projectId: pulumi.Input[str]
    projectNumber: pulumi.Input[str]
    transferAgentSubject: pulumi.Input[str]
    folderId: pulumi.Input[str]
    region: pulumi.Input[str]
    breakGlassEntitlement: pulumi.Input[str]
    breakGlassEligible: pulumi.Input[list[str]]
    breakGlassApprovers: pulumi.Input[list[str]]
    backupPlaneAlerts: pulumi.Input[dict[str, str]]
    deployerServiceAccount: pulumi.Input[str]


class OrganizationExportsInputs(TypedDict):
    """`OrganizationExports` as the organization program gives them to `export_organization`."""

    organizationId: pulumi.Input[str]
    region: pulumi.Input[str]
    accounts: AccountsExportInputs
    breakGlass: BreakGlassExportInputs
    alarms: AlarmsExportInputs
    gcp: NotRequired[GcpExportInputs]
    trailArn: pulumi.Input[str]
    logBucket: pulumi.Input[str]


# --- the environment stack's copies ---------------------------------------------------------------------------


@with_config(CONTRACT)
class CopyExport(TypedDict):
    """One copy of an environment stack's data, in its `copies` export."""

    copy: str
    """what the copy is: primary, replica, vault copy, second-region copy, air-gapped copy, offsite"""
    vendor: Literal["aws", "gcp"]
    """the cloud that holds it"""
    where: Literal["workload account", "backup account", "backup project"]
    """the account or project that holds it"""
    region: str
    """the region or location it is in"""
    lock: str
    """what locks it"""
    retentionMode: Literal["COMPLIANCE", "GOVERNANCE"]
    """COMPLIANCE when nobody can lift its lock, GOVERNANCE when somebody can"""
    retentionDays: WholeNumber
    """the retention its lock really enforces (the shortest, where copies differ)"""
    key: Literal["customer-managed", "AWS-owned"]
    """the key that encrypts it: customer-managed (ours, whose policy can change) or AWS-owned (nobody of ours holds it)"""


# --- both sides ------------------------------------------------------------------------------------------------


def export_organization(values: OrganizationExportsInputs) -> None:
    """`pulumi.export` each of the organization stack's exports, checked against `OrganizationExports`.

    A missing, unknown or mistyped key raises TypeError here; a value still to be resolved (an Output) is
    checked when it resolves."""
    for key, value in _checked(OrganizationExports, values, "the organization program's exports").items():
        pulumi.export(key, value)


def export_copies(copies: list[CopyExport]) -> None:
    """`pulumi.export` the environment stack's `copies`, each checked against `CopyExport`."""
    pulumi.export(COPIES, _checked(list[CopyExport], copies, "the environment program's copies", (COPIES,)))


def organization_exports(
    reference: pulumi.StackReference, organization_stack: str
) -> pulumi.Output[OrganizationExports]:
    """The organization stack's exports, read through `reference` and validated against `OrganizationExports`.

    Reads only the keys the contract declares (the stack may export more). Raises StackConfigError, naming
    `organization_stack`, each export that is missing or not what the contract expects."""
    keys = list(_fields(OrganizationExports))
    read = pulumi.Output.all(*(reference.get_output(key) for key in keys))
    return read.apply(lambda values: _organization(dict(zip(keys, values, strict=True)), organization_stack))


def copies_of(outputs: Mapping[str, Any], stack: str) -> list[CopyExport]:
    """The `copies` export among a stack's `outputs` (none: an empty list), validated against `CopyExport`."""
    copies = outputs.get(COPIES)
    if copies is None:
        return []
    problems = _problems(list[CopyExport], list[CopyExport], copies, (), (COPIES,))
    if problems:
        raise StackConfigError(
            f"the stack '{stack}' exports copies that do not match hardened.stack_contract.CopyExport: "
            + " ".join(problems)
        )
    return copies


def _organization(values: dict[str, Any], organization_stack: str) -> OrganizationExports:
    # A stack output is never null: None is what a stack reference returns for an output the stack lacks.
    present = {key: value for key, value in values.items() if value is not None}
    try:
        return _adapter(OrganizationExports).validate_python(present)
    except ValidationError as error:
        problems = [_sentence(OrganizationExports, detail) for detail in error.errors()]
    raise StackConfigError(
        f"the organization stack '{organization_stack}' does not export what environment stacks read "
        f"(hardened.stack_contract.OrganizationExports): {' '.join(problems)} "
        "organizationStack must name an organization stack that exports them (hardened.stack_contract.export_organization)."
    )


def _checked(root: Any, value: Any, subject: str, prefix: tuple = ()) -> Any:
    """`value` as given, checked against `root`: keys and plain values now, each Output in it once it resolves.
    Raises TypeError naming `subject` and every problem; paths are shown after `prefix`."""

    def check(kind: Any, value: Any, path: tuple) -> Any:
        problems: list[str] = []
        checked = walk(kind, value, path, problems)
        if problems:
            raise TypeError(f"{subject} do not match hardened.stack_contract: " + " ".join(problems))
        return checked

    def walk(kind: Any, value: Any, path: tuple, problems: list[str]) -> Any:
        if isinstance(value, pulumi.Output):
            return value.apply(lambda resolved: check(kind, resolved, path))
        bare = _bare(kind)
        if is_typeddict(bare) and isinstance(value, dict):
            fields = _fields(bare)
            problems += [
                _sentence(root, {"type": "missing", "loc": (*path, key)}, prefix)
                for key in fields
                if key in bare.__required_keys__ and key not in value
            ]
            problems += [
                _sentence(root, {"type": "extra_forbidden", "loc": (*path, key)}, prefix)
                for key in value
                if key not in fields
            ]
            return {
                key: walk(fields[key], item, (*path, key), problems) if key in fields else item
                for key, item in value.items()
            }
        if get_origin(bare) is dict and isinstance(value, dict):
            return {key: walk(get_args(bare)[1], item, (*path, key), problems) for key, item in value.items()}
        if get_origin(bare) is list and isinstance(value, list):
            return [walk(get_args(bare)[0], item, (*path, index), problems) for index, item in enumerate(value)]
        problems += _problems(root, kind, value, path, prefix)
        return value

    return check(root, value, ())


def _problems(root: Any, kind: Any, value: Any, path: tuple, prefix: tuple = ()) -> list[str]:
    """What is wrong with a resolved `value`, declared `kind` at `path` in `root`: one sentence each."""
    try:
        _adapter(kind).validate_python(value, strict=True)
    except ValidationError as error:
        return [_sentence(root, {**detail, "loc": (*path, *detail["loc"])}, prefix) for detail in error.errors()]
    return []


def _sentence(root: Any, detail: Mapping[str, Any], prefix: tuple = ()) -> str:
    """One problem (a pydantic error, located in `root`) as a sentence: the export's path, what it is, and what the
    contract expects there."""
    path = tuple(part for part in detail["loc"] if part != "[key]")
    where = _path((*prefix, *path))
    if detail["type"] == "extra_forbidden":
        owner, _ = _declared(root, path[:-1])
        declared = ", ".join(_fields(owner)) if is_typeddict(owner) else "none"
        return f"export '{where}' is not in the contract (declared there: {declared})."
    _, doc = _declared(root, path)
    expected = f" (expected: {doc})" if doc else ""
    if detail["type"] == "missing":
        return f"export '{where}' is missing{expected}."
    return f"export '{where}' is {_shown(detail['input'])}: {detail['msg'].removeprefix('Value error, ')}{expected}."


def _path(parts: tuple) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(the whole)"


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return json.dumps(_whole_number(value), default=str)


def _declared(root: Any, path: tuple) -> tuple[Any, str | None]:
    """What the contract declares at `path` in `root`: the type (None where it declares nothing), and the docstring
    of the field that holds it (for an entry of a dict or list field, that field's)."""
    kind, doc = root, None
    for part in path:
        bare = _bare(kind)
        if is_typeddict(bare) and part in _fields(bare):
            kind, doc = _fields(bare)[part], _docs(bare).get(part)
        elif get_origin(bare) in (dict, list):
            kind = get_args(bare)[-1]
        else:
            return None, doc
    return _bare(kind), doc


def _bare(kind: Any) -> Any:
    """The type without Annotated, Required or NotRequired around it."""
    while get_origin(kind) in (Annotated, Required, NotRequired):
        kind = get_args(kind)[0]
    return kind


@cache
def _fields(typed_dict: type) -> dict[str, Any]:
    return get_type_hints(typed_dict, include_extras=True)


@cache
def _docs(typed_dict: type) -> dict[str, str]:
    """Each field's docstring (the string under it), as pydantic reads it (use_attribute_docstrings)."""
    properties = _adapter(typed_dict).json_schema()["properties"]
    return {name: field["description"] for name, field in properties.items() if "description" in field}


@cache
def _adapter(kind: Any) -> TypeAdapter:
    return TypeAdapter(kind)
