"""What a provider would report for the resources a program creates, shaped as the real values are.

The values themselves are fragments.py's placeholders, derived from each resource's URN.
"""

from collections.abc import Callable
from dataclasses import dataclass

from .data_sources import gcp_folder_logging_agent, invoke_result
from .fragments import Placeholders
from .targeting import PROVIDER_PREFIX, Target

# Target and invoke_result are importable from here too, as before targeting.py and data_sources.py.
__all__ = ["SHAPES", "NewResource", "Target", "created_values", "invoke_result"]


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
        return given if isinstance(given, str) and given else (self.target.region if self.target else None) or "us-east-1"

    def input(self, key: str, default: str = "") -> str:
        value = self.inputs.get(key)
        return value if isinstance(value, str) and value else default


Shape = Callable[[NewResource], tuple[str, dict]]


def _s3_bucket(r: NewResource) -> tuple[str, dict]:
    name = r.autoname("bucket", lowercase=True)
    region = r.region
    return name, {
        "bucket": name,
        "arn": f"arn:aws:s3:::{name}",
        "bucketDomainName": f"{name}.s3.amazonaws.com",
        "bucketRegionalDomainName": f"{name}.s3.{region}.amazonaws.com",
        "hostedZoneId": "Z3AQBSTGFYJSTF",
        "region": region,
    }


def _s3_bucket_setting(r: NewResource) -> tuple[str, dict]:
    """Bucket sub-resources (versioning, lock, policy...) take the bucket's name as their id."""
    return str(r.inputs.get("bucket")), {}


def _kms_key(r: NewResource) -> tuple[str, dict]:
    key_id = r.placeholders.uuid(r.urn)
    return key_id, {"keyId": key_id, "arn": f"arn:aws:kms:{r.region}:{r.account}:key/{key_id}"}


def _kms_alias(r: NewResource) -> tuple[str, dict]:
    name = r.inputs.get("name") or f"alias/{r.placeholders.autoname(r.name, r.urn)}"
    target_key = r.inputs.get("targetKeyId", "")
    return name, {
        "arn": f"arn:aws:kms:{r.region}:{r.account}:{name}",
        "targetKeyArn": f"arn:aws:kms:{r.region}:{r.account}:key/{target_key}",
    }



# --- AWS Organizations: ARNs live in the management account and name the organization --------------


def _organization_id(r: NewResource) -> str:
    """The organization of the management account the resource is created from (one per account)."""
    return r.placeholders.hex_id("o-", 10, "organization", r.account)


def _organizations_arn(r: NewResource, kind: str, resource_id: str) -> str:
    return f"arn:aws:organizations::{r.account}:{kind}/{_organization_id(r)}/{resource_id}"


