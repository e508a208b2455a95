"""The config schemas of this project's stacks, validated whole before any resource is declared.

Keys are written in the stack files as `hardened-accounts:<key>`. `kind` picks the schema: the
`organization` stack (run against the management account) or an `environment` stack (dev, staging,
prod). Every field's description says what it allows, and is quoted back when a value is wrong.
"""

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints, ValidationInfo, field_validator, model_validator

from hardened import constraints
from hardened.aws import RetentionMode
from hardened.aws.alert_topic import ENDPOINT_SHAPES
from hardened.aws.organization_trail import LOG_RETENTION_DAYS
from hardened.aws.retention import aws_cron_problem
from hardened.config import AwsRegion, StackConfigModel
from hardened.constraints import MAX_RETENTION_DAYS, SERVICE_ACCOUNT_EMAIL
from hardened.gcp.backup_project import PROJECT_NAME
from hardened.gcp.locations import geography_of_aws_region, geography_of_gcs_location

ROLE_ARN = constraints.ROLE_ARN


def _aws_cron(value: str) -> str:
    problem = aws_cron_problem(value)
    if problem:
        raise ValueError(f"{value!r} {problem}")
    return value


AwsCron = Annotated[str, AfterValidator(_aws_cron)]
BucketKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,29}$")]
EnvironmentName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,19}$")]
KINDS = ("organization", "environment")

# The longest COMPLIANCE lock a non-production stack may set: a test account must never be bricked for years.
NON_PRODUCTION_MAX_COMPLIANCE_DAYS = 30


class AwsAccount(StackConfigModel):
    account_id: str = Field(
        pattern=constraints.ACCOUNT_ID, description="the 12-digit AWS account id, quoted as a string"
    )
    region: AwsRegion = Field(description="an AWS region such as eu-west-1")
    deployment_role_arn: str = Field(
        pattern=ROLE_ARN, description="the IAM role Pulumi assumes in that account, arn:aws:iam::<account>:role/<name>"
    )

    @model_validator(mode="after")
    def role_lives_in_the_account(self) -> "AwsAccount":
        role_account = self.deployment_role_arn.split(":")[4]
        if role_account != self.account_id:
            raise ValueError(
                f"deploymentRoleArn is in account {role_account} but accountId is {self.account_id}; "
                "the provider is pinned to accountId, so the role must live there"
            )
        return self


class NewAccount(StackConfigModel):
    name: str = Field(min_length=1, max_length=50, description="the account's name, 1 to 50 characters")
    email: str = Field(
        pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", description="the root user's email address, unique across AWS"
    )
    account_id: str | None = Field(
        default=None,
        pattern=constraints.ACCOUNT_ID,
        description="an existing member account's 12-digit id, quoted as a string, to adopt it (Pulumi import) instead of "
        "creating one: name and email must then be the account's own (docs/adopting.md)",
    )


class MemberAccounts(StackConfigModel):
    @model_validator(mode="after")
    def one_email_per_account(self) -> "MemberAccounts":
        emails: dict[str, str] = {}
        ids: dict[str, str] = {}
        named = [
            ("backup", self.backup),
            ("nonProductionBackup", self.non_production_backup),
            ("logArchive", self.log_archive),
            ("security", self.security),
            *((f"workloads.{k}", v) for k, v in self.workloads.items()),
        ]
        for key, account in named:
            if account is None:
                continue
            email = account.email.lower()
            if email in emails:
                raise ValueError(
                    f"{key} and {emails[email]} have the same email {account.email}: AWS needs one root email per account"
                )
            emails[email] = key
            if account.account_id is not None:
                if account.account_id in ids:
                    raise ValueError(
                        f"{key} and {ids[account.account_id]} adopt the same account {account.account_id}: "
                        "each account is adopted once"
                    )
                ids[account.account_id] = key
        return self

    backup: NewAccount = Field(description="the backup account: name and email")
    non_production_backup: NewAccount | None = Field(
        default=None,
        description="the non-production stacks' backup account, so that no dev or staging pipeline deploys where production's "
        "copies are: name and email (without it, every stack shares the backup account)",
    )
    log_archive: NewAccount = Field(description="the log-archive account: name and email")
    security: NewAccount = Field(
        description="the security account, where the break-glass users live under an SCP and every alarm arrives: name and email"
    )
    workloads: dict[EnvironmentName, NewAccount] = Field(
        min_length=1,
        description="one workload account per environment (dev, staging, prod...), each with name and email",
    )


