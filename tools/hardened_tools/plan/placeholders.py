"""What a provider would report for a resource it creates: its id and computed outputs, by type token.

SHAPES maps each type the library creates to its shape. Most are a `Shape`: format strings over the
FIELDS below (the resource's name, account, region, inputs, generated ids). The few a format string
cannot say are functions. `opaque` gives no more than an id (and for AWS an ARN): rows name it for
types nothing reads more of, and a type without a row gets it too.
"""

import copy
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from .data_sources import gcp_folder_logging_agent, invoke_result
from .fragments import Placeholders
from .targeting import PROVIDER_PREFIX, Target

# Target and invoke_result are importable from here too, as before targeting.py and data_sources.py.
__all__ = ["FIELDS", "SHAPES", "NewResource", "Shape", "Target", "created_values", "invoke_result", "opaque"]


@dataclass(frozen=True)
class NewResource:
    """What a placeholder shape needs to know about a resource being created."""

    type: str
    name: str
    urn: str
    inputs: dict
    target: Target | None
    placeholders: Placeholders

    def autoname(self, key: str, lowercase: bool = False, separator: str = "-") -> str:
        """The name input if given; else the provider's `<key>Prefix` plus a unique suffix; else Pulumi's auto-name."""
        given = self.inputs.get(key)
        if isinstance(given, str) and given:
            return given
        prefix = self.inputs.get(f"{key}Prefix")
        if isinstance(prefix, str) and prefix:
            return self.placeholders.unique_suffix(prefix, self.urn)
        return self.placeholders.autoname(self.name, self.urn, lowercase, separator)

    @property
    def account(self) -> str:
        return str(self.target.account) if self.target else ""

    @property
    def region(self) -> str:
        """Resources of pulumi-aws 7 may override the provider's region with their own `region` input."""
        given = self.inputs.get("region")
        return (
            given if isinstance(given, str) and given else (self.target.region if self.target else None) or "us-east-1"
        )

    @property
    def project(self) -> str:
        """A GCP resource's project: its own `project` input, else its provider's, else `project`."""
        return (
            self.input("project") or (self.target.project if self.target and self.target.project else "") or "project"
        )

    def input(self, key: str, default: str = "") -> str:
        value = self.inputs.get(key)
        return value if isinstance(value, str) and value else default

    def organization(self) -> str:
        """The organization of the management account the resource is created from (one per account)."""
        return self.placeholders.hex_id("o-", 10, "organization", self.account)


class _Inputs:
    """`{input[key]}`: the input's text, else the row's default for it, else empty."""

    def __init__(self, r: NewResource, defaults: Mapping[str, str]) -> None:
        self.r, self.defaults = r, defaults

    def __getitem__(self, key: str) -> str:
        return self.r.input(key, self.defaults.get(key, ""))


# What a row's format strings may name. Each is computed only if named, so a row makes no placeholder it does not report.
FIELDS: dict[str, Callable[[NewResource, "Shape"], Any]] = {
    "name": lambda r, s: r.autoname(s.name, s.lowercase, s.separator),
    "account": lambda r, s: r.account,
    "region": lambda r, s: r.region,
    "project": lambda r, s: r.project,
    "organization": lambda r, s: r.organization(),
    "uuid": lambda r, s: r.placeholders.uuid(r.urn),
    "unique_id": lambda r, s: r.placeholders.iam_unique_id(s.unique_id, r.urn),
    "number": lambda r, s: r.placeholders.digits(*s.number, r.urn),
    "input": lambda r, s: _Inputs(r, s.defaults),
}


@dataclass(frozen=True)
class Shape:
    """A type's id and outputs as format strings over FIELDS (`{id}` in an output: the id); other outputs as they are."""

    id: str = "{name}"
    outputs: Mapping[str, Any] = field(default_factory=dict)
    name: str = (
        "name"  # the input that names the resource ({name}: given, or `<name>Prefix` plus suffix, or auto-named)
    )
    lowercase: bool = False  # auto-names lower-cased (bucket names)
    separator: str = "-"  # auto-names joined with this (restore testing allows only underscores)
    defaults: Mapping[str, str] = field(default_factory=dict)  # {input[key]} when the key is not given
    unique_id: str = ""  # {unique_id}: IAM's stable id with this prefix (AROA, AIDA, ...)
    number: tuple[str, int] = ("", 0)  # {number}: a GCP number, seeded by this kind, of this many digits

    def __post_init__(self) -> None:
        # A row that names a field it cannot fill fails when the table is built, not halfway through a plan.
        named = set().union(*(fields_of(t) for t in (self.id, *self.outputs.values()) if isinstance(t, str)))
        problems = [f"{{{name}}} is not a field" for name in sorted(named) if name.split("[")[0] not in {*FIELDS, "id"}]
        if "id" in fields_of(self.id):
            problems.append("the id names itself")
        if "unique_id" in named and not self.unique_id:
            problems.append("{unique_id} needs unique_id=<prefix>")
        if "number" in named and not self.number[1]:
            problems.append("{number} needs number=(<kind>, <digits>)")
        problems += [
            f"the default of {key!r} is never named" for key in sorted(self.defaults) if f"input[{key}]" not in named
        ]
        if problems:
            raise ValueError(f"Shape with id {self.id!r}: {'; '.join(problems)}.")

    def __call__(self, r: NewResource) -> tuple[str, dict]:
        fields = _Fields(r, self)
        fields["id"] = resource_id = fields.format(self.id)
        return resource_id, {
            k: fields.format(v) if isinstance(v, str) else copy.deepcopy(v) for k, v in self.outputs.items()
        }


