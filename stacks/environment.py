"""An environment stack (dev, staging, prod): its workload account and its share of a backup account (the
non-production backup account for a non-production stack, when the organization has one).

Accounts come from the organization stack's outputs. In the workload account: buckets that replicate
every version to the backup account, a local locked vault, a vault in a second region, and a backup
plan that copies each recovery point to both and to the backup account's vaults. In the backup account: the
replica bucket, a locked vault and (in production) a logically air-gapped vault that admit copies from this
stack's workload accounts only, and scheduled restore tests.
"""

from functools import partial
from typing import Literal, cast

import pulumi
import pulumi_aws as aws
from cross_stack import unwatched_regions
from second_vendor import environment_side
from stack_config import EnvironmentStackConfig

from hardened.aws import (
    AirGappedVault,
    BackupCopy,
    BackupPlan,
    BackupPlanArgs,
    ImmutableBucket,
    LockedVault,
    RestoreTesting,
    RestoreValidation,
    replication_role_name,
)
from hardened.aws.backup_plan import MalwareScans
from hardened.aws.restore_testing import restore_testing_plan_name
from hardened.errors import StackConfigError
from hardened.stack_contract import (
    AWS_OWNED,
    CUSTOMER_MANAGED,
    AccountExport,
    AccountsExport,
    AlarmsExport,
    CopyExport,
    GcpExport,
    OrganizationExports,
    export_copies,
    organization_exports,
)

RetentionModeName = Literal["COMPLIANCE", "GOVERNANCE"]  # a copy's retentionMode (CopyExport)