class OrganizationSettings(StackConfigModel):
    id: str = Field(pattern=constraints.ORGANIZATION_ID, description="the AWS Organization id, o-...")
    root_id: str = Field(pattern=r"^r-[0-9a-z]{4,32}$", description="the organization root's id, r-...")
    organizational_units: dict[
        Literal["Security", "Backup", "Workloads"],
        Annotated[str, StringConstraints(pattern=r"^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$")],
    ] = Field(
        default_factory=dict,
        description="existing organizational units to adopt (Pulumi import) instead of creating them, by name: Security, "
        "Backup, Workloads, each an id ou-...; each must be named so and sit under rootId (docs/adopting.md)",
    )


class TrailSettings(StackConfigModel):
    name: str = Field(
        pattern=r"^[A-Za-z0-9][\w.-]{2,127}$", description="the organization trail's name, 3-128 letters, digits, . _ -"
    )
    retention_mode: RetentionMode = Field(description="COMPLIANCE or GOVERNANCE lock on the log files")
    retention_days: int = Field(
        ge=1, le=MAX_RETENTION_DAYS, description="whole days each log file stays locked, 1 to 36500"
    )
    events_log_retention_days: Literal[LOG_RETENTION_DAYS] = Field(  # type: ignore[valid-type]  # Literal of a tuple: pydantic takes its values, mypy only literals
        default=90,
        description=f"days the management account's CloudWatch Logs copy of the events is kept, one of {', '.join(map(str, LOG_RETENTION_DAYS))}",
    )


class AlertSubscriber(StackConfigModel):
    protocol: Literal["email", "email-json", "https", "sms", "sqs", "lambda"] = Field(
        description="email, email-json, https, sms, sqs or lambda"
    )
    endpoint: str = Field(
        min_length=3, description="the address, https URL, +E.164 phone number or ARN for that protocol"
    )

    @model_validator(mode="after")
    def endpoint_fits_protocol(self) -> "AlertSubscriber":
        # The components' own shapes, checked here so a bad endpoint is refused before anything is declared.
        if not ENDPOINT_SHAPES[self.protocol].match(self.endpoint):
            raise ValueError(f"endpoint {self.endpoint!r} is not a valid {self.protocol} endpoint")
        return self


class BreakGlassSettings(StackConfigModel):
    users: list[Annotated[str, StringConstraints(pattern=r"^[\w+=,.@-]{1,64}$")]] = Field(
        min_length=2, description="names of at least two break-glass IAM users"
    )
    users_account: Literal["security", "management"] = Field(
        default="security",
        description="where the users live: security (the default; accounts.security, under an SCP that stops anyone below "
        "break-glass re-passwording them or enrolling their MFA) or management (no SCP binds anyone there)",
    )
    max_mfa_age_seconds: int = Field(
        default=900, ge=60, le=3600, description="how recent their MFA must be to assume the role, 60 to 3600 seconds"
    )
    subscribers: list[AlertSubscriber] = Field(
        min_length=1, description="who is told of every use: a list of {protocol, endpoint}"
    )
    management_role: bool = Field(
        default=False,
        description="also create the break-glass role in the management account (true or false, default false): no SCP binds it, so "
        "with it break-glass could detach every guardrail; without it, that day takes the management account's root user",
    )

    @field_validator("users")
    @classmethod
    def distinct(cls, users: list[str]) -> list[str]:
        if len(set(users)) != len(users):
            raise ValueError("each break-glass user must be named once")
        return users


class AlarmSettings(StackConfigModel):
    subscribers: list[AlertSubscriber] = Field(min_length=1, description="who is told: a list of {protocol, endpoint}")