def _organizations_account(r: NewResource) -> tuple[str, dict]:
    account_id = r.placeholders.account_id(r.urn)
    outputs = {
        "name": r.autoname("name"),
        "arn": _organizations_arn(r, "account", account_id),
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
    return ou_id, {"name": r.autoname("name"), "arn": _organizations_arn(r, "ou", ou_id), "accounts": []}


def _organizations_policy(r: NewResource) -> tuple[str, dict]:
    policy_id = r.placeholders.hex_id("p-", 8, r.urn)
    kind = r.input("type", "SERVICE_CONTROL_POLICY").lower()
    arn = f"arn:aws:organizations::{r.account}:policy/{_organization_id(r)}/{kind}/{policy_id}"
    return policy_id, {"name": r.autoname("name"), "arn": arn}


def _organizations_policy_attachment(r: NewResource) -> tuple[str, dict]:
    return f"{r.input('targetId')}:{r.input('policyId')}", {}


# --- IAM -------------------------------------------------------------------------------------------


def _iam_role(r: NewResource) -> tuple[str, dict]:
    name, path = r.autoname("name"), r.input("path", "/")
    return name, {
        "name": name,
        "arn": f"arn:aws:iam::{r.account}:role{path}{name}",
        "uniqueId": r.placeholders.iam_unique_id("AROA", r.urn),
    }


def _iam_role_policy(r: NewResource) -> tuple[str, dict]:
    name = r.autoname("name")
    return f"{r.input('role')}:{name}", {"name": name}


def _iam_role_policy_attachment(r: NewResource) -> tuple[str, dict]:
    return r.placeholders.unique_suffix(f"{r.input('role')}-", r.urn), {}


def _iam_policy(r: NewResource) -> tuple[str, dict]:
    name, path = r.autoname("name"), r.input("path", "/")
    arn = f"arn:aws:iam::{r.account}:policy{path}{name}"
    return arn, {"name": name, "arn": arn, "policyId": r.placeholders.iam_unique_id("ANPA", r.urn), "attachmentCount": 0}


def _iam_user(r: NewResource) -> tuple[str, dict]:
    name, path = r.autoname("name"), r.input("path", "/")
    return name, {"name": name, "arn": f"arn:aws:iam::{r.account}:user{path}{name}", "uniqueId": r.placeholders.iam_unique_id("AIDA", r.urn)}


def _iam_group(r: NewResource) -> tuple[str, dict]:
    name, path = r.autoname("name"), r.input("path", "/")
    return name, {"name": name, "arn": f"arn:aws:iam::{r.account}:group{path}{name}", "uniqueId": r.placeholders.iam_unique_id("AGPA", r.urn)}


def _iam_group_policy(r: NewResource) -> tuple[str, dict]:
    name = r.autoname("name")
    return f"{r.input('group')}:{name}", {"name": name}


def _iam_group_policy_attachment(r: NewResource) -> tuple[str, dict]:
    return r.placeholders.unique_suffix(f"{r.input('group')}-", r.urn), {}


def _iam_group_membership(r: NewResource) -> tuple[str, dict]:
    return r.input("name"), {}


def _iam_account_password_policy(r: NewResource) -> tuple[str, dict]:
    return "iam-account-password-policy", {"expirePasswords": bool(r.inputs.get("maxPasswordAge"))}


def _iam_organizations_features(r: NewResource) -> tuple[str, dict]:
    return _organization_id(r), {}


# --- AWS Backup ------------------------------------------------------------------------------------


def _backup_arn(r: NewResource, kind: str, name: str) -> str:
    return f"arn:aws:backup:{r.region}:{r.account}:{kind}:{name}"


def _backup_vault(r: NewResource) -> tuple[str, dict]:
    name = r.autoname("name")
    return name, {"name": name, "arn": _backup_arn(r, "backup-vault", name), "recoveryPoints": 0}


def _logically_air_gapped_vault(r: NewResource) -> tuple[str, dict]:
    name = r.autoname("name")
    return name, {"name": name, "arn": _backup_arn(r, "backup-vault", name)}


def _backup_vault_setting(r: NewResource) -> tuple[str, dict]:
    """Lock configuration, policy and notifications take the vault's name as their id."""
    name = r.input("backupVaultName")
    return name, {"backupVaultArn": _backup_arn(r, "backup-vault", name)}


def _backup_plan(r: NewResource) -> tuple[str, dict]:
    plan_id = r.placeholders.uuid(r.urn)
    return plan_id, {
        "name": r.autoname("name"),
        "arn": _backup_arn(r, "backup-plan", plan_id),
        "version": r.placeholders.version_id(r.urn),
    }


def _backup_selection(r: NewResource) -> tuple[str, dict]:
    return r.placeholders.uuid(r.urn), {"name": r.autoname("name")}


def _backup_global_settings(r: NewResource) -> tuple[str, dict]:
    return r.account, {}


def _restore_testing_plan(r: NewResource) -> tuple[str, dict]:
    # Restore testing names allow only letters, digits and underscores.
    name = r.autoname("name", separator="_")
    suffix = r.placeholders.hex_id("", 8, "restore-testing-plan", r.urn)
    return name, {"name": name, "arn": _backup_arn(r, "restore-testing-plan", f"{name}-{suffix}")}


def _restore_testing_selection(r: NewResource) -> tuple[str, dict]:
    name = r.autoname("name", separator="_")
    return f"{name}:{r.input('restoreTestingPlanName')}", {"name": name}


# --- AWS RAM: a share's ARN ends in a UUID; associations are "<share ARN>,<resource or principal>" ---------


def _ram_resource_share(r: NewResource) -> tuple[str, dict]:
    arn = f"arn:aws:ram:{r.region}:{r.account}:resource-share/{r.placeholders.uuid(r.urn)}"
    return arn, {"arn": arn}


def _ram_resource_association(r: NewResource) -> tuple[str, dict]:
    return f"{r.input('resourceShareArn')},{r.input('resourceArn')}", {}


def _ram_principal_association(r: NewResource) -> tuple[str, dict]:
    return f"{r.input('resourceShareArn')},{r.input('principal')}", {}


# --- Audit and notification ------------------------------------------------------------------------


def _cloudtrail_trail(r: NewResource) -> tuple[str, dict]:
    name = r.autoname("name")
    arn = f"arn:aws:cloudtrail:{r.region}:{r.account}:trail/{name}"
    return arn, {"name": name, "arn": arn, "homeRegion": r.region}


def _sns_topic(r: NewResource) -> tuple[str, dict]:
    name = r.autoname("name")
    if r.inputs.get("fifoTopic") and not name.endswith(".fifo"):
        name += ".fifo"  # FIFO topic names must end in .fifo
    arn = f"arn:aws:sns:{r.region}:{r.account}:{name}"
    return arn, {"name": name, "arn": arn, "owner": r.account}


def _sns_topic_policy(r: NewResource) -> tuple[str, dict]:
    return r.input("arn"), {"owner": r.account}


def _sns_topic_subscription(r: NewResource) -> tuple[str, dict]:
    arn = f"{r.input('topic')}:{r.placeholders.uuid(r.urn)}"
    # Email subscriptions wait for the recipient to confirm; the others are confirmed by AWS or the endpoint.
    return arn, {"arn": arn, "ownerId": r.account, "pendingConfirmation": r.input("protocol") in ("email", "email-json")}


def _log_group(r: NewResource) -> tuple[str, dict]:
    name = r.autoname("name")
    return name, {"name": name, "arn": f"arn:aws:logs:{r.region}:{r.account}:log-group:{name}"}


def _log_metric_filter(r: NewResource) -> tuple[str, dict]:
    return r.input("name"), {}


def _metric_alarm(r: NewResource) -> tuple[str, dict]:
    name = r.autoname("name")
    return name, {"arn": f"arn:aws:cloudwatch:{r.region}:{r.account}:alarm:{name}"}


# --- GCP: resource names are paths under the project (or folder) ---------------------------------


def _gcp_project_of(r: NewResource) -> str:
    return r.input("project") or (r.target.project if r.target and r.target.project else "") or "project"


def _gcp_digits(r: NewResource, kind: str, length: int = 12) -> str:
    return r.placeholders.digits(kind, length, r.urn)


def _gcp_folder(r: NewResource) -> tuple[str, dict]:
    number = _gcp_digits(r, "folder")
    return f"folders/{number}", {"name": f"folders/{number}", "folderId": number, "lifecycleState": "ACTIVE"}


def _gcp_project(r: NewResource) -> tuple[str, dict]:
    project = r.input("projectId") or r.placeholders.autoname(r.name, r.urn, lowercase=True)
    return f"projects/{project}", {"projectId": project, "number": r.placeholders.project_number(project)}


def _gcp_folder_sink(r: NewResource) -> tuple[str, dict]:
    folder = r.input("folder", "folders/0")
    name = r.autoname("name")
    return f"folders/{folder.removeprefix('folders/')}/sinks/{name}", {
        "name": name, "writerIdentity": f"serviceAccount:{gcp_folder_logging_agent(folder)}"}


def _gcp_key_ring(r: NewResource) -> tuple[str, dict]:
    name = r.autoname("name")
    return f"projects/{_gcp_project_of(r)}/locations/{r.input('location', 'global')}/keyRings/{name}", {"name": name}


def _gcp_crypto_key(r: NewResource) -> tuple[str, dict]:
    name = r.autoname("name")
    return f"{r.input('keyRing')}/cryptoKeys/{name}", {"name": name}


def _gcs_bucket(r: NewResource) -> tuple[str, dict]:
    name = r.autoname("name", lowercase=True)
    return name, {"name": name, "url": f"gs://{name}", "selfLink": f"https://www.googleapis.com/storage/v1/b/{name}", "project": _gcp_project_of(r)}


def _gcp_backup_vault(r: NewResource) -> tuple[str, dict]:
    vault = r.input("backupVaultId") or r.placeholders.autoname(r.name, r.urn, lowercase=True)
    name = f"projects/{_gcp_project_of(r)}/locations/{r.input('location')}/backupVaults/{vault}"
    return name, {"name": name, "state": "ACTIVE"}


def _gcp_named_by_input(r: NewResource) -> tuple[str, dict]:
    name = r.autoname("name")
    return name, {"name": name}


def _gcp_deny_policy(r: NewResource) -> tuple[str, dict]:
    name = r.autoname("name")
    return f"{r.input('parent')}/{name}", {"name": name}


def _gcp_entitlement(r: NewResource) -> tuple[str, dict]:
    name = f"{r.input('parent')}/locations/{r.input('location', 'global')}/entitlements/{r.input('entitlementId')}"
    return name, {"name": name, "state": "AVAILABLE"}


def _gcp_alert_policy(r: NewResource) -> tuple[str, dict]:
    name = f"projects/{_gcp_project_of(r)}/alertPolicies/{_gcp_digits(r, 'alert', 19)}"
    return name, {"name": name}


def _gcp_notification_channel(r: NewResource) -> tuple[str, dict]:
    name = f"projects/{_gcp_project_of(r)}/notificationChannels/{_gcp_digits(r, 'channel', 19)}"
    return name, {"name": name}


def _gcp_transfer_job(r: NewResource) -> tuple[str, dict]:
    name = f"transferJobs/{_gcp_digits(r, 'transfer', 20)}"
    return f"{_gcp_project_of(r)}/{name}", {"name": name}


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


SHAPES: dict[str, Shape] = {
    "aws:s3/bucket:Bucket": _s3_bucket,
    "aws:s3/bucketVersioning:BucketVersioning": _s3_bucket_setting,
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration": _s3_bucket_setting,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": _s3_bucket_setting,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": _s3_bucket_setting,
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": _s3_bucket_setting,
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": _s3_bucket_setting,
    "aws:s3/bucketPolicy:BucketPolicy": _s3_bucket_setting,
    "aws:kms/key:Key": _kms_key,
    "aws:kms/alias:Alias": _kms_alias,
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": _s3_bucket_setting,
    "aws:organizations/account:Account": _organizations_account,
    "aws:organizations/organizationalUnit:OrganizationalUnit": _organizational_unit,
    "aws:organizations/policy:Policy": _organizations_policy,
    "aws:organizations/policyAttachment:PolicyAttachment": _organizations_policy_attachment,
    "aws:iam/role:Role": _iam_role,
    "aws:iam/rolePolicy:RolePolicy": _iam_role_policy,
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": _iam_role_policy_attachment,
    "aws:iam/policy:Policy": _iam_policy,
    "aws:iam/user:User": _iam_user,
    "aws:iam/group:Group": _iam_group,
    "aws:iam/groupPolicy:GroupPolicy": _iam_group_policy,
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment": _iam_group_policy_attachment,
    "aws:iam/groupMembership:GroupMembership": _iam_group_membership,
    "aws:iam/accountPasswordPolicy:AccountPasswordPolicy": _iam_account_password_policy,
    "aws:iam/organizationsFeatures:OrganizationsFeatures": _iam_organizations_features,
    "aws:backup/vault:Vault": _backup_vault,
    "aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault": _logically_air_gapped_vault,
    "aws:backup/vaultLockConfiguration:VaultLockConfiguration": _backup_vault_setting,
    "aws:backup/vaultPolicy:VaultPolicy": _backup_vault_setting,
    "aws:backup/vaultNotifications:VaultNotifications": _backup_vault_setting,
    "aws:backup/plan:Plan": _backup_plan,
    "aws:backup/selection:Selection": _backup_selection,
    "aws:backup/globalSettings:GlobalSettings": _backup_global_settings,
    "aws:backup/restoreTestingPlan:RestoreTestingPlan": _restore_testing_plan,
    "aws:backup/restoreTestingSelection:RestoreTestingSelection": _restore_testing_selection,
    "aws:ram/resourceShare:ResourceShare": _ram_resource_share,
    "aws:ram/resourceAssociation:ResourceAssociation": _ram_resource_association,
    "aws:ram/principalAssociation:PrincipalAssociation": _ram_principal_association,
    "aws:cloudtrail/trail:Trail": _cloudtrail_trail,
    "aws:sns/topic:Topic": _sns_topic,
    "aws:sns/topicPolicy:TopicPolicy": _sns_topic_policy,
    "aws:sns/topicSubscription:TopicSubscription": _sns_topic_subscription,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:cloudwatch/logMetricFilter:LogMetricFilter": _log_metric_filter,
    "aws:cloudwatch/metricAlarm:MetricAlarm": _metric_alarm,
    "aws:cloudwatch/eventRule:EventRule": _event_rule,
    "gcp:organizations/folder:Folder": _gcp_folder,
    "gcp:organizations/project:Project": _gcp_project,
    "gcp:logging/folderSink:FolderSink": _gcp_folder_sink,
    "gcp:kms/keyRing:KeyRing": _gcp_key_ring,
    "gcp:kms/cryptoKey:CryptoKey": _gcp_crypto_key,
    "gcp:storage/bucket:Bucket": _gcs_bucket,
    "gcp:backupdisasterrecovery/backupVault:BackupVault": _gcp_backup_vault,
    "gcp:orgpolicy/policy:Policy": _gcp_named_by_input,
    "gcp:logging/metric:Metric": _gcp_named_by_input,
    "gcp:iam/denyPolicy:DenyPolicy": _gcp_deny_policy,
    "gcp:privilegedaccessmanager/entitlement:entitlement": _gcp_entitlement,
    "gcp:monitoring/alertPolicy:AlertPolicy": _gcp_alert_policy,
    "gcp:monitoring/notificationChannel:NotificationChannel": _gcp_notification_channel,
    "gcp:storage/transferJob:TransferJob": _gcp_transfer_job,
    "aws:cloudwatch/eventTarget:EventTarget": _event_target,
}


def created_values(resource: NewResource) -> tuple[str, dict]:
    """The id and the outputs the provider would report on top of the inputs."""
    if resource.type.startswith(PROVIDER_PREFIX):
        # `pulumi up` gives each new provider a random UUID.
        return resource.placeholders.uuid(resource.urn), {}
    shape = SHAPES.get(resource.type)
    if shape is not None:
        return shape(resource)
    # Unknown type: an opaque id, and for AWS a well-formed ARN in the resource's account and region.
    resource_id = resource.placeholders.hex_id(f"{resource.name}-", 8, resource.urn)
    if resource.target and resource.target.cloud == "aws":
        service = resource.type.split(":")[1].split("/")[0].lower()
        kind = resource.type.rsplit(":", 1)[-1].lower()
        arn = f"arn:aws:{service}:{resource.target.region or ''}:{resource.target.account}:{kind}/{resource_id}"
        return resource_id, {"arn": arn}
    return resource_id, {}