def environment(stack: str, config: EnvironmentStackConfig) -> None:
    keys = config.workloads or [config.environment or stack]
    organization = pulumi.StackReference(f"{stack}-organization", stack_name=config.organization_stack)
    # Every export read through the contract (hardened.stack_contract.OrganizationExports), checked as it resolves.
    exports = organization_exports(organization, config.organization_stack)
    accounts = exports.apply(lambda e: e["accounts"])
    organization_id = exports.apply(lambda e: e["organizationId"])
    # The organization stack names its alarm hub after itself: alarms named after the hub reach it from every account.
    alarm_prefix = f"{config.organization_stack.rsplit('/', 1)[-1]}-alarms"
    # The stack's regions must be watched by the organization's alarms (and allowed by its root SCP).
    watched = exports.apply(lambda e: _alarm_hub_of(e["alarms"], alarm_prefix, config.organization_stack)["regions"])
    backup = pulumi.Output.all(accounts, watched).apply(
        lambda v: _backup_account_of(
            v[0],
            config.tier,
            config.backup_account,
            config.organization_stack,
            _watched(v[1], config, config.organization_stack),
        )
    )
    tags = {"hardened:stack": stack, "hardened:tier": config.tier}

    def provider(name: str, account: pulumi.Output[AccountExport], region: str) -> pulumi.ResourceOptions:
        # One provider per account and region, pinned so a wrong credential can never deploy elsewhere.
        return pulumi.ResourceOptions(
            provider=aws.Provider(
                f"{stack}-{name}",
                region=region,
                allowed_account_ids=[account["accountId"]],
                assume_roles=[
                    aws.ProviderAssumeRoleArgs(role_arn=account["deploymentRoleArn"], session_name=f"hardened-{stack}")
                ],
                default_tags=aws.ProviderDefaultTagsArgs(tags=tags),
            )
        )

    def lock(
        name: str, opts: pulumi.ResourceOptions, account: pulumi.Output[AccountExport], sources: list | None = None
    ) -> LockedVault:
        return LockedVault(
            name,
            {
                "retention_mode": config.vault.retention_mode,
                "min_retention_days": config.vault.min_retention_days,
                "max_retention_days": config.vault.max_retention_days,
                "changeable_for_days": config.vault.changeable_for_days,
                "administrator_arns": [account["deploymentRoleArn"]],
                "break_glass_arns": [account["breakGlassRoleArn"]],
                "copy_source_account_ids": sources,
            },
            opts=opts,
        )

    scan = config.backups.malware_scans
    scans: MalwareScans | None = None
    if scan is not None:
        scans = {"mode": scan.mode, "resource_types": list(scan.resource_types)}
        if scan.full_scan_schedule:
            scans.update({"full_scan_schedule": scan.full_scan_schedule})
    workloads = {
        key: accounts.apply(partial(_workload_account, env=key, organization_stack=config.organization_stack))
        for key in keys
    }
    # The workload named like the stack (and the only one of a single-workload stack) keeps the short names; every
    # other workload of a fleet is named after itself: a stack that grows into a fleet renames nothing it has.
    prefixes = {key: stack if len(keys) == 1 or key == stack else f"{stack}-{key}" for key in keys}

    # The backup account: nobody in a workload account can reach what lands here.
    in_backup = provider("backup", backup, config.region)
    vault = lock(f"{stack}-backup-vault", in_backup, backup, sources=[w["accountId"] for w in workloads.values()])
    # The backup account's copy with no customer key to shred: compliance-locked from creation, AWS-owned key.
    air_gapped = (
        None
        if config.air_gapped is None
        else AirGappedVault(
            f"{stack}-air-gapped-vault",
            {
                "min_retention_days": config.air_gapped.min_retention_days,
                "max_retention_days": config.air_gapped.max_retention_days,
                "copy_source_account_ids": [w["accountId"] for w in workloads.values()],
                "recovery_account_ids": config.air_gapped.recovery_account_ids,
            },
            opts=in_backup,
        )
    )
    restore_tests = RestoreTesting(
        f"{stack}-restore-tests",
        {
            "vault_arn": vault.vault_arn,
            "schedule": config.restore_testing.schedule,
            "selection_window_days": config.restore_testing.selection_window_days,
        },
        opts=in_backup,
    )
    # Every restore test checked and timed; its alarms carry the hub's prefix, so the backup account's forwarder sends
    # them to the hub (no topic in the account it watches).
    RestoreValidation(
        f"{alarm_prefix}-{stack}-restore-validation",
        {
            "restore_testing_plan_name": restore_testing_plan_name(f"{stack}-restore-tests"),
            "recovery_time_objective_minutes": config.restore_testing.recovery_time_objective_minutes,
            "tags": tags,
        },
        opts=in_backup,
    )

    def workload_baseline(prefix: str, workload: pulumi.Output[AccountExport]) -> dict:
        """One workload account's data, replicated and backed up out of its own reach."""
        names = "workload" if prefix == stack else f"{prefix.removeprefix(stack + '-')}-workload"
        in_workload = provider(names, workload, config.region)
        in_second_region = provider(f"{names}-{config.backups.second_region}", workload, config.backups.second_region)
        bucket_names = {key: f"{prefix}-{key}" for key in config.buckets}
        replicas = ImmutableBucket(
            f"{prefix}-replicas",
            {
                "retention_mode": config.replica.retention_mode,
                "retention_days": config.replica.retention_days,
                "bucket_name": config.replica.bucket_name,  # a fleet gives none (stack_config refuses it)
                "administrator_arns": [backup["deploymentRoleArn"]],
                "break_glass_arns": [backup["breakGlassRoleArn"]],
                "organization_id": organization_id,
                "replication_role_arns": [
                    pulumi.Output.concat(
                        "arn:aws:iam::", workload["accountId"], ":role/", replication_role_name(f"{name}-replication")
                    )
                    for name in bucket_names.values()
                ],
            },
            opts=in_backup,
        )
        buckets = {
            key: ImmutableBucket(
                name,
                {
                    "retention_mode": config.buckets[key].retention_mode,
                    "retention_days": config.buckets[key].retention_days,
                    "bucket_name": config.buckets[key].bucket_name,
                    "administrator_arns": [workload["deploymentRoleArn"]],
                    "break_glass_arns": [workload["breakGlassRoleArn"]],
                    "organization_id": organization_id,
                    "replicate_to": {
                        "bucket_arn": replicas.bucket_arn,
                        "account_id": backup["accountId"],
                        "key_arn": replicas.key_arn,
                        # Named after the hub: the workload account's forwarder sends it there.
                        "failure_alarm_name": f"{alarm_prefix}-{name}-replication-failures",
                    },
                },
                opts=in_workload,
            )
            for key, name in bucket_names.items()
        }
        local_vault = lock(f"{prefix}-local-vault", in_workload, workload)
        second_vault = lock(f"{prefix}-{config.backups.second_region}-vault", in_second_region, workload)
        copies: list[BackupCopy] = [
            {"vault_arn": vault.vault_arn, "retention_days": config.backups.copy_retention_days},
            {"vault_arn": second_vault.vault_arn, "retention_days": config.backups.second_region_retention_days},
        ]
        if air_gapped and config.air_gapped:  # the vault is there exactly when its settings are
            copies.append({"vault_arn": air_gapped.vault_arn, "retention_days": config.air_gapped.copy_retention_days})
        plan: BackupPlanArgs = {
            "vault_name": local_vault.vault_name,
            "schedule": config.backups.schedule,
            "retention_days": config.backups.retention_days,
            "resource_arns": [bucket.bucket_arn for bucket in buckets.values()],
            "copies": copies,
            "tags": tags,
        }
        if scans is not None:
            # Scans of every recovery point; what they find reaches the hub through the account's forwarder.
            plan.update({"malware_scans": scans})
        BackupPlan(f"{prefix}-backup-plan", plan, opts=in_workload)
        return {
            "accountId": workload["accountId"],
            "buckets": {
                key: {"name": b.bucket_name, "arn": b.bucket_arn, "replicatesTo": replicas.bucket_arn}
                for key, b in buckets.items()
            },
            "vaults": {"local": local_vault.vault_arn, "secondRegion": second_vault.vault_arn},
            "replicas": replicas,
        }

    baselines = {key: workload_baseline(prefixes[key], workload) for key, workload in workloads.items()}
    air_gapped_vaults = {"airGapped": air_gapped.vault_arn} if air_gapped else {}
    lock_summary = {
        "mode": config.vault.retention_mode.value,
        "minDays": config.vault.min_retention_days,
        "maxDays": config.vault.max_retention_days,
    }
    pulumi.export("backupAccount", backup["accountId"])
    pulumi.export("workloads", {key: {k: v for k, v in b.items() if k != "replicas"} for key, b in baselines.items()})
    if len(keys) == 1:  # the single-workload shape, as before fleets
        only = baselines[keys[0]]
        pulumi.export("workloadAccount", only["accountId"])
        pulumi.export("buckets", only["buckets"])
        pulumi.export(
            "vaults", {**only["vaults"], "backupAccount": vault.vault_arn, "lock": lock_summary, **air_gapped_vaults}
        )
    else:
        pulumi.export("vaults", {"backupAccount": vault.vault_arn, "lock": lock_summary, **air_gapped_vaults})
    if config.gcp is not None:
        organization_gcp = exports.apply(lambda e: _second_vendor_of(e, config.organization_stack))
        replicas = {prefixes[key]: b["replicas"] for key, b in baselines.items()}
        backup_provider = cast(aws.Provider, in_backup.provider)  # provider() always sets an aws.Provider
        pulumi.export(
            "gcp", environment_side(stack, config.gcp, organization_gcp, config.region, replicas, backup_provider)
        )
    export_copies(_copies(stack, config))
    pulumi.export("restoreRoleArn", restore_tests.role_arn)
    # Restores by hand go through the backup account's break-glass role (MFA, one-hour sessions, an alarm on every use):
    # it starts the restore job and passes the restore role to AWS Backup.
    pulumi.export("restoreOperatorRoleArn", backup["breakGlassRoleArn"])