GCP_PRINCIPAL = r"^(user|group):[^@\s]+@[^@\s]+\.[^@\s]+$"
GCP_PROJECT_ID = constraints.GCP_PROJECT_ID
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
# An environment stack's resource-name prefix (stacks/environment.py): its name, or <stack>-<workload> in a fleet;
# at most 40 characters, so that <prefix>-offsite-bucket-<7 random characters> stays a 63-character bucket name.
OFFSITE_PREFIX = r"^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$"
# Roles a break-glass grant must never carry: they change deny policies, organization policies or IAM itself (the
# guardrails of the backups), or delete or move the project. The basic roles include all of that.
GUARDRAIL_ROLE = re.compile(r"^roles/(owner|editor|viewer|(iam|orgpolicy|resourcemanager)\.[\w.]+)$")


class GcpBreakGlassSettings(StackConfigModel):
    eligible: list[Annotated[str, StringConstraints(pattern=GCP_PRINCIPAL)]] = Field(
        min_length=1,
        description="who may request break-glass access to the backup project: user:<email> or group:<email>",
    )
    approvers: list[Annotated[str, StringConstraints(pattern=GCP_PRINCIPAL)]] = Field(
        min_length=1, description="who approves a request (never one of the eligible): user:<email> or group:<email>"
    )
    # Recovery reads the off-site objects and copies them out; Cloud Storage decrypts them with its own service
    # agent, so no key role is needed.
    roles: list[Annotated[str, StringConstraints(pattern=r"^roles/[\w.]+$")]] = Field(
        default=["roles/storage.objectViewer"],
        min_length=1,
        description="roles granted for at most an hour on the off-site buckets only, such as roles/storage.objectViewer "
        "(read and copy out, the default) or roles/storage.objectUser (also restore soft-deleted objects); never roles/owner, "
        "roles/editor, roles/viewer, nor any roles/iam.*, roles/orgpolicy.* or roles/resourcemanager.* role",
    )
    offsite_prefixes: list[Annotated[str, StringConstraints(pattern=OFFSITE_PREFIX)]] | None = Field(
        default=None,
        min_length=1,
        description="the environment stacks whose off-site buckets a grant reaches, by the prefix they name them with: "
        "a stack's name, or <stack>-<workload> in a fleet (default: the keys of accounts.workloads)",
    )
    notification_emails: list[Annotated[str, StringConstraints(pattern=EMAIL)]] = Field(
        min_length=1, description="who is told of every grant: email addresses"
    )

    @field_validator("roles")
    @classmethod
    def never_the_guardrails(cls, roles: list[str]) -> list[str]:
        refused = [role for role in roles if GUARDRAIL_ROLE.match(role)]
        if refused:
            raise ValueError(
                f"{', '.join(refused)} would let a break-glass grant change the deny policies, organization policies or IAM "
                "that guard the backups, or delete or move the backup project"
            )
        return roles

    @model_validator(mode="after")
    def approved_by_someone_else(self) -> "GcpBreakGlassSettings":
        both = sorted(set(self.eligible) & set(self.approvers))
        if both:
            raise ValueError(f"{', '.join(both)} may both request and approve; approval must come from someone else")
        return self