def fields_of(template: str) -> set[str]:
    """The fields a format string names, as written (`name`, `input[path]`)."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


class _Fields(dict):
    """The values of FIELDS for one resource, each computed when first named."""

    def __init__(self, r: NewResource, shape: Shape):
        super().__init__()
        self.r, self.shape = r, shape

    def __missing__(self, key: str) -> Any:
        value = self[key] = FIELDS[key](self.r, self.shape)
        return value

    def format(self, template: str) -> str:
        return template.format_map(self)


def opaque(r: NewResource) -> tuple[str, dict]:
    """No more than the plan needs: an opaque id, and for AWS a well-formed ARN in the resource's account and region."""
    resource_id = r.placeholders.hex_id(f"{r.name}-", 8, r.urn)
    if r.target and r.target.cloud == "aws":
        service = r.type.split(":")[1].split("/")[0].lower()
        kind = r.type.rsplit(":", 1)[-1].lower()
        return resource_id, {
            "arn": f"arn:aws:{service}:{r.target.region or ''}:{r.target.account}:{kind}/{resource_id}"
        }
    return resource_id, {}


# --- The types a format string cannot say ---------------------------------------------------------


def _kms_alias(r: NewResource) -> tuple[str, dict]:
    name = r.inputs.get("name") or f"alias/{r.placeholders.autoname(r.name, r.urn)}"
    target_key = r.inputs.get("targetKeyId", "")
    return name, {
        "arn": f"arn:aws:kms:{r.region}:{r.account}:{name}",
        "targetKeyArn": f"arn:aws:kms:{r.region}:{r.account}:key/{target_key}",
    }


def _organizations_account(r: NewResource) -> tuple[str, dict]:
    account_id = r.placeholders.account_id(r.urn)
    outputs = {
        "name": r.autoname("name"),
        "arn": f"arn:aws:organizations::{r.account}:account/{r.organization()}/{account_id}",
        "state": "ACTIVE",
        "status": "ACTIVE",  # deprecated alias of state, still reported
        "joinedMethod": "CREATED",
        "govcloudId": r.placeholders.account_id("govcloud", r.urn) if r.inputs.get("createGovcloud") else "",
    }
    if not r.input("parentId"):
        # Without a parent the account lands in the organization's root.
        outputs["parentId"] = r.placeholders.hex_id("r-", 4, "root", r.account)
    return account_id, outputs


def _organizational_unit(r: NewResource) -> tuple[str, dict]:
    ou_id = r.placeholders.ou_id(r.urn)
    arn = f"arn:aws:organizations::{r.account}:ou/{r.organization()}/{ou_id}"
    return ou_id, {"name": r.autoname("name"), "arn": arn, "accounts": []}


def _organizations_policy(r: NewResource) -> tuple[str, dict]:
    policy_id = r.placeholders.hex_id("p-", 8, r.urn)
    kind = r.input("type", "SERVICE_CONTROL_POLICY").lower()
    arn = f"arn:aws:organizations::{r.account}:policy/{r.organization()}/{kind}/{policy_id}"
    return policy_id, {"name": r.autoname("name"), "arn": arn}


def _iam_policy_attachment(r: NewResource, owner: str) -> tuple[str, dict]:
    """Terraform ids an attachment by its role or group and a unique suffix."""
    return r.placeholders.unique_suffix(f"{r.input(owner)}-", r.urn), {}


def _iam_account_password_policy(r: NewResource) -> tuple[str, dict]:
    return "iam-account-password-policy", {"expirePasswords": bool(r.inputs.get("maxPasswordAge"))}