def _second_vendor_of(exports: OrganizationExports, organization_stack: str) -> GcpExport:
    if "gcp" not in exports:
        raise StackConfigError(
            f"this stack keeps a copy at GCP, but the organization stack '{organization_stack}' has no gcp backup project; "
            "add gcp there, or leave gcp out of this stack"
        )
    return exports["gcp"]


def _copies(stack: str, config: EnvironmentStackConfig) -> list[CopyExport]:
    """The 3-2-1 layout of this stack's data: every copy, its vendor, account or project, region, lock, and the
    retention its lock really enforces (`retentionMode`, `retentionDays`: the shortest, where copies differ)."""
    sources = list(config.buckets.values())
    source_days = min(b.retention_days for b in sources)
    source_mode = _weakest(b.retention_mode.value for b in sources)
    vault_mode: RetentionModeName = config.vault.retention_mode.value
    copies: list[CopyExport] = [
        {
            "copy": "primary",
            "vendor": "aws",
            "where": "workload account",
            "region": config.region,
            "lock": "S3 Object Lock",
            "retentionMode": source_mode,
            "retentionDays": source_days,
            "key": CUSTOMER_MANAGED,
        },
        # S3 gives a replica its source version's lock and retain-until date; the replica bucket's own default
        # (replica.retentionDays) applies only to objects written there without one, which replication never does.
        {
            "copy": "replica",
            "vendor": "aws",
            "where": "backup account",
            "region": config.region,
            "lock": "S3 Object Lock (the source's)",
            "retentionMode": source_mode,
            "retentionDays": source_days,
            "key": CUSTOMER_MANAGED,
        },
        {
            "copy": "vault copy",
            "vendor": "aws",
            "where": "backup account",
            "region": config.region,
            "lock": "AWS Backup Vault Lock",
            "retentionMode": vault_mode,
            "retentionDays": config.backups.copy_retention_days,
            "key": CUSTOMER_MANAGED,
        },
        {
            "copy": "second-region copy",
            "vendor": "aws",
            "where": "workload account",
            "region": config.backups.second_region,
            "lock": "AWS Backup Vault Lock",
            "retentionMode": vault_mode,
            "retentionDays": config.backups.second_region_retention_days,
            "key": CUSTOMER_MANAGED,
        },
    ]
    if config.air_gapped is not None:
        copies.append(
            {
                "copy": "air-gapped copy",
                "vendor": "aws",
                "where": "backup account",
                "region": config.region,
                "lock": "logically air-gapped vault",
                "retentionMode": "COMPLIANCE",
                "retentionDays": config.air_gapped.copy_retention_days,
                "key": AWS_OWNED,
            }
        )
    if config.gcp is not None:
        lock = "locked retention policy" if config.gcp.locked else "retention policy"
        # A locked retention policy can be neither shortened nor removed (COMPLIANCE); an unlocked one can (GOVERNANCE).
        copies.append(
            {
                "copy": "offsite",
                "vendor": "gcp",
                "where": "backup project",
                "region": config.gcp.location,
                "lock": lock,
                "retentionMode": "COMPLIANCE" if config.gcp.locked else "GOVERNANCE",
                "retentionDays": config.gcp.retention_days,
                "key": CUSTOMER_MANAGED,
            }
        )
    return copies