class GcpOrganizationSettings(StackConfigModel):
    organization_id: str = Field(
        pattern=r"^\d{6,20}$", description="the GCP organization's numeric id, quoted as a string"
    )
    billing_account: str = Field(
        pattern=r"^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$", description="the billing account id, XXXXXX-XXXXXX-XXXXXX"
    )
    customer_id: str = Field(
        pattern=r"^C[0-9a-z]{6,12}$",
        description="the Cloud Identity customer id whose members alone may hold IAM roles (C0...)",
    )
    backup_folder_name: str = Field(
        default="Backups",
        min_length=3,
        max_length=30,
        description="display name of the backup folder, 3 to 30 characters",
    )
    backup_folder_id: str | None = Field(
        default=None,
        pattern=constraints.GCP_FOLDER,
        description="an existing folder to adopt (Pulumi import) instead of creating one, folders/<number>: it must sit "
        "directly under the organization and be named backupFolderName, or the import moves or renames it "
        "(docs/adopting.md)",
    )
    backup_project_id: str = Field(
        pattern=GCP_PROJECT_ID, description="the backup project's id: 6-30 lowercase letters, digits, hyphens"
    )
    backup_project_name: str | None = Field(
        default=None,
        pattern=f"^{PROJECT_NAME.pattern}$",
        description="the backup project's display name, 4 to 30 letters, digits, spaces, hyphens, quotes or exclamation "
        "marks (default: backupProjectId); an adopted project's own",
    )
    adopt_backup_project: bool = Field(
        default=False,
        description="true to adopt (Pulumi import) the existing project backupProjectId instead of creating it; it must "
        "already be in the folder backupFolderId, with backupProjectName and billingAccount its own (docs/adopting.md)",
    )
    region: str = Field(
        pattern=r"^[a-z]+-[a-z]+\d$",
        description="the GCP region of the backup project's regional resources, such as us-east4",
    )
    deployer_service_account: str = Field(
        pattern=SERVICE_ACCOUNT_EMAIL,
        description="the service account Pulumi deploys to GCP with (name@project.iam.gserviceaccount.com): it configures, never deletes, backups",
    )
    allowed_locations: list[str] = Field(
        min_length=1, description="resource locations the backup folder allows, such as in:us-locations"
    )
    bucket_retention_days: list[Annotated[int, Field(ge=1, le=MAX_RETENTION_DAYS)]] = Field(
        min_length=1, description="the retention periods, in days, a bucket in the backup folder may have"
    )
    break_glass: GcpBreakGlassSettings = Field(
        description="Privileged Access Manager: eligible, approvers, roles, notificationEmails"
    )

    @model_validator(mode="after")
    def adopted_project_stays_in_its_folder(self) -> "GcpOrganizationSettings":
        # A project imported under a folder the stack creates would be moved into it by the first `pulumi up`.
        if self.adopt_backup_project and self.backup_folder_id is None:
            raise ValueError(
                "adoptBackupProject needs backupFolderId, the existing folder the project is in: a project adopted "
                "into a folder this stack creates would be moved there; move it into its folder first and adopt both"
            )
        return self


class OrganizationStackConfig(StackConfigModel):
    kind: Literal["organization"] = Field(description="organization or environment")
    management: AwsAccount = Field(description="the management account: accountId, region, deploymentRoleArn")
    organization: OrganizationSettings = Field(description="the existing organization: id and rootId")
    member_role_name: str = Field(
        default="hardened-deployer",
        pattern=r"^[\w+=,.@-]{1,64}$",
        description="the role Organizations creates in each new account for Pulumi to assume (an IAM role name)",
    )
    break_glass_role_name: str = Field(
        default="hardened-break-glass",
        pattern=r"^[\w+=,.@-]{1,64}$",
        description="the break-glass role's name in every account",
    )
    accounts: MemberAccounts = Field(description="the member accounts to create: backup, logArchive, workloads")
    trail: TrailSettings = Field(
        description="the organization trail: name, retentionMode, retentionDays, eventsLogRetentionDays"
    )
    break_glass: BreakGlassSettings = Field(
        description="break-glass access: users, usersAccount, maxMfaAgeSeconds, subscribers"
    )
    gcp: GcpOrganizationSettings | None = Field(
        default=None,
        description="the second vendor: organizationId, billingAccount, customerId, backupProjectId, region, allowedLocations, ...",
    )
    minimum_vault_retention_days: int = Field(
        default=7,
        ge=1,
        le=MAX_RETENTION_DAYS,
        description="the weakest backup vault lock anyone may set, in days (SCP floor)",
    )
    regions: list[AwsRegion] | None = Field(
        default=None,
        min_length=1,
        description="the AWS regions the stacks use (default: the management region); every account's alarms are forwarded "
        "from each and from us-east-1, and the root SCP denies every other region to all but global services",
    )
    alarms: AlarmSettings | None = Field(
        default=None,
        description="who is told of every move against the backups: subscribers (default: breakGlass.subscribers)",
    )

    @field_validator("regions")
    @classmethod
    def regions_once_each(cls, regions: list[str] | None) -> list[str] | None:
        if regions is not None and len(set(regions)) != len(regions):
            raise ValueError("each region must be named once")
        return regions

    @property
    def used_regions(self) -> list[str]:
        """The regions the stacks use, the management region first."""
        return list(dict.fromkeys([self.management.region, *(self.regions or [])]))

    @model_validator(mode="before")
    @classmethod
    def break_glass_reaches_every_environment_by_default(cls, data):
        # The environment stacks name their off-site buckets after themselves; one deploying one workload is named
        # after the workload's key, as the shipped dev, staging and prod are.
        if not isinstance(data, dict):
            return data
        gcp, accounts = data.get("gcp"), data.get("accounts")
        break_glass = gcp.get("breakGlass") if isinstance(gcp, dict) else None
        workloads = accounts.get("workloads") if isinstance(accounts, dict) else None
        named = isinstance(break_glass, dict) and {"offsitePrefixes", "offsite_prefixes"} & set(break_glass)
        if isinstance(break_glass, dict) and not named and isinstance(workloads, dict) and workloads:
            break_glass = {**break_glass, "offsitePrefixes": sorted(workloads)}
            data = {**data, "gcp": {**gcp, "breakGlass": break_glass}}
        return data