def _backup_plan(r: NewResource) -> tuple[str, dict]:
    plan_id = r.placeholders.uuid(r.urn)
    return plan_id, {
        "name": r.autoname("name"),
        "arn": f"arn:aws:backup:{r.region}:{r.account}:backup-plan:{plan_id}",
        "version": r.placeholders.version_id(r.urn),
    }


def _restore_testing_plan(r: NewResource) -> tuple[str, dict]:
    # Restore testing names allow only letters, digits and underscores; the ARN adds a suffix of its own.
    name = r.autoname("name", separator="_")
    suffix = r.placeholders.hex_id("", 8, "restore-testing-plan", r.urn)
    return name, {"name": name, "arn": f"arn:aws:backup:{r.region}:{r.account}:restore-testing-plan:{name}-{suffix}"}


def _sns_topic(r: NewResource) -> tuple[str, dict]:
    name = r.autoname("name")
    if r.inputs.get("fifoTopic") and not name.endswith(".fifo"):
        name += ".fifo"  # FIFO topic names must end in .fifo
    arn = f"arn:aws:sns:{r.region}:{r.account}:{name}"
    return arn, {"name": name, "arn": arn, "owner": r.account}


def _sns_topic_subscription(r: NewResource) -> tuple[str, dict]:
    arn = f"{r.input('topic')}:{r.placeholders.uuid(r.urn)}"
    # Email subscriptions wait for the recipient to confirm; the others are confirmed by AWS or the endpoint.
    return arn, {
        "arn": arn,
        "ownerId": r.account,
        "pendingConfirmation": r.input("protocol") in ("email", "email-json"),
    }


def _event_bus(r: NewResource) -> str:
    """The rule's event bus by name ("default" unless given; an ARN names the bus last)."""
    return r.input("eventBusName", "default").rsplit("/", 1)[-1]


def _event_rule(r: NewResource) -> tuple[str, dict]:
    name, bus = r.autoname("name"), _event_bus(r)
    qualified = name if bus == "default" else f"{bus}/{name}"
    return qualified, {"name": name, "arn": f"arn:aws:events:{r.region}:{r.account}:rule/{qualified}"}


def _event_target(r: NewResource) -> tuple[str, dict]:
    target_id = r.input("targetId") or r.placeholders.unique_suffix("terraform-", r.urn)
    bus = _event_bus(r)
    resource_id = f"{r.input('rule')}-{target_id}" if bus == "default" else f"{bus}/{r.input('rule')}-{target_id}"
    return resource_id, {"targetId": target_id}


def _gcp_project(r: NewResource) -> tuple[str, dict]:
    project = r.input("projectId") or r.placeholders.autoname(r.name, r.urn, lowercase=True)
    return f"projects/{project}", {"projectId": project, "number": r.placeholders.project_number(project)}


def _gcp_folder_sink(r: NewResource) -> tuple[str, dict]:
    folder = r.input("folder", "folders/0")
    name = r.autoname("name")
    return f"folders/{folder.removeprefix('folders/')}/sinks/{name}", {
        "name": name,
        "writerIdentity": f"serviceAccount:{gcp_folder_logging_agent(folder)}",
    }


# --- The table --------------------------------------------------------------------------------------

_BUCKET_SETTING = Shape(id="{input[bucket]}")  # a bucket's sub-resources take the bucket's name as their id
_VAULT_SETTING = Shape(  # a vault's lock, policy and notifications take the vault's name as their id
    id="{input[backupVaultName]}",
    outputs={"backupVaultArn": "arn:aws:backup:{region}:{account}:backup-vault:{input[backupVaultName]}"},
)
_IAM_PRINCIPAL = {"name": "{name}", "uniqueId": "{unique_id}"}
_NAMED = Shape(outputs={"name": "{name}"})