def _weakest(modes) -> RetentionModeName:
    """GOVERNANCE if any copy's lock can be lifted, else COMPLIANCE."""
    return "GOVERNANCE" if "GOVERNANCE" in set(modes) else "COMPLIANCE"


def _alarm_hub_of(alarms: AlarmsExport, prefix: str, organization_stack: str) -> AlarmsExport:
    if alarms["prefix"] != prefix:
        raise StackConfigError(
            f"the organization stack '{organization_stack}' names its alarm hub {alarms['prefix']!r}, not {prefix!r}: "
            "organizationStack must name the stack that deployed it"
        )
    return alarms


def _watched(regions: list[str], config: EnvironmentStackConfig, organization_stack: str) -> list[str]:
    # Checked before anything is declared when the organization stack is of this project (cross_stack.py); here again
    # on what the stack reference returns, for one of another project.
    problems = unwatched_regions(config, regions)
    if problems:
        raise StackConfigError(
            " ".join(f"key '{key}' {text} (organization stack '{organization_stack}')." for key, text in problems)
        )
    return regions


def _backup_account_of(
    accounts: AccountsExport,
    tier: str,
    chosen: Literal["backup", "nonProductionBackup"] | None,
    organization_stack: str,
    _regions: list[str],
) -> AccountExport:
    """Where this stack's copies go: the non-production backup account for a non-production stack when the organization
    has one, so its pipeline never deploys where production's copies are; the backup account otherwise, or as chosen."""
    if chosen is not None and chosen not in accounts:
        raise StackConfigError(
            f"backupAccount is {chosen}, but the organization stack '{organization_stack}' has no such account; "
            "add accounts.nonProductionBackup there, or leave backupAccount out"
        )
    key = chosen or (
        "nonProductionBackup" if tier == "non-production" and "nonProductionBackup" in accounts else "backup"
    )
    return accounts[key]


def _workload_account(accounts: AccountsExport, env: str, organization_stack: str) -> AccountExport:
    workloads = accounts["workloads"]
    if env not in workloads:
        raise StackConfigError(
            f"the organization stack '{organization_stack}' has no workload account '{env}' "
            f"(it has: {', '.join(sorted(workloads)) or 'none'}); add it there under accounts.workloads, or set environment"
        )
    return workloads[env]