class BucketSettings(StackConfigModel):
    retention_mode: RetentionMode = Field(
        description="COMPLIANCE (nobody can lift the lock) or GOVERNANCE (break-glass can)"
    )
    retention_days: int = Field(
        ge=1, le=MAX_RETENTION_DAYS, description="whole days each object version stays locked, 1 to 36500"
    )
    bucket_name: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$",
        description="a fixed S3 bucket name (3-63 lowercase letters, digits, dots, hyphens); omit for a generated one",
    )


class VaultLock(StackConfigModel):
    retention_mode: RetentionMode = Field(
        description="COMPLIANCE (the lock sets for good) or GOVERNANCE (it stays removable)"
    )
    min_retention_days: int = Field(
        ge=1, le=MAX_RETENTION_DAYS, description="shortest retention a recovery point may have, in days"
    )
    max_retention_days: int = Field(
        ge=1, le=MAX_RETENTION_DAYS, description="longest retention a recovery point may have, in days"
    )
    changeable_for_days: int | None = Field(
        default=None, ge=3, description="COMPLIANCE only: grace days before the lock sets for good, at least 3"
    )

    @model_validator(mode="after")
    def consistent(self) -> "VaultLock":
        if self.max_retention_days < self.min_retention_days:
            raise ValueError(
                f"maxRetentionDays ({self.max_retention_days}) is below minRetentionDays ({self.min_retention_days})"
            )
        if self.retention_mode == RetentionMode.GOVERNANCE and self.changeable_for_days is not None:
            raise ValueError("changeableForDays applies only to COMPLIANCE locks")
        return self


ScanResourceType = Literal["S3", "EBS", "EC2", "ALL"]


def _s3_only() -> list[ScanResourceType]:
    return ["S3"]


class MalwareScanSettings(StackConfigModel):
    mode: Literal["INCREMENTAL_SCAN", "FULL_SCAN"] = Field(
        default="INCREMENTAL_SCAN",
        description="how the daily rule scans each new recovery point: INCREMENTAL_SCAN (default) or FULL_SCAN",
    )
    full_scan_schedule: AwsCron | None = Field(
        default=None,
        description="when a second rule backs up and scans in full, an AWS cron expression (default cron(0 5 ? * SUN *)); INCREMENTAL_SCAN only",
    )
    resource_types: list[ScanResourceType] = Field(
        default_factory=_s3_only, min_length=1, description="what GuardDuty scans: S3 (default), EBS, EC2, or ALL alone"
    )

    @model_validator(mode="after")
    def one_mode(self) -> "MalwareScanSettings":
        if self.full_scan_schedule is not None and self.mode == "FULL_SCAN":
            raise ValueError(
                "fullScanSchedule adds a weekly full scan to INCREMENTAL_SCAN; with mode FULL_SCAN every scan is full"
            )
        if "ALL" in self.resource_types and len(self.resource_types) > 1:
            raise ValueError("resourceTypes takes ALL alone")
        return self