SHAPES: dict[str, Callable[[NewResource], tuple[str, dict]]] = {
    # S3
    "aws:s3/bucket:Bucket": Shape(
        name="bucket",
        lowercase=True,
        outputs={
            "bucket": "{name}",
            "arn": "arn:aws:s3:::{name}",
            "bucketDomainName": "{name}.s3.amazonaws.com",
            "bucketRegionalDomainName": "{name}.s3.{region}.amazonaws.com",
            "hostedZoneId": "Z3AQBSTGFYJSTF",
            "region": "{region}",
        },
    ),
    "aws:s3/bucketVersioning:BucketVersioning": _BUCKET_SETTING,
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration": _BUCKET_SETTING,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": _BUCKET_SETTING,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": _BUCKET_SETTING,
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": _BUCKET_SETTING,
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": _BUCKET_SETTING,
    "aws:s3/bucketPolicy:BucketPolicy": _BUCKET_SETTING,
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": _BUCKET_SETTING,
    "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock": opaque,
    # KMS
    "aws:kms/key:Key": Shape(
        id="{uuid}", outputs={"keyId": "{uuid}", "arn": "arn:aws:kms:{region}:{account}:key/{uuid}"}
    ),
    "aws:kms/alias:Alias": _kms_alias,
    # AWS Organizations: ARNs live in the management account and name the organization.
    "aws:organizations/account:Account": _organizations_account,
    "aws:organizations/organizationalUnit:OrganizationalUnit": _organizational_unit,
    "aws:organizations/policy:Policy": _organizations_policy,
    "aws:organizations/policyAttachment:PolicyAttachment": Shape(id="{input[targetId]}:{input[policyId]}"),
    # IAM
    "aws:iam/role:Role": Shape(
        unique_id="AROA",
        defaults={"path": "/"},
        outputs={**_IAM_PRINCIPAL, "arn": "arn:aws:iam::{account}:role{input[path]}{name}"},
    ),
    "aws:iam/user:User": Shape(
        unique_id="AIDA",
        defaults={"path": "/"},
        outputs={**_IAM_PRINCIPAL, "arn": "arn:aws:iam::{account}:user{input[path]}{name}"},
    ),
    "aws:iam/group:Group": Shape(
        unique_id="AGPA",
        defaults={"path": "/"},
        outputs={**_IAM_PRINCIPAL, "arn": "arn:aws:iam::{account}:group{input[path]}{name}"},
    ),
    "aws:iam/policy:Policy": Shape(
        id="arn:aws:iam::{account}:policy{input[path]}{name}",
        unique_id="ANPA",
        defaults={"path": "/"},
        outputs={"name": "{name}", "arn": "{id}", "policyId": "{unique_id}", "attachmentCount": 0},
    ),
    "aws:iam/rolePolicy:RolePolicy": Shape(id="{input[role]}:{name}", outputs={"name": "{name}"}),
    "aws:iam/groupPolicy:GroupPolicy": Shape(id="{input[group]}:{name}", outputs={"name": "{name}"}),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": partial(_iam_policy_attachment, owner="role"),
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment": partial(_iam_policy_attachment, owner="group"),
    "aws:iam/groupMembership:GroupMembership": Shape(id="{input[name]}"),
    "aws:iam/accountPasswordPolicy:AccountPasswordPolicy": _iam_account_password_policy,
    "aws:iam/organizationsFeatures:OrganizationsFeatures": Shape(id="{organization}"),
    # AWS Backup
    "aws:backup/vault:Vault": Shape(
        outputs={"name": "{name}", "arn": "arn:aws:backup:{region}:{account}:backup-vault:{name}", "recoveryPoints": 0}
    ),
    "aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault": Shape(
        outputs={"name": "{name}", "arn": "arn:aws:backup:{region}:{account}:backup-vault:{name}"}
    ),
    "aws:backup/vaultLockConfiguration:VaultLockConfiguration": _VAULT_SETTING,
    "aws:backup/vaultPolicy:VaultPolicy": _VAULT_SETTING,
    "aws:backup/vaultNotifications:VaultNotifications": _VAULT_SETTING,
    "aws:backup/plan:Plan": _backup_plan,
    "aws:backup/selection:Selection": Shape(id="{uuid}", outputs={"name": "{name}"}),
    "aws:backup/globalSettings:GlobalSettings": Shape(id="{account}"),
    "aws:backup/restoreTestingPlan:RestoreTestingPlan": _restore_testing_plan,
    "aws:backup/restoreTestingSelection:RestoreTestingSelection": Shape(
        id="{name}:{input[restoreTestingPlanName]}", separator="_", outputs={"name": "{name}"}
    ),
    # AWS RAM: a share's ARN ends in a UUID; associations are "<share ARN>,<resource or principal>".
    "aws:ram/resourceShare:ResourceShare": Shape(
        id="arn:aws:ram:{region}:{account}:resource-share/{uuid}", outputs={"arn": "{id}"}
    ),
    "aws:ram/resourceAssociation:ResourceAssociation": Shape(id="{input[resourceShareArn]},{input[resourceArn]}"),
    "aws:ram/principalAssociation:PrincipalAssociation": Shape(id="{input[resourceShareArn]},{input[principal]}"),
    # Audit, alarms and notification
    "aws:cloudtrail/trail:Trail": Shape(
        id="arn:aws:cloudtrail:{region}:{account}:trail/{name}",
        outputs={"name": "{name}", "arn": "{id}", "homeRegion": "{region}"},
    ),
    "aws:sns/topic:Topic": _sns_topic,
    "aws:sns/topicPolicy:TopicPolicy": Shape(id="{input[arn]}", outputs={"owner": "{account}"}),
    "aws:sns/topicSubscription:TopicSubscription": _sns_topic_subscription,
    "aws:cloudwatch/logGroup:LogGroup": Shape(
        outputs={"name": "{name}", "arn": "arn:aws:logs:{region}:{account}:log-group:{name}"}
    ),
    "aws:cloudwatch/logMetricFilter:LogMetricFilter": Shape(id="{input[name]}"),
    "aws:cloudwatch/metricAlarm:MetricAlarm": Shape(
        outputs={"arn": "arn:aws:cloudwatch:{region}:{account}:alarm:{name}"}
    ),
    "aws:cloudwatch/eventRule:EventRule": _event_rule,
    "aws:cloudwatch/eventTarget:EventTarget": _event_target,
    "aws:cloudwatch/eventBus:EventBus": opaque,
    "aws:cloudwatch/eventBusPolicy:EventBusPolicy": opaque,
    "aws:lambda/function:Function": opaque,
    "aws:lambda/permission:Permission": opaque,
    # GCP: resource names are paths under the project (or folder).
    "gcp:organizations/folder:Folder": Shape(
        id="folders/{number}",
        number=("folder", 12),
        outputs={"name": "{id}", "folderId": "{number}", "lifecycleState": "ACTIVE"},
    ),
    "gcp:organizations/project:Project": _gcp_project,
    "gcp:logging/folderSink:FolderSink": _gcp_folder_sink,
    "gcp:kms/keyRing:KeyRing": Shape(
        id="projects/{project}/locations/{input[location]}/keyRings/{name}",
        defaults={"location": "global"},
        outputs={"name": "{name}"},
    ),
    "gcp:kms/cryptoKey:CryptoKey": Shape(id="{input[keyRing]}/cryptoKeys/{name}", outputs={"name": "{name}"}),
    "gcp:storage/bucket:Bucket": Shape(
        lowercase=True,
        outputs={
            "name": "{name}",
            "url": "gs://{name}",
            "selfLink": "https://www.googleapis.com/storage/v1/b/{name}",
            "project": "{project}",
        },
    ),
    "gcp:backupdisasterrecovery/backupVault:BackupVault": Shape(
        id="projects/{project}/locations/{input[location]}/backupVaults/{name}",
        name="backupVaultId",
        lowercase=True,
        outputs={"name": "{id}", "state": "ACTIVE"},
    ),
    "gcp:orgpolicy/policy:Policy": _NAMED,
    "gcp:logging/metric:Metric": _NAMED,
    "gcp:iam/denyPolicy:DenyPolicy": Shape(id="{input[parent]}/{name}", outputs={"name": "{name}"}),
    "gcp:privilegedaccessmanager/entitlement:entitlement": Shape(
        id="{input[parent]}/locations/{input[location]}/entitlements/{input[entitlementId]}",
        defaults={"location": "global"},
        outputs={"name": "{id}", "state": "AVAILABLE"},
    ),
    "gcp:monitoring/alertPolicy:AlertPolicy": Shape(
        id="projects/{project}/alertPolicies/{number}", number=("alert", 19), outputs={"name": "{id}"}
    ),
    "gcp:monitoring/notificationChannel:NotificationChannel": Shape(
        id="projects/{project}/notificationChannels/{number}", number=("channel", 19), outputs={"name": "{id}"}
    ),
    "gcp:storage/transferJob:TransferJob": Shape(
        id="{project}/transferJobs/{number}", number=("transfer", 20), outputs={"name": "transferJobs/{number}"}
    ),
    "gcp:iam/workloadIdentityServiceAgent:WorkloadIdentityServiceAgent": opaque,
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": opaque,
    "gcp:logging/projectBucketConfig:ProjectBucketConfig": opaque,
    "gcp:projects/iAMMember:IAMMember": opaque,
    "gcp:projects/service:Service": opaque,
    "gcp:resourcemanager/lien:Lien": opaque,
    "gcp:storage/bucketIAMMember:BucketIAMMember": opaque,
}


def created_values(resource: NewResource) -> tuple[str, dict]:
    """The id and the outputs the provider would report on top of the inputs."""
    if resource.type.startswith(PROVIDER_PREFIX):
        # `pulumi up` gives each new provider a random UUID.
        return resource.placeholders.uuid(resource.urn), {}
    return SHAPES.get(resource.type, opaque)(resource)