class BackupSchedule(StackConfigModel):
    schedule: AwsCron = Field(description="an AWS cron expression with six fields, such as cron(0 3 * * ? *)")
    retention_days: int = Field(
        ge=1, le=MAX_RETENTION_DAYS, description="days each recovery point is kept in the workload account's vault"
    )
    copy_retention_days: int = Field(
        ge=1, le=MAX_RETENTION_DAYS, description="days each copy is kept in the backup account's vault"
    )
    second_region: AwsRegion = Field(description="a second AWS region for another copy, such as eu-central-1")
    second_region_retention_days: int = Field(
        ge=1, le=MAX_RETENTION_DAYS, description="days each copy is kept in the second region"
    )
    malware_scans: MalwareScanSettings | None = Field(
        default=None,
        description="GuardDuty Malware Protection scans of every recovery point: mode, fullScanSchedule, resourceTypes (none by default)",
    )


class AirGappedSettings(StackConfigModel):
    min_retention_days: int = Field(
        ge=7,
        le=MAX_RETENTION_DAYS,
        description="shortest retention a recovery point may have, in days (7, AWS's floor, to 36500)",
    )
    max_retention_days: int = Field(
        ge=7, le=MAX_RETENTION_DAYS, description="longest retention a recovery point may have, in days (at most 36500)"
    )
    copy_retention_days: int = Field(
        ge=7,
        le=MAX_RETENTION_DAYS,
        description="days each copy is kept in the vault, from minRetentionDays to maxRetentionDays",
    )
    recovery_account_ids: list[Annotated[str, StringConstraints(pattern=r"^[0-9]{12}$")]] = Field(
        default_factory=list,
        description="12-digit ids of the organization's accounts the vault is shared with through AWS RAM, to restore from",
    )

    @model_validator(mode="after")
    def copies_fit_the_vault(self) -> "AirGappedSettings":
        if self.max_retention_days < self.min_retention_days:
            raise ValueError(
                f"maxRetentionDays ({self.max_retention_days}) is below minRetentionDays ({self.min_retention_days})"
            )
        if not self.min_retention_days <= self.copy_retention_days <= self.max_retention_days:
            raise ValueError(
                f"copyRetentionDays is {self.copy_retention_days} days, outside the vault's {self.min_retention_days} to "
                f"{self.max_retention_days} days; AWS Backup would fail every copy job"
            )
        if len(set(self.recovery_account_ids)) != len(self.recovery_account_ids):
            raise ValueError("each recovery account must be named once")
        return self


class RestoreTestingSettings(StackConfigModel):
    schedule: AwsCron = Field(description="an AWS cron expression with six fields, such as cron(0 5 ? * SUN *)")
    selection_window_days: int = Field(
        default=7, ge=1, le=365, description="test recovery points from the last 1 to 365 days"
    )
    recovery_time_objective_minutes: int = Field(
        default=240,
        ge=1,
        le=10080,
        description="the longest a restore may take, in minutes (1 to 10080, default 240): a slower restore test raises the alarm",
    )


class GcpCopySettings(StackConfigModel):
    location: str = Field(
        pattern=r"^[A-Za-z0-9-]+$",
        description="the GCS location of the third copy, in another geography than region (such as us-east4)",
    )
    retention_days: int = Field(
        ge=1, le=MAX_RETENTION_DAYS, description="days each object stays under the bucket's retention policy"
    )
    locked: bool = Field(default=False, description="lock the retention policy for good (production)")
    soft_delete_days: int = Field(
        default=7, ge=7, le=90, description="days a deleted object stays recoverable, 7 to 90"
    )
    transfer_start_date: str = Field(
        pattern=r"^\d{4}-\d{2}-\d{2}$", description="the first day of the daily copy from AWS, YYYY-MM-DD"
    )

    @model_validator(mode="before")
    @classmethod
    def no_backup_and_dr_vault(cls, data):
        removed = (
            sorted({"vaultMinimumRetentionDays", "vaultLockEffectiveTime"} & set(data))
            if isinstance(data, dict)
            else []
        )
        if removed:
            raise ValueError(
                f"{' and '.join(removed)} were removed: the stack no longer declares a Backup and DR vault, because nothing was ever "
                "backed up into it (Cloud Storage buckets are not a Backup and DR data source); delete these keys, and see "
                "docs/stacks.md, The 3-2-1 layout, for a live stack that still has the vault"
            )
        return data


class EnvironmentStackConfig(StackConfigModel):
    kind: Literal["environment"] = Field(description="organization or environment")
    tier: Literal["production", "non-production"] = Field(
        description="production, or non-production (COMPLIANCE locks there are capped at 30 days, vault locks stay GOVERNANCE)"
    )
    organization_stack: str = Field(
        pattern=r"^([\w.-]+/[\w.-]+/)?[\w.-]+$",
        description="the organization stack whose accounts this stack deploys into: <stack> or <org>/<project>/<stack>",
    )
    environment: EnvironmentName | None = Field(
        default=None,
        description="the key of this environment's workload account in the organization stack; defaults to the stack name",
    )
    backup_account: Literal["backup", "nonProductionBackup"] | None = Field(
        default=None,
        description="which of the organization's backup accounts takes this stack's copies: backup, or nonProductionBackup "
        "(default: nonProductionBackup for a non-production stack when the organization has one, backup otherwise; a "
        "production stack never uses nonProductionBackup)",
    )
    workloads: list[EnvironmentName] | None = Field(
        default=None,
        min_length=1,
        description="a fleet: keys of several workload accounts in the organization stack, each given the same baseline",
    )
    region: AwsRegion = Field(description="the AWS region of the workload and the backup account's copies")
    buckets: dict[BucketKey, BucketSettings] = Field(
        min_length=1,
        description="workload buckets by short name (lowercase, digits, hyphens), each with retentionMode and retentionDays",
    )
    replica: BucketSettings = Field(
        description="the backup account's bucket that receives S3 replicas: retentionMode, retentionDays"
    )
    vault: VaultLock = Field(
        description="the lock of every backup vault: retentionMode, minRetentionDays, maxRetentionDays, changeableForDays"
    )
    backups: BackupSchedule = Field(
        description="schedule, retentionDays, copyRetentionDays, secondRegion, secondRegionRetentionDays"
    )
    restore_testing: RestoreTestingSettings = Field(
        description="when restores are tested: schedule, selectionWindowDays"
    )
    air_gapped: AirGappedSettings | None = Field(
        default=None,
        validate_default=True,
        description="the backup account's logically air-gapped vault (AWS-owned key, locked from creation): minRetentionDays, "
        "maxRetentionDays, copyRetentionDays, recoveryAccountIds (required in production, optional elsewhere)",
    )
    gcp: GcpCopySettings | None = Field(
        default=None,
        validate_default=True,
        description="the third copy, at GCP: location, retentionDays, locked, softDeleteDays, transferStartDate "
        "(required in production, optional elsewhere)",
    )

    @model_validator(mode="after")
    def fixed_names_need_one_workload(self) -> "EnvironmentStackConfig":
        # A fleet declares one bucket of each kind per workload: one fixed name cannot serve them all.
        if self.workloads and len(self.workloads) > 1:
            named = [f"buckets.{key}.bucketName" for key, bucket in self.buckets.items() if bucket.bucket_name]
            named += ["replica.bucketName"] if self.replica.bucket_name else []
            if named:
                raise ValueError(
                    f"{', '.join(named)} cannot apply to a fleet of {len(self.workloads)} workloads, which names each "
                    "workload's buckets after it: leave it out"
                )
        return self

    @field_validator("backups")
    @classmethod
    def second_region_is_another(cls, backups: BackupSchedule, info: ValidationInfo) -> BackupSchedule:
        if backups.second_region == info.data.get("region"):
            raise ValueError(
                f"secondRegion is {backups.second_region}, the stack's own region: the second-region copy must be elsewhere"
            )
        return backups

    @field_validator("buckets", "replica")
    @classmethod
    def non_production_locks_stay_short(cls, value, info):
        if info.data.get("tier") != "non-production":
            return value
        for key, settings in value.items() if isinstance(value, dict) else [("replica", value)]:
            if (
                settings.retention_mode == RetentionMode.COMPLIANCE
                and settings.retention_days > NON_PRODUCTION_MAX_COMPLIANCE_DAYS
            ):
                raise ValueError(
                    f"bucket '{key}' asks for a COMPLIANCE lock of {settings.retention_days} days in a non-production stack, "
                    f"which nobody could lift or delete for that long; use GOVERNANCE, or at most "
                    f"{NON_PRODUCTION_MAX_COMPLIANCE_DAYS} days"
                )
        return value

    @field_validator("vault")
    @classmethod
    def non_production_vaults_stay_removable(cls, vault: VaultLock, info) -> VaultLock:
        if info.data.get("tier") == "non-production" and vault.retention_mode == RetentionMode.COMPLIANCE:
            raise ValueError(
                "retentionMode is COMPLIANCE in a non-production stack, a vault lock nobody could ever lift; use GOVERNANCE"
            )
        return vault

    @field_validator("backups")
    @classmethod
    def retention_fits_the_vault_lock(cls, backups: BackupSchedule, info) -> BackupSchedule:
        lock = info.data.get("vault")
        if lock is None:
            return backups
        for key in ("retention_days", "copy_retention_days", "second_region_retention_days"):
            days = getattr(backups, key)
            if not lock.min_retention_days <= days <= lock.max_retention_days:
                raise ValueError(
                    f"{BackupSchedule.model_fields[key].alias} is {days} days, outside the vault lock's "
                    f"{lock.min_retention_days} to {lock.max_retention_days} days; AWS Backup would fail every such job"
                )
        return backups

    @field_validator("workloads")
    @classmethod
    def one_way_to_name_the_workloads(cls, workloads: list[str] | None, info) -> list[str] | None:
        if workloads is not None and info.data.get("environment") is not None:
            raise ValueError("give either environment (one workload account) or workloads (a fleet), not both")
        if workloads is not None and len(set(workloads)) != len(workloads):
            raise ValueError("each workload account must be named once")
        return workloads

    @field_validator("backup_account")
    @classmethod
    def production_copies_stay_apart(cls, account: str | None, info: ValidationInfo) -> str | None:
        if account == "nonProductionBackup" and info.data.get("tier") == "production":
            raise ValueError(
                "a production stack keeps its copies in the backup account, never in nonProductionBackup, where the "
                "non-production pipelines deploy; leave backupAccount out"
            )
        return account

    @field_validator("air_gapped")
    @classmethod
    def production_keeps_an_air_gapped_copy(cls, vault: AirGappedSettings | None, info) -> AirGappedSettings | None:
        tier = info.data.get("tier")
        if vault is None and tier == "production":
            raise ValueError(
                "a production stack keeps the backup account's copy in a logically air-gapped vault as well: give airGapped "
                "(minRetentionDays, maxRetentionDays, copyRetentionDays)"
            )
        if (
            vault is not None
            and tier == "non-production"
            and vault.min_retention_days > NON_PRODUCTION_MAX_COMPLIANCE_DAYS
        ):
            raise ValueError(
                f"an air-gapped vault is compliance-locked from creation: a minimum of {vault.min_retention_days} days in a "
                f"non-production stack could never be shortened; keep it to {NON_PRODUCTION_MAX_COMPLIANCE_DAYS} days"
            )
        return vault

    @field_validator("gcp")
    @classmethod
    def production_keeps_a_third_copy_elsewhere(cls, copy: GcpCopySettings | None, info) -> GcpCopySettings | None:
        if copy is None:
            if info.data.get("tier") == "production":
                raise ValueError(
                    "a production stack keeps its third copy at the second vendor: give gcp (location, retentionDays, ...)"
                )
            return copy
        if info.data.get("tier") == "production" and not copy.locked:
            raise ValueError(
                "a production stack locks its third copy's retention policy (locked: true): unlocked, the deployment "
                "service account, which the folder's deny policy spares for bucket settings, could shorten or remove it"
            )
        if (
            info.data.get("tier") == "non-production"
            and copy.locked
            and copy.retention_days > NON_PRODUCTION_MAX_COMPLIANCE_DAYS
        ):
            raise ValueError(
                f"a locked retention policy of {copy.retention_days} days in a non-production stack could never be shortened; "
                f"leave it unlocked or keep it to {NON_PRODUCTION_MAX_COMPLIANCE_DAYS} days"
            )
        region = info.data.get("region")
        if region:
            try:
                primary, offsite = geography_of_aws_region(region), geography_of_gcs_location(copy.location)
            except ValueError as error:
                raise ValueError(str(error)) from None
            if primary == offsite:
                raise ValueError(
                    f"location {copy.location} is in {offsite}, the same geography as the AWS region {region}; "
                    "the third copy must be in another geography"
                )
        return copy
